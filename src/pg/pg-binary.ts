// Encoders for PostgreSQL's binary send format (the `typsend` functions of
// PostgreSQL 15), from plain JavaScript values. Shared by the result
// formatter (binary-format.ts) and the array encoder (pg-array.ts); the
// decoding direction for Bind parameters lives in binary-params.ts.

import { SqlError } from '../errors.ts';

/** Days between 1970-01-01 (Unix/DuckDB epoch) and 2000-01-01 (PostgreSQL epoch). */
export const PG_EPOCH_DAYS = 10957;
export const PG_EPOCH_MICROS = 946_684_800_000_000n;
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
export const INT32_MAX = 2147483647;
export const INT32_MIN = -2147483648;

export function int2(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(v, 0);
  return b;
}

export function int4(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(v, 0);
  return b;
}

export function int8(v: bigint): Uint8Array {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(v, 0);
  return b;
}

export function float4(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(4);
  b.writeFloatBE(v, 0);
  return b;
}

export function float8(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(v, 0);
  return b;
}

export function bool(v: boolean): Uint8Array {
  return Uint8Array.of(v ? 1 : 0);
}

/** Integer encoder for a PostgreSQL integer OID's width (2, 4 or 8 bytes). */
export function intEncoder(width: 2 | 4 | 8): (v: number | bigint) => Uint8Array {
  if (width === 2) return (v) => int2(Number(v));
  if (width === 4) return (v) => int4(Number(v));
  return (v) => int8(BigInt(v));
}

// ---------------------------------------------------------------- numeric

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

function numericHeader(ndigits: number, weight: number, sign: number, dscale: number): Buffer {
  const b = Buffer.allocUnsafe(8 + 2 * ndigits);
  b.writeInt16BE(ndigits, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(sign, 4);
  b.writeInt16BE(dscale, 6);
  return b;
}

/**
 * numeric_send: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then
 * base-10000 digits (most significant first). `unscaled / 10^scale` is the value.
 * Leading and trailing zero digits are stripped, as PostgreSQL's make_result does.
 */
export function numeric(unscaled: bigint, scale: number): Uint8Array {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString();
  // Split into integer and fraction parts at `scale`, then align both to groups of 4.
  const intLen = Math.max(0, digits.length - scale);
  const intPart = digits.slice(0, intLen);
  const fracPart = digits.slice(intLen).padStart(scale, '0');
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let start = 0;
  let end = groups.length;
  while (start < end && groups[start] === 0) {
    start++;
    weight--;
  }
  while (end > start && groups[end - 1] === 0) end--;
  if (start === end) return numericHeader(0, 0, NUMERIC_POS, scale);
  const b = numericHeader(end - start, weight, neg ? NUMERIC_NEG : NUMERIC_POS, scale);
  for (let i = start; i < end; i++) b.writeInt16BE(groups[i], 8 + 2 * (i - start));
  return b;
}

/** numeric from decimal text ("-12.340", "1e5", "NaN", "Infinity"); dscale = the digits after the point. */
export function numericFromText(text: string, scale?: number): Uint8Array {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'nan') return numericHeader(0, 0, NUMERIC_NAN, 0);
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return numericHeader(0, 0, NUMERIC_PINF, 0);
  if (lower === '-infinity' || lower === '-inf') return numericHeader(0, 0, NUMERIC_NINF, 0);
  const { unscaled, scale: s } = parseDecimal(t);
  if (scale === undefined || scale === s) return numeric(unscaled, s);
  return numeric(rescale(unscaled, s, scale), scale);
}

/** Exact decimal text -> unscaled integer and scale. */
export function parseDecimal(text: string): { unscaled: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) throw new SqlError('22P02', `invalid input syntax for type numeric: "${text}"`);
  const frac = m[3] ?? '';
  let scale = frac.length - Number(m[4] ?? 0);
  let digits = (m[2] + frac).replace(/^0+(?=\d)/, '');
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const v = BigInt(digits === '' ? '0' : digits);
  return { unscaled: m[1] === '-' ? -v : v, scale };
}

/** Changes the scale of an unscaled value, rounding half away from zero like PostgreSQL. */
export function rescale(unscaled: bigint, from: number, to: number): bigint {
  if (to >= from) return unscaled * 10n ** BigInt(to - from);
  const d = 10n ** BigInt(from - to);
  const neg = unscaled < 0n;
  const a = neg ? -unscaled : unscaled;
  const q = (a + d / 2n) / d;
  return neg ? -q : q;
}

