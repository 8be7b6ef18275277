/**
 * Stages on a real cluster: exchanges through the shared scratch directory
 * (written per attempt, read by bucket, removed when the query ends — after
 * success, error and cancel — and at start for what a stopped gateway left).
 * A worker that dies while it holds a task: task-retry.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { defaultScratchDir } from '../../src/storage/scratch.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const JOIN = 'SELECT o_orderpriority, count(*) AS n FROM orders JOIN lineitem ON o_orderkey = l_orderkey GROUP BY 1 ORDER BY 1';

/** Query directories under the scratch directory (one per running query of each gateway). */
async function queryDirectories(scratch: string): Promise<string[]> {
  const out: string[] = [];
  for (const gateway of await readdir(scratch).catch(() => [] as string[])) {
    for (const entry of await readdir(path.join(scratch, gateway)).catch(() => [] as string[])) {
      if (entry !== 'owner') out.push(`${gateway}/${entry}`);
    }
  }
  return out;
}

async function waitFor(condition: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe('stages and exchanges on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let scratch: string;

  before(async () => {
    temp = await makeTempDir('stages');
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '4', '--into', temp.dir]);
    scratch = defaultScratchDir(temp.dir);
    // What a gateway that stopped long ago left behind: removed when a gateway starts.
    await mkdir(path.join(scratch, 'g-0123456789ab', 'q1', 's0'), { recursive: true });
    await writeFile(path.join(scratch, 'g-0123456789ab', 'owner'), '{}\n');
    await writeFile(path.join(scratch, 'g-0123456789ab', 'q1', 's0', 'data_0.parquet'), 'x');
    const old = new Date(Date.now() - 3600_000);
    await utimes(path.join(scratch, 'g-0123456789ab', 'owner'), old, old);
    cluster = await startTestCluster(temp.dir);
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: cluster.connectionString });
    await c.connect();
    return c;
  };

  it('removes at start the scratch files of a gateway that is gone', () => {
    assert.equal(existsSync(path.join(scratch, 'g-0123456789ab')), false);
  });

  it('exchanges both sides of a join through scratch files and removes them when the query ends', async () => {
    const c = await client();
    try {
      const expected = (await c.query(`SET pondgate.distributed = off; ${JOIN}`)) as unknown as pg.QueryResult[];
      await c.query('SET pondgate.distributed = on');
      await c.query("SET pondgate.join_strategy = 'shuffle'");
      const plan = (await c.query(`EXPLAIN ${JOIN}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /exchange orders by o_orderkey/);
      assert.match(plan, /exchange lineitem by l_orderkey/);
      const analyzed = (await c.query(`EXPLAIN ANALYZE ${JOIN}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      assert.match(analyzed, /Stage 0: \d+ tasks? run.*, [1-9][\d.]* (kB|MB) written/);
      const result = await c.query(JOIN);
      assert.deepEqual(result.rows, expected[1].rows);
      assert.deepEqual(await queryDirectories(scratch), []);
    } finally {
      await c.end();
    }
  });

  it('removes the scratch files of a query that fails in a later stage, and of a cancelled one', async () => {
    const c = await client();
    try {
      await c.query("SET pondgate.join_strategy = 'shuffle'");
      await assert.rejects(
        // Fails in the join stage, after the exchanges wrote their files.
        c.query("SELECT count(*) FROM orders JOIN lineitem ON o_orderkey = l_orderkey WHERE CAST(o_comment || l_comment AS INTEGER) > 0"),
        (error: { code?: string }) => error.code === '22P02',
      );
      await c.query("SET statement_timeout = '1500ms'");
      await assert.rejects(c.query(`SELECT count(*) FROM orders JOIN lineitem ON o_orderkey = l_orderkey WHERE md5(repeat(l_comment, 1000)) <> ''`), (error: { code?: string }) => error.code === '57014');
      // A cancelled task may finish writing after the query ended: the second sweep takes it.
      assert.ok(await waitFor(async () => (await queryDirectories(scratch)).length === 0, 10_000), `left: ${(await queryDirectories(scratch)).join(', ')}`);
    } finally {
      await c.end();
    }
  });
});
