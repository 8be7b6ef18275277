/**
 * How each DuckDB column type travels as Arrow.
 *
 * Types whose DuckDB vector memory can be copied byte for byte into an Arrow
 * buffer go "native". Everything else (nested, enum, bit, ...) goes as the
 * text DuckDB itself produces with CAST(x AS VARCHAR): DuckDB parses that
 * text back into the same value, so the receiver needs no per-type codec and
 * the worker and gateway cannot drift apart.
 */
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  FixedSizeBinary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  TimeMicrosecond,
  Timestamp,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  TimeUnit,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from 'apache-arrow';

export type Transport = 'native' | 'varchar';

/**
 * How a value sits in a DuckDB vector, which decides how it is copied.
 * `fixed`: `byteWidth` bytes per row, same bytes in Arrow.
 * `bool`: one byte per row in DuckDB, one bit per row in Arrow.
 * `string`: 16-byte duckdb_string_t in DuckDB, offsets + bytes in Arrow.
 */
export type Physical =
  | { readonly kind: 'fixed'; readonly byteWidth: 1 | 2 | 4 | 8 | 16 }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' };

export interface TypeMapping {
  /** The DuckDB type string exactly as given (stored as field metadata). */
  readonly duckdbType: string;
  readonly transport: Transport;
  readonly arrowType: DataType;
  readonly physical: Physical;
  /**
   * The DuckDB type of the column on the wire and in the staging table:
   * `duckdbType` when native, `VARCHAR` for varchar transport.
   */
  readonly transportDuckdbType: string;
}

/** Arrow field metadata keys. */
export const META_DUCKDB_TYPE = 'duckdb_type';
export const META_TRANSPORT = 'pondgate_transport';
/** The original column name, present only when the field name had to differ from it. */
export const META_NAME = 'pondgate_name';

const fixed = (byteWidth: 1 | 2 | 4 | 8 | 16): Physical => ({ kind: 'fixed', byteWidth });

interface NativeSpec {
  readonly make: () => DataType;
  readonly physical: Physical;
}

// Keys are the canonical spellings DuckDB prints (typeof(), DESCRIBE, and the
// node-api type's toString()); anything not listed falls back to varchar.
const NATIVE: ReadonlyMap<string, NativeSpec> = new Map<string, NativeSpec>([
  ['BOOLEAN', { make: () => new Bool(), physical: { kind: 'bool' } }],
  ['TINYINT', { make: () => new Int8(), physical: fixed(1) }],
  ['SMALLINT', { make: () => new Int16(), physical: fixed(2) }],
  ['INTEGER', { make: () => new Int32(), physical: fixed(4) }],
  ['BIGINT', { make: () => new Int64(), physical: fixed(8) }],
  ['UTINYINT', { make: () => new Uint8(), physical: fixed(1) }],
  ['USMALLINT', { make: () => new Uint16(), physical: fixed(2) }],
  ['UINTEGER', { make: () => new Uint32(), physical: fixed(4) }],
  ['UBIGINT', { make: () => new Uint64(), physical: fixed(8) }],
  ['FLOAT', { make: () => new Float32(), physical: fixed(4) }],
  ['DOUBLE', { make: () => new Float64(), physical: fixed(8) }],
  ['HUGEINT', { make: () => new FixedSizeBinary(16), physical: fixed(16) }],
  ['UHUGEINT', { make: () => new FixedSizeBinary(16), physical: fixed(16) }],
  ['VARCHAR', { make: () => new Utf8(), physical: { kind: 'string' } }],
  ['BLOB', { make: () => new Binary(), physical: { kind: 'string' } }],
  ['DATE', { make: () => new DateDay(), physical: fixed(4) }],
  ['TIME', { make: () => new TimeMicrosecond(), physical: fixed(8) }],
  ['TIMESTAMP', { make: () => new TimestampMicrosecond(), physical: fixed(8) }],
  ['TIMESTAMP_S', { make: () => new TimestampSecond(), physical: fixed(8) }],
  ['TIMESTAMP_MS', { make: () => new TimestampMillisecond(), physical: fixed(8) }],
  ['TIMESTAMP_NS', { make: () => new TimestampNanosecond(), physical: fixed(8) }],
  // DuckDB stores TIMESTAMPTZ as UTC micros; the zone is only a display setting.
  ['TIMESTAMP WITH TIME ZONE', { make: () => new Timestamp(TimeUnit.MICROSECOND, 'UTC'), physical: fixed(8) }],
  ['INTERVAL', { make: () => new FixedSizeBinary(16), physical: fixed(16) }],
  ['UUID', { make: () => new FixedSizeBinary(16), physical: fixed(16) }],
]);

const DECIMAL_RE = /^DECIMAL\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/i;

/** DuckDB's physical storage of DECIMAL(width, _). */
function decimalSpec(width: number): NativeSpec {
  if (width <= 4) return { make: () => new Int16(), physical: fixed(2) };
  if (width <= 9) return { make: () => new Int32(), physical: fixed(4) };
  if (width <= 18) return { make: () => new Int64(), physical: fixed(8) };
  return { make: () => new FixedSizeBinary(16), physical: fixed(16) };
}

function nativeSpec(duckdbType: string): NativeSpec | undefined {
  const normalized = duckdbType.trim().replace(/\s+/g, ' ').toUpperCase();
  const direct = NATIVE.get(normalized);
  if (direct) return direct;
  const m = DECIMAL_RE.exec(normalized);
  if (m) {
    const width = Number(m[1]);
    const scale = Number(m[2]);
    if (width >= 1 && width <= 38 && scale <= width) return decimalSpec(width);
  }
  return undefined;
}

/** Maps a DuckDB type string (as DuckDB prints it) to its Arrow transport. */
export function mapDuckDBType(duckdbType: string): TypeMapping {
  const spec = nativeSpec(duckdbType);
  if (spec) {
    return {
      duckdbType,
      transport: 'native',
      arrowType: spec.make(),
      physical: spec.physical,
      transportDuckdbType: duckdbType,
    };
  }
  return {
    duckdbType,
    transport: 'varchar',
    arrowType: new Utf8(),
    physical: { kind: 'string' },
    transportDuckdbType: 'VARCHAR',
  };
}

/** The type a type-mapping needs: DuckDB's node-api type objects fit it. */
export interface DuckDBTypeLike {
  toString(): string;
  readonly alias?: string;
}

/**
 * The type string to record for a column of a node-api type.
 *
 * toString() drops aliases, which would turn JSON into plain VARCHAR and lose
 * it on the receiver. Only JSON is kept: other aliases are user-defined types
 * that need not exist in the receiving database.
 */
export function duckdbTypeString(type: DuckDBTypeLike): string {
  if (type.alias !== undefined && type.alias.toUpperCase() === 'JSON') return 'JSON';
  return type.toString();
}
