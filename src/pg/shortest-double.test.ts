// writeShortestDouble must print exactly what formatFloat8 prints (PostgreSQL's
// float8out, itself checked against PostgreSQL 15 byte for byte), or step
// aside with -1. Random bit patterns, full-precision quotients, values around
// powers of ten and of two, negative and positive.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatFloat8 } from './pg-float.ts';
import { writeShortestDouble } from './shortest-double.ts';

const buf = Buffer.alloc(64);

/** Whether the fast path printed `x` (and then that it printed PostgreSQL's text). */
function agrees(x: number): boolean {
  const end = writeShortestDouble(buf, 0, x);
  if (end < 0) return false;
  assert.equal(buf.toString('latin1', 0, end), formatFloat8(x, 1), `text of ${x}`);
  return true;
}

test('full-precision and short doubles print as float8out prints them', () => {
  let printed = 0;
  let total = 0;
  for (let i = 1; i < 200_000; i++) {
    for (const x of [i / 7, -i / 3, i / 1e4 / 7, (i * 1e9) / 7, 1 + 1 / i, i * 0.25, -i / 100, i + 0.1]) {
      total++;
      if (agrees(x)) printed++;
    }
  }
  // All but powers of two and values near an interval's end: the fast path must actually take them.
  assert.ok(printed > total * 0.9, `printed ${printed} of ${total}`);
});

test('random doubles: the fast path prints float8out text or declines', () => {
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0x3f1, max: 0x431 }), fc.integer({ min: 0, max: 0xfffff }), fc.boolean(), (low, exponent, highMantissa, negative) => {
      // Exponents around 1e-4 .. 1e15, any mantissa.
      words[0] = low;
      words[1] = ((negative ? 0x80000000 : 0) | (exponent << 20) | highMantissa) >>> 0;
      agrees(bits[0]!);
    }),
    { numRuns: 300_000 },
  );
});

test('values of two decimals or fewer, at every magnitude, print as float8out prints them', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), fc.integer({ min: 0, max: 14 }), fc.boolean(), (digits, shift, negative) => {
      // Cents, and the same digits moved to any magnitude: most are two-decimal values, some are
      // not (their product by 100 is not whole, or does not read back) and take the general path.
      const cents = Math.floor(digits / 10 ** shift);
      for (const x of [cents / 100, cents / 4, cents, cents / 10, (cents + 0.5) / 100]) {
        assert.equal(agrees(negative ? -x : x) || writeShortestDouble(buf, 0, negative ? -x : x) === -1, true);
      }
    }),
    { numRuns: 100_000 },
  );
  // The fast paths must actually take them (a few, such as 9.01, whose product by 100 is not whole, may be declined).
  let printed = 0;
  for (let i = 1; i < 100_000; i++) for (const x of [i / 100, -(i * 1_000_003) / 100, i * 0.25]) if (agrees(x)) printed++;
  assert.ok(printed > 3 * 99_999 * 0.99, `printed ${printed} of ${3 * 99_999}`);
});

test('around powers of ten and two, and at the ends of the range', () => {
  for (let k = -5; k <= 16; k++) {
    const base = Number(`1e${k}`);
    for (let j = -200; j <= 200; j++) {
      agrees(base + j * base * 2 ** -52);
      agrees(base * (1 + j * 1e-15));
      agrees(-(base - j * base * 2 ** -53));
    }
  }
  for (let e = -14; e <= 50; e++) {
    const two = 2 ** e;
    // A power of two has a narrower lower interval: declined (or printed by the two-decimal path), and its neighbours printed right.
    assert.equal(writeShortestDouble(buf, 0, two) === -1 || agrees(two), true);
    agrees(two * (1 + 2 ** -52));
    agrees(two * (1 - 2 ** -53));
  }
  for (const x of [0, -0, NaN, Infinity, -Infinity, 9.99e-5, 1e15, 1e15 + 0.125, 123456789012345.67]) assert.equal(writeShortestDouble(buf, 0, x) === -1 || agrees(x), true);
  assert.equal(writeShortestDouble(buf, 0, 1e15), -1);
  assert.equal(writeShortestDouble(buf, 0, 9.99e-5), -1);
});
