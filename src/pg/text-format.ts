// PostgreSQL 15 TEXT output format for values held in Apache Arrow columns as
// the gateway receives them from DuckDB workers.
//
// DuckDB -> Arrow layout assumed here (field metadata `duckdb_type` carries the
// exact DuckDB type string and disambiguates the 16-byte layouts):
//   BOOLEAN Bool | ints Int8..64 / Uint8..64 | FLOAT Float32 | DOUBLE Float64
//   HUGEINT/UHUGEINT FixedSizeBinary(16), little-endian int128
//   DECIMAL(w,s) Int16/Int32/Int64/FixedSizeBinary(16) unscaled integer
//   VARCHAR Utf8 | BLOB Binary | DATE DateDay | TIME TimeMicrosecond
//   TIMESTAMP[_S/_MS/_NS] Timestamp(unit) | TIMESTAMPTZ Timestamp(us, 'UTC')
//   INTERVAL FixedSizeBinary(16): int32 months, int32 days, int64 micros (LE)
//   UUID FixedSizeBinary(16): DuckDB hugeint with the top bit flipped
//   everything else: Utf8 already holding the text rendering; for results
//   bound to a client, LIST/ARRAY columns hold DuckDB's to_json() of the list
//   (turned into PostgreSQL array text by pg-array.ts) and STRUCT/MAP/UNION
//   columns hold JSON text.
// Output is bytes-or-string so a DataRow writer can take either without
// re-encoding; Utf8 values are passed through as UTF-8 slices.

import { cellReader, decimalUnscaled } from './cell-reader.ts';
import { Data, DataType, Field, Type, TimeUnit, Vector, Precision } from 'apache-arrow';
import { formatFloat4, formatFloat8 } from './pg-float.ts';
import { isUtcZone, makeOffsetLookup, type OffsetLookup } from './tz-offset.ts';
import { isListType, makeJsonArrayFormatter } from './pg-array.ts';

export interface TextFormatOptions {
  /** Session TimeZone (IANA name) used for timestamptz. */
  timeZone: string;
  /** Session extra_float_digits (PostgreSQL default 1; > 0 = shortest round-trip). */
  extraFloatDigits: number;
}

/** Text rendering of one cell; null = SQL NULL. */
export type TextValue = string | Uint8Array | null;

export type TextFormatter = (column: Data | Vector, row: number) => TextValue;

type Inner = (data: Data, row: number) => TextValue;

const MICROS_PER_DAY = 86_400_000_000;
const INT64_MAX = 9223372036854775807n;
// DuckDB stores +-infinity of DATE as +-(2^31-1) days and of TIMESTAMP as +-(2^63-1).
const DATE_INFINITY = 2147483647;

/**
 * Build the formatter for one result column. Dispatch happens once here; the
 * returned function does no type inspection per call.
 */
export function makeTextFormatter(field: Field, options: TextFormatOptions): TextFormatter {
  return cellReader(innerFormatter(field, options));
}

function duckdbTypeOf(field: Field): string {
  return (field.metadata.get('duckdb_type') ?? '').trim().toUpperCase();
}

function decimalScale(duckType: string): number | undefined {
  const m = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(duckType);
  if (m === null) return undefined;
  // DuckDB's bare DECIMAL is DECIMAL(18,3).
  return m[2] !== undefined ? Number(m[2]) : m[1] !== undefined ? 0 : 3;
}

