import java.sql.*;
import java.util.*;

/**
 * Calls every DatabaseMetaData method a BI tool uses to browse a database and prints
 * each result set as JSON lines ({"check": name, "rows": [...]}, or {"check": name,
 * "error": message}), so the test can assert on what pgjdbc made of the catalog.
 * Arguments: JDBC URL, user.
 */
public class MetaDataProbe {
  interface Call { ResultSet run(DatabaseMetaData md) throws SQLException; }

  static String json(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static void report(String name, DatabaseMetaData md, Call call) {
    try (ResultSet rs = call.run(md)) {
      ResultSetMetaData meta = rs.getMetaData();
      StringBuilder out = new StringBuilder("{\"check\":" + json(name) + ",\"rows\":[");
      boolean first = true;
      while (rs.next()) {
        out.append(first ? "{" : ",{");
        first = false;
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          if (i > 1) out.append(',');
          out.append(json(meta.getColumnLabel(i))).append(':').append(json(rs.getString(i)));
        }
        out.append('}');
      }
      System.out.println(out.append("]}"));
    } catch (Exception e) {
      System.out.println("{\"check\":" + json(name) + ",\"error\":" + json(e.toString()) + "}");
    }
  }

  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0], args[1], "")) {
      DatabaseMetaData md = c.getMetaData();
      report("catalogs", md, m -> m.getCatalogs());
      report("schemas", md, m -> m.getSchemas());
      report("schemas.public", md, m -> m.getSchemas(null, "public"));
      report("tableTypes", md, m -> m.getTableTypes());
      report("tables", md, m -> m.getTables(null, "public", "%", new String[] {"TABLE", "VIEW"}));
      report("tables.all", md, m -> m.getTables(null, null, "%", null));
      report("columns.flights", md, m -> m.getColumns(null, "public", "flights", "%"));
      report("columns.airports", md, m -> m.getColumns(null, "public", "airports", "%"));
      report("primaryKeys", md, m -> m.getPrimaryKeys(null, "public", "flights"));
      report("importedKeys", md, m -> m.getImportedKeys(null, "public", "flights"));
      report("exportedKeys", md, m -> m.getExportedKeys(null, "public", "airports"));
      report("crossReference", md, m -> m.getCrossReference(null, "public", "airports", null, "public", "flights"));
      report("indexInfo", md, m -> m.getIndexInfo(null, "public", "flights", false, true));
      report("bestRowIdentifier", md, m -> m.getBestRowIdentifier(null, "public", "flights", DatabaseMetaData.bestRowSession, true));
      report("typeInfo", md, m -> m.getTypeInfo());
      report("functions", md, m -> m.getFunctions(null, "pg_catalog", "quote_ident"));
      report("functionColumns", md, m -> m.getFunctionColumns(null, "pg_catalog", "quote_ident", "%"));
      report("procedures", md, m -> m.getProcedures(null, "public", "%"));
      report("procedureColumns", md, m -> m.getProcedureColumns(null, "public", "%", "%"));
      report("tablePrivileges", md, m -> m.getTablePrivileges(null, "public", "flights"));
      report("columnPrivileges", md, m -> m.getColumnPrivileges(null, "public", "flights", "%"));
      report("udts", md, m -> m.getUDTs(null, "public", "%", null));
      report("superTables", md, m -> m.getSuperTables(null, "public", "%"));
      report("versionColumns", md, m -> m.getVersionColumns(null, "public", "flights"));
      report("pseudoColumns", md, m -> m.getPseudoColumns(null, "public", "flights", "%"));
      report("clientInfoProperties", md, m -> m.getClientInfoProperties());
      // Scalars clients read on connect.
      System.out.println("{\"check\":\"product\",\"rows\":[{\"name\":" + json(md.getDatabaseProductName()) + ",\"version\":" + json(md.getDatabaseProductVersion())
        + ",\"major\":" + json(String.valueOf(md.getDatabaseMajorVersion())) + ",\"keywords\":" + json(md.getSQLKeywords())
        + ",\"user\":" + json(md.getUserName()) + ",\"maxIndexKeys\":" + json(String.valueOf(md.getMaxColumnsInIndex())) + "}]}");
      // Metabase reads table comments through REMARKS, and a query's column metadata.
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT origin, delay FROM flights LIMIT 1")) {
        ResultSetMetaData meta = rs.getMetaData();
        System.out.println("{\"check\":\"resultMetaData\",\"rows\":[{\"origin\":" + json(meta.getColumnTypeName(1)) + ",\"delay\":" + json(meta.getColumnTypeName(2)) + "}]}");
      }
    }
  }
}
