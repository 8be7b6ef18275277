/**
 * pgjdbc (the PostgreSQL JDBC driver) against a real cluster: the Java
 * program jdbc/ClientMatrix.java is compiled with javac at test time and run
 * once; it prints one JSON line per check, asserted on here. Checks: connect
 * and query, a PreparedStatement reused past prepareThreshold (server-side
 * named statement, int parameters in binary), fetchSize cursors (Execute with
 * a row limit) over lineitem and over 150k rows, Statement.cancel() from
 * another thread and setQueryTimeout (57014, then the connection is reusable), getObject of the
 * common types and arrays, an error (42P01) followed by reuse, and
 * DatabaseMetaData (getTables, getColumns: pg_catalog queries).
 *
 * The driver jar: $PONDGATE_JDBC_JAR, else Debian's libpostgresql-jdbc-java.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { checksOf, requireFile, runProgram, startTpchCluster, type TpchCluster } from '../support/clients.ts';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jdbc', 'ClientMatrix.java');

function jdbcJar(): string {
  return requireFile(
    [process.env.PONDGATE_JDBC_JAR ?? '', '/usr/share/java/postgresql.jar', '/usr/share/java/postgresql-jdbc4.jar'],
    'the PostgreSQL JDBC driver jar (Debian package libpostgresql-jdbc-java, or set PONDGATE_JDBC_JAR)',
  );
}

interface TypedValue {
  class?: string;
  value?: string;
  pgType?: string;
  error?: string;
}

describe('pgjdbc', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;
  let checks: Map<string, Record<string, unknown>>;
  let output = '';

  /** One check's record; fails with the program's whole output when the check is missing or threw. */
  const check = (name: string): Record<string, unknown> => {
    const record = checks.get(name);
    assert.ok(record, `no "${name}" line in the program's output:\n${output}`);
    assert.equal(record.error, undefined, `${name} failed: ${String(record.error)} (SQLSTATE ${String(record.sqlstate)})`);
    return record;
  };

  before(async () => {
    const jar = jdbcJar();
    tpch = await startTpchCluster('jdbc');
    const classes = path.join(tpch.dir, 'classes');
    const compiled = await runProgram('javac', ['-cp', jar, '-d', classes, SOURCE], { timeoutMs: 60_000 });
    assert.equal(compiled.code, 0, `javac failed (is a JDK installed? scripts/setup.sh):\n${compiled.stderr}`);
    const url = `jdbc:postgresql://127.0.0.1:${tpch.cluster.port}/pondgate`;
    const run = await runProgram('java', ['-cp', `${jar}${path.delimiter}${classes}`, 'ClientMatrix', url, 'jdbc_user'], { timeoutMs: 50_000 });
    output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, output);
    checks = checksOf(run.stdout);
  });

  after(async () => {
    await tpch?.stop();
  });

  it('connects and runs a query', () => {
    const record = check('connect');
    assert.equal(record.orders, 15000);
    assert.equal(record.product, 'PostgreSQL');
  });

  it('a PreparedStatement run 10 times (past prepareThreshold) answers as the literal queries do', () => {
    const record = check('prepared');
    assert.deepEqual(record.counts, record.literals);
    assert.equal((record.counts as number[]).length, 10);
    assert.ok((record.counts as number[])[9] > 0);
    assert.equal(record.serverPrepared, true);
  });

  it('setFetchSize(1000) with autocommit off reads every lineitem row', () => {
    const record = check('fetchSize');
    assert.ok(Number(record.expected) > 50_000);
    assert.equal(record.rows, record.expected);
    assert.equal(record.keySum, record.expectedKeySum);
  });

  it('setFetchSize(1000) over 150k rows and a gathered cross join', () => {
    const record = check('fetchSizeRange');
    assert.equal(record.rows, 150_000);
    assert.equal(record.sum, (150_000 * 149_999) / 2);
    assert.equal(record.joined, 75_000);
  });

  it('Statement.cancel() from another thread stops a long query with 57014; the connection is reusable', () => {
    const record = check('cancel');
    assert.equal(record.sqlstate, '57014');
    assert.ok(Number(record.elapsedMs) < 15_000, `cancel took ${String(record.elapsedMs)} ms`);
    assert.equal(record.after, 42);
  });

  it('setQueryTimeout(1) cancels a long local query with 57014; the connection is reusable', () => {
    const record = check('queryTimeout');
    assert.equal(record.sqlstate, '57014');
    assert.ok(Number(record.elapsedMs) < 15_000, `the timeout took ${String(record.elapsedMs)} ms`);
    assert.equal(record.after, 25);
  });

  it('getObject maps the common types to their Java classes', () => {
    const record = check('types') as unknown as Record<string, TypedValue>;
    const expected: Record<string, [string, string, string]> = {
      i: ['java.lang.Integer', '1', 'int4'],
      b: ['java.lang.Long', '9007199254740993', 'int8'],
      n: ['java.math.BigDecimal', '12.34', 'numeric'],
      s: ['java.lang.String', 'x y', 'text'],
      d: ['java.sql.Date', '2020-01-02', 'date'],
      ts: ['java.sql.Timestamp', '2020-01-02 03:04:05.5', 'timestamp'],
      t: ['java.lang.Boolean', 'true', 'bool'],
      f: ['java.lang.Double', '1.5', 'float8'],
    };
    for (const [column, [javaClass, value, pgType]] of Object.entries(expected)) {
      assert.deepEqual(record[column], { class: javaClass, value, pgType }, `column ${column}`);
    }
  });

  it('getObject of LIST columns gives java.sql.Array with typed elements', () => {
    const record = check('types') as unknown as Record<string, TypedValue>;
    assert.deepEqual(record.ia, { class: 'org.postgresql.jdbc.PgArray', value: 'Integer:1|Integer:2|Integer:3', pgType: '_int4' });
    assert.deepEqual(record.sa, { class: 'org.postgresql.jdbc.PgArray', value: 'String:a|String:b c', pgType: '_text' });
  });

  it('an error (42P01) leaves the connection usable; an error in a transaction is undone by rollback', () => {
    const record = check('error');
    assert.equal(record.sqlstate, '42P01');
    assert.equal(record.after, 5);
    assert.equal(record.inTransaction, '42703');
    assert.equal(record.afterRollback, 25);
  });

  it('DatabaseMetaData lists the tables of schema public and the columns of lineitem', () => {
    const record = check('metadata');
    assert.deepEqual(record.tables, ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier']);
    assert.deepEqual(record.columns, [
      'l_orderkey int8', 'l_partkey int4', 'l_suppkey int4', 'l_linenumber int4',
      'l_quantity numeric', 'l_extendedprice numeric', 'l_discount numeric', 'l_tax numeric',
      'l_returnflag text', 'l_linestatus text', 'l_shipdate date', 'l_commitdate date', 'l_receiptdate date',
      'l_shipinstruct text', 'l_shipmode text', 'l_comment text',
    ]);
  });
});
