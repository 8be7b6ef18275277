import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionState } from './session-state.ts';

describe('SessionState: transaction-scoped values', () => {
  it('shows the session default as the transaction isolation until SET TRANSACTION changes it', () => {
    const state = new SessionState('alice', new Map());
    assert.equal(state.get('transaction isolation level'), 'read committed');
    state.set('default_transaction_isolation', 'serializable');
    assert.equal(state.get('transaction_isolation'), 'serializable');
    state.setLocal('transaction_isolation', 'repeatable read');
    assert.equal(state.get('transaction_isolation'), 'repeatable read');
    state.endTransaction();
    assert.equal(state.get('transaction_isolation'), 'serializable');
  });

  it('lets SET LOCAL lapse at the end of the transaction, reporting the value it returns to', () => {
    const state = new SessionState('alice', new Map([['TimeZone', 'Europe/Paris']]));
    assert.deepEqual(state.setLocal('TimeZone', 'UTC'), { name: 'TimeZone', value: 'UTC' });
    assert.deepEqual(state.endTransaction(), [{ name: 'TimeZone', value: 'Europe/Paris' }]);
    assert.equal(state.timeZone, 'Europe/Paris');
  });

  it('validates isolation levels and Booleans', () => {
    const state = new SessionState('alice', new Map());
    assert.throws(() => state.set('default_transaction_isolation', 'sometimes'), /invalid value/);
    assert.throws(() => state.set('default_transaction_read_only', 'maybe'), /Boolean/);
  });
});

describe('SessionState: pondgate.result_cache', () => {
  it('is on by default, turns off with any Boolean spelling and refuses other values', () => {
    const state = new SessionState('alice', new Map());
    assert.equal(state.get('pondgate.result_cache'), 'on');
    assert.equal(state.resultCache, true);
    state.set('pondgate.result_cache', 'off');
    assert.equal(state.resultCache, false);
    state.set('pondgate.result_cache', 'TRUE');
    assert.equal(state.resultCache, true);
    state.setLocal('pondgate.result_cache', '0');
    assert.equal(state.resultCache, false);
    state.endTransaction();
    assert.equal(state.resultCache, true);
    assert.throws(() => state.set('pondgate.result_cache', 'sometimes'), /Boolean/);
  });
});
