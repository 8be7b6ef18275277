// Writing numbers and ASCII text straight into a Buffer, for the column
// encoders: no intermediate strings, so no per-value allocation. Callers have
// reserved the space; nothing here checks capacity.

/** '00'..'99' as pairs of ASCII digit codes. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/** Decimal digits of a non-negative safe integer. */
export function digitCount(v: number): number {
  if (v < 1e8) {
    if (v < 1e4) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
    return v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : 8;
  }
  let n = 9;
  let p = 1e9;
  while (v >= p && n < 17) {
    n++;
    p *= 10;
  }
  return n;
}

/** 10^0 .. 10^22, each an exact double. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Floor division of a safe integer by a power of ten `p`, exact even where the quotient rounds. */
export function divFloor(a: number, p: number): number {
  let q = Math.floor(a / p);
  const r = a - q * p;
  if (r < 0) q--;
  else if (r >= p) q++;
  return q;
}

/** Writes `digits` digits of non-negative safe integer `v` (left-padded with zeros) ending before `end`. */
function writeDigitsBackward(buf: Uint8Array, end: number, v: number, digits: number): void {
  // Above 2^31 `| 0` would wrap: split off the low eight digits with one floating division
  // (the high part of a safe integer is then below 2^31), instead of one per digit pair.
  if (v >= 2147483648) {
    const hi = divFloor(v, 1e8);
    writeInt32Backward(buf, end, v - hi * 1e8, 8);
    writeInt32Backward(buf, end - 8, hi, digits - 8);
    return;
  }
  writeInt32Backward(buf, end, v, digits);
}

/** writeDigitsBackward for 0 <= v < 2^31, in int32 arithmetic. */
function writeInt32Backward(buf: Uint8Array, end: number, v: number, digits: number): void {
  let p = end;
  const stop = end - digits;
  while (p - stop >= 2) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    v = q;
  }
  if (p > stop) buf[--p] = 0x30 + (v % 10);
}

/** Non-negative safe integer as decimal digits; returns the end position. */
export function writeUint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 10) {
    buf[pos] = 0x30 + v;
    return pos + 1;
  }
  const n = digitCount(v);
  writeDigitsBackward(buf, pos + n, v, n);
  return pos + n;
}

/** Safe integer as decimal text with a '-' when negative (never "-0"). */
export function writeInt(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0) {
    buf[pos] = 0x2d;
    return writeUint(buf, pos + 1, -v);
  }
  return writeUint(buf, pos, v);
}

/**
 * A fraction of `width` digits (0 <= frac < 10^width) as '.' and its digits
 * without trailing zeros; nothing when it is 0. Returns the end position.
 */
export function writeFraction(buf: Uint8Array, pos: number, frac: number, width: number): number {
  if (frac === 0) return pos;
  buf[pos] = 0x2e;
  // All `width` digits, then the trailing zeros dropped: reading bytes back is far cheaper
  // than `frac % 10` on values above 2^31 (a floating-point remainder, once per zero).
  let end = writePadded(buf, pos + 1, frac, width);
  while (buf[end - 1] === 0x30) end--;
  return end;
}

/** Exactly `width` digits of `v` (0 <= v < 10^width), zero-padded. */
export function writePadded(buf: Uint8Array, pos: number, v: number, width: number): number {
  writeDigitsBackward(buf, pos + width, v, width);
  return pos + width;
}

/** Two digits of 0 <= v < 100. */
export function write2(buf: Uint8Array, pos: number, v: number): number {
  buf[pos] = PAIRS[2 * v];
  buf[pos + 1] = PAIRS[2 * v + 1];
  return pos + 2;
}

/** A string known to be ASCII (numbers, dates, keywords). */
export function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
  return pos + n;
}

/** Copies src[from, to) to buf[pos]; a JS loop beats a native call up to ~16 bytes (measured: a 31-byte string 95 → 76 ns with the native copy). */
export function copyBytes(buf: Buffer, pos: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n <= 16) {
    for (let i = 0; i < n; i++) buf[pos + i] = src[from + i];
  } else {
    buf.set(src.subarray(from, to), pos);
  }
  return pos + n;
}

/** Big-endian int32 (also uint32 bit patterns); plain stores inline where Buffer#writeInt32BE's checks did not. */
export function be32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = v >>> 16;
  buf[pos + 2] = v >>> 8;
  buf[pos + 3] = v;
}

/** Big-endian 16 bits of `v` (signed or unsigned spelling). */
export function be16(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 8;
  buf[pos + 1] = v;
}
