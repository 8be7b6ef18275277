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

describe('classify: session statements BI tools send', () => {
  it('reads SET SESSION and SET LOCAL as SET with their scope', () => {
    assert.deepEqual(classify("SET SESSION TIMEZONE TO 'UTC'"), { kind: 'set', name: 'timezone', value: 'UTC', local: false });
    assert.deepEqual(classify('SET LOCAL statement_timeout = 5000'), { kind: 'set', name: 'statement_timeout', value: '5000', local: true });
    assert.deepEqual(classify('SET extra_float_digits = 3'), { kind: 'set', name: 'extra_float_digits', value: '3', local: false });
  });

  it("reads pgjdbc's and Metabase's transaction characteristics as the parameters they set", () => {
    assert.deepEqual(classify('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED'), {
      kind: 'set_transaction', scope: 'session', settings: [{ name: 'default_transaction_isolation', value: 'read uncommitted' }],
    });
    assert.deepEqual(classify('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, NOT DEFERRABLE'), {
      kind: 'set_transaction', scope: 'session',
      settings: [{ name: 'default_transaction_read_only', value: 'on' }, { name: 'default_transaction_deferrable', value: 'off' }],
    });
    assert.deepEqual(classify('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ WRITE'), {
      kind: 'set_transaction', scope: 'transaction',
      settings: [{ name: 'transaction_isolation', value: 'serializable' }, { name: 'transaction_read_only', value: 'off' }],
    });
    assert.equal(classify('SET TRANSACTION ISOLATION LEVEL SOMETIMES').kind, 'refused');
  });

  it('reads DISCARD with what it discards', () => {
    assert.deepEqual(classify('DISCARD ALL'), { kind: 'discard', what: 'all' });
    assert.deepEqual(classify('discard temporary'), { kind: 'discard', what: 'temp' });
    assert.equal(classify('DISCARD EVERYTHING').kind, 'refused');
  });
});
