import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Streams every row of one query through pgjdbc and prints one JSON line:
 * {"ok":true,"rows":N,"ms":T} or {"ok":false,"sqlstate":"..","message":".."}.
 * Used by bench/wire.ts; compiled at run time with javac against pgjdbc.
 *
 *   java -cp postgresql.jar:DIR WireBench URL USER SQL FETCH_SIZE text|binary
 *
 * Autocommit is off and the fetch size is set, so the driver reads through a
 * portal FETCH_SIZE rows at a time (Execute with a row limit) instead of
 * buffering the whole result. "binary" sets binaryTransfer=true and
 * prepareThreshold=-1, which makes pgjdbc prepare the statement on its first
 * execution and ask for binary results for every type it can decode;
 * "text" sets binaryTransfer=false. Every value is read with getObject, so
 * the driver decodes it as an application would.
 */
public final class WireBench {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    String sql = args[2];
    int fetchSize = Integer.parseInt(args[3]);
    boolean binary = args[4].equals("binary");
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("binaryTransfer", binary ? "true" : "false");
    if (binary) props.setProperty("prepareThreshold", "-1");
    try (Connection conn = DriverManager.getConnection(url, props)) {
      conn.setAutoCommit(false);
      long rows = 0;
      long checksum = 0;
      long started = System.nanoTime();
      try (PreparedStatement st = conn.prepareStatement(sql)) {
        st.setFetchSize(fetchSize);
        try (ResultSet rs = st.executeQuery()) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int c = 1; c <= columns; c++) {
              Object value = rs.getObject(c);
              // Keeps the JIT from discarding the decoding.
              if (value != null) checksum += value.hashCode() & 1;
            }
            rows++;
          }
        }
      }
      double ms = (System.nanoTime() - started) / 1e6;
      conn.commit();
      System.out.println("{\"ok\":true,\"rows\":" + rows + ",\"ms\":" + ms + ",\"checksum\":" + checksum + "}");
    } catch (SQLException e) {
      String message = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
      System.out.println("{\"ok\":false,\"sqlstate\":\"" + e.getSQLState() + "\",\"message\":\"" + message + "\"}");
    }
  }
}
