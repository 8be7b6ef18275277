// The shortest round-trip text of a double, written straight into a buffer,
// for the common case float8out prints in fixed notation (1e-4 <= |x| < 1e15).
//
// String(x) prints the same digits but costs ~300 ns a value (a heap string
// per value, through V8's number-string cache): more than half of the
// gateway's CPU for a table with a full-precision DOUBLE column. Here the
// decision PostgreSQL's Ryu makes is taken in double arithmetic made exact:
//
// - With E = floor(log10 |x|) and s = 15 - E, V = |x| * 10^s lies in
//   [10^15, 10^16). Dekker's two-product gives V exactly as hi + lo (10^s is
//   an exact double for s <= 22, and nothing overflows or underflows here).
// - The decimals that read back as x are those inside the rounding interval
//   |x| +- ulp/2, which scales to V +- delta with delta = ulp/2 * 10^s, exact
//   too (a power of two times 10^s). PostgreSQL's Ryu takes that interval
//   OPEN, and picks the shortest decimal in it, nearest to x among those.
// - A decimal of 15 digits or fewer in the interval is a multiple of 10
//   there; delta < 1.2, so only the multiple of 10 nearest to V can be, and
//   any shorter one is that same number: if it is inside, it is the answer,
//   printed without its trailing zeros.
// - The 16-digit candidate nearest to V is r = round(V). When |V - r| < delta
//   it is the answer. No other 16-digit integer is in the
//   interval then unless r is: the interval is symmetric, since a power of two
//   (where the lower half is narrower) is left to the slow path.
// - Otherwise 17 digits always suffice: the one nearest to 10 V, that is
//   10 r + round(10 (V - r)).
//
// Every comparison whose operands' rounding could decide it (a difference
// within 1e-9 of 0.5, a tie, or of delta) and every r at or above 2^53 - 2
// (not an exact integer) is left to the slow path by returning -1, as is
// everything outside the range. The differential test in
// shortest-double.test.ts checks this against String(x) for millions of values.

import { divFloor, POW10, writeFraction, writePadded, writeUint } from './ascii.ts';

// 10^14, 10^13, ..., 10^-4 as doubles: the thresholds of floor(log10 a) for 1e-4 <= a < 1e15.
export const POW10_DOWN: readonly number[] = Array.from({ length: 19 }, (_, i) => Number(`1e${14 - i}`));
/** 2^k for the half-ulps of 1e-4..1e15 (k from -67 to -4): exact, and a table lookup. */
const TWO_POW_BASE = 80;
const TWO_POW: readonly number[] = Array.from({ length: 100 }, (_, i) => 2 ** (i - TWO_POW_BASE));
const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's constant for doubles
const SAFE_LIMIT = 2 ** 53 - 2;
const MARGIN = 1e-9;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Which 32-bit word holds the sign, exponent and high mantissa bits.
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Writes the shortest text of `x` as float8out prints it (extra_float_digits
 * > 0) when 1e-4 <= |x| < 1e15 and |x| is not a power of two;
 * returns the position after it, or -1 (nothing written) when the caller must
 * take the general path.
 */
export function writeShortestDouble(buf: Uint8Array, pos: number, x: number): number {
  const a = x < 0 ? -x : x;
  if (!(a >= 1e-4 && a < 1e15)) return -1;
  // Two decimals or fewer (prices, measurements, quarter steps): when the decimal c / 100 reads
  // back as x, its digits are the shortest text, as no other decimal of 15 digits or fewer reads
  // back as x (those lie further apart than doubles do). Powers of two too: no interval is needed.
  const c = a * 100;
  if (c < 1e15 && c === Math.floor(c) && c / 100 === a) {
    let q = pos;
    if (x < 0) buf[q++] = 0x2d;
    const ip = divFloor(c, 100);
    return writeFraction(buf, writeUint(buf, q, ip), c - ip * 100, 2);
  }
  f64[0] = a;
  const high = u32[HIGH]!;
  const biased = high >>> 20;
  // A power of two has a narrower lower half-interval: the general path decides those.
  if ((high & 0xfffff) === 0 && u32[1 - HIGH] === 0) return -1;
  let e = 14;
  while (a < POW10_DOWN[14 - e]!) e--;
  const s = 15 - e;
  const p = POW10[s]!;
  // V = a * p exactly, as hi + lo (Dekker).
  const hi = a * p;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * p;
  const ph = t - (t - p);
  const pl = p - ph;
  const lo = ah * ph - hi + ah * pl + al * ph + al * pl;
  if (!(hi < SAFE_LIMIT)) return -1;
  const delta = TWO_POW[biased - 1076 + TWO_POW_BASE]! * p;
  let r = Math.round(hi);
  // d = V - r: hi - r is exact (|hi - r| <= 1/2 on hi's grid); adding lo may round by far less than MARGIN.
  let d = hi - r + lo;
  if (d > 0.5 + MARGIN) {
    r += 1;
    d -= 1;
  } else if (d < -0.5 - MARGIN) {
    r -= 1;
    d += 1;
  }
  const absD = d < 0 ? -d : d;
  if (Math.abs(absD - 0.5) <= MARGIN) return -1;
  let q = pos;
  if (x < 0) buf[q++] = 0x2d;
  // A decimal of 15 digits or fewer in the interval is a multiple of 10 there: the one nearest to V (delta < 1.2).
  const m = 10 * Math.round(r / 10);
  const mOff = Math.abs(m - r - d);
  if (mOff < delta - MARGIN) return writeFixed(buf, q, m, p, s, -1);
  if (mOff <= delta + MARGIN) return -1;
  if (absD < delta - MARGIN) return writeFixed(buf, q, r, p, s, -1);
  if (absD <= delta + MARGIN) return -1;
  // 17 digits: 10 r + k, k = round(10 d) in -5..5.
  const tenD = 10 * d;
  const k = Math.round(tenD);
  // k = 0 would be r itself, which is outside the interval: only rounding could get here.
  if (k === 0 || Math.abs(Math.abs(tenD - k) - 0.5) <= MARGIN) return -1;
  return k < 0 ? writeFixed(buf, q, r - 1, p, s, 10 + k) : writeFixed(buf, q, r, p, s, k);
}

/** Writes r / 10^s in fixed notation without trailing zeros (r < 2^53), then `lastDigit` when it is 0..9. */
function writeFixed(buf: Uint8Array, pos: number, r: number, p: number, s: number, lastDigit: number): number {
  const ip = divFloor(r, p);
  const frac = r - ip * p;
  const q = writeUint(buf, pos, ip);
  if (lastDigit < 0) return writeFraction(buf, q, frac, s);
  buf[q] = 0x2e;
  const end = writePadded(buf, q + 1, frac, s);
  buf[end] = 0x30 + lastDigit;
  return end + 1;
}
