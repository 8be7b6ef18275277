// Column-at-a-time PostgreSQL text and binary encoding of Arrow columns, for
// streaming result rows fast. The per-value formatters (text-format.ts,
// binary-format.ts) define the output; this module produces the same bytes
// for the common types without per-value dispatch, strings, BigInts or
// Buffers: each column is specialised once per query (by type and format) and
// bound once per Arrow chunk (typed-array views captured in a closure), and a
// cell is written straight into the caller's output buffer. Types and values
// without a fast path (rare types, BC dates, values beyond 2^53, ...) go
// through the per-value formatter, so the two can never disagree there.

import { Data, Field, Precision, TimeUnit, Type } from 'apache-arrow';
import { be16, be32, copyBytes, divFloor, POW10, write2, writeAscii, writeFraction, writeInt, writePadded, writeUint } from './ascii.ts';
import { makeBinaryFormatter } from './binary-format.ts';
import { formatFloat4, formatFloat8 } from './pg-float.ts';
import { POW10_DOWN, writeShortestDouble } from './shortest-double.ts';
import { formatZoneOffset, makeTextFormatter, type TextFormatOptions } from './text-format.ts';
import { isListType } from './pg-array.ts';
import { PgOid, pgTypeOf } from './pg-types.ts';
import { isUtcZone, makeOffsetLookup } from './tz-offset.ts';

/**
 * Writes the non-null cell at `row` — int32 length, then the value — at
 * buf[pos] and returns the position after it. The caller has reserved what
 * prepare() promised.
 */
export type CellWriter = (buf: Buffer, pos: number, row: number) => number;

/** One column of one Arrow chunk, ready to write. */
export interface ChunkColumn {
  /**
   * Readies rows [from, to) and returns an upper bound of the bytes write()
   * produces for them (length prefixes included). write() may only be called
   * for rows of the range prepared last.
   */
  prepare(from: number, to: number): number;
  readonly write: CellWriter;
  /** The validity bitmap when the chunk has NULLs (bit set = value present), else null. */
  readonly validity: Uint8Array | null;
  /** Offset of row 0 in `validity`. */
  readonly validityOffset: number;
}

/** Specialised encoder of one result column; bind() it to each chunk. */
export interface ColumnEncoder {
  bind(data: Data): ChunkColumn;
}

/** Result format code: 0 = text, 1 = binary. */
export type ColumnFormat = 0 | 1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;
// |int64| below 2^21 * 2^32 = 2^53 is an exact double.
const HI_SAFE = 1 << 21;
const MICROS_PER_DAY = 86_400_000_000;
const PG_EPOCH_DAYS = 10957;
const PG_EPOCH_MICROS = 946_684_800_000_000;
// Days since 1970-01-01 of 0001-01-01 and of 9999-12-31: the dates printed as plain YYYY-MM-DD.
const FIRST_AD_DAY = -719162;
const LAST_4DIGIT_DAY = 2932896;

/**
 * Builds the encoder of one column. Throws what the per-value formatter
 * throws (e.g. binary format of a type without a binary form), at the same
 * moment: once per query, before any row.
 */
export function makeColumnEncoder(field: Field, format: ColumnFormat, options: TextFormatOptions): ColumnEncoder {
  const fallback = format === 1 ? makeBinaryFormatter(field, options) : makeTextFormatter(field, options);
  const generic: ColumnEncoder = { bind: (data) => genericColumn(data, fallback) };
  if (!LITTLE_ENDIAN) return generic;
  const fast = format === 1 ? binaryFast(field) : textFast(field, options);
  if (fast === undefined) return generic;
  return {
    bind(data) {
      const slow = (row: number): string | Uint8Array | null => fallback(data, row);
      const bound = fast(data, slow);
      if (bound === undefined) return genericColumn(data, fallback);
      const { write, bytesPerRow } = bound;
      return withValidity(data, {
        prepare: bytesPerRow >= 0 ? (from, to) => (to - from) * bytesPerRow : (from, to) => varBound(data, from, to, -bytesPerRow),
        write,
      });
    },
  };
}

