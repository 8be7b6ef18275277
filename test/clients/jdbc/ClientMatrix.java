import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * pgjdbc against pondgate: runs each check and prints one JSON line per
 * check ({"check": name, ...}); the node test parses and asserts on them.
 * A check that throws prints {"check": name, "error": message, "sqlstate": …}.
 * Arguments: JDBC URL, user.
 */
public final class ClientMatrix {
  private interface Check {
    String run(Connection connection) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Properties properties = new Properties();
    properties.setProperty("user", args[1]);
    properties.setProperty("connectTimeout", "10");
    try (Connection connection = DriverManager.getConnection(url, properties)) {
      run(connection, "connect", ClientMatrix::connect);
      run(connection, "prepared", ClientMatrix::prepared);
      run(connection, "fetchSize", ClientMatrix::fetchSize);
      run(connection, "fetchSizeRange", ClientMatrix::fetchSizeRange);
      run(connection, "cancel", ClientMatrix::cancel);
      run(connection, "queryTimeout", ClientMatrix::queryTimeout);
      run(connection, "types", ClientMatrix::types);
      run(connection, "error", ClientMatrix::error);
      run(connection, "metadata", ClientMatrix::metadata);
    }
  }

  private static void run(Connection connection, String name, Check check) {
    try {
      String fields = check.run(connection);
      System.out.println("{\"check\":" + quote(name) + (fields.isEmpty() ? "" : "," + fields) + "}");
    } catch (Exception e) {
      String state = e instanceof SQLException ? ((SQLException) e).getSQLState() : null;
      System.out.println("{\"check\":" + quote(name) + ",\"error\":" + quote(String.valueOf(e)) + ",\"sqlstate\":" + quote(state) + "}");
      try {
        if (!connection.getAutoCommit()) connection.rollback();
        connection.setAutoCommit(true);
      } catch (SQLException ignored) {
        // The next check reports what is wrong with the connection.
      }
    }
    System.out.flush();
  }

