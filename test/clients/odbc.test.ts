/**
 * psqlODBC (the PostgreSQL ODBC driver) through unixODBC's `isql` against a
 * real cluster. The DSN lives in a private odbc.ini (ODBCINI, ODBCSYSINI), its
 * driver is the system's "PostgreSQL Unicode" entry of /etc/odbcinst.ini
 * (Debian packages odbc-postgresql and unixodbc). psqlODBC prepares each
 * statement under a name of its own (Parse/Describe/Sync, then Bind/Execute)
 * and parses that name again after an error.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runProgram, startTpchCluster, type ProgramResult, type TpchCluster } from '../support/clients.ts';

const DRIVER_NAME = 'PostgreSQL Unicode';

/** The driver library of an odbcinst.ini section, as an absolute path (Debian writes a bare file name). */
function odbcDriverPath(name: string): string {
  const ini = '/etc/odbcinst.ini';
  const text = existsSync(ini) ? readFileSync(ini, 'utf8') : '';
  const section = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`));
  const driver = section ? /^Driver\s*=\s*(.+?)\s*$/m.exec(section)?.[1] : undefined;
  if (!driver) throw new Error(`no "${name}" driver in ${ini}: install odbc-postgresql and unixodbc (scripts/setup.sh)`);
  if (path.isAbsolute(driver)) return driver;
  const libraryDirs = readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')).map((d) => path.join('/usr/lib', d, 'odbc'));
  const found = [...libraryDirs, '/usr/lib/odbc', '/usr/local/lib'].map((d) => path.join(d, driver)).find((p) => existsSync(p));
  if (!found) throw new Error(`ODBC driver library ${driver} of "${name}" not found`);
  return found;
}

/** Data rows of isql's boxed tables: `| a | b |` lines that are not headers. */
function tableRows(output: string): string[][] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

describe('psqlODBC via isql', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;
  let env: NodeJS.ProcessEnv;
  let reference: pg.Client;

  const isql = (sql: readonly string[]): Promise<ProgramResult> =>
    runProgram('isql', ['-b', '-v', 'pondgate'], { input: `${sql.join('\n')}\n`, env, timeoutMs: 30_000 });

  before(async () => {
    const driver = odbcDriverPath(DRIVER_NAME);
    tpch = await startTpchCluster('odbc');
    const iniDir = path.join(tpch.dir, 'odbc');
    await mkdir(iniDir, { recursive: true });
    await writeFile(path.join(iniDir, 'odbcinst.ini'), `[${DRIVER_NAME}]\nDescription=PostgreSQL ODBC driver (Unicode)\nDriver=${driver}\nDebug=0\nCommLog=0\n`);
    await writeFile(
      path.join(iniDir, 'odbc.ini'),
      `[pondgate]\nDriver=${DRIVER_NAME}\nServername=127.0.0.1\nPort=${tpch.cluster.port}\nDatabase=pondgate\nUsername=odbc_user\nSSLMode=disable\n`,
    );
    env = { ...process.env, ODBCSYSINI: iniDir, ODBCINI: path.join(iniDir, 'odbc.ini') };
    reference = new pg.Client({ connectionString: tpch.cluster.connectionString, types: { getTypeParser: () => (v: string) => v } });
    await reference.connect();
  });

  after(async () => {
    await reference?.end();
    await tpch?.stop();
  });

  it('SELECT count(*) FROM lineitem', async () => {
    const result = await isql(['SELECT count(*) AS n FROM lineitem']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const expected = (await reference.query('SELECT count(*) AS n FROM lineitem')).rows[0].n as string;
    assert.deepEqual(tableRows(result.stdout), [['n'], [expected]]);
    assert.match(result.stdout, /^1 rows fetched$/m);
  });

  it('a GROUP BY, the same rows as node-postgres gets', async () => {
    const sql = 'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS q FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2';
    const result = await isql([sql]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const expected = (await reference.query(sql)).rows.map((r: Record<string, string>) => [r.l_returnflag, r.l_linestatus, r.n, r.q]);
    assert.deepEqual(tableRows(result.stdout), [['l_returnflag', 'l_linestatus', 'n', 'q'], ...expected]);
  });

  it('common types come through as text', async () => {
    const result = await isql(["SELECT DATE '2020-01-02' AS d, 12.34::DECIMAL(10,2) AS n, 'x y' AS s, 1.5::DOUBLE AS f, 9007199254740993::BIGINT AS b"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(tableRows(result.stdout), [['d', 'n', 's', 'f', 'b'], ['2020-01-02', '12.34', 'x y', '1.5', '9007199254740993']]);
  });

  it('an error reports its SQLSTATE and the next statements run on the same connection', async () => {
    const result = await isql(['SELECT * FROM no_such_table', 'SELECT 42 AS answer', 'SELECT count(*) AS n FROM region']);
    assert.match(result.stdout + result.stderr, /\[42P01\]/);
    assert.doesNotMatch(result.stdout + result.stderr, /42P05|already exists/);
    assert.deepEqual(tableRows(result.stdout), [['answer'], ['42'], ['n'], ['5']]);
  });

  it('SQLTables and SQLColumns (isql "help") list the tables of schema public and the columns of lineitem', async () => {
    const tables = await isql(['help']);
    const [tableHeader, ...tableRowsOut] = tableRows(tables.stdout);
    assert.ok(tableHeader, tables.stdout + tables.stderr);
    const name = tableHeader.indexOf('TABLE_NAME');
    const owner = tableHeader.indexOf('TABLE_OWNER');
    assert.deepEqual(
      tableRowsOut.map((r) => `${r[owner]}.${r[name]}`).sort(),
      ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier'].map((t) => `public.${t}`),
    );
    const columns = await isql(['help lineitem']);
    assert.doesNotMatch(columns.stdout + columns.stderr, /ERROR/, columns.stdout + columns.stderr);
    const [columnHeader, ...columnRowsOut] = tableRows(columns.stdout);
    const column = columnHeader.indexOf('COLUMN_NAME');
    const type = columnHeader.indexOf('TYPE_NAME');
    assert.deepEqual(columnRowsOut.map((r) => `${r[column]} ${r[type]}`), [
      'l_orderkey int8', 'l_partkey int4', 'l_suppkey int4', 'l_linenumber int4',
      'l_quantity numeric', 'l_extendedprice numeric', 'l_discount numeric', 'l_tax numeric',
      'l_returnflag text', 'l_linestatus text', 'l_shipdate date', 'l_commitdate date', 'l_receiptdate date',
      'l_shipinstruct text', 'l_shipmode text', 'l_comment text',
    ]);
  });
});
