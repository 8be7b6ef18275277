// PostgreSQL 15 BINARY output format (typsend) for values held in Apache
// Arrow columns as the gateway receives them from DuckDB. The Arrow layout is
// the one described at the top of text-format.ts; the PostgreSQL type of each
// column is the one pg-types.ts announces in RowDescription, so the bytes
// always match the OID the client was told about.
//
// Columns that arrive as text (varchar transport) are converted from that
// text: lists come as DuckDB's to_json (see pg-array.ts), TIME WITH TIME ZONE
// and BIT as DuckDB's text, everything else that maps to text/json as is.

import { cellReader, decimalUnscaled } from './cell-reader.ts';
import { Data, DataType, Field, Precision, TimeUnit, Type, Vector } from 'apache-arrow';
import { SqlError } from '../errors.ts';
import * as enc from './pg-binary.ts';
import { isListType, makeJsonArrayFormatter, parseTimetz } from './pg-array.ts';
import { PgOid, pgTypeOf } from './pg-types.ts';
import type { TextFormatOptions } from './text-format.ts';

/** Binary value of one cell; null = SQL NULL. */
export type BinaryValue = Uint8Array | null;

export type BinaryFormatter = (column: Data | Vector, row: number) => BinaryValue;

type Inner = (data: Data, row: number) => BinaryValue;

/** Build the binary formatter for one result column; type dispatch happens once, here. */
export function makeBinaryFormatter(field: Field, options: TextFormatOptions): BinaryFormatter {
  return cellReader(innerFormatter(field, options));
}

function decimalScale(duck: string): number | undefined {
  const m = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(duck);
  if (m === null) return undefined;
  return m[2] !== undefined ? Number(m[2]) : m[1] !== undefined ? 0 : 3;
}

function unsupported(duck: string, oid: number): never {
  throw new SqlError('0A000', `binary output format is not supported for column type ${duck || 'unknown'} (PostgreSQL type OID ${oid}); request text format for this column`);
}

function innerFormatter(field: Field, options: TextFormatOptions): Inner {
  const type: DataType = field.type;
  const duckRaw = field.metadata.get('duckdb_type') ?? '';
  const duck = duckRaw.trim().toUpperCase();
  const oid = pgTypeOf(duckRaw || 'VARCHAR').oid;
  switch (type.typeId) {
    case Type.Bool:
      return (d, row) => {
        const pos = d.offset + row;
        return enc.bool((d.values[pos >> 3] & (1 << (pos & 7))) !== 0);
      };
    case Type.Int: {
      const scale = decimalScale(duck);
      if (scale !== undefined || oid === PgOid.Numeric) return (d, row) => enc.numeric(BigInt(d.values[row]), scale ?? 0);
      const width = oid === PgOid.Int2 ? 2 : oid === PgOid.Int4 ? 4 : oid === PgOid.Int8 ? 8 : unsupported(duck, oid);
      const write = enc.intEncoder(width);
      return (d, row) => write(d.values[row] as number | bigint);
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: Precision }).precision;
      if (precision === Precision.DOUBLE) return (d, row) => enc.float8(d.values[row]);
      if (precision === Precision.HALF) return unsupported(duck, oid);
      return (d, row) => enc.float4(d.values[row]);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return utf8Formatter(duckRaw, duck, oid, options);
    case Type.Binary:
    case Type.LargeBinary:
      return (d, row) => {
        const o = d.valueOffsets;
        return (d.values as Uint8Array).subarray(Number(o[row]), Number(o[row + 1]));
      };
    case Type.FixedSizeBinary:
      return fixedSizeBinaryFormatter(field, duck, oid);
    case Type.Decimal: {
      const { scale, bitWidth } = type as unknown as { scale: number; bitWidth: number };
      return (d, row) => enc.numeric(decimalUnscaled(d, row, bitWidth), scale);
    }
    case Type.Date:
      if ((type as unknown as { unit: number }).unit === 1) return (d, row) => enc.date(Math.floor(Number(d.values[row]) / 86_400_000));
      return (d, row) => enc.date(d.values[row]);
    case Type.Time: {
      const toMicros = microsConverter((type as unknown as { unit: TimeUnit }).unit);
      return (d, row) => enc.time(toMicros(BigInt(d.values[row])));
    }
    case Type.Timestamp: {
      const toMicros = microsConverter((type as unknown as { unit: TimeUnit }).unit);
      return (d, row) => {
        const v = BigInt(d.values[row]);
        // The infinities are int64 extremes in every unit; keep them before scaling.
        if (v >= enc.INT64_MAX || v <= -enc.INT64_MAX) return enc.timestamp(v);
        return enc.timestamp(toMicros(v));
      };
    }
    default:
      return unsupported(duck, oid);
  }
}