// ---------------------------------------------------------------- dates and times

/** date_send: days since 2000-01-01; DuckDB's +-(2^31-1) infinities become PostgreSQL's INT32_MAX/MIN. */
export function date(daysSinceUnixEpoch: number): Uint8Array {
  if (daysSinceUnixEpoch >= INT32_MAX) return int4(INT32_MAX);
  if (daysSinceUnixEpoch <= -INT32_MAX) return int4(INT32_MIN);
  return int4(daysSinceUnixEpoch - PG_EPOCH_DAYS);
}

/** timestamp_send / timestamptz_send: µs since 2000-01-01 UTC; +-(2^63-1) are DuckDB's infinities. */
export function timestamp(microsSinceUnixEpoch: bigint): Uint8Array {
  if (microsSinceUnixEpoch >= INT64_MAX) return int8(INT64_MAX);
  if (microsSinceUnixEpoch <= -INT64_MAX) return int8(INT64_MIN);
  return int8(microsSinceUnixEpoch - PG_EPOCH_MICROS);
}

/** time_send: µs since midnight. */
export function time(micros: bigint): Uint8Array {
  return int8(micros);
}

/** timetz_send: µs since midnight, then the zone as seconds WEST of UTC (PostgreSQL's sign). */
export function timetz(micros: bigint, offsetSecondsEast: number): Uint8Array {
  const b = Buffer.allocUnsafe(12);
  b.writeBigInt64BE(micros, 0);
  b.writeInt32BE(-offsetSecondsEast, 8);
  return b;
}

/** interval_send: int64 µs, int32 days, int32 months. */
export function interval(months: number, days: number, micros: bigint): Uint8Array {
  const b = Buffer.allocUnsafe(16);
  b.writeBigInt64BE(micros, 0);
  b.writeInt32BE(days, 8);
  b.writeInt32BE(months, 12);
  return b;
}

/** uuid_send: the 16 bytes in text order. */
export function uuidFromText(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new SqlError('22P02', `invalid input syntax for type uuid: "${text}"`);
  return Buffer.from(hex, 'hex');
}

/** varbit_send: int32 bit length, then the bits packed most significant first. */
export function varbitFromText(bits: string): Uint8Array {
  const b = Buffer.alloc(4 + Math.ceil(bits.length / 8));
  b.writeInt32BE(bits.length, 0);
  for (let i = 0; i < bits.length; i++) if (bits.charCodeAt(i) === 0x31) b[4 + (i >> 3)] |= 0x80 >> (i & 7);
  return b;
}

// ---------------------------------------------------------------- arrays

/** One array dimension: its length (lower bound is always 1). */
export interface ArrayShape {
  readonly dims: readonly number[];
  readonly elementOid: number;
}

/**
 * array_send: int32 ndim, int32 has-nulls flag, int32 element OID, per
 * dimension int32 length and int32 lower bound (1), then each element as
 * int32 length (-1 = NULL) and its bytes, in row-major order.
 */
export function array(shape: ArrayShape, elements: readonly (Uint8Array | null)[]): Uint8Array {
  const empty = shape.dims.length === 0 || shape.dims.some((d) => d === 0);
  const ndim = empty ? 0 : shape.dims.length;
  let size = 12 + 8 * ndim;
  let hasNull = 0;
  if (!empty) {
    for (const e of elements) {
      size += 4 + (e === null ? 0 : e.length);
      if (e === null) hasNull = 1;
    }
  }
  const b = Buffer.allocUnsafe(size);
  b.writeInt32BE(ndim, 0);
  b.writeInt32BE(hasNull, 4);
  b.writeUInt32BE(shape.elementOid, 8);
  let p = 12;
  for (let i = 0; i < ndim; i++) {
    b.writeInt32BE(shape.dims[i], p);
    b.writeInt32BE(1, p + 4);
    p += 8;
  }
  if (empty) return b;
  for (const e of elements) {
    if (e === null) {
      b.writeInt32BE(-1, p);
      p += 4;
    } else {
      b.writeInt32BE(e.length, p);
      b.set(e, p + 4);
      p += 4 + e.length;
    }
  }
  return b;
}