/**
 * A fast path bound to one chunk: its writer and bytes per row (< 0: -(per-row
 * overhead) plus the chunk's varlena bytes); undefined when this chunk's
 * memory does not suit it (then the chunk takes the generic path).
 */
type FastBinding = (data: Data, slow: (row: number) => string | Uint8Array | null) => { write: CellWriter; bytesPerRow: number } | undefined;

function withValidity(data: Data, c: { prepare: (from: number, to: number) => number; write: CellWriter }): ChunkColumn {
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const validity = bitmap !== undefined && bitmap.length > 0 ? bitmap : null;
  return { prepare: c.prepare, write: c.write, validity, validityOffset: data.offset };
}

// Utf8/Binary: the bytes of the range plus a fixed overhead per row.
function varBound(data: Data, from: number, to: number, perRow: number): number {
  const o = data.valueOffsets as Int32Array;
  return o[to] - o[from] + perRow * (to - from);
}

// ---------------------------------------------------------------- generic fallback

/** Any column, through the per-value formatter: values are made in prepare(), copied in write(). */
function genericColumn(data: Data, format: (data: Data, row: number) => string | Uint8Array | null): ChunkColumn {
  let base = 0;
  let cells: Array<string | Uint8Array | null> = [];
  return withValidity(data, {
    prepare(from, to) {
      base = from;
      cells = new Array<string | Uint8Array | null>(to - from);
      let bound = 0;
      for (let r = from; r < to; r++) {
        const v = format(data, r);
        cells[r - from] = v;
        bound += 4 + (v === null ? 0 : typeof v === 'string' ? 3 * v.length : v.length);
      }
      return bound;
    },
    write(buf, pos, row) {
      const v = cells[row - base];
      if (v === null) {
        // Only reachable if a formatter maps a valid cell to NULL.
        be32(buf, pos, -1);
        return pos + 4;
      }
      const n = typeof v === 'string' ? buf.write(v, pos + 4, 'utf8') : copyBytes(buf, pos + 4, v, 0, v.length) - pos - 4;
      be32(buf, pos, n);
      return pos + 4 + n;
    },
  });
}

/** Writes an ASCII string as a cell (length prefix + text). */
function asciiCell(buf: Buffer, pos: number, s: string): number {
  const end = writeAscii(buf, pos + 4, s);
  be32(buf, pos, end - pos - 4);
  return end;
}

/** Writes any formatter output as a cell. */
function slowCell(buf: Buffer, pos: number, v: string | Uint8Array | null): number {
  if (v === null) {
    be32(buf, pos, -1);
    return pos + 4;
  }
  const n = typeof v === 'string' ? buf.write(v, pos + 4, 'utf8') : copyBytes(buf, pos + 4, v, 0, v.length) - pos - 4;
  be32(buf, pos, n);
  return pos + 4 + n;
}

/** Ends a cell whose text was written from pos + 4: patches the length. */
function endCell(buf: Buffer, pos: number, end: number): number {
  be32(buf, pos, end - pos - 4);
  return end;
}

// ---------------------------------------------------------------- type inspection

function duckTypeOf(field: Field): string {
  return (field.metadata.get('duckdb_type') ?? '').trim().toUpperCase();
}

function decimalScale(duck: string): number | undefined {
  const m = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(duck);
  if (m === null) return undefined;
  return m[2] !== undefined ? Number(m[2]) : m[1] !== undefined ? 0 : 3;
}

interface IntInfo {
  readonly bitWidth: number;
  readonly isSigned: boolean;
}

/**
 * A reader of integer cells as exact doubles: NaN when the value is beyond
 * 2^53 (then the caller takes the slow path). 64-bit values are read as two
 * 32-bit halves, which avoids BigInt.
 */
function intReader(data: Data, info: IntInfo): ((row: number) => number) | undefined {
  const values = data.values as ArrayBufferView;
  if (info.bitWidth < 64) {
    const v = values as Int32Array;
    return (row) => v[row];
  }
  // An Int32Array view needs 4-byte alignment; IPC and our accumulators give
  // 8, anything else takes the generic path.
  if (values.byteOffset % 4 !== 0) return undefined;
  const words = new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
  if (info.isSigned) {
    return (row) => {
      const hi = words[2 * row + 1];
      if (hi >= HI_SAFE || hi < -HI_SAFE) return NaN;
      return hi * TWO_32 + (words[2 * row] >>> 0);
    };
  }
  return (row) => {
    const hi = words[2 * row + 1] >>> 0;
    if (hi >= HI_SAFE) return NaN;
    return hi * TWO_32 + (words[2 * row] >>> 0);
  };
}


