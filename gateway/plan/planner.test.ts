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
import { DEFAULT_PLANNER_SETTINGS, planQuery, type PlannerSettings } from './planner.ts';

const lineitem: TableEntry = fixtureTable({
  name: 'lineitem',
  columns: [
    { name: 'l_orderkey', type: 'BIGINT' },
    { name: 'l_quantity', type: 'DECIMAL(15,2)' },
    { name: 'l_returnflag', type: 'VARCHAR' },
    { name: 'l_shipdate', type: 'DATE' },
  ],
  files: [0, 1, 2].map((i) => [`lineitem/part-${i}.parquet`]),
  rowsPerFile: 10_000_000,
});
const orders: TableEntry = fixtureTable({
  name: 'orders',
  columns: [
    { name: 'o_orderkey', type: 'BIGINT' },
    { name: 'o_totalprice', type: 'DECIMAL(15,2)' },
  ],
  partitioning: { scheme: 'hash', column: 'o_orderkey', keyType: 'BIGINT', buckets: 2, hashedBy: 'v1.5.6' },
  files: [0, 1].map((i) => [`orders/part-${i}.parquet`]),
  rowsPerFile: 10_000_000,
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

  async function plan(sql: string, settings: Partial<PlannerSettings> = {}): Promise<{ plan: QueryPlan; text: string }> {
    const codec = new SqlCodec(connection, { checkRendering: true });
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse failed: ${sql}`);
    const context = new DuckDBPlannerContext(await catalog.current(), catalog.aggregateNames, connection, codec, { ...DEFAULT_PLANNER_SETTINGS, ...settings }, 2, catalog.duckdbVersion, true);
    const result = await planQuery(parsed.statement, sql, context);
    return { plan: result, text: explainText(result).join('\n') };
  }

  it('marks key lookups, and only statements whose rows are a key equality over one table', async () => {
    const lookup = async (sql: string) => {
      const { plan: p } = await plan(sql);
      return p.kind === 'distributed' ? p.keyLookup : undefined;
    };
    // l_orderkey is column 0, l_returnflag 2; outputs in table column positions.
    assert.deepEqual(await lookup('SELECT l_returnflag, l_orderkey AS k FROM lineitem WHERE l_orderkey = 42'), { table: 'lineitem', keyColumn: 0, key: { kind: 'integer', text: '42' }, outputColumns: [2, 0] });
    assert.deepEqual(await lookup("SELECT * FROM lineitem l WHERE 'R' = l.l_returnflag"), { table: 'lineitem', keyColumn: 2, key: { kind: 'text', text: 'R' }, outputColumns: [0, 1, 2, 3] });
    assert.deepEqual((await lookup('SELECT o_totalprice FROM orders WHERE o_orderkey = $1'))?.key, { kind: 'parameter', index: 0 });
    // lineitem is split between tasks: a LIMIT is not row-wise there. nation is one task.
    assert.equal((await lookup('SELECT * FROM orders WHERE o_orderkey = 42 LIMIT 1')), undefined);
    const not = [
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = 42 LIMIT 1',
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = 42 OFFSET 1',
      'SELECT DISTINCT l_orderkey FROM lineitem WHERE l_orderkey = 42',
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = 42 ORDER BY 1',
      'SELECT l_orderkey + 1 FROM lineitem WHERE l_orderkey = 42',
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = 42 AND l_returnflag = \'R\'',
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey > 42',
      'SELECT l_orderkey FROM lineitem WHERE l_quantity = 1.5',
      "SELECT l_orderkey FROM lineitem WHERE l_shipdate = DATE '1995-01-01'",
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = 42.0',
      'SELECT count(*) FROM lineitem WHERE l_orderkey = 42',
      'SELECT * EXCLUDE (l_quantity) FROM lineitem WHERE l_orderkey = 42',
      'SELECT l_orderkey FROM lineitem WHERE l_orderkey = (SELECT 42)',
      'SELECT l_orderkey FROM lineitem JOIN orders ON o_orderkey = l_orderkey WHERE l_orderkey = 42',
      'SELECT l_orderkey FROM lineitem TABLESAMPLE 10 ROWS WHERE l_orderkey = 42',
      'WITH x AS (SELECT * FROM lineitem) SELECT l_orderkey FROM x WHERE l_orderkey = 42',
    ];
    for (const sql of not) assert.equal(await lookup(sql), undefined, sql);
  });

  it('decomposes count, sum, avg into partials and casts the final count back to BIGINT', async () => {
    const { plan: p, text } = await plan('SELECT l_returnflag AS f, count(*), avg(l_quantity) FROM lineitem GROUP BY 1 ORDER BY f');
    assert.equal(p.kind === 'distributed' && p.strategy, 'distributed');
    assert.match(text, /SELECT l_returnflag AS g0, count_star\(\) AS a0, sum\(l_quantity\) AS a1, count\(l_quantity\) AS a2 FROM __pondgate_in\d+ AS lineitem GROUP BY 1/);
    assert.match(text, /CAST\(COALESCE\(sum\(a0\), 0\) AS BIGINT\)/);
    assert.match(text, /3 of 3 partitions/);
    assert.deepEqual(p.kind === 'distributed' && p.columns.map((c) => c.type), ['VARCHAR', 'BIGINT', 'DOUBLE']);
  });

  it('pushes WHERE into the partial aggregate and keeps HAVING for the merge', async () => {
    const { text } = await plan("SELECT l_returnflag, sum(l_quantity) FROM lineitem WHERE l_shipdate < DATE '1995-01-01' GROUP BY l_returnflag HAVING count(*) > 5");
    assert.match(text, /AS lineitem WHERE \(l_shipdate < CAST\('1995-01-01' AS DATE\)\) GROUP BY 1/);
    assert.match(text, /HAVING \(CAST\(COALESCE\(sum\(a\d\), 0\) AS BIGINT\) > 5\)/);
  });

  it('splits count(DISTINCT x) by making x a partial key, and keeps median whole', async () => {
    const distinct = await plan('SELECT l_returnflag, count(DISTINCT l_orderkey) FROM lineitem GROUP BY 1');
    assert.match(distinct.text, /SELECT l_returnflag AS g0, l_orderkey AS g1 FROM __pondgate_in\d+ AS lineitem GROUP BY 1, 2/);
    assert.match(distinct.text, /count\(DISTINCT g1\)/);
    const median = await plan('SELECT median(l_quantity) FROM lineitem');
    assert.doesNotMatch(median.text, /median\(.*\) AS a\d/, 'median must never be split into partials');
  });

  it('pushes top-N to every task, and merges the sorted tasks by their sort key, cutting after the merge', async () => {
    const topN = await plan('SELECT l_orderkey, l_quantity * 2 AS q2 FROM lineitem ORDER BY q2 DESC, 1 LIMIT 5 OFFSET 2');
    assert.match(topN.text, /ORDER BY q2 DESC, 1 LIMIT 7/);
    assert.match(topN.text, /Merge: ordered \(2 streams by "q2" DESC NULLS LAST, "l_orderkey" ASC NULLS LAST\) LIMIT 5 OFFSET 2/);
    assert.match(topN.text, /create_sort_key\("__pondgate_r0"\."c1", 'DESC NULLS LAST', "__pondgate_r0"\."c0", 'ASC NULLS LAST', ''::VARCHAR, 'ASC NULLS LAST'\) AS "__pondgate_sort_key" FROM \(/);
    assert.match(topN.text, /\) AS "__pondgate_r0" ORDER BY "__pondgate_r0"\."c1" DESC NULLS LAST, "__pondgate_r0"\."c0" ASC NULLS LAST LIMIT 7$/m);
  });

  it('merges an ORDER BY of output columns in order, with its modifiers, ORDER BY ALL and aliases resolved', async () => {
    const cases: [string, RegExp][] = [
      ['SELECT l_orderkey AS k, l_shipdate FROM lineitem ORDER BY l_shipdate DESC NULLS FIRST, k', /Merge: ordered \(2 streams by "l_shipdate" DESC NULLS FIRST, "k" ASC NULLS LAST\); /],
      ['SELECT l_returnflag, l_orderkey FROM lineitem ORDER BY ALL DESC', /Merge: ordered \(2 streams by "l_returnflag" DESC NULLS LAST, "l_orderkey" DESC NULLS LAST\); /],
      ['SELECT l_quantity AS l_orderkey, l_orderkey AS q FROM lineitem ORDER BY l_orderkey OFFSET 3', /Merge: ordered \(2 streams by "l_orderkey" ASC NULLS LAST\) OFFSET 3;/],
      ['SELECT * FROM lineitem ORDER BY 2 NULLS FIRST LIMIT 0', /Merge: ordered \(2 streams by "l_quantity" ASC NULLS FIRST\) LIMIT 0;/],
    ];
    for (const [sql, expected] of cases) {
      const { plan: p, text } = await plan(sql);
      assert.match(text, expected, sql);
      assert.ok(p.kind === 'distributed' && p.forward?.ordered, sql);
    }
    // A key that is no output column: the stage's hidden key, typed by a bind of the block.
    const hidden = await plan('SELECT l_orderkey FROM lineitem WHERE l_quantity > 1 ORDER BY l_quantity * 2 DESC LIMIT 4');
    assert.match(hidden.text, /Merge: ordered \(2 streams by \(l_quantity \* 2\) DESC NULLS LAST\) LIMIT 4;/);
    assert.match(hidden.text, /create_sort_key\("__pondgate_r0"\."h0", 'DESC NULLS LAST'/);
    // The alias that shadows a column orders by the output column (l_quantity), not by the table's l_orderkey.
    const shadow = await plan('SELECT l_quantity AS l_orderkey, l_orderkey AS q FROM lineitem ORDER BY l_orderkey');
    assert.match(shadow.text, /create_sort_key\("__pondgate_r0"\."c0", 'ASC NULLS LAST'/);
    // Output columns named like the stage's columns: the task's ORDER BY still means the stage's.
    const named = await plan('SELECT l_orderkey AS c1, l_quantity AS c0 FROM lineitem ORDER BY c0 DESC');
    assert.match(named.text, /SELECT "c0" AS "c1", "c1" AS "c0", create_sort_key\("__pondgate_r0"\."c1", 'DESC NULLS LAST'[\s\S]* ORDER BY "__pondgate_r0"\."c1" DESC NULLS LAST$/m);
  });

  it('keeps the merge on the gateway for what is not a plain ORDER BY of output columns of a checked type', async () => {
    for (const sql of [
      'SELECT DISTINCT l_returnflag FROM lineitem ORDER BY l_returnflag',
      'SELECT l_returnflag, sum(l_quantity) AS q FROM lineitem GROUP BY 1 ORDER BY q DESC',
      'SELECT l_orderkey, row_number() OVER (ORDER BY l_shipdate) AS r FROM lineitem ORDER BY r',
      'SELECT l_orderkey FROM lineitem ORDER BY [l_quantity]',
      "SELECT l_orderkey, [l_orderkey] AS l FROM lineitem ORDER BY l",
      "SELECT l_orderkey, INTERVAL 1 DAY * l_orderkey AS i FROM lineitem ORDER BY i LIMIT 3",
      'SELECT l_orderkey FROM lineitem ORDER BY l_orderkey LIMIT 10 PERCENT',
    ]) {
      const { plan: p, text } = await plan(sql);
      assert.doesNotMatch(text, /Merge: ordered/, sql);
      assert.ok(p.kind === 'distributed' && !p.forward?.ordered, sql);
    }
    // One task: the whole ORDER BY runs in it and is forwarded as it is (no sort key).
    const one = await plan('SELECT o_orderkey FROM orders ORDER BY o_totalprice', { distributed: false });
    assert.doesNotMatch(one.text, /create_sort_key/);
  });

  it('joins with a hash-partitioned table by exchanging only the other side into its buckets (join strategy shuffle)', async () => {
    const sql = 'SELECT o_orderkey, sum(l_quantity) FROM orders JOIN public.lineitem ON o_orderkey = l_orderkey GROUP BY 1';
    const { plan: p, text } = await plan(sql, { joinStrategy: 'shuffle' });
    assert.equal(p.kind === 'distributed' && p.strategy, 'distributed');
    assert.match(text, /exchange lineitem by l_orderkey, 2 tasks -> 2 buckets by l_orderkey in hash\(BIGINT\) % 2/);
    assert.match(text, /\(hash\(lineitem\.l_orderkey\) % 2\) AS __pondgate_bucket/);
    assert.match(text, /orders \(split on o_orderkey, 2 of 2 partitions\)/);
    assert.doesNotMatch(text, /exchange orders/);
    // Grouping on the join key completes the groups in each task: no partial aggregate.
    assert.doesNotMatch(text, /AS g0/);
  });

  it('broadcasts the smaller side under join strategy broadcast, and never the side an outer join preserves', async () => {
    const inner = await plan('SELECT count(*) FROM orders JOIN lineitem ON o_orderkey = l_orderkey', { joinStrategy: 'broadcast' });
    assert.match(inner.text, /lineitem \(split/);
    assert.match(inner.text, /orders \(broadcast/);
    const outer = await plan('SELECT count(*) FROM orders LEFT JOIN lineitem ON o_orderkey = l_orderkey', { joinStrategy: 'broadcast' });
    assert.match(outer.text, /orders \(split/);
    assert.match(outer.text, /lineitem \(broadcast/);
  });

  it('runs queries without catalog tables on the gateway alone', async () => {
    const { plan: p } = await plan('SELECT 5/2');
    assert.equal(p.kind, 'local');
    const cte = await plan('WITH lineitem AS (SELECT 1 AS x) SELECT * FROM lineitem');
    assert.equal(cte.plan.kind, 'local');
  });

  it('runs everything as one delegate task when pondgate.distributed is off', async () => {
    const { plan: p, text } = await plan('SELECT count(*) FROM lineitem', { distributed: false });
    assert.equal(p.kind === 'distributed' && p.strategy, 'delegate');
    assert.match(text, /Stage 0: whole query \+ merge, 1 task/);
    assert.match(text, /Merge: none/);
  });
});
