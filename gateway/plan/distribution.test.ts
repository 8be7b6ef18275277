/**
 * The distribution algebra, rule by rule: each query is parsed by DuckDB,
 * bound by the analysis, and checked under a given assignment of split
 * relations. A positive and a negative case per rule; the differential suite
 * checks that the plans built on these rules give DuckDB's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { emptyManifest, withTable, type Manifest } from '../../src/storage/manifest.ts';
import { fixtureTable } from '../../test/support/manifest.ts';
import { SqlCodec } from '../sql/codec.ts';
import { analyze, type Relation } from './analysis.ts';
import { DistributionChecker, type OutputDist } from './distribution.ts';

const t = fixtureTable({ name: 't', columns: [{ name: 'k', type: 'BIGINT' }, { name: 'v', type: 'INTEGER' }, { name: 'g', type: 'VARCHAR' }] });
const s = fixtureTable({ name: 's', columns: [{ name: 'k', type: 'BIGINT' }, { name: 'w', type: 'INTEGER' }] });
const d = fixtureTable({ name: 'd', columns: [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'VARCHAR' }] });
const manifest: Manifest = { ...emptyManifest(), ...withTable(withTable(withTable(emptyManifest(), t), s), d) };

describe('distribution algebra', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let codec: SqlCodec;
  let aggregates: ReadonlySet<string>;

  before(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    connection = await instance.connect();
    codec = new SqlCodec(connection, { checkRendering: true });
    const reader = await connection.runAndReadAll("SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'");
    aggregates = new Set(reader.getRows().map((row) => String(row[0])));
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  /**
   * The output distribution of `sql` when the relations named in `split` (by qualifier,
   * `qualifier.column`, in order of appearance for repeated qualifiers) are split.
   */
  async function check(sql: string, split: readonly string[], options: { nullSafeLinks?: boolean } = {}): Promise<OutputDist> {
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse: ${sql}`);
    const analysis = analyze(parsed.statement, manifest);
    const chosen = new Map<Relation, string>();
    const used = new Set<Relation>();
    for (const entry of split) {
      const [qualifier, column] = entry.split('.');
      const relation = analysis.relations.find((r) => r.qualifier === qualifier && !used.has(r) && r.kind === 'table');
      assert.ok(relation, `no relation ${qualifier} in ${sql}`);
      used.add(relation);
      chosen.set(relation, column);
    }
    return new DistributionChecker({ split: chosen, cut: new Set(), nullSafeLinks: options.nullSafeLinks ?? true }, aggregates).query(analysis.root);
  }

  const valid = (dist: OutputDist) => dist.kind !== 'invalid';

  it('inner joins: split sides must meet on their keys (ON or WHERE); broadcast sides join anything', async () => {
    assert.ok(valid(await check('SELECT * FROM t JOIN s ON t.k = s.k', ['t.k', 's.k'])));
    assert.ok(valid(await check('SELECT * FROM t, s WHERE t.k = s.k AND t.v > 1', ['t.k', 's.k'])));
    assert.ok(valid(await check('SELECT * FROM t JOIN s USING (k)', ['t.k', 's.k'])));
    assert.equal((await check('SELECT * FROM t JOIN s ON t.v = s.w', ['t.k', 's.k'])).kind, 'invalid');
    assert.equal((await check('SELECT * FROM t, s', ['t.k', 's.k'])).kind, 'invalid');
    assert.ok(valid(await check('SELECT * FROM t JOIN d ON t.v = d.id', ['t.k'])));
  });

  it('outer joins: only the side the join does not preserve may be broadcast', async () => {
    assert.ok(valid(await check('SELECT * FROM t LEFT JOIN d ON t.v = d.id', ['t.k'])));
    assert.equal((await check('SELECT * FROM d LEFT JOIN t ON t.v = d.id', ['t.k'])).kind, 'invalid');
    assert.ok(valid(await check('SELECT * FROM d RIGHT JOIN t ON t.v = d.id', ['t.k'])));
    assert.equal((await check('SELECT * FROM t RIGHT JOIN d ON t.v = d.id', ['t.k'])).kind, 'invalid');
    assert.equal((await check('SELECT * FROM t FULL JOIN d ON t.v = d.id', ['t.k'])).kind, 'invalid');
    assert.ok(valid(await check('SELECT * FROM t FULL JOIN s ON t.k = s.k', ['t.k', 's.k'])));
    assert.equal((await check('SELECT * FROM t FULL JOIN s ON t.v = s.w', ['t.k', 's.k'])).kind, 'invalid');
  });

  it('NOT IN needs its whole list in every task; IN in a WHERE conjunct may be split on the compared key', async () => {
    assert.equal((await check('SELECT * FROM t WHERE t.k NOT IN (SELECT s.k FROM s)', ['t.k', 's.k'])).kind, 'invalid');
    assert.ok(valid(await check('SELECT * FROM t WHERE t.k NOT IN (SELECT s.k FROM s)', ['t.k'])));
    assert.ok(valid(await check('SELECT * FROM t WHERE t.k IN (SELECT s.k FROM s)', ['t.k', 's.k'])));
    assert.equal((await check('SELECT * FROM t WHERE t.v IN (SELECT s.k FROM s)', ['t.k', 's.k'])).kind, 'invalid');
    // As a value, IN tells NULL from false: its NULL-ness depends on the whole list.
    assert.equal((await check('SELECT t.k IN (SELECT s.k FROM s) FROM t', ['t.k', 's.k'])).kind, 'invalid');
    assert.equal((await check('SELECT * FROM t WHERE t.k > ALL (SELECT s.k FROM s)', ['t.k', 's.k'])).kind, 'invalid');
  });

  it('EXISTS, NOT EXISTS and scalar subqueries may be split when correlated on the keys', async () => {
    assert.ok(valid(await check('SELECT * FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.k = t.k AND s.w > t.v)', ['t.k', 's.k'])));
    assert.ok(valid(await check('SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = t.k)', ['t.k', 's.k'])));
    assert.ok(valid(await check('SELECT t.k, (SELECT max(s.w) FROM s WHERE s.k = t.k) FROM t', ['t.k', 's.k'])));
    assert.equal((await check('SELECT * FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.w = t.v)', ['t.k', 's.k'])).kind, 'invalid');
    assert.equal((await check('SELECT * FROM t WHERE t.v > (SELECT avg(s.w) FROM s)', ['t.k', 's.k'])).kind, 'invalid');
    assert.ok(valid(await check('SELECT * FROM t WHERE t.v > (SELECT avg(s.w) FROM s)', ['t.k'])));
  });

  it('aggregation and windows complete per task when grouped or partitioned by a key', async () => {
    assert.equal((await check('SELECT k, sum(v) FROM t GROUP BY k', ['t.k'])).kind, 'split');
    assert.equal((await check('SELECT g, sum(v) FROM t GROUP BY g', ['t.k'])).kind, 'needs-merge');
    assert.equal((await check('SELECT k, g, sum(v) FROM t GROUP BY ROLLUP (k, g)', ['t.k'])).kind, 'needs-merge');
    assert.equal((await check('SELECT k, row_number() OVER (PARTITION BY k ORDER BY v) FROM t', ['t.k'])).kind, 'split');
    assert.equal((await check('SELECT k, row_number() OVER (ORDER BY v) FROM t', ['t.k'])).kind, 'needs-merge');
    assert.equal((await check('SELECT DISTINCT g FROM t', ['t.k'])).kind, 'needs-merge');
    assert.equal((await check('SELECT DISTINCT k, g FROM t', ['t.k'])).kind, 'split');
    assert.equal((await check('SELECT k FROM t ORDER BY k LIMIT 3', ['t.k'])).kind, 'needs-merge');
  });

  it('a grouped derived table keeps its key through the join that uses it', async () => {
    assert.ok(valid(await check('SELECT * FROM (SELECT k, sum(v) AS total FROM t GROUP BY k) a JOIN s ON a.k = s.k', ['t.k', 's.k'])));
    assert.equal((await check('SELECT * FROM (SELECT g, sum(v) AS total FROM t GROUP BY g) a JOIN s ON a.g = s.k', ['t.k', 's.k'])).kind, 'invalid');
    assert.equal((await check('SELECT * FROM (SELECT k FROM t LIMIT 5) a JOIN d ON a.k = d.id', ['t.k'])).kind, 'invalid');
  });

  it('set operations: UNION ALL of split sides; UNION, INTERSECT and EXCEPT need a common key column', async () => {
    assert.equal((await check('SELECT k FROM t UNION ALL SELECT w FROM s', ['t.k', 's.k'])).kind, 'split');
    assert.ok(valid(await check('SELECT k FROM t UNION SELECT k FROM s', ['t.k', 's.k'])));
    assert.equal((await check('SELECT v FROM t INTERSECT SELECT w FROM s', ['t.k', 's.k'])).kind, 'invalid');
    assert.equal((await check('SELECT k FROM t UNION ALL SELECT id FROM d', ['t.k'])).kind, 'invalid');
  });

  it('key ranges cannot use IS NOT DISTINCT FROM as evidence: their NULL keys sit anywhere', async () => {
    const sql = 'SELECT * FROM t JOIN s ON t.k IS NOT DISTINCT FROM s.k';
    assert.ok(valid(await check(sql, ['t.k', 's.k'], { nullSafeLinks: true })));
    assert.equal((await check(sql, ['t.k', 's.k'], { nullSafeLinks: false })).kind, 'invalid');
  });

  it('a name bound to an output alias or a lambda parameter is never taken for a key column', async () => {
    assert.equal((await check('SELECT g AS k, count(*) FROM t GROUP BY g', ['t.k'])).kind, 'needs-merge');
    assert.equal((await check('SELECT list_transform([1], k -> k + 1) AS l, count(*) FROM t GROUP BY l', ['t.k'])).kind, 'needs-merge');
  });
});
