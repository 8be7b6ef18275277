import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classify.ts';

describe('classify: DEALLOCATE', () => {
  it('names one statement, quoted or not, with or without PREPARE', () => {
    assert.deepEqual(classify('DEALLOCATE "_PLAN0x55b7c36c8da0"'), { kind: 'deallocate', name: '_PLAN0x55b7c36c8da0' });
    assert.deepEqual(classify('deallocate prepare Stmt1;'), { kind: 'deallocate', name: 'stmt1' });
  });

  it('ALL drops every statement', () => {
    assert.deepEqual(classify('DEALLOCATE ALL'), { kind: 'deallocate', name: undefined });
    assert.deepEqual(classify('DEALLOCATE PREPARE ALL'), { kind: 'deallocate', name: undefined });
  });

  it('refuses what is not a name with a syntax error', () => {
    const statement = classify('DEALLOCATE 1 2');
    assert.equal(statement.kind, 'refused');
    assert.equal(statement.kind === 'refused' && statement.sqlstate, '42601');
  });
});

describe('classify: EXPLAIN', () => {
  it('tells an option list from a parenthesized query', () => {
  assert.deepEqual(classify('EXPLAIN (SELECT 1) EXCEPT (SELECT 2)'), { kind: 'explain', analyze: false, sql: '(SELECT 1) EXCEPT (SELECT 2)' });
  assert.deepEqual(classify('EXPLAIN (ANALYZE true, VERBOSE false) SELECT 1'), { kind: 'explain', analyze: true, sql: 'SELECT 1' });
  assert.deepEqual(classify('EXPLAIN (ANALYZE false) SELECT 1'), { kind: 'explain', analyze: false, sql: 'SELECT 1' });
  });
});
