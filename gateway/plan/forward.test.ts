import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { SqlCodec } from '../sql/codec.ts';
import { fuseFinalMerge, fuseOrderedMerge, isRowwiseMerge, substituteRelation } from './forward.ts';
import type { DistributedPlan, Stage } from './plan.ts';

function stage(id: number, tasks: number, output: Stage['output'] = { kind: 'gateway', relation: '__pondgate_r0' }): Stage {
  return { id, role: 'scan', sql: 'SELECT a AS c0 FROM i0;', inputs: [], tasks, output, dependsOn: [], skipEmptyTasks: false };
}

function plan(stages: Stage[], mergeSql: string, strategy: DistributedPlan['strategy'] = 'distributed'): DistributedPlan {
  return { kind: 'distributed', strategy, stages, mergeSql, columns: [{ name: 'a', type: 'INTEGER' }], notes: [], manifestVersion: 1 };
}

describe('fuseFinalMerge', () => {
  it('runs the merge of a one-task stage in the task, ORDER BY and LIMIT included', () => {
    const fused = fuseFinalMerge(plan([stage(0, 1)], 'SELECT c0 AS a FROM __pondgate_r0 ORDER BY c0 LIMIT 3'), false);
    assert.deepEqual(fused.forward, { stageId: 0 });
    assert.equal(fused.stages[0].sql, 'SELECT c0 AS a FROM (\nSELECT a AS c0 FROM i0\n) AS __pondgate_r0 ORDER BY c0 LIMIT 3');
  });

  it('fuses a row-wise merge over many tasks, and nothing else over many tasks', () => {
    assert.deepEqual(fuseFinalMerge(plan([stage(0, 8)], 'SELECT c0 AS a FROM "__pondgate_r0"'), true).forward, { stageId: 0 });
    assert.equal(fuseFinalMerge(plan([stage(0, 8)], 'SELECT sum(c0) AS a FROM __pondgate_r0'), false).forward, undefined);
  });

  it('leaves plans with two gateway stages, gathers, and merges naming the relation twice', () => {
    const two = plan([stage(0, 1), stage(1, 1, { kind: 'gateway', relation: '__pondgate_r1' })], 'SELECT * FROM __pondgate_r0 UNION ALL SELECT * FROM __pondgate_r1');
    assert.equal(fuseFinalMerge(two, false).forward, undefined);
    assert.equal(fuseFinalMerge(plan([stage(0, 1)], 'SELECT c0 FROM __pondgate_r0', 'gather'), true).forward, undefined);
    assert.equal(fuseFinalMerge(plan([stage(0, 1)], 'SELECT c0 FROM __pondgate_r0 WHERE c0 > (SELECT avg(c0) FROM __pondgate_r0)'), false).forward, undefined);
  });

  it('fuses after a stage to scratch (the exchange stays)', () => {
    const scan = stage(0, 4, { kind: 'buckets', buckets: 4, label: 'k' });
    const fused = fuseFinalMerge(plan([scan, { ...stage(1, 1), dependsOn: [0] }], 'SELECT c0 AS a FROM __pondgate_r0'), true);
    assert.deepEqual(fused.forward, { stageId: 1 });
    assert.equal(fused.stages[0], scan);
  });
});

describe('substituteRelation', () => {
  it('replaces the one reference, quoted or not, and not a longer name', () => {
    assert.equal(substituteRelation('SELECT * FROM "__pondgate_r1"', '__pondgate_r1', 'X'), 'SELECT * FROM (\nX\n) AS __pondgate_r1');
    assert.equal(substituteRelation('SELECT * FROM __pondgate_r10', '__pondgate_r1', 'X'), undefined);
  });
});

