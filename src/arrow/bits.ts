/** Bitmap helpers (Arrow and DuckDB validity share the LSB-first layout). */

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Number of set bits among the first `count` bits of `bits`. */
export function countSetBits(bits: Uint8Array, count: number): number {
  const whole = count >> 3;
  let n = 0;
  for (let i = 0; i < whole; i++) n += POPCOUNT[bits[i]];
  const rest = count & 7;
  if (rest !== 0) n += POPCOUNT[bits[whole] & ((1 << rest) - 1)];
  return n;
}

/**
 * Copies `count` bits from `src` at bit `srcBit` to `dst` at bit `dstBit`.
 * Bits of `dst` outside the range are preserved.
 */
export function copyBits(src: Uint8Array, srcBit: number, dst: Uint8Array, dstBit: number, count: number): void {
  if (count <= 0) return;
  if ((srcBit & 7) === 0 && (dstBit & 7) === 0) {
    const whole = count >> 3;
    const s = srcBit >> 3;
    const d = dstBit >> 3;
    dst.set(src.subarray(s, s + whole), d);
    const rest = count & 7;
    if (rest !== 0) {
      const mask = (1 << rest) - 1;
      dst[d + whole] = (dst[d + whole] & ~mask) | (src[s + whole] & mask);
    }
    return;
  }
  // Unaligned copies only happen at batch joins of odd-sized chunks or on
  // sliced Arrow data, so a bit loop is fast enough.
  for (let i = 0; i < count; i++) {
    const sb = srcBit + i;
    const db = dstBit + i;
    const bit = (src[sb >> 3] >> (sb & 7)) & 1;
    if (bit) dst[db >> 3] |= 1 << (db & 7);
    else dst[db >> 3] &= ~(1 << (db & 7));
  }
}

/** Sets `count` bits of `dst` starting at bit `dstBit`. */
export function setBits(dst: Uint8Array, dstBit: number, count: number): void {
  let i = 0;
  while (i < count && ((dstBit + i) & 7) !== 0) {
    const b = dstBit + i;
    dst[b >> 3] |= 1 << (b & 7);
    i++;
  }
  const wholeBytes = (count - i) >> 3;
  if (wholeBytes > 0) {
    const start = (dstBit + i) >> 3;
    dst.fill(0xff, start, start + wholeBytes);
    i += wholeBytes << 3;
  }
  for (; i < count; i++) {
    const b = dstBit + i;
    dst[b >> 3] |= 1 << (b & 7);
  }
}
