/**
 * The workers' file cache on a real cluster: the same answers as one DuckDB
 * over the Parquet files, before the cache has the files and after — also for
 * queries whose answer depends on the order of a table's rows (a POSITIONAL
 * JOIN, row_number() OVER ()), which one task must read in file order whether
 * the files come from the cache or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { compareResults, formatDiff, type TextResult } from '../differential/compare.ts';
import { openOracle, type Oracle } from '../differential/oracle.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const QUERIES: readonly { readonly sql: string; readonly orderBy?: readonly number[] }[] = [
  { sql: 'SELECT count(*) AS n, sum(a.o_orderkey - b.o_orderkey) AS drift FROM orders a POSITIONAL JOIN orders b WHERE b.o_orderkey > 10000' },
  { sql: 'SELECT sum(o_orderkey * rn) AS weighted FROM (SELECT o_orderkey, row_number() OVER () AS rn FROM orders)' },
  { sql: 'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS q FROM lineitem GROUP BY 1 ORDER BY 1', orderBy: [0] },
  { sql: 'SELECT o_orderkey, o_totalprice, o_orderdate FROM orders WHERE o_orderkey = 7' },
  { sql: 'SELECT c_mktsegment, count(*) AS n FROM customer JOIN orders ON c_custkey = o_custkey GROUP BY 1 ORDER BY 1', orderBy: [0] },
];

const rawText = { getTypeParser: () => (value: string) => value };

describe('worker file cache on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let oracle: Oracle;
  let client: pg.Client;

  before(async () => {
    temp = await makeTempDir('worker-cache');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '8', '--into', temp.dir]);
    // One worker, so that every task after the first round finds its files cached.
    cluster = await startTestCluster(temp.dir, { workers: 1, workerArgs: ['--cache-mb', '256'] });
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

  const gateway = async (sql: string): Promise<TextResult> => {
    const result = await client.query({ text: sql, rowMode: 'array' });
    return { columns: result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: result.rows as (string | null)[][] };
  };

  it('answers as DuckDB does over the files, before and after the worker cached them', async () => {
    for (let round = 0; round < 4; round++) {
      for (const query of QUERIES) {
        const diff = compareResults(await oracle.query(query.sql), await gateway(query.sql), { orderBy: query.orderBy });
        assert.equal(diff, null, `round ${round}: ${query.sql}\n${formatDiff(diff)}`);
      }
      // The worker loads what the round read in the background; the next round reads the cache.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
});