// ---------------------------------------------------------------- text

function textFast(field: Field, options: TextFormatOptions): FastBinding | undefined {
  const type = field.type;
  const duck = duckTypeOf(field);
  switch (type.typeId) {
    case Type.Bool:
      // PostgreSQL's boolout: 't' / 'f'.
      return boolCells(0x74, 0x66);
    case Type.Int: {
      const info = type as unknown as IntInfo;
      const scale = decimalScale(duck);
      if (scale !== undefined && scale > 0) return scale <= 15 ? scaledText(info, scale) : undefined;
      return (data, slow) => {
        const read = intReader(data, info);
        if (read === undefined) return undefined;
        return {
          bytesPerRow: 4 + 21,
          write(buf, pos, row) {
            const v = read(row);
            if (v !== v) return slowCell(buf, pos, slow(row));
            return endCell(buf, pos, writeInt(buf, pos + 4, v));
          },
        };
      };
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: Precision }).precision;
      if (precision === Precision.HALF) return undefined;
      return floatText(precision === Precision.DOUBLE, options.extraFloatDigits);
    }
    case Type.Utf8:
      if (isListType(field.metadata.get('duckdb_type') ?? '')) return undefined;
      return utf8Cells;
    case Type.Date:
      if ((type as unknown as { unit: number }).unit === 1) return undefined;
      return (data, slow) => {
        const days = data.values as Int32Array;
        return {
          // The slow path's longest: '5877642-06-25 BC'.
          bytesPerRow: 4 + 16,
          write(buf, pos, row) {
            const d = days[row];
            if (d < FIRST_AD_DAY || d > LAST_4DIGIT_DAY) return slowCell(buf, pos, slow(row));
            return endCell(buf, pos, writeYmd(buf, pos + 4, d));
          },
        };
      };
    case Type.Time: {
      if ((type as unknown as { unit: TimeUnit }).unit !== TimeUnit.MICROSECOND) return undefined;
      return (data, slow) => {
        const read = intReader(data, { bitWidth: 64, isSigned: true });
        if (read === undefined) return undefined;
        return {
          bytesPerRow: 4 + 15,
          write(buf, pos, row) {
            const v = read(row);
            // 24:00:00 and anything odd: the per-value path.
            if (!(v >= 0 && v < MICROS_PER_DAY)) return slowCell(buf, pos, slow(row));
            return endCell(buf, pos, writeTimeOfDay(buf, pos + 4, v));
          },
        };
      };
    }
    case Type.Timestamp:
      return timestampText(field, duck, options.timeZone);
    default:
      return undefined;
  }
}

/** A boolean column as one-byte values: `whenTrue` or `whenFalse` (text 't'/'f', binary 1/0). */
function boolCells(whenTrue: number, whenFalse: number): FastBinding {
  return (data) => {
    const bits = data.values as Uint8Array;
    const off = data.offset;
    return {
      bytesPerRow: 5,
      write(buf, pos, row) {
        const p = off + row;
        be32(buf, pos, 1);
        buf[pos + 4] = (bits[p >> 3] & (1 << (p & 7))) !== 0 ? whenTrue : whenFalse;
        return pos + 5;
      },
    };
  };
}

const utf8Cells: FastBinding = (data) => {
  const o = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  return {
    bytesPerRow: -4,
    write(buf, pos, row) {
      const from = o[row];
      const to = o[row + 1];
      be32(buf, pos, to - from);
      return copyBytes(buf, pos + 4, bytes, from, to);
    },
  };
};

