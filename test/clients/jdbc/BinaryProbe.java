// Reads the same queries over two pgjdbc connections, one forcing the binary
// transfer (prepareThreshold=-1: server-side prepared statements from the first
// execution, binary results for every type pgjdbc can read in binary), one
// text only, and prints each value from both, with the format the binary
// connection's RowDescription reported, for binary.test.ts to compare.
//
// stdin: one query per line: SQL, then optional parameters, tab-separated, each
// as kind:value with kind one of int, long, double, decimal, string, bool,
// date, timestamp, uuid, bytes (hex).
// stdout: V <query> <row> <column> <pg type name> <format 0|1> <binary-connection value> <text-connection value>
// (values by getString, except bytea as hex and arrays as their elements; \\N = NULL)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class BinaryProbe {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    Properties binary = new Properties();
    binary.setProperty("user", args[1]);
    binary.setProperty("prepareThreshold", "-1");
    binary.setProperty("binaryTransfer", "true");
    Properties text = new Properties();
    text.setProperty("user", args[1]);
    text.setProperty("prepareThreshold", "0");
    text.setProperty("binaryTransfer", "false");
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"))) {
      for (String line; (line = in.readLine()) != null; ) if (!line.isEmpty()) lines.add(line);
    }
    try (Connection b = DriverManager.getConnection(url, binary); Connection t = DriverManager.getConnection(url, text)) {
      for (int q = 0; q < lines.size(); q++) {
        String[] parts = lines.get(q).split("\t");
        // Run twice on the binary connection: pgjdbc switches to binary once the statement is described.
        for (int pass = 0; pass < 2; pass++) {
          try (PreparedStatement pb = b.prepareStatement(parts[0]); PreparedStatement pt = t.prepareStatement(parts[0])) {
            bind(pb, parts);
            bind(pt, parts);
            try (ResultSet rb = pb.executeQuery(); ResultSet rt = pt.executeQuery()) {
              if (pass == 0) continue;
              ResultSetMetaData md = rb.getMetaData();
              org.postgresql.core.Field[] fields = fieldsOf(rb);
              int row = 0;
              while (rb.next()) {
                if (!rt.next()) throw new IllegalStateException("text result has fewer rows");
                for (int c = 1; c <= md.getColumnCount(); c++) {
                  System.out.println("V\t" + q + "\t" + row + "\t" + c + "\t" + md.getColumnTypeName(c) + "\t" + fields[c - 1].getFormat() + "\t" + esc(value(rb, c, md)) + "\t" + esc(value(rt, c, md)));
                }
                row++;
              }
              if (rt.next()) throw new IllegalStateException("text result has more rows");
            }
          }
        }
      }
    }
  }

  /** getString, except bytea as hex and arrays element by element (pgjdbc's getString differs by format there). */
  static String value(ResultSet rs, int c, ResultSetMetaData md) throws Exception {
    String type = md.getColumnTypeName(c);
    if (type.equals("bytea")) {
      byte[] bytes = rs.getBytes(c);
      if (bytes == null) return null;
      StringBuilder sb = new StringBuilder();
      for (byte x : bytes) sb.append(String.format("%02x", x & 0xff));
      return sb.toString();
    }
    if (type.startsWith("_")) {
      java.sql.Array a = rs.getArray(c);
      return a == null ? null : java.util.Arrays.deepToString((Object[]) a.getArray());
    }
    return rs.getString(c);
  }

  static org.postgresql.core.Field[] fieldsOf(ResultSet rs) throws Exception {
    Object inner = rs.unwrap(org.postgresql.jdbc.PgResultSet.class);
    java.lang.reflect.Field f = org.postgresql.jdbc.PgResultSet.class.getDeclaredField("fields");
    f.setAccessible(true);
    return (org.postgresql.core.Field[]) f.get(inner);
  }

  static void bind(PreparedStatement ps, String[] parts) throws Exception {
    for (int i = 1; i < parts.length; i++) {
      int colon = parts[i].indexOf(':');
      String kind = parts[i].substring(0, colon);
      String v = parts[i].substring(colon + 1);
      switch (kind) {
        case "int": ps.setInt(i, Integer.parseInt(v)); break;
        case "long": ps.setLong(i, Long.parseLong(v)); break;
        case "double": ps.setDouble(i, Double.parseDouble(v)); break;
        case "decimal": ps.setBigDecimal(i, new BigDecimal(v)); break;
        case "string": ps.setString(i, v); break;
        case "bool": ps.setBoolean(i, Boolean.parseBoolean(v)); break;
        case "date": ps.setDate(i, java.sql.Date.valueOf(v)); break;
        case "timestamp": ps.setTimestamp(i, java.sql.Timestamp.valueOf(v)); break;
        case "uuid": ps.setObject(i, java.util.UUID.fromString(v)); break;
        case "bytes": ps.setBytes(i, hex(v)); break;
        default: throw new IllegalArgumentException(kind);
      }
    }
  }

  static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return out;
  }

  static String esc(String s) {
    if (s == null) return "\\N";
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
  }
}