describe('isRowwiseMerge', () => {
  it('accepts only a projection of columns from one table', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const codec = new SqlCodec(connection, { checkRendering: true });
    try {
      const node = async (sql: string) => {
        const parsed = await codec.parse(sql);
        assert.ok(parsed.ok);
        return parsed.statement.node as Parameters<typeof isRowwiseMerge>[0];
      };
      assert.ok(isRowwiseMerge(await node('SELECT c0 AS a, c1 AS b FROM r0')));
      for (const sql of [
        'SELECT DISTINCT c0 FROM r0',
        'SELECT c0 FROM r0 ORDER BY c0',
        'SELECT c0 FROM r0 LIMIT 1',
        'SELECT c0 FROM r0 WHERE c0 > 1',
        'SELECT sum(c0) FROM r0',
        'SELECT c0 FROM r0 GROUP BY c0',
        'SELECT c0 + 1 FROM r0',
        'SELECT c0 FROM r0, r1',
        'WITH x AS (SELECT 1) SELECT c0 FROM r0',
        'SELECT c0 FROM r0 UNION ALL SELECT c0 FROM r0',
      ]) {
        assert.ok(!isRowwiseMerge(await node(sql)), sql);
      }
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});

describe('fuseOrderedMerge', () => {
  it('recognises ORDER BY columns [LIMIT] [OFFSET] over a stage of many tasks, and nothing else', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const codec = new SqlCodec(connection);
    try {
      const node = async (sql: string) => {
        const parsed = await codec.parse(sql);
        assert.ok(parsed.ok);
        return parsed.statement.node as Parameters<typeof fuseOrderedMerge>[1];
      };
      const columns = [{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'VARCHAR' }];
      const many = (merge: string) => ({ ...plan([stage(0, 4)], merge), columns });
      const fused = fuseOrderedMerge(many('SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c1 DESC, c0 NULLS FIRST LIMIT 3 OFFSET 2'), await node('SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c1 DESC, c0 NULLS FIRST LIMIT 3 OFFSET 2'));
      assert.deepEqual(fused?.forward, { stageId: 0, ordered: { keys: '"b" DESC NULLS LAST, "a" ASC NULLS FIRST', limit: 3, offset: 2 } });
      assert.match(fused.stages[0].sql, /^SELECT "c0" AS "a", "c1" AS "b", create_sort_key\("__pondgate_r0"\."c1", 'DESC NULLS LAST', "__pondgate_r0"\."c0", 'ASC NULLS FIRST', ''::VARCHAR, 'ASC NULLS LAST'\) AS "__pondgate_sort_key" FROM \(\nSELECT a AS c0 FROM i0\n\) AS "__pondgate_r0" ORDER BY "__pondgate_r0"\."c1" DESC NULLS LAST, "__pondgate_r0"\."c0" ASC NULLS FIRST LIMIT 5$/);
      for (const sql of [
        'SELECT DISTINCT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c0',
        'SELECT c0 AS a, c1 AS b FROM __pondgate_r0',
        'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 WHERE c0 > 1 ORDER BY c0',
        'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c0 + 1',
        'SELECT c0 + 1 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c1',
        'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c0 LIMIT 10%',
        'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY h0',
        'SELECT c0 AS a, c1 AS b FROM other ORDER BY c0',
        'SELECT c0 AS a, count(*) AS b FROM __pondgate_r0 GROUP BY c0 ORDER BY c0',
      ]) {
        assert.equal(fuseOrderedMerge(many(sql), await node(sql)), undefined, sql);
      }
      // One task: fuseFinalMerge's business. A key type without a checked sort key: the gateway merges.
      const sql = 'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY c0';
      assert.equal(fuseOrderedMerge({ ...plan([stage(0, 1)], sql), columns }, await node(sql)), undefined);
      assert.equal(fuseOrderedMerge({ ...plan([stage(0, 4)], sql), columns: [{ name: 'a', type: 'INTERVAL' }, columns[1]] }, await node(sql)), undefined);
      // A hidden key, typed by the planner.
      const hidden = 'SELECT c0 AS a, c1 AS b FROM __pondgate_r0 ORDER BY h0 DESC';
      assert.equal(fuseOrderedMerge(many(hidden), await node(hidden), [{ name: '(x + 1)', type: 'BIGINT' }])?.forward?.ordered?.keys, '(x + 1) DESC NULLS LAST');
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});