function innerFormatter(field: Field, options: TextFormatOptions): Inner {
  const type: DataType = field.type;
  const duck = duckdbTypeOf(field);
  switch (type.typeId) {
    case Type.Bool:
      return (d, row) => {
        const pos = d.offset + row;
        return (d.values[pos >> 3] & (1 << (pos & 7))) !== 0 ? 't' : 'f';
      };
    case Type.Int: {
      const scale = decimalScale(duck);
      if (scale !== undefined && scale > 0) return (d, row) => scaled(BigInt(d.values[row]), scale);
      return (d, row) => String(d.values[row]);
    }
    case Type.Float: {
      const efd = options.extraFloatDigits;
      if ((type as unknown as { precision: Precision }).precision === Precision.DOUBLE) return (d, row) => formatFloat8(d.values[row], efd);
      // float16 values come out of Arrow as raw uint16 bits; widen to float32 first.
      if ((type as unknown as { precision: Precision }).precision === Precision.HALF) return (d, row) => formatFloat4(Math.fround(halfToNumber(d.values[row])), efd);
      return (d, row) => formatFloat4(d.values[row], efd);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      if (isListType(field.metadata.get('duckdb_type') ?? '')) {
        const array = makeJsonArrayFormatter(field.metadata.get('duckdb_type') ?? '', options);
        const decoder = new TextDecoder();
        return (d, row) => {
          const o = d.valueOffsets;
          return array.text(decoder.decode((d.values as Uint8Array).subarray(Number(o[row]), Number(o[row + 1]))));
        };
      }
      return (d, row) => {
        const o = d.valueOffsets;
        return (d.values as Uint8Array).subarray(Number(o[row]), Number(o[row + 1]));
      };
    case Type.Binary:
    case Type.LargeBinary:
      return (d, row) => {
        const o = d.valueOffsets;
        return byteaHex(d.values as Uint8Array, Number(o[row]), Number(o[row + 1]));
      };
    case Type.FixedSizeBinary:
      return fixedSizeBinaryFormatter(field, duck);
    case Type.Decimal: {
      const { scale, bitWidth } = type as unknown as { scale: number; bitWidth: number };
      return (d, row) => scaled(decimalUnscaled(d, row, bitWidth), scale);
    }
    case Type.Date:
      if (type.typeId === Type.Date && (type as unknown as { unit: number }).unit === 1) {
        // DateMillisecond: ms since epoch (DuckDB does not emit it, but be safe).
        return (d, row) => formatDate(Math.floor(Number(d.values[row]) / 86_400_000));
      }
      return (d, row) => formatDate(d.values[row]);
    case Type.Time: {
      const perMicro = timeUnitToMicros((type as unknown as { unit: TimeUnit }).unit);
      return (d, row) => formatTimeOfDay(Number(toMicros(d.values[row], perMicro)));
    }
    case Type.Timestamp: {
      const t = type as unknown as { unit: TimeUnit; timezone: string | null };
      const perMicro = timeUnitToMicros(t.unit);
      const hasTz = (typeof t.timezone === 'string' && t.timezone !== '') || duck === 'TIMESTAMP WITH TIME ZONE' || duck === 'TIMESTAMPTZ';
      if (!hasTz) {
        return (d, row) => {
          const v = d.values[row];
          const inf = infinity(v);
          return inf ?? formatTimestamp(toMicros(v, perMicro), '');
        };
      }
      return timestamptzFormatter(perMicro, options.timeZone);
    }
    default:
      return fallbackFormatter();
  }
}

// ---------------------------------------------------------------- numbers

/** Unscaled integer -> numeric text with exactly `scale` fraction digits. */
function scaled(v: bigint, scale: number): string {
  if (scale === 0) return v.toString();
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
  const out = s.slice(0, s.length - scale) + '.' + s.slice(s.length - scale);
  return neg ? '-' + out : out;
}

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------- 16-byte layouts

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_CODES = new Uint8Array(Buffer.from('0123456789abcdef', 'latin1'));

function byteaHex(src: Uint8Array, from: number, to: number): Uint8Array {
  const out = Buffer.allocUnsafe(2 + 2 * (to - from));
  out[0] = 0x5c; // '\'
  out[1] = 0x78; // 'x'
  let p = 2;
  for (let i = from; i < to; i++) {
    const b = src[i];
    out[p++] = HEX_CODES[b >> 4];
    out[p++] = HEX_CODES[b & 15];
  }
  return out;
}

// DataView over one Data's bytes, remembered for consecutive rows of the same chunk.
function viewCache(): (d: Data) => DataView {
  let last: Data | undefined;
  let view: DataView | undefined;
  return (d) => {
    if (d !== last || view === undefined) {
      const v = d.values as Uint8Array;
      view = new DataView(v.buffer, v.byteOffset, v.byteLength);
      last = d;
    }
    return view;
  };
}

function fixedSizeBinaryFormatter(field: Field, duck: string): Inner {
  const width = (field.type as unknown as { byteWidth: number }).byteWidth;
  const bytesOf = (d: Data, row: number): TextValue => byteaHex(d.values as Uint8Array, row * width, row * width + width);
  if (width !== 16) return bytesOf;
  const view = viewCache();
  const scale = decimalScale(duck);
  if (scale !== undefined || duck === 'HUGEINT' || duck === 'INT128') {
    const s = scale ?? 0;
    return (d, row) => {
      const dv = view(d);
      const at = row * 16;
      return scaled((dv.getBigInt64(at + 8, true) << 64n) | dv.getBigUint64(at, true), s);
    };
  }
  if (duck === 'UHUGEINT' || duck === 'UINT128') {
    return (d, row) => {
      const dv = view(d);
      const at = row * 16;
      return ((dv.getBigUint64(at + 8, true) << 64n) | dv.getBigUint64(at, true)).toString();
    };
  }
  if (duck === 'UUID') {
    return (d, row) => {
      const b = d.values as Uint8Array;
      const at = row * 16;
      // Big-endian hex of (upper with sign bit flipped, lower): upper = bytes 15..8, lower = bytes 7..0.
      let s = '';
      for (let i = 15; i >= 0; i--) {
        const byte = i === 15 ? b[at + i] ^ 0x80 : b[at + i];
        s += HEX[byte];
        if (i === 12 || i === 10 || i === 8 || i === 6) s += '-';
      }
      return s;
    };
  }
  if (duck === 'INTERVAL') {
    return (d, row) => {
      const dv = view(d);
      const at = row * 16;
      return formatInterval(dv.getInt32(at, true), dv.getInt32(at + 4, true), dv.getBigInt64(at + 8, true));
    };
  }
  return bytesOf;
}

// ---------------------------------------------------------------- dates and times

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? '0' + n : n >= 10 ? '00' + n : '000' + n;
}