function microsConverter(unit: TimeUnit): (v: bigint) => bigint {
  switch (unit) {
    case TimeUnit.SECOND:
      return (v) => v * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return (v) => v * 1000n;
    case TimeUnit.MICROSECOND:
      return (v) => v;
    default:
      // Nanoseconds are floored: PostgreSQL has microsecond precision.
      return (v) => {
        const q = v / 1000n;
        return v < 0n && q * 1000n !== v ? q - 1n : q;
      };
  }
}

const decoder = new TextDecoder();

function utf8Formatter(duckRaw: string, duck: string, oid: number, options: TextFormatOptions): Inner {
  const bytesOf = (d: Data, row: number): Uint8Array => {
    const o = d.valueOffsets;
    return (d.values as Uint8Array).subarray(Number(o[row]), Number(o[row + 1]));
  };
  if (isListType(duckRaw)) {
    const array = makeJsonArrayFormatter(duckRaw, options);
    return (d, row) => array.binary(decoder.decode(bytesOf(d, row)));
  }
  switch (oid) {
    case PgOid.Text:
    case PgOid.Varchar:
    case PgOid.Json:
      return bytesOf;
    case PgOid.Timetz:
      return (d, row) => {
        const { micros, offset } = parseTimetz(decoder.decode(bytesOf(d, row)));
        return enc.timetz(micros, offset);
      };
    case PgOid.Varbit:
      return (d, row) => enc.varbitFromText(decoder.decode(bytesOf(d, row)));
    case PgOid.Numeric:
      // VARINT / BIGNUM travel as DuckDB's decimal text.
      return (d, row) => enc.numericFromText(decoder.decode(bytesOf(d, row)), 0);
    default:
      return unsupported(duck, oid);
  }
}

function fixedSizeBinaryFormatter(field: Field, duck: string, oid: number): Inner {
  const width = (field.type as unknown as { byteWidth: number }).byteWidth;
  if (width !== 16) return unsupported(duck, oid);
  const scale = decimalScale(duck);
  const view = (d: Data): DataView => {
    const v = d.values as Uint8Array;
    return new DataView(v.buffer, v.byteOffset, v.byteLength);
  };
  if (scale !== undefined || duck === 'HUGEINT' || duck === 'INT128') {
    return (d, row) => {
      const dv = view(d);
      return enc.numeric((dv.getBigInt64(row * 16 + 8, true) << 64n) | dv.getBigUint64(row * 16, true), scale ?? 0);
    };
  }
  if (duck === 'UHUGEINT' || duck === 'UINT128') {
    return (d, row) => {
      const dv = view(d);
      return enc.numeric((dv.getBigUint64(row * 16 + 8, true) << 64n) | dv.getBigUint64(row * 16, true), 0);
    };
  }
  if (duck === 'UUID') {
    return (d, row) => {
      const b = d.values as Uint8Array;
      const at = row * 16;
      // DuckDB's hugeint is little-endian with the top bit flipped; uuid_send is the big-endian bytes.
      const out = new Uint8Array(16);
      for (let i = 0; i < 16; i++) out[i] = b[at + 15 - i];
      out[0] ^= 0x80;
      return out;
    };
  }
  if (duck === 'INTERVAL') {
    return (d, row) => {
      const dv = view(d);
      const at = row * 16;
      return enc.interval(dv.getInt32(at, true), dv.getInt32(at + 4, true), dv.getBigInt64(at + 8, true));
    };
  }
  return unsupported(duck, oid);
}
