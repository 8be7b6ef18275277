/**
 * The decorrelation pass, SQL in → SQL out: each rewritten shape, and each shape that
 * must stay as it is (the planner's correlated path is exact; a rewrite there would not be).
 * The differential corpus (test/differential/corpus/decorrelation.ts) checks the answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import type { Manifest, TableEntry } from '../../src/storage/manifest.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { Catalog } from '../catalog/catalog.ts';
import { SqlCodec } from '../sql/codec.ts';
import { clone, type JsonObject } from '../sql/duckdb-ast.ts';
import { decorrelate } from './decorrelate.ts';
import { DuckDBPlannerContext } from './context.ts';
import { explainText } from './plan.ts';
import { DEFAULT_PLANNER_SETTINGS, planQuery } from './planner.ts';

const table = (name: string, columns: [string, string][]): TableEntry =>
  fixtureTable({ name, columns: columns.map(([n, type]) => ({ name: n, type })), files: [[`${name}/part-0.parquet`]], rowsPerFile: 1000 });

const outer = table('outer_t', [['k', 'BIGINT'], ['k2', 'INTEGER'], ['x', 'DECIMAL(15,2)'], ['f', 'DOUBLE'], ['s', 'VARCHAR']]);
const inner = table('inner_t', [['k', 'INTEGER'], ['k2', 'BIGINT'], ['y', 'DECIMAL(15,2)'], ['f', 'DOUBLE'], ['s', 'VARCHAR'], ['flag', 'BOOLEAN']]);

describe('decorrelate', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let catalog: Catalog;
  let manifest: Manifest;

  before(async () => {
    temp = await makeTempDir('decorrelate');
    await commitTables(temp.dir, outer, inner);
    instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
    catalog = await Catalog.open(instance, temp.dir, pino({ level: 'silent' }));
    manifest = await catalog.current();
    connection = await instance.connect();
    await connection.run('USE memory.public');
  });

  after(async () => {
    connection.closeSync();
    instance.closeSync();
    await temp.remove();
  });

  /** The rewritten query's SQL, or 'unchanged'. */
  async function rewritten(sql: string): Promise<string> {
    const codec = new SqlCodec(connection);
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse failed: ${sql}`);
    const tree = clone(parsed.statement);
    const count = decorrelate(tree, manifest, catalog.aggregateNames);
    if (count === 0) {
      assert.deepEqual(tree, parsed.statement, 'no rewrite leaves the tree as it was');
      return 'unchanged';
    }
    const out = await codec.render(tree as JsonObject);
    // The rewritten query binds, with the original's column names and types.
    const types = async (text: string) => (await connection.runAndReadAll(`DESCRIBE ${text}`)).getRows().map((r) => `${String(r[0])} ${String(r[1])}`);
    assert.deepEqual(await types(out), await types(sql), out);
    return out.replace(/"/g, '');
  }

  it('turns a correlated EXISTS conjunct into a join with the grouped inner keys', async () => {
    const out = await rewritten('SELECT o.x FROM outer_t o WHERE o.x > 0 AND EXISTS (SELECT * FROM inner_t i WHERE i.k = o.k AND i.flag)');
    assert.match(out, /CROSS JOIN \(SELECT i\.k AS __pondgate_k0 FROM inner_t AS i WHERE i\.flag GROUP BY i\.k\) AS __pondgate_d0/);
    assert.match(out, /WHERE \(\(o\.x > 0\) AND \(__pondgate_d0\.__pondgate_k0 = o\.k\)\)/);
    assert.doesNotMatch(out, /EXISTS/);
  });

  it('keeps every correlation column as a key (multi-column correlation, either side first)', async () => {
    const out = await rewritten('SELECT o.x FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE o.k = i.k AND i.k2 = o.k2)');
    assert.match(out, /SELECT i\.k AS __pondgate_k0, i\.k2 AS __pondgate_k1 FROM inner_t AS i GROUP BY i\.k, i\.k2/);
    assert.match(out, /\(__pondgate_d0\.__pondgate_k0 = o\.k\) AND \(__pondgate_d0\.__pondgate_k1 = o\.k2\)/);
  });

  it('turns a compared scalar aggregate into a join with the grouped aggregate', async () => {
    const out = await rewritten('SELECT o.k FROM outer_t o WHERE o.x < (SELECT 0.2 * avg(i.y) FROM inner_t i WHERE i.k = o.k AND i.s LIKE \'a%\')');
    assert.match(out, /\(SELECT i\.k AS __pondgate_k0, \(0\.2 \* avg\(i\.y\)\) AS __pondgate_v FROM inner_t AS i WHERE \(i\.s LIKE 'a%'\) GROUP BY i\.k\) AS __pondgate_d0/);
    assert.match(out, /\(o\.x < __pondgate_d0\.__pondgate_v\) AND \(__pondgate_d0\.__pondgate_k0 = o\.k\)/);
    const min = await rewritten('SELECT o.k FROM outer_t o, inner_t j WHERE j.k = o.k AND (SELECT min(i.y) FROM inner_t i WHERE i.k2 = o.k2) = o.x');
    assert.match(min, /\(__pondgate_d0\.__pondgate_v = o\.x\)/);
  });

  it('rewrites several subqueries of one block, and a subquery inside a rewritten one', async () => {
    const out = await rewritten(
      'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k) AND o.x > (SELECT max(i.y) FROM inner_t i WHERE i.k2 = o.k2 AND EXISTS (SELECT 1 FROM outer_t p WHERE p.k = i.k))',
    );
    assert.match(out, /AS __pondgate_d0/);
    assert.match(out, /AS __pondgate_d1/);
    assert.match(out, /AS __pondgate_d2/);
    assert.doesNotMatch(out, /EXISTS/);
  });

  it('runs in the planner only under pondgate.decorrelate = on', async () => {
    const sql = 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)';
    const codec = new SqlCodec(connection);
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok);
    const explain = async (decorrelate: boolean) => {
      const context = new DuckDBPlannerContext(manifest, catalog.aggregateNames, connection, codec, { ...DEFAULT_PLANNER_SETTINGS, decorrelate }, 2, catalog.duckdbVersion, true);
      return explainText(await planQuery(parsed.statement, sql, context)).join('\n');
    };
    assert.doesNotMatch(await explain(false), /__pondgate_d0/);
    assert.match(await explain(true), /AS "?__pondgate_d0"?/);
  });

  const unchanged: [string, string][] = [
    ['count is 0 over no rows (the COUNT bug)', 'SELECT o.k FROM outer_t o WHERE o.k2 >= (SELECT count(*) FROM inner_t i WHERE i.k = o.k)'],
    ['an expression of count', 'SELECT o.k FROM outer_t o WHERE o.x > (SELECT coalesce(sum(i.y), 0) FROM inner_t i WHERE i.k = o.k)'],
    ['NOT EXISTS (kept as DuckDB anti join)', 'SELECT o.k FROM outer_t o WHERE NOT EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)'],
    ['EXISTS under OR', 'SELECT o.k FROM outer_t o WHERE o.k = 1 OR EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)'],
    ['EXISTS in the select list', 'SELECT EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k) FROM outer_t o'],
    ['a scalar in the select list', 'SELECT (SELECT max(i.y) FROM inner_t i WHERE i.k = o.k) FROM outer_t o'],
    ['a scalar under CASE', 'SELECT o.k FROM outer_t o WHERE CASE WHEN o.k > 0 THEN o.x < (SELECT max(i.y) FROM inner_t i WHERE i.k = o.k) END'],
    ['SELECT * over the outer FROM', 'SELECT * FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)'],
    ['o.* over the outer FROM', 'SELECT o.* FROM outer_t o WHERE o.x < (SELECT max(i.y) FROM inner_t i WHERE i.k = o.k)'],
    ['COLUMNS(*)', 'SELECT COLUMNS(*) FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)'],
    ['only a non-equality correlation', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k < o.k)'],
    ['an extra non-equality correlation', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k AND i.k2 <> o.k2)'],
    ['a correlation under OR', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k OR i.k2 = o.k2)'],
    ['an outer column in the select list', 'SELECT o.k FROM outer_t o WHERE o.x < (SELECT max(i.y) + o.x FROM inner_t i WHERE i.k = o.k)'],
    ['a correlation two levels out', 'SELECT o.k FROM outer_t o WHERE o.k IN (SELECT j.k FROM inner_t j WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k2 = o.k2))'],
    ['a correlated reference in a nested subquery', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k AND i.y > (SELECT max(p.x) FROM outer_t p WHERE p.k2 = o.k2))'],
    ['a DOUBLE key (grouping and equality may differ)', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.f = o.f)'],
    ['keys of unlike types', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.s = o.k)'],
    ['an aggregate in EXISTS (one row always)', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT count(*) FROM inner_t i WHERE i.k = o.k)'],
    ['LIMIT in the subquery', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k LIMIT 0)'],
    ['GROUP BY in the subquery', 'SELECT o.k FROM outer_t o WHERE o.x = (SELECT max(i.y) FROM inner_t i WHERE i.k = o.k GROUP BY i.k2)'],
    ['HAVING in the subquery', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k HAVING count(*) > 2)'],
    ['DISTINCT ON in the subquery', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT DISTINCT ON (i.k2) i.k FROM inner_t i WHERE i.k = o.k)'],
    ['a window in the scalar', 'SELECT o.k FROM outer_t o WHERE o.x = (SELECT max(max(i.y)) OVER () FROM inner_t i WHERE i.k = o.k)'],
    ['IS DISTINCT FROM the scalar (NULL is a value there)', 'SELECT o.k FROM outer_t o WHERE o.x IS DISTINCT FROM (SELECT max(i.y) FROM inner_t i WHERE i.k = o.k)'],
    ['an uncorrelated EXISTS', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = 3)'],
    ['a lateral join', 'SELECT o.k, l.m FROM outer_t o, LATERAL (SELECT max(i.y) AS m FROM inner_t i WHERE i.k = o.k) l'],
    ['a table function in the subquery', 'SELECT o.k FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i, range(3) r WHERE i.k = o.k)'],
  ];
  for (const [why, sql] of unchanged) {
    it(`leaves ${why} unchanged`, async () => {
      assert.equal(await rewritten(sql), 'unchanged');
    });
  }
});
