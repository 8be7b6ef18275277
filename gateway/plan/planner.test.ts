/**
 * Planner rules, each with a positive and a negative case, checked on the
 * EXPLAIN text of the plan (the same text users see). Planning needs only
 * the catalog's empty tables, so no data and no workers are involved; the
 * differential suite checks that the plans give DuckDB's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import type { TableEntry } from '../../src/storage/manifest.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { Catalog } from '../catalog/catalog.ts';
import { SqlCodec } from '../sql/codec.ts';
import { DuckDBPlannerContext } from './context.ts';
import { explainText, type QueryPlan } from './plan.ts';
import { planQuery } from './planner.ts';

const lineitem: TableEntry = fixtureTable({
  name: 'lineitem',
  columns: [
    { name: 'l_orderkey', type: 'BIGINT' },
    { name: 'l_quantity', type: 'DECIMAL(15,2)' },
    { name: 'l_returnflag', type: 'VARCHAR' },
    { name: 'l_shipdate', type: 'DATE' },
  ],
  files: [0, 1, 2].map((i) => [`lineitem/part-${i}.parquet`]),
});
const orders: TableEntry = fixtureTable({
  name: 'orders',
  columns: [
    { name: 'o_orderkey', type: 'BIGINT' },
    { name: 'o_totalprice', type: 'DECIMAL(15,2)' },
  ],
  partitioning: { scheme: 'hash', column: 'o_orderkey', keyType: 'BIGINT', buckets: 2, hashedBy: 'v1.5.6' },
  files: [0, 1].map((i) => [`orders/part-${i}.parquet`]),
});

describe('planner', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let catalog: Catalog;

  before(async () => {
    temp = await makeTempDir('planner');
    await commitTables(temp.dir, lineitem, orders);
    instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
    catalog = await Catalog.open(instance, temp.dir, pino({ level: 'silent' }));
    connection = await instance.connect();
    await connection.run('USE memory.public');
  });

  after(async () => {
    connection.closeSync();
    instance.closeSync();
    await temp.remove();
  });

  async function plan(sql: string): Promise<{ plan: QueryPlan; text: string }> {
    const codec = new SqlCodec(connection);
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse failed: ${sql}`);
    const context = new DuckDBPlannerContext(await catalog.current(), catalog.aggregateNames, connection, codec);
    const result = await planQuery(parsed.statement, sql, context);
    return { plan: result, text: explainText(result).join('\n') };
  }

  it('decomposes count, sum, avg into partials and casts the final count back to BIGINT', async () => {
    const { plan: p, text } = await plan('SELECT l_returnflag AS f, count(*), avg(l_quantity) FROM lineitem GROUP BY 1 ORDER BY f');
    assert.equal(p.kind === 'distributed' && p.strategy, 'partial-aggregate');
    assert.match(text, /SELECT l_returnflag AS g0, count_star\(\) AS a0, sum\(l_quantity\) AS a1, count\(l_quantity\) AS a2 FROM __pondgate_input GROUP BY 1/);
    assert.match(text, /CAST\(COALESCE\(sum\(a0\), 0\) AS BIGINT\)/);
    assert.match(text, /3 of 3 partitions/);
    assert.deepEqual(p.kind === 'distributed' && p.columns.map((c) => c.type), ['VARCHAR', 'BIGINT', 'DOUBLE']);
  });

  it('pushes WHERE into the partial aggregate and keeps HAVING for the merge', async () => {
    const { text } = await plan("SELECT l_returnflag, sum(l_quantity) FROM lineitem WHERE l_shipdate < DATE '1995-01-01' GROUP BY l_returnflag HAVING count(*) > 5");
    assert.match(text, /FROM __pondgate_input WHERE \(l_shipdate < '1995-01-01'::DATE\) GROUP BY 1|FROM __pondgate_input WHERE \(l_shipdate < CAST\('1995-01-01' AS DATE\)\) GROUP BY 1/);
    assert.match(text, /HAVING \(CAST\(COALESCE\(sum\(a\d\), 0\) AS BIGINT\) > 5\)/);
  });

  it('gathers aggregates that do not decompose, and says why', async () => {
    const median = await plan('SELECT median(l_quantity) FROM lineitem');
    assert.equal(median.plan.kind === 'distributed' && median.plan.strategy, 'gather');
    assert.match(median.text, /aggregate median is not decomposable/);
    const distinct = await plan('SELECT count(DISTINCT l_returnflag) FROM lineitem');
    assert.match(distinct.text, /needs all rows of a group/);
  });

  it('pushes top-N to every partition only when the order keys are table columns', async () => {
    const topN = await plan('SELECT l_orderkey, l_quantity * 2 AS q2 FROM lineitem ORDER BY q2 DESC, 1 LIMIT 5 OFFSET 2');
    assert.match(topN.text, /top-N pushed down/);
    assert.match(topN.text, /ORDER BY \(l_quantity \* 2\) DESC, l_orderkey LIMIT 7/);
    const distinct = await plan('SELECT DISTINCT l_returnflag FROM lineitem ORDER BY 1 LIMIT 2');
    assert.doesNotMatch(distinct.text, /LIMIT 2\n?$|top-N/);
  });

  it('reads only the columns a query mentions', async () => {
    const { text } = await plan('SELECT l_orderkey FROM lineitem WHERE l_returnflag = \'R\'');
    assert.match(text, /SELECT l_orderkey, l_returnflag FROM __pondgate_input WHERE \(l_returnflag = 'R'\)/);
  });

  it('gathers both sides of a join and runs the original query on the gateway', async () => {
    const { plan: p, text } = await plan('SELECT o_orderkey, sum(l_quantity) FROM orders JOIN public.lineitem ON o_orderkey = l_orderkey GROUP BY 1');
    assert.equal(p.kind === 'distributed' && p.strategy, 'gather');
    assert.equal(p.kind === 'distributed' && p.fragments.length, 2);
    assert.match(text, /join of orders, lineitem/);
  });

  it('runs queries without catalog tables on the gateway alone', async () => {
    const { plan: p } = await plan('SELECT 5/2');
    assert.equal(p.kind, 'local');
    const cte = await plan('WITH lineitem AS (SELECT 1 AS x) SELECT * FROM lineitem');
    assert.equal(cte.plan.kind, 'local');
  });
});
