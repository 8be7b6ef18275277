import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexKey } from './key-lookup.ts';

describe('indexKey: where DuckDB\'s `column = value` is plain equality', () => {
  it('takes integers in canonical form within the column type\'s range', () => {
    assert.equal(indexKey('INTEGER', { kind: 'text', text: '42' }), '42');
    assert.equal(indexKey('BIGINT', { kind: 'integer', text: '-9' }), '-9');
    assert.equal(indexKey('TINYINT', { kind: 'text', text: '-128' }), '-128');
    assert.equal(indexKey('UBIGINT', { kind: 'text', text: '18446744073709551615' }), '18446744073709551615');
    assert.equal(indexKey('INTEGER', { kind: 'parameter', index: 1 }, ['x', '7']), '7');
  });

  it('leaves to DuckDB every text it casts or rejects, values out of range, NULLs and missing parameters', () => {
    for (const text of ['007', ' 7', '7 ', '+7', '-0', '7.0', '1e3', '0x10', '', 'abc', '1_000']) {
      assert.equal(indexKey('INTEGER', { kind: 'text', text }), undefined, text);
    }
    assert.equal(indexKey('TINYINT', { kind: 'text', text: '128' }), undefined);
    assert.equal(indexKey('UTINYINT', { kind: 'integer', text: '-1' }), undefined);
    assert.equal(indexKey('INTEGER', { kind: 'parameter', index: 0 }, [null]), undefined);
    assert.equal(indexKey('INTEGER', { kind: 'parameter', index: 3 }, ['1']), undefined);
  });

  it('compares VARCHAR keys with text only, and no other column type', () => {
    assert.equal(indexKey('VARCHAR', { kind: 'text', text: " it's Zoë " }), " it's Zoë ");
    assert.equal(indexKey('VARCHAR', { kind: 'integer', text: '42' }), undefined);
    for (const type of ['DOUBLE', 'DECIMAL(9,2)', 'DATE', 'HUGEINT', 'BOOLEAN']) assert.equal(indexKey(type, { kind: 'text', text: '1' }), undefined, type);
  });
});
