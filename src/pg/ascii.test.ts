/**
 * The digit writers every text encoder builds on, against JavaScript's own
 * integer printing: any safe integer, above and below 2^31 (where the writers
 * switch from int32 to floating division) and next to multiples of 10^8
 * (where a rounded floating quotient would be off by one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { writeFraction, writeInt, writePadded, writeUint } from './ascii.ts';

const ascii = (buf: Uint8Array, end: number): string => Buffer.from(buf.subarray(0, end)).toString('latin1');

/** Safe integers that stress the split: near 2^31, near k * 10^8, and anything up to 2^53. */
const hardUint = fc.oneof(
  fc.maxSafeNat(),
  fc.integer({ min: 0, max: 2 ** 32 }),
  fc.tuple(fc.integer({ min: 1, max: 90_071_992 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => Math.max(0, k * 1e8 + d)),
);

test('writeUint and writeInt print any safe integer as String() does', () => {
  const buf = new Uint8Array(32);
  fc.assert(
    fc.property(hardUint, fc.boolean(), (v, negative) => {
      assert.equal(ascii(buf, writeUint(buf, 0, v)), String(v));
      const signed = negative ? -v : v;
      assert.equal(ascii(buf, writeInt(buf, 0, signed)), String(signed === 0 ? 0 : signed));
    }),
    { numRuns: 20_000 },
  );
});

test('writePadded writes exactly `width` digits, zero-padded', () => {
  const buf = new Uint8Array(32);
  fc.assert(
    fc.property(hardUint, fc.integer({ min: 0, max: 2 }), (v, extra) => {
      const width = String(v).length + extra;
      assert.equal(ascii(buf, writePadded(buf, 0, v, width)), String(v).padStart(width, '0'));
    }),
    { numRuns: 20_000 },
  );
});

test('writeFraction drops trailing zeros and writes nothing for zero', () => {
  const buf = new Uint8Array(32);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 15 }), fc.maxSafeNat(), fc.integer({ min: 0, max: 14 }), (width, raw, zeros) => {
      const frac = Math.floor((raw % 10 ** width) / 10 ** Math.min(zeros, width - 1)) * 10 ** Math.min(zeros, width - 1);
      const expected = frac === 0 ? '' : '.' + String(frac).padStart(width, '0').replace(/0+$/, '');
      assert.equal(ascii(buf, writeFraction(buf, 0, frac, width)), expected);
    }),
    { numRuns: 20_000 },
  );
});