  private static String connect(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) AS n FROM orders")) {
      rs.next();
      return "\"orders\":" + rs.getLong("n") + ",\"product\":" + quote(connection.getMetaData().getDatabaseProductName());
    }
  }

  /** The same PreparedStatement 10 times: pgjdbc switches to a named server-side statement after prepareThreshold (5) uses. */
  private static String prepared(Connection connection) throws SQLException {
    List<String> counts = new ArrayList<>();
    List<String> literals = new ArrayList<>();
    boolean serverPrepared = false;
    try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) AS n, max(o_orderkey) AS k FROM orders WHERE o_orderkey < ?");
        Statement plain = connection.createStatement()) {
      for (int i = 1; i <= 10; i++) {
        ps.setInt(1, i * 100);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          counts.add(Long.toString(rs.getLong(1)));
        }
        try (ResultSet rs = plain.executeQuery("SELECT count(*) FROM orders WHERE o_orderkey < " + (i * 100))) {
          rs.next();
          literals.add(Long.toString(rs.getLong(1)));
        }
      }
      serverPrepared = ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare();
    }
    return "\"counts\":" + list(counts) + ",\"literals\":" + list(literals) + ",\"serverPrepared\":" + serverPrepared;
  }

  /** fetchSize with autocommit off: pgjdbc reads the portal 1000 rows per Execute. */
  private static String fetchSize(Connection connection) throws SQLException {
    long expected;
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM lineitem")) {
      rs.next();
      expected = rs.getLong(1);
    }
    connection.setAutoCommit(false);
    long rows = 0;
    long keySum = 0;
    try (Statement statement = connection.createStatement()) {
      statement.setFetchSize(1000);
      try (ResultSet rs = statement.executeQuery("SELECT l_orderkey, l_comment FROM lineitem")) {
        while (rs.next()) {
          rows++;
          keySum += rs.getLong(1);
        }
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    long expectedSum;
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT sum(l_orderkey) FROM lineitem")) {
      rs.next();
      expectedSum = rs.getLong(1);
    }
    return "\"rows\":" + rows + ",\"expected\":" + expected + ",\"keySum\":" + keySum + ",\"expectedKeySum\":" + expectedSum;
  }

  /** Over 100k rows (range(150000) runs on the gateway), and a gathered cross join (orders x region, 75k rows). */
  private static String fetchSizeRange(Connection connection) throws SQLException {
    connection.setAutoCommit(false);
    long rows = 0;
    long sum = 0;
    long joined = 0;
    try (Statement statement = connection.createStatement()) {
      statement.setFetchSize(1000);
      try (ResultSet rs = statement.executeQuery("SELECT range AS i FROM range(150000)")) {
        while (rs.next()) {
          rows++;
          sum += rs.getLong(1);
        }
      }
      try (ResultSet rs = statement.executeQuery("SELECT o_orderkey, r_name FROM orders CROSS JOIN region")) {
        while (rs.next()) joined++;
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    return "\"rows\":" + rows + ",\"sum\":" + sum + ",\"joined\":" + joined;
  }

  /** Statement.cancel() from another thread during a long query: 57014, then the connection works. */
  private static String cancel(Connection connection) throws Exception {
    String state = null;
    long started = System.nanoTime();
    AtomicReference<Exception> cancelFailure = new AtomicReference<>();
    try (Statement statement = connection.createStatement()) {
      Thread canceller = new Thread(() -> {
        try {
          Thread.sleep(1000);
          statement.cancel();
        } catch (Exception e) {
          cancelFailure.set(e);
        }
      });
      canceller.start();
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM lineitem a, lineitem b WHERE a.l_orderkey < b.l_orderkey")) {
        rs.next();
      } catch (SQLException e) {
        state = e.getSQLState();
      }
      canceller.join();
    }
    if (cancelFailure.get() != null) throw cancelFailure.get();
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    long after;
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT 41 + 1")) {
      rs.next();
      after = rs.getLong(1);
    }
    return "\"sqlstate\":" + quote(state) + ",\"elapsedMs\":" + elapsedMs + ",\"after\":" + after;
  }

  /** setQueryTimeout(1): pgjdbc sends a cancel request when the timer fires. */
  private static String queryTimeout(Connection connection) throws SQLException {
    String state = null;
    long started = System.nanoTime();
    try (Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(1);
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM range(100000000000)")) {
        rs.next();
      } catch (SQLException e) {
        state = e.getSQLState();
      }
    }
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    long after;
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM nation")) {
      rs.next();
      after = rs.getLong(1);
    }
    return "\"sqlstate\":" + quote(state) + ",\"elapsedMs\":" + elapsedMs + ",\"after\":" + after;
  }

  /** getObject of the common types: the Java class and the value as text. */
  private static String types(Connection connection) throws SQLException {
    String sql = "SELECT 1::INTEGER AS i, 9007199254740993::BIGINT AS b, 12.34::DECIMAL(10,2) AS n, 'x y'::VARCHAR AS s, "
        + "DATE '2020-01-02' AS d, TIMESTAMP '2020-01-02 03:04:05.5' AS ts, true AS t, 1.5::DOUBLE AS f, "
        + "[1, 2, 3]::INTEGER[] AS ia, ['a', 'b c']::VARCHAR[] AS sa";
    StringBuilder out = new StringBuilder();
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      int columns = rs.getMetaData().getColumnCount();
      for (int c = 1; c <= columns; c++) {
        if (out.length() > 0) out.append(',');
        out.append(quote(rs.getMetaData().getColumnLabel(c))).append(':');
        // One column's failure (say, an array the driver cannot parse) must not hide the others.
        try {
          Object value = rs.getObject(c);
          String text;
          if (value instanceof Array) {
            Object[] elements = (Object[]) ((Array) value).getArray();
            List<String> items = new ArrayList<>();
            for (Object element : elements) items.add(element.getClass().getSimpleName() + ":" + element);
            text = String.join("|", items);
          } else {
            text = value instanceof BigDecimal ? ((BigDecimal) value).toPlainString() : String.valueOf(value);
          }
          out.append("{\"class\":").append(quote(value == null ? null : value.getClass().getName()))
              .append(",\"value\":").append(quote(text)).append(",\"pgType\":").append(quote(rs.getMetaData().getColumnTypeName(c))).append('}');
        } catch (Exception e) {
          out.append("{\"error\":").append(quote(String.valueOf(e))).append('}');
        }
      }
    }
    return out.toString();
  }

  /** An error (missing table), then the same connection runs the next query, also inside a transaction. */
  private static String error(Connection connection) throws SQLException {
    String state = null;
    try (Statement statement = connection.createStatement()) {
      statement.executeQuery("SELECT * FROM no_such_table");
    } catch (SQLException e) {
      state = e.getSQLState();
    }
    long after;
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM region")) {
      rs.next();
      after = rs.getLong(1);
    }
    connection.setAutoCommit(false);
    String inTransaction = null;
    long afterRollback;
    // setString: a text parameter, so this check does not depend on binary parameters (setInt sends int4 in binary).
    try (PreparedStatement ps = connection.prepareStatement("SELECT nosuch FROM nation WHERE n_name = ?")) {
      ps.setString(1, "FRANCE");
      ps.executeQuery();
    } catch (SQLException e) {
      inTransaction = e.getSQLState();
    }
    connection.rollback();
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM nation")) {
      rs.next();
      afterRollback = rs.getLong(1);
    }
    connection.commit();
    connection.setAutoCommit(true);
    return "\"sqlstate\":" + quote(state) + ",\"after\":" + after + ",\"inTransaction\":" + quote(inTransaction) + ",\"afterRollback\":" + afterRollback;
  }

  /** DatabaseMetaData, as IDEs and BI tools browse a database: tables of schema public, lineitem's columns. */
  private static String metadata(Connection connection) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = connection.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
      while (rs.next()) tables.add(quote(rs.getString("TABLE_NAME")));
    }
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = connection.getMetaData().getColumns(null, "public", "lineitem", "%")) {
      while (rs.next()) columns.add(quote(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")));
    }
    return "\"tables\":" + list(tables) + ",\"columns\":" + list(columns);
  }

  private static String list(List<String> values) {
    return "[" + String.join(",", values) + "]";
  }

  private static String quote(String value) {
    if (value == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char ch : value.toCharArray()) {
      if (ch == '"' || ch == '\\') out.append('\\').append(ch);
      else if (ch < 0x20) out.append(String.format("\\u%04x", (int) ch));
      else out.append(ch);
    }
    return out.append('"').toString();
  }
}