// Days since 1970-01-01 -> proleptic Gregorian [year, month, day]
// (Howard Hinnant's civil_from_days; exact for the full int32 range).
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

// PostgreSQL prints astronomical year y <= 0 as (1 - y) with a trailing " BC".
function ymd(days: number): [string, boolean] {
  const [y, m, d] = civil(days);
  const bc = y <= 0;
  return [pad4(bc ? 1 - y : y) + '-' + pad2(m) + '-' + pad2(d), bc];
}

export function formatDate(days: number): string {
  if (days >= DATE_INFINITY) return 'infinity';
  if (days <= -DATE_INFINITY) return '-infinity';
  const [s, bc] = ymd(days);
  return bc ? s + ' BC' : s;
}

// Fraction of a second, 6 digits with trailing zeros trimmed, as PostgreSQL's AppendSeconds.
function fraction(micros: number): string {
  if (micros === 0) return '';
  let s = String(micros).padStart(6, '0');
  let end = 6;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  s = s.slice(0, end);
  return '.' + s;
}

/** Microseconds since midnight -> HH:MM:SS[.ffffff] (24:00:00 allowed, like PG). */
export function formatTimeOfDay(micros: number): string {
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs - h * 3600) / 60);
  const s = secs - h * 3600 - m * 60;
  return pad2(h) + ':' + pad2(m) + ':' + pad2(s) + fraction(frac);
}

function timeUnitToMicros(unit: TimeUnit): number {
  // Multiplier to microseconds; < 1 means divide.
  switch (unit) {
    case TimeUnit.SECOND: return 1e6;
    case TimeUnit.MILLISECOND: return 1e3;
    case TimeUnit.MICROSECOND: return 1;
    default: return 1e-3;
  }
}

// Raw value in `unit` -> microseconds. Nanoseconds are floored: PostgreSQL has
// no nanosecond precision.
function toMicros(v: number | bigint, perMicro: number): number | bigint {
  if (typeof v === 'number') return perMicro >= 1 ? v * perMicro : Math.floor(v * perMicro);
  if (perMicro === 1) return fitNumber(v);
  if (perMicro > 1) return fitNumber(v * BigInt(perMicro));
  const q = v / 1000n;
  return fitNumber(v < 0n && q * 1000n !== v ? q - 1n : q);
}

function fitNumber(v: bigint): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function infinity(v: number | bigint): string | undefined {
  if (typeof v !== 'bigint') return undefined;
  if (v === INT64_MAX) return 'infinity';
  if (v === -INT64_MAX) return '-infinity';
  return undefined;
}

// Split microseconds since epoch into days and micros-of-day (floored).
function splitDay(micros: number | bigint): [number, number] {
  if (typeof micros === 'number') {
    const days = Math.floor(micros / MICROS_PER_DAY);
    return [days, micros - days * MICROS_PER_DAY];
  }
  const D = BigInt(MICROS_PER_DAY);
  let days = micros / D;
  let rem = micros - days * D;
  if (rem < 0n) {
    days -= 1n;
    rem += D;
  }
  return [Number(days), Number(rem)];
}

