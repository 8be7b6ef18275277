/**
 * The clients BI tools are built on, browsing pondgate as they browse
 * PostgreSQL: pgjdbc's DatabaseMetaData in full (DBeaver, Metabase),
 * SQLAlchemy's inspect() in full (Superset), psqlODBC's catalog functions
 * (Power BI, Tableau, Excel on ODBC) and psql's describe commands. Nothing
 * throws that does not throw against PostgreSQL 15, and what describes the
 * tables equals PostgreSQL 15's answer for tables of the same shape
 * (test/catalog/replay/clients.pg15.json, recorded by record-pg15.ts).
 *
 * Also: pg_stat_activity shows the real sessions and a running query.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startBiCluster, type BiCluster } from '../catalog/bi-cluster.ts';
import { CLIENT_RECORDINGS, probeJdbc, probeOdbc, probePsql, probeSqlAlchemy, type CheckResult, type ProbeResults, type Server } from '../catalog/client-probes.ts';
import { REPLAY_USER } from '../catalog/replay.ts';

const recorded = (JSON.parse(await readFile(CLIENT_RECORDINGS, 'utf8')) as { results: ProbeResults }).results;

/**
 * Checks whose answers must equal PostgreSQL 15's, with the fields that differ by design:
 * OIDs, and what PostgreSQL has that pondgate does not (its own indexes, more types, owners).
 */
const COMPARED: Readonly<Record<string, readonly string[]>> = {
  'jdbc.catalogs': [], 'jdbc.schemas': [], 'jdbc.schemas.public': [], 'jdbc.tableTypes': [], 'jdbc.tables': [],
  'jdbc.columns.flights': [], 'jdbc.columns.airports': [], 'jdbc.primaryKeys': [], 'jdbc.importedKeys': [], 'jdbc.exportedKeys': [],
  'jdbc.crossReference': [], 'jdbc.indexInfo': [], 'jdbc.bestRowIdentifier': [], 'jdbc.functions': [], 'jdbc.procedures': [],
  'jdbc.procedureColumns': [], 'jdbc.versionColumns': [], 'jdbc.clientInfoProperties': [], 'jdbc.resultMetaData': [],
  'jdbc.columnPrivileges': [],
  'sqlalchemy.schemas': [], 'sqlalchemy.tables': [], 'sqlalchemy.views': [], 'sqlalchemy.has_table': [], 'sqlalchemy.reflect': [],
  ...Object.fromEntries(['columns', 'pk', 'fks', 'indexes', 'unique', 'check', 'comment', 'options'].flatMap((c) => [[`sqlalchemy.${c}.flights`, []], [`sqlalchemy.${c}.airports`, []]])),
  'odbc.tables': [], 'odbc.columns': ['table oid'], 'odbc.statistics': [], 'odbc.primaryKeys': [], 'odbc.foreignKeys': [], 'odbc.specialColumns': [],
  'odbc.procedures': [],
  'psql.\\d flights': [], 'psql.\\d+ flights': [], 'psql.\\df': [], 'psql.\\dv': [], 'psql.\\dT': [], 'psql.\\dn+': [], 'psql.\\dt+': [],
};

/** psql's sizes depend on the storage (heap pages there, Parquet here). */
function normalizePsql(line: unknown): unknown {
  return typeof line === 'string' ? line.replace(/\|\d+ (bytes|kB|MB|GB)\|/, '|<size>|') : line;
}

function withoutFields(rows: unknown[], ignored: readonly string[], check: string): unknown[] {
  return rows.map((row) => {
    if (check.startsWith('psql.')) return normalizePsql(row);
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
    return Object.fromEntries(Object.entries(row).filter(([key]) => !ignored.includes(key)));
  });
}

function compare(name: string, actual: CheckResult | undefined, expected: CheckResult | undefined): void {
  assert.ok(expected, `no PostgreSQL 15 recording of ${name}: run test/catalog/record-pg15.ts`);
  assert.ok(actual, `${name} did not run`);
  if ('error' in expected) {
    assert.ok('error' in actual, `${name}: PostgreSQL 15's client raised ${expected.error}, pondgate's did not`);
    return;
  }
  assert.ok(!('error' in actual), `${name}: ${'error' in actual ? actual.error : ''}`);
  const ignored = COMPARED[name];
  if (ignored === undefined) return;
  assert.deepEqual(withoutFields(actual.rows, ignored, name), withoutFields(expected.rows, ignored, name), `${name} differs from PostgreSQL 15's answer`);
}