/** DECIMAL(w, s) held as an unscaled integer (s > 0): [-]int.frac with exactly s fraction digits. */
function scaledText(info: IntInfo, scale: number): FastBinding {
  const p = POW10[scale];
  return (data, slow) => {
    const read = intReader(data, info);
        if (read === undefined) return undefined;
    return {
      bytesPerRow: 4 + 18 + scale + 2,
      write(buf, pos, row) {
        const v = read(row);
        if (v !== v) return slowCell(buf, pos, slow(row));
        let q = pos + 4;
        let a = v;
        if (v < 0) {
          buf[q++] = 0x2d;
          a = -v;
        }
        const ip = divFloor(a, p);
        q = writeUint(buf, q, ip);
        buf[q++] = 0x2e;
        q = writePadded(buf, q, a - ip * p, scale);
        return endCell(buf, pos, q);
      },
    };
  };
}

function floatText(double: boolean, efd: number): FastBinding {
  return (data) => {
    const values = data.values as Float64Array | Float32Array;
    return {
      bytesPerRow: 4 + 32,
      write(buf, pos, row) {
        const x = values[row];
        if (efd > 0) {
          // Doubles in fixed notation in one pass; the 15-digit path takes float4 and powers of two.
          const shortest = double ? writeShortestDouble(buf, pos + 4, x) : -1;
          if (shortest >= 0) return endCell(buf, pos, shortest);
          const end = shortDecimal(buf, pos + 4, x, double);
          if (end >= 0) return endCell(buf, pos, end);
        }
        return asciiCell(buf, pos, double ? formatFloat8(x, efd) : formatFloat4(x, efd));
      },
    };
  };
}

/**
 * The shortest round-trip text of `x`, as float8out/float4out print it with
 * extra_float_digits > 0, when it has at most 15 significant digits; -1
 * otherwise (then the caller asks formatFloat8/4, i.e. String(x)). For doubles the caller tries
 * writeShortestDouble (shortest-double.ts) first, which prints every digit count in one pass.
 *
 * float8, 1e-4 <= |x| < 1e15 (where PostgreSQL and JS both print fixed
 * notation and pg-float.ts uses String(x)): c, the 15-digit decimal nearest
 * to |x|, is Math.round(|x| * 10^s) or off by one (the product's error is
 * below 0.2); c / 10^s is then computed exactly rounded (both are exact
 * doubles), so it equals |x| exactly when the decimal reads back as x.
 * 15-digit decimals lie further apart than doubles do, so at most one reads
 * back as x, and any shorter decimal that does is c with zeros cut off: that
 * is the shortest text, the one String(x) prints.
 * float4 takes only integers below 10^6 (its %g threshold), which float32
 * holds exactly with neighbours closer than 1, so their digits are shortest.
 */
function shortDecimal(buf: Buffer, pos: number, x: number, double: boolean): number {
  const a = x < 0 ? -x : x;
  if (double) {
    if (!(a >= 1e-4 && a < 1e15)) return -1;
    // s = 14 - floor(log10 a): then c has 15 digits. Comparing with the
    // doubles 1e-1..1e-4 is exact enough: no double lies between 10^-k and
    // the double nearest to it.
    let e = 14;
    while (a < POW10_DOWN[14 - e]) e--;
    const s = 14 - e;
    const p = POW10[s];
    let c = Math.round(a * p);
    if (c / p !== a) {
      if ((c - 1) / p === a) c -= 1;
      else if ((c + 1) / p === a) c += 1;
      else return -1;
    }
    let q = pos;
    if (x < 0) buf[q++] = 0x2d;
    const ip = divFloor(c, p);
    q = writeUint(buf, q, ip);
    return writeFraction(buf, q, c - ip * p, s);
  }
  if (!(a >= 1 && a < 1e6) || a !== Math.floor(a)) return -1;
  let q = pos;
  if (x < 0) buf[q++] = 0x2d;
  return writeUint(buf, q, a);
}