/** Timestamp text; `zone` (already formatted, e.g. '+05:30') goes before the BC marker, as PG does. */
function formatTimestamp(micros: number | bigint, zone: string): string {
  const [days, tod] = splitDay(micros);
  const [date, bc] = ymd(days);
  const s = date + ' ' + formatTimeOfDay(tod) + zone;
  return bc ? s + ' BC' : s;
}

/** Offset seconds east of UTC -> '+HH', '+HH:MM' or '+HH:MM:SS' (PG's EncodeTimezone). */
export function formatZoneOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const a = Math.abs(offsetSeconds);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  return sign + pad2(h) + (m !== 0 || s !== 0 ? ':' + pad2(m) : '') + (s !== 0 ? ':' + pad2(s) : '');
}

function timestamptzFormatter(perMicro: number, timeZone: string): Inner {
  if (isUtcZone(timeZone)) {
    return (d, row) => {
      const v = d.values[row];
      return infinity(v) ?? formatTimestamp(toMicros(v, perMicro), '+00');
    };
  }
  const offsetAt: OffsetLookup = makeOffsetLookup(timeZone);
  const zoneText = new Map<number, string>();
  return (d, row) => {
    const v = d.values[row];
    const inf = infinity(v);
    if (inf !== undefined) return inf;
    const utc = toMicros(v, perMicro);
    const sec = typeof utc === 'number' ? Math.floor(utc / 1e6) : Number(utc / 1_000_000n);
    const off = offsetAt(sec);
    let z = zoneText.get(off);
    if (z === undefined) {
      z = formatZoneOffset(off);
      zoneText.set(off, z);
    }
    // Shift to local wall-clock time; stay in BigInt near the int64 edges.
    let local: number | bigint;
    if (typeof utc === 'number' && Number.isSafeInteger(utc + off * 1e6)) local = utc + off * 1e6;
    else local = BigInt(utc) + BigInt(off) * 1_000_000n;
    return formatTimestamp(local, z);
  };
}

// ---------------------------------------------------------------- interval

function intPart(value: number, unit: string, state: { zero: boolean; before: boolean }, out: string[]): void {
  // Mirrors PostgreSQL's AddPostgresIntPart, including its quirk that a
  // negative field makes the next positive one print an explicit '+'.
  if (value === 0) return;
  out.push((state.zero ? '' : ' ') + (state.before && value > 0 ? '+' : '') + value + ' ' + unit + (value !== 1 ? 's' : ''));
  state.before = value < 0;
  state.zero = false;
}

/** Interval in IntervalStyle 'postgres' (PostgreSQL's default). */
export function formatInterval(months: number, days: number, micros: bigint): string {
  const state = { zero: true, before: false };
  const out: string[] = [];
  // C integer division truncates toward zero; so does Math.trunc.
  intPart(Math.trunc(months / 12), 'year', state, out);
  intPart(months % 12, 'mon', state, out);
  intPart(days, 'day', state, out);
  if (state.zero || micros !== 0n) {
    const neg = micros < 0n;
    const a = neg ? -micros : micros;
    const hours = a / 3_600_000_000n;
    const rest = Number(a - hours * 3_600_000_000n);
    const min = Math.floor(rest / 60_000_000);
    const usec = rest - min * 60_000_000;
    const sec = Math.floor(usec / 1e6);
    const h = hours < 10n ? '0' + hours : hours.toString();
    out.push((state.zero ? '' : ' ') + (neg ? '-' : state.before ? '+' : '') + h + ':' + pad2(min) + ':' + pad2(sec) + fraction(usec - sec * 1e6));
  }
  return out.join('');
}

// ---------------------------------------------------------------- fallback

// Types the worker should have sent as Utf8; render via Arrow's own getter
// rather than failing the whole result.
function fallbackFormatter(): Inner {
  let last: Data | undefined;
  let vec: Vector | undefined;
  return (d, row) => {
    if (d !== last || vec === undefined) {
      vec = new Vector([d]);
      last = d;
    }
    const v: unknown = vec.get(row);
    if (v === null || v === undefined) return null;
    if (v instanceof Uint8Array) return byteaHex(v, 0, v.length);
    if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    return String(v);
  };
}
