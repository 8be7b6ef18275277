/**
 * A split aggregate's final step is not bound while planning (that prepare cost about as much
 * as the rest of planning); a plan with one carries its `delegate` fallback, which the engine
 * runs when a stage does not bind. Here every split's final step is broken on purpose
 * (PONDGATE_TEST_BREAK_SPLITS=1): each query must still return DuckDB's rows, whether its final
 * step runs in the gateway's merge, in bucketed tasks on the workers, for a subquery, or for a
 * prepared statement with parameters; the query's own error is the one reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { compareResults, formatDiff, type TextResult } from '../differential/compare.ts';
import { openOracle, type Oracle } from '../differential/oracle.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const QUERIES: readonly { readonly sql: string; readonly orderBy?: readonly number[] }[] = [
  // Final step in the gateway's merge.
  { sql: 'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS q, avg(l_discount) AS d FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2', orderBy: [0, 1] },
  { sql: 'SELECT count(DISTINCT o_custkey) AS customers, max(o_totalprice) AS top FROM orders' },
  { sql: 'SELECT o_orderpriority, count(*) AS n FROM orders GROUP BY ROLLUP (o_orderpriority) HAVING count(*) > 10 ORDER BY 1 NULLS LAST', orderBy: [0] },
  // Many groups: the final step can run in bucketed tasks on the workers.
  { sql: 'SELECT o_custkey, count(*) AS n, sum(o_totalprice) AS total FROM orders GROUP BY o_custkey ORDER BY o_custkey', orderBy: [0] },
  // A split inside a subquery that runs as a stage of its own.
  { sql: 'SELECT count(*) AS n FROM orders WHERE o_totalprice > (SELECT avg(o_totalprice) FROM orders)' },
  // A join under the aggregate.
  { sql: 'SELECT c_mktsegment, count(*) AS n, sum(o_totalprice) AS t FROM customer JOIN orders ON c_custkey = o_custkey GROUP BY 1 ORDER BY 1', orderBy: [0] },
];

const rawText = { getTypeParser: () => (value: string) => value };

describe('split aggregate fallback on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let oracle: Oracle;
  let client: pg.Client;

  before(async () => {
    temp = await makeTempDir('split-fallback');
    // Large enough that lineitem and orders are split (smaller tables run in one task).
    await runPondgate(['generate', 'tpch', '--sf', '0.1', '--partitions', '8', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir, { workers: 2, env: { PONDGATE_TEST_BREAK_SPLITS: '1', PONDGATE_PLAN_CHECK: '0' } });
    client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    await client.query('SET pondgate.result_cache = off');
    oracle = await openOracle(temp.dir);
  });

  after(async () => {
    await client?.end();
    oracle?.close();
    await cluster?.stop();
    await temp?.remove();
  });

  const gateway = async (sql: string, values?: unknown[]): Promise<TextResult> => {
    const result = await client.query({ text: sql, values, rowMode: 'array' });
    return { columns: result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: result.rows as (string | null)[][] };
  };

  it('plans split aggregates, whose broken final steps do not bind', async () => {
    const explain = await client.query({ text: 'EXPLAIN SELECT l_returnflag, count(*) AS n FROM lineitem GROUP BY 1', rowMode: 'array' });
    const text = explain.rows.map((r: unknown[]) => String(r[0])).join('\n');
    assert.match(text, /partial aggregate/, text);
    assert.match(text, /__pondgate_test_missing/, text);
  });

  it('answers as DuckDB does: the whole query runs again in one task', async () => {
    for (let round = 0; round < 2; round++) {
      for (const query of QUERIES) {
        const diff = compareResults(await oracle.query(query.sql), await gateway(query.sql), { orderBy: query.orderBy });
        assert.equal(diff, null, `round ${round}: ${query.sql}\n${formatDiff(diff)}`);
      }
    }
  });

  it('answers a prepared statement with parameters, planned once and executed again', async () => {
    const sql = 'SELECT l_linestatus, count(*) AS n, sum(l_extendedprice) AS p FROM lineitem WHERE l_quantity > $1 GROUP BY 1 ORDER BY 1';
    for (const limit of [10, 30, 45]) {
      const expected = await oracle.query(sql.replace('$1', String(limit)));
      const diff = compareResults(expected, await gateway(sql, [limit]), { orderBy: [0] });
      assert.equal(diff, null, `$1 = ${limit}\n${formatDiff(diff)}`);
    }
  });

  it('reports the error of the query itself, not that of the broken stage, and the session stays usable', async () => {
    await assert.rejects(
      gateway('SELECT l_returnflag, sum(CAST(l_comment AS INTEGER)) AS s FROM lineitem GROUP BY 1'),
      (error: Error & { code?: string }) => error.code === '22P02',
    );
    const after = await gateway('SELECT count(*) AS n FROM nation');
    assert.deepEqual(after.rows, [['25']]);
  });
});
