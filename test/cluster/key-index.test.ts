/**
 * The gateway's key index on a real cluster (gateway/exec/key-index.ts): prepared lookups with
 * parameter values of every kind give the rows, or the error, that DuckDB gives; the values
 * DuckDB must cast itself are not answered by the index; a table written again is read anew.
 *
 * The reference for each lookup is the same statement with `AND true` added, which is not a key
 * lookup and so runs as a DuckDB statement (in the gateway's lane or on a worker).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { generateEdge } from '../../src/datagen/edge.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const INDEX = 'gateway (key index)';

/** node-postgres hands back the server's text untouched. */
const rawText = { getTypeParser: () => (value: string) => value };

type Outcome = { rows: unknown[][] } | { error: string };

async function outcome(client: pg.Client, text: string, values: readonly unknown[]): Promise<Outcome> {
  try {
    const result = await client.query({ text, values: [...values], rowMode: 'array' });
    return { rows: (result.rows as unknown[][]).map((r) => r.map(String)).sort() as unknown[][] };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? 'no SQLSTATE' };
  }
}

async function answeredBy(client: pg.Client, text: string, values: readonly unknown[]): Promise<string> {
  const plan = await client.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN ANALYZE ${text}`, values: [...values] });
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Runs the lookup until the key index answers it (it is built in the background after a first read). */
async function waitForIndex(client: pg.Client, text: string, values: readonly unknown[]): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if ((await answeredBy(client, text, values)).includes(INDEX)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`the key index never answered ${text} with ${JSON.stringify(values)}`);
}

describe('key index on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let client: pg.Client;

  before(async () => {
    temp = await makeTempDir('key-index');
    await generateEdge({ outDir: temp.dir });
    await writeFile(`${temp.dir}/kv.csv`, 'id,name\n1,first\n2,second\n');
    await runPondgate(['import', '--table', 'kv', '--partitions', '1', '--into', temp.dir, `${temp.dir}/kv.csv`]);
    // A nested column holding a TIMESTAMPTZ: sent as JSON text DuckDB renders in the session's time zone.
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    await connection.run(
      `COPY (SELECT i::INTEGER AS id, {'at': TIMESTAMPTZ '2023-03-26 00:30:00+00' + i * INTERVAL 1 HOUR, 'n': i} AS s, TIMESTAMPTZ '2023-11-05 05:30:00+00' + i * INTERVAL 1 HOUR AS t FROM range(5) r(i)) TO '${temp.dir}/nested.parquet' (FORMAT parquet)`,
    );
    connection.closeSync();
    duckdb.closeSync();
    await runPondgate(['import', '--table', 'nested', '--partitions', '1', '--into', temp.dir, `${temp.dir}/nested.parquet`]);
    cluster = await startTestCluster(temp.dir, { workers: 1 });
    client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    await client.query('SET pondgate.result_cache = off');
  });

  after(async () => {
    await client?.end();
    await cluster?.stop();
    await temp?.remove();
  });

  const cases: { sql: string; warm: unknown; values: { value: unknown; indexed: boolean }[] }[] = [
    {
      sql: 'SELECT * FROM accounts WHERE acct_id = $1',
      warm: 7,
      values: [
        { value: 7, indexed: true },
        { value: '0', indexed: true },
        { value: 8, indexed: true },
        { value: '2147483647', indexed: true },
        // DuckDB casts these itself: the same rows, or its error, through a DuckDB statement.
        { value: '007', indexed: false },
        { value: ' 7', indexed: false },
        { value: '-0', indexed: false },
        { value: '+7', indexed: false },
        { value: '7.0', indexed: false },
        { value: '2147483648', indexed: false },
        { value: 'abc', indexed: false },
        { value: null, indexed: false },
      ],
    },
    {
      sql: 'SELECT reading_id, acct_id, value FROM readings WHERE acct_id = $1',
      warm: 5,
      values: [
        { value: 5, indexed: true },
        { value: '-128', indexed: true },
        { value: '300', indexed: false },
      ],
    },
    {
      sql: 'SELECT sensor, taken_on FROM readings WHERE sensor = $1',
      warm: 3,
      values: [
        { value: '18446744073709551615', indexed: true },
        { value: '-1', indexed: false },
      ],
    },
    {
      // The first matches in file order, as the one task would return them.
      sql: 'SELECT event_id, kind FROM events WHERE acct_id = $1 LIMIT 5',
      warm: 7,
      values: [
        { value: 7, indexed: true },
        { value: 118, indexed: true },
        { value: '07', indexed: false },
      ],
    },
    { sql: 'SELECT * FROM accounts WHERE acct_id = $1 LIMIT 1', warm: 7, values: [{ value: 7, indexed: true }, { value: 500, indexed: true }] },
    { sql: 'SELECT * FROM zones WHERE code = $1 LIMIT 0', warm: 1, values: [{ value: 1, indexed: true }] },
    {
      sql: 'SELECT code, utc_offset FROM zones WHERE name = $1',
      warm: 'north',
      values: [
        { value: 'north', indexed: true },
        { value: 'North', indexed: true },
        { value: '', indexed: true },
        { value: "it's", indexed: true },
        { value: null, indexed: false },
      ],
    },
  ];

  for (const { sql, warm, values } of cases) {
    it(`answers ${sql} as DuckDB does, for every kind of value`, async () => {
      await waitForIndex(client, sql, [warm]);
      const reference = sql.replace(/( LIMIT \d+)?$/, " AND true$1");
      assert.ok(!(await answeredBy(client, reference, [warm])).includes('Key lookup'), 'the reference is not a key lookup');
      for (const { value, indexed } of values) {
        const label = `${sql} with ${JSON.stringify(value)}`;
        // A named statement, as -M prepared and JDBC run it: the kept generic plan gets the value.
        const name = `s${Math.abs(hash(sql))}`;
        const got = await outcome(client, sql, [value]);
        const named = await client.query({ name, text: sql, values: [value], rowMode: 'array' }).then(
          (r) => ({ rows: (r.rows as unknown[][]).map((row) => row.map(String)).sort() }),
          (e: { code?: string }) => ({ error: e.code ?? 'no SQLSTATE' }),
        );
        const expected = await outcome(client, reference, [value]);
        assert.deepEqual(got, expected, label);
        assert.deepEqual(named, expected, `${label} (named statement)`);
        if ('rows' in expected) assert.equal((await answeredBy(client, sql, [value])).includes(INDEX), indexed, `${label}: answered by the key index`);
      }
    });
  }

  it("renders what depends on the session's time zone for the session, never as the index read it", async () => {
    const sql = 'SELECT * FROM nested WHERE id = $1';
    const plain = 'SELECT id, t FROM nested WHERE id = $1';
    await waitForIndex(client, plain, [1]);
    await client.query("SET TimeZone = 'America/New_York'");
    try {
      for (const id of [0, 1, 2, 3, 4]) {
        for (const text of [sql, plain]) assert.deepEqual(await outcome(client, text, [id]), await outcome(client, `${text} AND true`, [id]), `${text} with ${id}`);
      }
      // TIMESTAMPTZ itself is sent as UTC microseconds and rendered by the gateway for the session.
      assert.ok((await answeredBy(client, plain, [2])).includes(INDEX), 'the plain columns come from the key index');
      const nested = await answeredBy(client, sql, [2]);
      assert.ok(!nested.includes(INDEX), `the nested column is rendered by DuckDB for the session:\n${nested}`);
      assert.match((await outcome(client, 'SELECT t FROM nested WHERE id = $1', [0]) as { rows: string[][] }).rows[0][0], /-05$|-04$/);
    } finally {
      await client.query('RESET TimeZone');
    }
  });

  it('reads a table written again from its new files', async () => {
    const sql = 'SELECT name FROM kv WHERE id = $1';
    await waitForIndex(client, sql, [1]);
    assert.deepEqual((await outcome(client, sql, [1])), { rows: [['first']] });
    await writeFile(`${temp.dir}/kv.csv`, 'id,name\n1,rewritten\n3,third\n');
    await runPondgate(['import', '--table', 'kv', '--partitions', '1', '--into', temp.dir, `${temp.dir}/kv.csv`]);
    // The gateway sees the new manifest version within its poll interval; never the old row after that.
    const until = Date.now() + 15_000;
    let rows: Outcome = { rows: [] };
    while (Date.now() < until) {
      rows = await outcome(client, sql, [1]);
      if (JSON.stringify(rows) !== JSON.stringify({ rows: [['first']] })) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(rows, { rows: [['rewritten']] });
    await waitForIndex(client, sql, [3]);
    assert.deepEqual(await outcome(client, sql, [3]), { rows: [['third']] });
    assert.deepEqual(await outcome(client, sql, [2]), { rows: [] });
  });
});

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