// Days since 1970-01-01, 0001-01-01 <= day <= 9999-12-31 -> YYYY-MM-DD
// (Howard Hinnant's civil_from_days, as text-format.ts, in int32 arithmetic).
function writeYmd(buf: Uint8Array, pos: number, days: number): number {
  const z = days + 719468;
  const era = (z / 146097) | 0;
  const doe = z - era * 146097;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36524) | 0) - ((doe / 146096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const d = doy - (((153 * mp + 2) / 5) | 0) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  let p = writePadded(buf, pos, y, 4);
  buf[p++] = 0x2d;
  p = write2(buf, p, m);
  buf[p++] = 0x2d;
  return write2(buf, p, d);
}

// 0 <= micros < one day -> HH:MM:SS[.ffffff] with trailing zeros of the fraction trimmed.
function writeTimeOfDay(buf: Uint8Array, pos: number, micros: number): number {
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  const h = (secs / 3600) | 0;
  const rest = secs - h * 3600;
  const m = (rest / 60) | 0;
  let p = write2(buf, pos, h);
  buf[p++] = 0x3a;
  p = write2(buf, p, m);
  buf[p++] = 0x3a;
  p = write2(buf, p, rest - m * 60);
  return writeFraction(buf, p, frac, 6);
}

/** Microseconds since 1970 (safe integer) as "YYYY-MM-DD HH:MM:SS[.f]", or -1 outside years 1..9999. */
function writeTimestamp(buf: Uint8Array, pos: number, micros: number): number {
  let days = Math.floor(micros / MICROS_PER_DAY);
  let tod = micros - days * MICROS_PER_DAY;
  if (tod < 0) {
    days--;
    tod += MICROS_PER_DAY;
  } else if (tod >= MICROS_PER_DAY) {
    days++;
    tod -= MICROS_PER_DAY;
  }
  if (days < FIRST_AD_DAY || days > LAST_4DIGIT_DAY) return -1;
  const p = writeYmd(buf, pos, days);
  buf[p] = 0x20;
  return writeTimeOfDay(buf, p + 1, tod);
}

// Length prefix and the longest timestamp text, the slow path's: '294247-01-10 04:00:54.775807+HH:MM:SS BC'.
const TIMESTAMP_TEXT_BYTES = 4 + 40;

function timestampText(field: Field, duck: string, timeZone: string): FastBinding | undefined {
  const t = field.type as unknown as { unit: TimeUnit; timezone: string | null };
  // Nanoseconds overflow 2^53 within months of 1970: leave them to the BigInt path.
  const perMicro = t.unit === TimeUnit.SECOND ? 1e6 : t.unit === TimeUnit.MILLISECOND ? 1e3 : t.unit === TimeUnit.MICROSECOND ? 1 : 0;
  if (perMicro === 0) return undefined;
  const hasTz = (typeof t.timezone === 'string' && t.timezone !== '') || duck === 'TIMESTAMP WITH TIME ZONE' || duck === 'TIMESTAMPTZ';
  const info = { bitWidth: 64, isSigned: true };
  if (!hasTz || isUtcZone(timeZone)) {
    const suffix = hasTz ? '+00' : '';
    return (data, slow) => {
      const read = intReader(data, info);
        if (read === undefined) return undefined;
      return {
        bytesPerRow: TIMESTAMP_TEXT_BYTES,
        write(buf, pos, row) {
          const micros = read(row) * perMicro;
          if (!(micros > -9007199254740992 && micros < 9007199254740992)) return slowCell(buf, pos, slow(row));
          const end = writeTimestamp(buf, pos + 4, micros);
          if (end < 0) return slowCell(buf, pos, slow(row));
          return endCell(buf, pos, suffix === '' ? end : writeAscii(buf, end, suffix));
        },
      };
    };
  }
  const offsetAt = makeOffsetLookup(timeZone);
  const zoneText = new Map<number, string>();
  return (data, slow) => {
    const read = intReader(data, info);
        if (read === undefined) return undefined;
    return {
      bytesPerRow: TIMESTAMP_TEXT_BYTES,
      write(buf, pos, row) {
        const utc = read(row) * perMicro;
        if (!(utc > -9007199254740992 && utc < 9007199254740992)) return slowCell(buf, pos, slow(row));
        const off = offsetAt(Math.floor(utc / 1e6));
        const local = utc + off * 1e6;
        if (!Number.isSafeInteger(local)) return slowCell(buf, pos, slow(row));
        const end = writeTimestamp(buf, pos + 4, local);
        if (end < 0) return slowCell(buf, pos, slow(row));
        let z = zoneText.get(off);
        if (z === undefined) {
          z = formatZoneOffset(off);
          zoneText.set(off, z);
        }
        return endCell(buf, pos, writeAscii(buf, end, z));
      },
    };
  };
}

// ---------------------------------------------------------------- binary

function binaryFast(field: Field): FastBinding | undefined {
  const type = field.type;
  const duckRaw = field.metadata.get('duckdb_type') ?? '';
  const duck = duckRaw.trim().toUpperCase();
  const oid = pgTypeOf(duckRaw || 'VARCHAR').oid;
  switch (type.typeId) {
    case Type.Bool:
      // boolsend: one byte, 1 / 0.
      return boolCells(1, 0);
    case Type.Int: {
      const info = type as unknown as IntInfo;
      const scale = decimalScale(duck);
      if (scale !== undefined || oid === PgOid.Numeric) return scale === undefined || scale <= 15 ? numericBinary(info, scale ?? 0) : undefined;
      const width = oid === PgOid.Int2 ? 2 : oid === PgOid.Int4 ? 4 : oid === PgOid.Int8 ? 8 : 0;
      if (width === 0) return undefined;
      if (info.bitWidth === 64) return width === 8 ? swapped(8) : undefined;
      return (data) => {
        const values = data.values as Int32Array;
        return {
          bytesPerRow: 4 + width,
          write:
            width === 2
              ? (buf, pos, row) => {
                  be32(buf, pos, 2);
                  be16(buf, pos + 4, values[row]);
                  return pos + 6;
                }
              : width === 4
                ? (buf, pos, row) => {
                    be32(buf, pos, 4);
                    be32(buf, pos + 4, values[row]);
                    return pos + 8;
                  }
                : (buf, pos, row) => {
                    // A 32-bit (or narrower) value as int8: sign-extend.
                    const v = values[row];
                    be32(buf, pos, 8);
                    be32(buf, pos + 4, v < 0 ? -1 : 0);
                    be32(buf, pos + 8, v >>> 0);
                    return pos + 12;
                  },
        };
      };
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: Precision }).precision;
      if (precision === Precision.HALF) return undefined;
      return swapped(precision === Precision.DOUBLE ? 8 : 4);
    }
    case Type.Utf8:
      if (isListType(duckRaw)) return undefined;
      return oid === PgOid.Text || oid === PgOid.Varchar || oid === PgOid.Json ? utf8Cells : undefined;
    case Type.Binary:
      return utf8Cells;
    case Type.Date:
      if ((type as unknown as { unit: number }).unit === 1) return undefined;
      return (data) => {
        const days = data.values as Int32Array;
        return {
          bytesPerRow: 8,
          write(buf, pos, row) {
            const d = days[row];
            be32(buf, pos, 4);
            // DuckDB's +-(2^31-1) infinities are PostgreSQL's INT32_MAX/MIN.
            buf.writeInt32BE(d >= 2147483647 ? 2147483647 : d <= -2147483647 ? -2147483648 : d - PG_EPOCH_DAYS, pos + 4);
            return pos + 8;
          },
        };
      };
    case Type.Time:
      return (type as unknown as { unit: TimeUnit }).unit === TimeUnit.MICROSECOND ? swapped(8) : undefined;
    case Type.Timestamp: {
      if ((type as unknown as { unit: TimeUnit }).unit !== TimeUnit.MICROSECOND) return undefined;
      return (data, slow) => {
        const read = intReader(data, { bitWidth: 64, isSigned: true });
        if (read === undefined) return undefined;
        return {
          bytesPerRow: 12,
          write(buf, pos, row) {
            const v = read(row);
            // Within +-2^52 the shift to the 2000 epoch stays exact; the infinities and beyond take the slow path.
            if (!(v > -4503599627370496 && v < 4503599627370496)) return slowCell(buf, pos, slow(row));
            const r = v - PG_EPOCH_MICROS;
            const hi = Math.floor(r / TWO_32);
            be32(buf, pos, 8);
            be32(buf, pos + 4, hi);
            be32(buf, pos + 8, r - hi * TWO_32);
            return pos + 12;
          },
        };
      };
    }
    default:
      return undefined;
  }
}

