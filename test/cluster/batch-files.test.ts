/**
 * Result batches through the shared scratch directory (BatchFiles in src/cluster/messages.ts)
 * on a real cluster: a large result's batches come as files and arrive row for row as DuckDB
 * reads the data; small results stay on NATS; no file outlives its query, also when the client
 * stops reading early; a worker that cannot write a file sends its batches through NATS
 * instead; and a gateway that cannot read a worker's file (a scratch directory that is not
 * shared) fails the query with a clear error and keeps the session.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const SCAN = 'SELECT l_orderkey, l_linenumber, l_extendedprice, l_comment FROM lineitem';

async function planText(client: pg.Client, sql: string): Promise<string> {
  const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ANALYZE ${sql}`);
  return result.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** A client of the cluster, with the result cache off (every query runs its tasks). */
async function connectTo(cluster: TestCluster): Promise<pg.Client> {
  const client = new pg.Client(cluster.connectionString);
  await client.connect();
  await client.query('SET pondgate.result_cache = off');
  return client;
}

/** The scan's rows as DuckDB reads the table's files directly, in one order. */
async function expectedRows(dataDir: string): Promise<string[]> {
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT l_orderkey::VARCHAR || '/' || l_linenumber || '/' || l_extendedprice::VARCHAR || '/' || l_comment AS r
       FROM read_parquet('${path.join(dataDir, 'lineitem')}/*/*.parquet') ORDER BY l_orderkey, l_linenumber`,
    );
    return reader.getRows().map((row) => String(row[0]));
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

function rowKeys(rows: readonly Record<string, unknown>[]): string[] {
  return rows
    .map((r) => `${r.l_orderkey}/${r.l_linenumber}/${r.l_extendedprice}/${r.l_comment}`)
    .sort((a, b) => {
      const [ao, al] = a.split('/').map(Number);
      const [bo, bl] = b.split('/').map(Number);
      return ao - bo || al - bl;
    });
}

/** Files under the gateway's own scratch directory, except its `owner` file. */
async function leftovers(scratchDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const gateway of await readdir(scratchDir)) {
    const entries = await readdir(path.join(scratchDir, gateway), { recursive: true, withFileTypes: true });
    for (const entry of entries) if (entry.isFile() && entry.name !== 'owner') found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

async function eventuallyNoLeftovers(scratchDir: string, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  let files = await leftovers(scratchDir);
  while (files.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    files = await leftovers(scratchDir);
  }
  assert.deepEqual(files, []);
}

describe('result batches as scratch files', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let expected: string[];

  before(async () => {
    temp = await makeTempDir('batchfiles');
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '2', '--into', temp.dir]);
    expected = await expectedRows(temp.dir);
  });

  after(async () => {
    await temp?.remove();
  });

  describe('workers and gateway sharing the scratch directory', () => {
    let cluster: TestCluster;
    let client: pg.Client;
    const scratch = () => path.join(temp.dir, '.scratch');

    before(async () => {
      cluster = await startTestCluster(temp.dir, { workers: 2 });
      client = await connectTo(cluster);
    });

    after(async () => {
      await client?.end();
      await cluster?.stop();
    });

    it('brings a large result as files, row for row as DuckDB reads the data, and removes them', async () => {
      assert.match(await planText(client, SCAN), /\(\d+ batch(es)? as scratch files\)/);
      const { rows } = await client.query(SCAN);
      assert.equal(rows.length, expected.length);
      assert.deepEqual(rowKeys(rows), expected);
      await eventuallyNoLeftovers(scratch(), 3000);
    });

    it('keeps small results on NATS', async () => {
      const plan = await planText(client, 'SELECT l_orderkey, l_comment FROM lineitem WHERE l_orderkey < 100');
      assert.doesNotMatch(plan, /scratch files/);
      assert.match(plan, /\d+ rows/);
    });

    it('leaves no file behind when the client stops reading early', async () => {
      const cursor = client.query(new Cursor(SCAN));
      const first = await cursor.read(1000);
      assert.equal(first.length, 1000);
      await cursor.close();
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      // The query's directory goes when it ends, and once more 5 s later for a write still under way.
      await eventuallyNoLeftovers(scratch(), 10_000);
    });
  });

  describe('a worker whose scratch directory is not the gateway\'s', () => {
    let cluster: TestCluster;
    let client: pg.Client;
    let workerScratch: string;

    before(async () => {
      workerScratch = path.join(temp.dir, 'worker-scratch');
      await mkdir(workerScratch, { recursive: true });
      cluster = await startTestCluster(temp.dir, { workers: 1, cluster: 'batchfiles-apart', workerArgs: ['--scratch', workerScratch] });
      client = await connectTo(cluster);
    });

    after(async () => {
      await client?.end();
      await cluster?.stop();
    });

    it('sends its batches through NATS when it cannot write a file, and the rows are all there', async () => {
      // A file where the worker would make the gateway's directory: every batch file write fails.
      const gateways = (await readdir(path.join(temp.dir, '.scratch'))).filter((name) => name.startsWith('g-'));
      assert.equal(gateways.length, 1);
      const blocker = path.join(workerScratch, gateways[0]);
      await writeFile(blocker, 'not a directory');
      try {
        const { rows } = await client.query(SCAN);
        assert.deepEqual(rowKeys(rows), expected);
        assert.doesNotMatch(await planText(client, SCAN), /scratch files/);
      } finally {
        await rm(blocker, { force: true });
      }
    });

    it('fails the query with SQLSTATE 58030 and a hint when the gateway cannot read the file, and the session goes on', async () => {
      await assert.rejects(client.query(SCAN), (error: pg.DatabaseError) => {
        assert.equal(error.code, '58030');
        assert.match(error.message, /could not read result batch file/);
        assert.match(error.hint ?? '', /share one scratch directory/);
        return true;
      });
      assert.deepEqual((await client.query('SELECT count(*)::INTEGER AS n FROM nation')).rows, [{ n: 25 }]);
    });
  });
});