function compareAll(results: ProbeResults, prefix: string): void {
  const names = Object.keys(recorded).filter((name) => name.startsWith(`${prefix}.`));
  assert.ok(names.length > 0, `no recorded checks for ${prefix}`);
  for (const name of names) compare(name, results[name], recorded[name]);
}

describe('BI-tool clients browse pondgate as they browse PostgreSQL 15', { timeout: 10 * 60_000 }, () => {
  let bi: BiCluster;
  let server: Server;

  before(async () => {
    bi = await startBiCluster('bi-clients');
    server = { port: bi.cluster.port, user: REPLAY_USER, scratch: bi.dir };
  });

  after(async () => {
    await bi?.stop();
  });

  it('pgjdbc: every DatabaseMetaData call answers (getTables, getColumns, keys, indexes, types, functions, privileges …)', async () => {
    const results = await probeJdbc(server);
    compareAll(results, 'jdbc');
    // getTypeInfo lists every type pondgate announces, getSQLKeywords PostgreSQL 15's keywords.
    const types = results['jdbc.typeInfo'];
    assert.ok(types && 'rows' in types && types.rows.length >= 20, 'getTypeInfo');
    const product = results['jdbc.product'];
    assert.ok(product && 'rows' in product);
    assert.deepEqual((product.rows[0] as Record<string, string>).major, '15');
    assert.equal((product.rows[0] as Record<string, string>).maxIndexKeys, '32');
  });

  it('SQLAlchemy: inspect() in full (schemas, tables, views, columns, keys, indexes, constraints, comments)', async () => {
    compareAll(await probeSqlAlchemy(server), 'sqlalchemy');
  });

  it('psqlODBC: SQLTables, SQLColumns, SQLStatistics, SQLPrimaryKeys, SQLForeignKeys, SQLGetTypeInfo', async () => {
    const results = await probeOdbc(server);
    compareAll(results, 'odbc');
    const types = results['odbc.typeInfo'];
    assert.ok(types && 'rows' in types && types.rows.length >= 20, 'SQLGetTypeInfo');
  });

  it('psql: \\d, \\d+, \\df, \\dv, \\du, \\dT, \\dn+, \\dt+ and \\l+', async () => {
    const results = await probePsql(server);
    compareAll(results, 'psql');
    // \l+ and \du: pondgate has one database and its one role is the connected user.
    const databases = results['psql.\\l+'];
    const expectedDatabases = recorded['psql.\\l+'];
    assert.ok(databases && 'rows' in databases && expectedDatabases && 'rows' in expectedDatabases);
    const ours = databases.rows.filter((l) => String(l).startsWith('pondgate|')).map(normalizePsql);
    assert.deepEqual(ours, expectedDatabases.rows.filter((l) => String(l).startsWith('pondgate|')).map(normalizePsql));
    const roles = results['psql.\\du'];
    assert.ok(roles && 'rows' in roles && roles.rows.some((l) => String(l).startsWith(`${REPLAY_USER}|`)), '\\du lists the user');
  });

  it('accepts what tools send around statements: trailing semicolons in Parse, empty statements, session SETs, DISCARD ALL, COMMENT ON', async () => {
    const client = new pg.Client({ connectionString: bi.connectionString });
    await client.connect();
    try {
      const extended = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
        client.query<T>({ text, values, queryMode: 'extended' } as unknown as pg.QueryConfig);
      assert.deepEqual((await extended('SHOW TimeZone;')).rows, [{ TimeZone: 'UTC' }]);
      assert.equal((await extended(';')).rows.length, 0);
      await assert.rejects(extended('SELECT 1; SELECT 2'), (e: { code?: string }) => e.code === '42601');
      await extended("SET SESSION TIMEZONE TO 'Europe/Paris';");
      await extended('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
      assert.deepEqual((await extended('SHOW TRANSACTION ISOLATION LEVEL')).rows, [{ transaction_isolation: 'read uncommitted' }]);
      await client.query('BEGIN');
      await client.query("SET LOCAL TimeZone = 'America/New_York'");
      assert.equal((await client.query('SHOW TimeZone')).rows[0].TimeZone, 'America/New_York');
      await client.query('COMMIT');
      assert.equal((await client.query('SHOW TimeZone')).rows[0].TimeZone, 'Europe/Paris');
      await client.query('DISCARD ALL');
      assert.equal((await client.query('SHOW TimeZone')).rows[0].TimeZone, 'UTC');
      const network = await client.query('SELECT inet_server_addr() AS addr, inet_server_port() AS port, inet_client_addr() AS client');
      assert.deepEqual(network.rows, [{ addr: '127.0.0.1', port: bi.cluster.port, client: '127.0.0.1' }]);
      // A comment set through one session is every session's, and NULL removes it.
      await client.query("COMMENT ON COLUMN airports.iata IS 'IATA code'");
      const other = new pg.Client({ connectionString: bi.connectionString });
      await other.connect();
      const described = "SELECT col_description('airports'::regclass, 1) AS d";
      assert.equal((await other.query(described)).rows[0].d, 'IATA code');
      await client.query('COMMENT ON COLUMN airports.iata IS NULL');
      assert.equal((await other.query(described)).rows[0].d, null);
      await other.end();
      await assert.rejects(client.query("COMMENT ON TABLE nowhere IS 'x'"), (e: { code?: string }) => e.code === '42P01');
      await assert.rejects(client.query("COMMENT ON SCHEMA public IS 'x'"), (e: { code?: string }) => e.code === '0A000');
      // A catalog query pondgate cannot answer says so (the gateway logs its full text).
      await assert.rejects(client.query('SELECT starelid FROM pg_catalog.pg_statistic'), (e: { code?: string; detail?: string }) =>
        e.code === '42P01' && /catalog query is not covered/.test(e.detail ?? ''));
    } finally {
      await client.end();
    }
  });

  it('pg_stat_activity shows the connected sessions, their users and applications, and the query each runs', async () => {
    const busy = new pg.Client({ connectionString: bi.connectionString, application_name: 'busy-dashboard' });
    const watcher = new pg.Client({ connectionString: bi.connectionString, application_name: 'watcher' });
    await busy.connect();
    await watcher.connect();
    try {
      await busy.query('SELECT 1');
      const busyPid = (busy as unknown as { processID: number }).processID;
      // A query over 3M rows that takes a while on the workers, running while the watcher looks.
      const running = busy.query('SELECT origin, count(DISTINCT destination), sum(delay) FROM flights GROUP BY origin ORDER BY 3 DESC');
      let seen: Record<string, string> | undefined;
      for (let i = 0; i < 100 && seen === undefined; i++) {
        const { rows } = await watcher.query<Record<string, string>>(
          "SELECT pid, usename, application_name, state, query, datname, backend_type FROM pg_stat_activity WHERE application_name = 'busy-dashboard'",
        );
        if (rows[0]?.state === 'active') seen = rows[0];
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await running;
      assert.ok(seen, 'the running query was seen as active');
      assert.equal(Number(seen.pid), busyPid);
      assert.equal(seen.usename, REPLAY_USER);
      assert.equal(seen.datname, 'pondgate');
      assert.equal(seen.backend_type, 'client backend');
      assert.match(seen.query, /count\(DISTINCT destination\)/);
      const after = await watcher.query("SELECT state, query FROM pg_stat_activity WHERE application_name = 'busy-dashboard'");
      assert.equal(after.rows[0].state, 'idle');
      assert.match(after.rows[0].query, /count\(DISTINCT destination\)/, 'an idle session shows its last query, as PostgreSQL does');
      const mine = await watcher.query("SELECT state, query FROM pg_stat_activity WHERE application_name = 'watcher'");
      assert.deepEqual(mine.rows, [{ state: 'active', query: "SELECT state, query FROM pg_stat_activity WHERE application_name = 'watcher'" }]);
    } finally {
      await busy.end();
      await watcher.end();
    }
    const { rows } = await (async () => {
      const c = new pg.Client({ connectionString: bi.connectionString });
      await c.connect();
      try {
        return await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name IN ('busy-dashboard', 'watcher')");
      } finally {
        await c.end();
      }
    })();
    assert.equal(rows[0].n, 0, 'closed sessions leave pg_stat_activity');
  });
});