/** Fixed-width little-endian values sent as their big-endian bytes (int8, float4/8, time). */
function swapped(width: 4 | 8): FastBinding {
  return (data) => {
    const v = data.values as ArrayBufferView;
    const bytes = new Uint8Array(v.buffer, v.byteOffset, data.length * width);
    return {
      bytesPerRow: 4 + width,
      write:
        width === 8
          ? (buf, pos, row) => {
              const at = row * 8;
              be32(buf, pos, 8);
              buf[pos + 4] = bytes[at + 7];
              buf[pos + 5] = bytes[at + 6];
              buf[pos + 6] = bytes[at + 5];
              buf[pos + 7] = bytes[at + 4];
              buf[pos + 8] = bytes[at + 3];
              buf[pos + 9] = bytes[at + 2];
              buf[pos + 10] = bytes[at + 1];
              buf[pos + 11] = bytes[at];
              return pos + 12;
            }
          : (buf, pos, row) => {
              const at = row * 4;
              be32(buf, pos, 4);
              buf[pos + 4] = bytes[at + 3];
              buf[pos + 5] = bytes[at + 2];
              buf[pos + 6] = bytes[at + 1];
              buf[pos + 7] = bytes[at];
              return pos + 8;
            },
    };
  };
}

const NUMERIC_NEG = 0x4000;
// Base-10000 digits of one value, reused (writes are synchronous).
const groups = new Int32Array(16);

