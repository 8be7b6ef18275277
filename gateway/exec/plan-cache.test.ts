import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { SqlCodec } from '../sql/codec.ts';
import { bindParameters } from './engine.ts';
import { instantiate, PlanCache, planKey, samePlan, substituteParameters } from './plan-cache.ts';
import type { DistributedPlan, QueryPlan } from '../plan/plan.ts';
import type { TableEntry } from '../../src/storage/manifest.ts';

describe('substituteParameters', () => {
  it('puts values in as DuckDB renders a bound VARCHAR constant, outside strings, identifiers and comments', () => {
    assert.equal(
      substituteParameters(`SELECT $1, '$1', "$2", x$1 -- $1\nFROM t WHERE a = $2 /* $1 */ AND b = $10`, ["it's", null, ...Array(7).fill('z'), 'ten']),
      `SELECT 'it''s', '$1', "$2", x$1 -- $1\nFROM t WHERE a = NULL /* $1 */ AND b = 'ten'`,
    );
  });

  it('leaves a reference past the parameters alone (DuckDB reports it when the SQL runs)', () => {
    assert.equal(substituteParameters('SELECT $3', ['a']), 'SELECT $3');
  });

  it('gives the text DuckDB renders for the statement bound with the same values', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const codec = new SqlCodec(connection);
    try {
      const sql = "SELECT a, $1 AS p, CAST($2 AS INTEGER) + 1 AS q FROM t WHERE b = $1 AND c <> '$2' AND d IN ($2, $3)";
      const parsed = await codec.parse(sql);
      assert.ok(parsed.ok);
      const generic = await codec.render(parsed.statement);
      // Text parameters never hold NUL (the engine refuses it, as PostgreSQL does: 22021).
      const value = fc.option(fc.string({ unit: 'binary' }).map((v) => v.replaceAll('\u0000', '')), { nil: null });
      await fc.assert(
        fc.asyncProperty(fc.tuple(value, value, value), async (values) => {
          const bound = await codec.render(bindParameters(parsed.statement, values));
          assert.equal(substituteParameters(generic, values), bound);
        }),
        { numRuns: 150 },
      );
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});

const table = { name: 't', columns: [], partitions: [] } as unknown as TableEntry;

function plan(sql: string, tasks: number[][]): DistributedPlan {
  return {
    kind: 'distributed',
    strategy: 'distributed',
    stages: [
      {
        id: 0,
        role: 'scan',
        sql,
        inputs: [{ name: 'i0', source: { kind: 'table', table, tasks }, split: true, label: 't' }],
        tasks: tasks.length,
        output: { kind: 'gateway', relation: 'r0' },
        dependsOn: [],
        skipEmptyTasks: true,
      },
    ],
    mergeSql: 'SELECT c0 AS a FROM r0',
    columns: [{ name: 'a', type: 'INTEGER' }],
    notes: [],
    manifestVersion: 3,
  };
}

describe('generic plans', () => {
  it('instantiate puts the values into every stage and the merge', () => {
    const generic = { ...plan('SELECT a FROM i0 WHERE a = $1', [[0], [1]]), mergeSql: 'SELECT c0 AS a FROM r0 WHERE c0 <> $2' };
    const bound = instantiate(generic, ['5', null]) as DistributedPlan;
    assert.equal(bound.stages[0].sql, "SELECT a FROM i0 WHERE a = '5'");
    assert.equal(bound.mergeSql, 'SELECT c0 AS a FROM r0 WHERE c0 <> NULL');
    const local: QueryPlan = { kind: 'local', sql: 'SELECT $1', reason: 'x' };
    assert.deepEqual(instantiate(local, ['a']), { kind: 'local', sql: "SELECT 'a'", reason: 'x' });
  });

  it('samePlan tells a generic plan that lost pruning or differs in SQL from the custom plan', () => {
    const custom = plan("SELECT a FROM i0 WHERE a = '5'", [[0], [1]]);
    assert.ok(samePlan(instantiate(plan('SELECT a FROM i0 WHERE a = $1', [[0], [1]]), ['5']), custom));
    // The custom plan read fewer partitions: the generic one would read more than the values need.
    assert.ok(!samePlan(instantiate(plan('SELECT a FROM i0 WHERE a = $1', [[0], [1]]), ['5']), plan("SELECT a FROM i0 WHERE a = '5'", [[1]])));
    assert.ok(!samePlan(plan('SELECT a FROM i0 LIMIT 10', [[0]]), plan('SELECT a FROM i0 LIMIT 11', [[0]])));
    assert.ok(!samePlan({ kind: 'local', sql: 'SELECT 1', reason: '' }, custom));
    assert.ok(samePlan({ kind: 'local', sql: 'SELECT 1', reason: 'a' }, { kind: 'local', sql: 'SELECT 1', reason: 'b' }));
  });
});

describe('PlanCache', () => {
  it('keeps the most recently used plans up to its capacity', () => {
    const cache = new PlanCache(2);
    const entry = { kind: 'custom' } as const;
    cache.set('a', entry);
    cache.set('b', entry);
    assert.equal(cache.get('a'), entry);
    cache.set('c', entry);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), entry);
    assert.equal(cache.get('c'), entry);
    assert.equal(cache.size, 2);
    assert.equal(cache.hits, 3);
    assert.equal(cache.misses, 1);
  });

  it('keys plans by everything they were planned from', () => {
    const base = { manifestVersion: 1, settings: { distributed: true }, slots: 4, timeZone: 'UTC' };
    const key = planKey('SELECT 1', base);
    assert.equal(planKey('SELECT 1', { ...base }), key);
    for (const other of [
      planKey('SELECT 2', base),
      planKey('SELECT 1', { ...base, manifestVersion: 2 }),
      planKey('SELECT 1', { ...base, settings: { distributed: false } }),
      planKey('SELECT 1', { ...base, slots: 2 }),
      planKey('SELECT 1', { ...base, timeZone: 'Europe/Paris' }),
    ]) {
      assert.notEqual(other, key);
    }
  });
});
