/**
 * The PostgreSQL catalog answers real clients depend on, against a real
 * cluster (TPC-H sf 0.01):
 *
 *   - the exact catalog queries pgjdbc, postgres.js and psqlODBC send, run
 *     through node-postgres and checked against PostgreSQL 15's answers;
 *   - the clients themselves: postgres.js fetching array types on connect,
 *     pgjdbc resolving column types through TypeInfoCache, psqlODBC (isql)
 *     connecting and reading lineitem;
 *   - routing: catalog queries stay on the gateway, a user table named like a
 *     catalog relation is reached with its schema.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import postgres from 'postgres';
import { readManifest } from '../../src/storage/manifest-store.ts';
import { commitTables } from '../support/manifest.ts';
import { PG_TYPE_ROWS } from '../../src/pg/pg-type-table.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const execFileAsync = promisify(execFile);

// pgjdbc 42.x, org/postgresql/jdbc/TypeInfoCache.java: getPGType(int oid).
const PGJDBC_TYPE_BY_OID = `SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid
  FROM pg_catalog.pg_type
  LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r
          from pg_namespace as ns
          join ( select s.r, (current_schemas(false))[s.r] as nspname
                   from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r
         using ( nspname )
       ) as sp
    ON sp.nspoid = typnamespace
 WHERE pg_type.oid = $1
 ORDER BY sp.r, pg_type.oid DESC;`;

// pgjdbc TypeInfoCache.getOidStatement(String pgTypeName), unqualified name.
const PGJDBC_OID_BY_NAME = `SELECT pg_type.oid, typname   FROM pg_catalog.pg_type   LEFT   JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE typname = $1  ORDER BY sp.r, pg_type.oid DESC LIMIT 1;`;

// pgjdbc TypeInfoCache.getArrayDelimiter(int), getPGArrayElement(int) and getPGArrayType(String), in that order.
const PGJDBC_ARRAY_DELIMITER = 'SELECT e.typdelim FROM pg_catalog.pg_type t, pg_catalog.pg_type e WHERE t.oid = $1 and t.typelem = e.oid';
const PGJDBC_ARRAY_ELEMENT = `SELECT e.oid, n.nspname = ANY(current_schemas(true)), n.nspname, e.typname FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_type e ON t.typelem = e.oid JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1`;
const PGJDBC_ARRAY_TYPE = `SELECT t.typarray, arr.typname   FROM pg_catalog.pg_type t  JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid  JOIN pg_catalog.pg_type arr ON arr.oid = t.typarray WHERE t.typname = $1 AND (n.nspname = $2 OR $3 AND n.nspname = ANY (current_schemas(true))) ORDER BY t.oid DESC LIMIT 1`;

// postgres.js 3.x, src/connection.js fetchArrayTypes(), sent on connect.
const POSTGRESJS_ARRAY_TYPES = `
      select b.oid, b.typarray
      from pg_catalog.pg_type a
      left join pg_catalog.pg_type b on b.oid = a.typelem
      where a.typcategory = 'A'
      group by b.oid, b.typarray
      order by b.oid
    `;

// psqlODBC 13.x, connection.c CC_connect / CC_lookup_lo and CC_send_settings.
const PSQLODBC_LO = "select oid, typbasetype from pg_type where typname = 'lo'";
const PSQLODBC_SETTINGS = "SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation";

const JDBC_JAR_CANDIDATES = ['/usr/share/java/postgresql.jar', '/usr/share/java/postgresql-jdbc4.jar', '/usr/share/maven-repo/org/postgresql/postgresql/debian/postgresql-debian.jar'];

async function findJdbcJar(): Promise<string> {
  const candidates = process.env.PONDGATE_JDBC_JAR ? [process.env.PONDGATE_JDBC_JAR] : JDBC_JAR_CANDIDATES;
  for (const candidate of candidates) {
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  assert.fail(`pgjdbc jar not found (looked at ${candidates.join(', ')}); install libpostgresql-jdbc-java or set PONDGATE_JDBC_JAR`);
}

// Prints key=value lines the test asserts on; it runs with binaryTransfer=false because binary
// parameters (pgjdbc's default for the int4 OID in TypeInfoCache) are handled elsewhere in the wire work.
const JAVA_PROBE = `
import java.sql.*;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TypeInfo;

public class CatalogProbe {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0], "jdbc_user", "")) {
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT [1, 2]::INTEGER[] AS ints, ['x', 'y'] AS texts, INTERVAL '1 day' AS span, uuid() AS id, l_orderkey FROM lineitem LIMIT 1")) {
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          System.out.println("type." + md.getColumnName(i) + "=" + md.getColumnTypeName(i) + "/" + md.getColumnType(i));
        }
        rs.next();
        Object ints = rs.getObject("ints");
        System.out.println("ints.isArray=" + (ints instanceof java.sql.Array));
        System.out.println("ints.base=" + rs.getArray("ints").getBaseTypeName());
        System.out.println("texts.base=" + rs.getArray("texts").getBaseTypeName());
        System.out.println("span.class=" + rs.getObject("span").getClass().getName());
        System.out.println("id.class=" + rs.getObject("id").getClass().getName());
      }
      // PgConnection.getTransactionIsolation() sends SHOW TRANSACTION ISOLATION LEVEL.
      System.out.println("isolation=" + c.getTransactionIsolation());
      System.out.println("schema=" + c.getSchema());
      TypeInfo types = ((BaseConnection) c).getTypeInfo();
      System.out.println("oid.varbit=" + types.getPGType("varbit"));
      System.out.println("name.1186=" + types.getPGType(1186));
      System.out.println("array.uuid=" + types.getPGArrayType("uuid"));
      System.out.println("element.2951=" + types.getPGArrayElement(2951));
      System.out.println("delimiter.1187=" + types.getArrayDelimiter(1187));
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user, current_database(), count(*) FROM lineitem")) {
        rs.next();
        System.out.println("session=" + rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getLong(3));
      }
    }
  }
}
`;

function keyValues(output: string): Map<string, string> {
  return new Map(output.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('catalog answers for real clients', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let client: pg.Client;
  let lineitemRows = 0;

  before(async () => {
    temp = await makeTempDir('catalog');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '2', '--into', temp.dir]);
    // A user table named like a catalog relation: nation's files under the name pg_type.
    const manifest = await readManifest(temp.dir);
    const nation = manifest.tables.nation;
    assert.ok(nation, 'tpch has a nation table');
    await commitTables(temp.dir, { ...nation, name: 'pg_type' });
    cluster = await startTestCluster(temp.dir);
    client = new pg.Client({ connectionString: cluster.connectionString });
    await client.connect();
    lineitemRows = Number((await client.query('SELECT count(*) AS n FROM lineitem')).rows[0].n);
  });

  after(async () => {
    await client?.end();
    await cluster?.stop();
    await temp?.remove();
  });

  it("answers pgjdbc's TypeInfoCache queries with PostgreSQL's rows", async () => {
    const byOid = await client.query(PGJDBC_TYPE_BY_OID, [1007]);
    assert.deepEqual(byOid.rows, [{ is_array: true, typtype: 'b', typname: '_int4', oid: 1007 }]);
    assert.deepEqual((await client.query(PGJDBC_TYPE_BY_OID, [1186])).rows, [{ is_array: false, typtype: 'b', typname: 'interval', oid: 1186 }]);
    assert.deepEqual((await client.query(PGJDBC_TYPE_BY_OID, [424242])).rows, []);
    // OIDs come back as int4, which every client reads as a number.
    assert.equal(byOid.fields.find((f) => f.name === 'oid')?.dataTypeID, 23);
    assert.deepEqual((await client.query(PGJDBC_OID_BY_NAME, ['varbit'])).rows, [{ oid: 1562, typname: 'varbit' }]);
    assert.deepEqual((await client.query(PGJDBC_ARRAY_DELIMITER, [1009])).rows, [{ typdelim: ',' }]);
    assert.deepEqual((await client.query(PGJDBC_ARRAY_ELEMENT, [2951])).rows, [{ oid: 2950, '?column?': true, nspname: 'pg_catalog', typname: 'uuid' }]);
    assert.deepEqual((await client.query(PGJDBC_ARRAY_TYPE, ['int8', 'pg_catalog', false])).rows, [{ typarray: 1016, typname: '_int8' }]);
  });

  it("answers postgres.js's connect-time array query with one row per array element type", async () => {
    const { rows } = await client.query<{ oid: number; typarray: number }>(POSTGRESJS_ARRAY_TYPES);
    const arrays = PG_TYPE_ROWS.filter((t) => t.typcategory === 'A');
    // PostgreSQL's answer also has information_schema's five domains (cardinal_number, …) as array elements.
    assert.equal(rows.length, arrays.length + 5);
    for (const array of arrays) assert.ok(rows.some((r) => r.oid === array.typelem && r.typarray === array.oid), array.typname);
  });

  it("answers psqlODBC's connect-time queries", async () => {
    assert.deepEqual((await client.query(PSQLODBC_LO)).rows, []);
    const results = (await client.query(PSQLODBC_SETTINGS)) as unknown as pg.QueryResult[];
    assert.deepEqual(results.map((r) => r.command), ['SET', 'SET', 'SHOW']);
    assert.deepEqual(results[2].rows, [{ transaction_isolation: 'read committed' }]);
    assert.deepEqual((await client.query('select current_schema()')).rows, [{ current_schema: 'public' }]);
    // SQLAlchemy's PostgreSQL dialects on connect.
    assert.deepEqual((await client.query('show transaction isolation level')).rows, [{ transaction_isolation: 'read committed' }]);
    assert.match((await client.query('select pg_catalog.version()')).rows[0].version, /^PostgreSQL 15\.0 /);
  });

  it('answers session functions with each session its own values', async () => {
    const other = new pg.Client({ connectionString: cluster.connectionString.replace('tester@', 'bob@') });
    await other.connect();
    try {
      const sql = `SELECT version(), current_user, session_user, current_database(), current_schemas(false)::VARCHAR AS schemas,
        pg_backend_pid() AS pid, pg_catalog.pg_encoding_to_char(6) AS enc, has_table_privilege('lineitem', 'SELECT') AS can,
        pg_catalog.pg_is_in_recovery() AS standby, format_type(1700, 983046) AS numeric_type`;
      const mine = (await client.query(sql)).rows[0];
      const theirs = (await other.query(sql)).rows[0];
      assert.match(mine.version, /^PostgreSQL 15\.0 \(pondgate /);
      assert.equal(mine.current_user, 'tester');
      assert.equal(theirs.session_user, 'bob');
      assert.equal(mine.current_database, 'pondgate');
      assert.equal(mine.pid, (client as unknown as { processID: number }).processID);
      assert.notEqual(mine.pid, theirs.pid);
      assert.deepEqual([mine.enc, mine.can, mine.standby, mine.numeric_type], ['UTF8', true, false, 'numeric(15,2)']);
      await other.query("SELECT set_config('search_path', 'pg_catalog', false)");
      assert.equal((await other.query('SHOW search_path')).rows[0].search_path, 'pg_catalog');
      assert.equal((await other.query('SELECT current_schema() AS s')).rows[0].s, 'pg_catalog');
      assert.equal((await client.query('SELECT current_schema() AS s')).rows[0].s, 'public');
    } finally {
      await other.end();
    }
  });

  it('keeps catalog queries on the gateway and reaches a same-named user table through its schema', async () => {
    const plan = await client.query(`EXPLAIN ${POSTGRESJS_ARRAY_TYPES}`);
    assert.match(plan.rows[0]['QUERY PLAN'], /^Local plan/);
    assert.equal(Number((await client.query('SELECT count(*) AS n FROM pg_type WHERE typnamespace = 11')).rows[0].n), PG_TYPE_ROWS.length);
    assert.equal(Number((await client.query('SELECT count(*) AS n FROM public.pg_type')).rows[0].n), 25);
    const userPlan = await client.query('EXPLAIN SELECT count(*) FROM public.pg_type');
    assert.doesNotMatch(userPlan.rows[0]['QUERY PLAN'], /^Local plan/);
    // A catalog relation joined with a user table: the user table comes from the workers.
    const joined = await client.query(`SELECT t.typname, count(*) AS n FROM pg_catalog.pg_type t JOIN lineitem l ON t.oid = l.l_linenumber + 15
      GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(joined.rows.map((r) => r.typname), ['bool', 'bytea', 'char', 'name', 'int8', 'int2'].sort());
    assert.equal(joined.rows.reduce((sum, r) => sum + Number(r.n), 0), lineitemRows - Number((await client.query('SELECT count(*) AS n FROM lineitem WHERE l_linenumber = 7')).rows[0].n));
  });

  it('psql lists the tables with \\dt and reports \\conninfo', async () => {
    const { stdout } = await execFileAsync('psql', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'psql_user', '-X', '-A', '-t', '-c', '\\dt', '-c', '\\conninfo', 'pondgate'], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    });
    const lines = stdout.trim().split('\n');
    assert.ok(lines.includes('public|lineitem|table|psql_user'), stdout);
    assert.ok(lines.includes('public|pg_type|table|psql_user'), stdout);
    assert.match(stdout, /connected to database "pondgate" as user "psql_user"/);
  });

  it('postgres.js connects, fetches array types and parses by the OIDs it learned', async () => {
    const sql = postgres(cluster.connectionString, { max: 1, idle_timeout: 1 });
    try {
      const result = await sql`SELECT [7]::INTEGER[] AS ints, 5::INTEGER AS n, count(*)::INTEGER AS rows FROM lineitem`;
      const ints = result.columns.find((c) => c.name === 'ints');
      assert.equal(ints?.type, 1007);
      // postgres.js installs array parsers only for the pairs its connect-time pg_type query returned.
      assert.equal((ints?.parser as { array?: boolean } | undefined)?.array, true);
      assert.equal(result[0].n, 5);
      assert.equal(result[0].rows, lineitemRows);
    } finally {
      await sql.end();
    }
  });

  it('pgjdbc resolves column types and array element types through the catalog', async () => {
    const jar = await findJdbcJar();
    const dir = path.join(temp.dir, 'java');
    await execFileAsync('mkdir', ['-p', dir]);
    await writeFile(path.join(dir, 'CatalogProbe.java'), JAVA_PROBE);
    await execFileAsync('javac', ['-cp', jar, '-d', dir, path.join(dir, 'CatalogProbe.java')]);
    const url = `jdbc:postgresql://127.0.0.1:${cluster.port}/pondgate?binaryTransfer=false&loggerLevel=OFF`;
    const { stdout } = await execFileAsync('java', ['-cp', `${jar}${path.delimiter}${dir}`, 'CatalogProbe', url], { timeout: 60_000 });
    const out = keyValues(stdout);
    assert.equal(out.get('type.ints'), '_int4/2003');
    assert.equal(out.get('type.texts'), '_text/2003');
    assert.equal(out.get('type.span'), 'interval/1111');
    assert.equal(out.get('type.id'), 'uuid/1111');
    assert.equal(out.get('type.l_orderkey'), 'int8/-5');
    assert.equal(out.get('ints.isArray'), 'true');
    assert.equal(out.get('ints.base'), 'int4');
    assert.equal(out.get('texts.base'), 'text');
    assert.equal(out.get('span.class'), 'org.postgresql.util.PGInterval');
    assert.equal(out.get('id.class'), 'java.util.UUID');
    assert.equal(out.get('oid.varbit'), '1562');
    assert.equal(out.get('name.1186'), 'interval');
    assert.equal(out.get('array.uuid'), '2951');
    assert.equal(out.get('element.2951'), '2950');
    assert.equal(out.get('delimiter.1187'), ',');
    assert.equal(out.get('session'), `jdbc_user/pondgate/${lineitemRows}`);
    assert.equal(out.get('isolation'), '2'); // Connection.TRANSACTION_READ_COMMITTED
    assert.equal(out.get('schema'), 'public');
  });

  it('psqlODBC (isql) connects through its catalog lookups and reads lineitem', async () => {
    const driver = 'PostgreSQL Unicode';
    await execFileAsync('odbcinst', ['-q', '-d', '-n', driver]).catch(() => assert.fail(`ODBC driver "${driver}" is not registered (odbcinst -q -d); install odbc-postgresql`));
    const ini = path.join(temp.dir, 'odbc.ini');
    await writeFile(ini, `[pondgate]\nDriver=${driver}\nServername=127.0.0.1\nPort=${cluster.port}\nDatabase=pondgate\nUsername=odbc_user\nPassword=\nSSLmode=disable\n`);
    const run = async (query: string): Promise<string[]> => {
      const child = execFileAsync('isql', ['-b', '-d|', 'pondgate'], { env: { ...process.env, ODBCINI: ini }, timeout: 60_000 });
      child.child.stdin?.end(`${query}\n`);
      const { stdout } = await child;
      return stdout.trim().split('\n').filter((line) => line.includes('|'));
    };
    const rows = await run('SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1 ORDER BY 1');
    assert.deepEqual(rows.slice(0, 3).map((r) => r.split('|')[0]), ['A', 'N', 'R']);
    assert.equal(rows.slice(0, 3).reduce((sum, r) => sum + Number(r.split('|')[1]), 0), lineitemRows);
    const [version] = await run('SELECT version(), current_user');
    assert.match(version, /^PostgreSQL 15\.0 \(pondgate .*\|odbc_user$/);
  });
});