/**
 * numeric_send of unscaled / 10^scale for |unscaled| < 2^53, as
 * pg-binary.ts's numeric(): base-10000 digits aligned at the decimal point,
 * leading and trailing zero digits stripped, dscale = scale.
 */
function numericBinary(info: IntInfo, scale: number): FastBinding {
  const p = POW10[scale];
  const fracGroups = Math.ceil(scale / 4);
  // Padding the fraction to whole base-10000 digits could pass 2^53, so each
  // base-10000 fraction digit is cut out of it separately instead.
  return (data, slow) => {
    const read = intReader(data, info);
        if (read === undefined) return undefined;
    return {
      // Up to 20 integer and 15 fraction digits (slow path): 5 + 4 base-10000 digits.
      bytesPerRow: 4 + 8 + 2 * 9,
      write(buf, pos, row) {
        const v = read(row);
        if (v !== v) return slowCell(buf, pos, slow(row));
        const a = v < 0 ? -v : v;
        const ip = divFloor(a, p);
        let frac = a - ip * p;
        // Integer digits, least significant first, then reversed into place.
        let n = 0;
        let x = ip;
        while (x > 0) {
          const q = Math.floor(x / 10000);
          groups[n++] = x - q * 10000;
          x = q;
        }
        for (let i = 0, j = n - 1; i < j; i++, j--) {
          const tmp = groups[i];
          groups[i] = groups[j];
          groups[j] = tmp;
        }
        let weight = n - 1;
        // Fraction digits: group k holds decimals 4k+1 .. 4k+4.
        for (let k = 0; k < fracGroups; k++) {
          const rest = scale - 4 * (k + 1);
          if (rest >= 0) {
            const d = POW10[rest];
            const g = divFloor(frac, d);
            groups[n++] = g;
            frac -= g * d;
          } else {
            groups[n++] = frac * POW10[-rest];
          }
        }
        let start = 0;
        while (start < n && groups[start] === 0) {
          start++;
          weight--;
        }
        let end = n;
        while (end > start && groups[end - 1] === 0) end--;
        const ndigits = end - start;
        be32(buf, pos, 8 + 2 * ndigits);
        be16(buf, pos + 4, ndigits);
        be16(buf, pos + 6, ndigits === 0 ? 0 : weight);
        be16(buf, pos + 8, ndigits !== 0 && v < 0 ? NUMERIC_NEG : 0);
        be16(buf, pos + 10, scale);
        let q = pos + 12;
        for (let i = start; i < end; i++, q += 2) be16(buf, q, groups[i]);
        return q;
      },
    };
  };
}
