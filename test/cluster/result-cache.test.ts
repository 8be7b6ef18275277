/**
 * The result cache on a real cluster, through node-postgres: a repeated query
 * is served from the cache (EXPLAIN ANALYZE says so) with exactly the rows of
 * an uncached run; a manifest change, other parameter values or another
 * TimeZone are other entries; volatile and catalog queries, cursors and
 * partial reads never fill it; `SET pondgate.result_cache = off` bypasses it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { importTable } from '../../src/storage/import.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const GROUPED = 'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_extendedprice) AS s, avg(l_discount) AS d FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2';
// Dates, decimals, text, NULLs and lists: the cached batches must format exactly as fresh ones.
const TYPED = "SELECT o_orderkey, o_orderdate, o_totalprice, o_comment, CAST(NULL AS INTEGER) AS nothing, [o_orderkey, 2] AS l, CAST(o_orderdate AS TIMESTAMPTZ) AS tz FROM orders WHERE o_orderkey % 7 = 0 ORDER BY o_orderkey LIMIT 300";

describe('result cache on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;

  /** Writes a CSV of ids 1..n and imports it as table `counted` (a new manifest version each time). */
  const importCounted = async (n: number): Promise<void> => {
    const file = path.join(temp.dir, `counted-${n}.csv`);
    await writeFile(file, `id\n${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`);
    await importTable(file, { table: 'counted', into: temp.dir, partitions: 2 });
  };

  before(async () => {
    temp = await makeTempDir('result-cache');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '2', '--into', temp.dir]);
    await importCounted(3);
    cluster = await startTestCluster(temp.dir, { gatewayArgs: ['--result-cache-mb', '16'] });
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  const withClient = async <T>(action: (client: pg.Client) => Promise<T>, config: pg.ClientConfig = {}): Promise<T> => {
    const client = new pg.Client({ connectionString: cluster.connectionString, ...config });
    await client.connect();
    try {
      return await action(client);
    } finally {
      await client.end();
    }
  };

  /** The `Result cache:` line of EXPLAIN ANALYZE, which runs the query through the cache as the query itself would. */
  const cacheLine = async (client: pg.Client, sql: string, parameters: unknown[] = []): Promise<string> => {
    const lines = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ANALYZE ${sql}`, parameters)).rows.map((r) => r['QUERY PLAN']);
    const line = lines.find((l) => l.trim().startsWith('Result cache:'));
    assert.ok(line, `no result cache line in:\n${lines.join('\n')}`);
    return line.trim().replace(/^Result cache: /, '');
  };

  it('serves a repeated query from the cache, with the rows of an uncached run', async () => {
    await withClient(async (client) => {
      const first = await client.query(GROUPED);
      assert.equal(await cacheLine(client, GROUPED), 'hit');
      const second = await client.query(GROUPED);
      await client.query('SET pondgate.result_cache = off');
      const uncached = await client.query(GROUPED);
      assert.ok(first.rows.length > 0);
      assert.deepEqual(second.rows, first.rows);
      assert.deepEqual(second.rows, uncached.rows);
      assert.deepEqual(second.fields.map((f) => [f.name, f.dataTypeID]), uncached.fields.map((f) => [f.name, f.dataTypeID]));
    });
    // Another session with the same settings shares the entry.
    await withClient(async (client) => assert.equal(await cacheLine(client, GROUPED), 'hit'));
  });

  it('returns cached values identical to fresh ones, in text and in binary', async () => {
    for (const binary of [false, true]) {
      await withClient(
        async (client) => {
          await client.query('SET pondgate.result_cache = off');
          const fresh = await client.query({ text: TYPED, rowMode: 'array' });
          await client.query('SET pondgate.result_cache = on');
          await client.query({ text: TYPED, rowMode: 'array' });
          const cached = await client.query({ text: TYPED, rowMode: 'array' });
          assert.equal(await cacheLine(client, TYPED), 'hit');
          assert.ok(fresh.rows.length > 10);
          assert.deepEqual(cached.rows, fresh.rows);
        },
        { binary } as pg.ClientConfig,
      );
    }
  });

  it('keys by parameter values and by TimeZone', async () => {
    await withClient(async (client) => {
      const sql = 'SELECT count(*) AS n FROM orders WHERE o_orderkey < $1';
      const small = await client.query(sql, [100]);
      assert.equal(await cacheLine(client, sql, [100]), 'hit');
      assert.equal(await cacheLine(client, sql, [2000]), 'miss (stored)');
      const large = await client.query(sql, [2000]);
      assert.notEqual(large.rows[0].n, small.rows[0].n);
      assert.deepEqual((await client.query(sql, [100])).rows, small.rows);
      await client.query("SET TimeZone = 'Europe/Paris'");
      assert.equal(await cacheLine(client, sql, [100]), 'miss (stored)');
    });
  });

  it('never serves rows of an older manifest version', async () => {
    await withClient(async (client) => {
      const sql = 'SELECT count(*) AS n, sum(id) AS s FROM counted';
      assert.deepEqual((await client.query(sql)).rows, [{ n: '3', s: '6' }]);
      assert.equal(await cacheLine(client, sql), 'hit');
      // COMMENT ON commits a new manifest version: the entry of the old one is not used.
      await client.query("COMMENT ON TABLE counted IS 'ids'");
      assert.equal(await cacheLine(client, sql), 'miss (stored)');
      assert.equal(await cacheLine(client, sql), 'hit');
      // New rows, committed by another process: the next query sees them.
      await importCounted(5);
      assert.deepEqual((await client.query(sql)).rows, [{ n: '5', s: '15' }]);
      assert.equal(await cacheLine(client, sql), 'hit');
    });
  });

  it('never caches volatile functions or the session catalog', async () => {
    await withClient(async (client) => {
      for (const [sql, reason] of [
        ['SELECT now() AS t, count(*) AS n FROM orders', /volatile function now/],
        ['SELECT CURRENT_TIMESTAMP AS t, count(*) AS n FROM orders', /current_timestamp/],
        ['SELECT random() AS r FROM orders LIMIT 1', /volatile function random/],
        ['SELECT count(*) AS n FROM pg_stat_activity', /pg_stat_activity/],
      ] as const) {
        await client.query(sql);
        await client.query(sql);
        assert.match(await cacheLine(client, sql), reason, sql);
      }
      const draws = new Set<unknown>();
      for (let i = 0; i < 3; i++) draws.add((await client.query('SELECT random() AS r FROM orders LIMIT 1')).rows[0].r);
      assert.equal(draws.size, 3, 'random() is evaluated on every run');
    });
  });

  it('stores nothing while pondgate.result_cache is off, and nothing from cursors or partial reads', async () => {
    await withClient(async (client) => {
      assert.equal((await client.query('SHOW pondgate.result_cache')).rows[0]['pondgate.result_cache'], 'on');
      await client.query('SET pondgate.result_cache = off');
      const offSql = 'SELECT o_orderpriority, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1';
      await client.query(offSql);
      assert.equal(await cacheLine(client, offSql), 'not used (pondgate.result_cache is off)');
      await client.query('RESET pondgate.result_cache');
      assert.equal(await cacheLine(client, offSql), 'miss (stored)', 'the query run while off stored nothing');

      const cursorSql = 'SELECT o_orderstatus, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1';
      await client.query('BEGIN');
      await client.query(`DECLARE c CURSOR FOR ${cursorSql}`);
      await client.query('FETCH ALL FROM c');
      await client.query('COMMIT');
      assert.equal(await cacheLine(client, cursorSql), 'miss (stored)', 'a cursor does not fill the cache');

      // An extended-protocol portal read in part (Execute with a row limit), then closed.
      const partialSql = 'SELECT o_orderkey FROM orders ORDER BY o_orderkey';
      const cursor = client.query(new Cursor(partialSql));
      assert.equal((await cursor.read(10)).length, 10);
      await cursor.close();
      assert.equal(await cacheLine(client, partialSql), 'miss (stored)', 'a partial read does not fill the cache');
    });
  });
});
