import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markLongIntegers, parseExactJson, stringifyExactJson } from './exact-json.ts';

describe('exact JSON', () => {
  it('keeps integers beyond 2^53 exact through a parse and stringify', () => {
    const text = '{"value":9007199254740993,"small":42,"neg":-123456789012345678901,"f":1.5e+300}';
    const parsed = parseExactJson(text) as Record<string, unknown>;
    assert.equal(parsed.small, 42);
    assert.equal(parsed.f, 1.5e300);
    assert.equal(stringifyExactJson(parsed), text);
  });

  it('keeps whole-number doubles doubles (1e12 must not come back as an integer)', () => {
    const text = '{"big":1000000000000.0,"hundred":100.0,"neg":-3.0,"small":0.0025}';
    assert.equal(stringifyExactJson(parseExactJson(text)), text);
  });

  it('leaves digits inside strings alone', () => {
    const text = '{"s":"a:12345678901234567890,","t":"\\"9007199254740993"}';
    assert.equal(markLongIntegers(text), text);
    assert.deepEqual(parseExactJson(text), { s: 'a:12345678901234567890,', t: '"9007199254740993' });
  });

  it('would lose the digits with plain JSON (the reason for this module)', () => {
    assert.notEqual(JSON.stringify(JSON.parse('9007199254740993')), '9007199254740993');
    assert.equal(stringifyExactJson(parseExactJson('[9007199254740993]')), '[9007199254740993]');
  });
});
