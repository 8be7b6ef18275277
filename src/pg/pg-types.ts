// The one mapping from DuckDB result types to the PostgreSQL types we announce
// in RowDescription / ParameterDescription. Clients pick their value parsers
// from these OIDs, so the choice must agree with what text-format.ts prints:
// a type is only mapped to a PG type whose text input accepts our output.
//
// OIDs, typlen and array OIDs were checked against pg_type of PostgreSQL 15.

/** PostgreSQL built-in type OIDs used by the gateway (pg_type.oid). */
export const enum PgOid {
  Bool = 16,
  Bytea = 17,
  Int8 = 20,
  Int2 = 21,
  Int4 = 23,
  Text = 25,
  Json = 114,
  JsonArray = 199,
  Float4 = 700,
  Float8 = 701,
  Unknown = 705,
  BoolArray = 1000,
  ByteaArray = 1001,
  Int2Array = 1005,
  Int4Array = 1007,
  TextArray = 1009,
  Int8Array = 1016,
  Float4Array = 1021,
  Float8Array = 1022,
  Varchar = 1043,
  Date = 1082,
  Time = 1083,
  Timestamp = 1114,
  TimestampArray = 1115,
  DateArray = 1182,
  TimeArray = 1183,
  Timestamptz = 1184,
  TimestamptzArray = 1185,
  Interval = 1186,
  IntervalArray = 1187,
  NumericArray = 1231,
  Timetz = 1266,
  TimetzArray = 1270,
  Varbit = 1562,
  VarbitArray = 1563,
  Numeric = 1700,
  Uuid = 2950,
  UuidArray = 2951,
}

export interface PgType {
  /** pg_type.oid */
  readonly oid: number;
  /** pg_type.typlen: fixed size in bytes, -1 for varlena. Goes into RowDescription. */
  readonly typlen: number;
  /** atttypmod as PostgreSQL reports it; -1 = none. */
  readonly typmod: number;
  /** pg_type.typname (arrays use PostgreSQL's leading underscore). */
  readonly name: string;
}

interface Scalar {
  readonly oid: number;
  readonly typlen: number;
  readonly name: string;
  readonly arrayOid: number;
}

const BOOL: Scalar = { oid: PgOid.Bool, typlen: 1, name: 'bool', arrayOid: PgOid.BoolArray };
const INT2: Scalar = { oid: PgOid.Int2, typlen: 2, name: 'int2', arrayOid: PgOid.Int2Array };
const INT4: Scalar = { oid: PgOid.Int4, typlen: 4, name: 'int4', arrayOid: PgOid.Int4Array };
const INT8: Scalar = { oid: PgOid.Int8, typlen: 8, name: 'int8', arrayOid: PgOid.Int8Array };
const NUMERIC: Scalar = { oid: PgOid.Numeric, typlen: -1, name: 'numeric', arrayOid: PgOid.NumericArray };
const FLOAT4: Scalar = { oid: PgOid.Float4, typlen: 4, name: 'float4', arrayOid: PgOid.Float4Array };
const FLOAT8: Scalar = { oid: PgOid.Float8, typlen: 8, name: 'float8', arrayOid: PgOid.Float8Array };
const TEXT: Scalar = { oid: PgOid.Text, typlen: -1, name: 'text', arrayOid: PgOid.TextArray };
const BYTEA: Scalar = { oid: PgOid.Bytea, typlen: -1, name: 'bytea', arrayOid: PgOid.ByteaArray };
const DATE: Scalar = { oid: PgOid.Date, typlen: 4, name: 'date', arrayOid: PgOid.DateArray };
const TIME: Scalar = { oid: PgOid.Time, typlen: 8, name: 'time', arrayOid: PgOid.TimeArray };
const TIMETZ: Scalar = { oid: PgOid.Timetz, typlen: 12, name: 'timetz', arrayOid: PgOid.TimetzArray };
const TIMESTAMP: Scalar = { oid: PgOid.Timestamp, typlen: 8, name: 'timestamp', arrayOid: PgOid.TimestampArray };
const TIMESTAMPTZ: Scalar = { oid: PgOid.Timestamptz, typlen: 8, name: 'timestamptz', arrayOid: PgOid.TimestamptzArray };
const INTERVAL: Scalar = { oid: PgOid.Interval, typlen: 16, name: 'interval', arrayOid: PgOid.IntervalArray };
const UUID: Scalar = { oid: PgOid.Uuid, typlen: 16, name: 'uuid', arrayOid: PgOid.UuidArray };
const JSON_: Scalar = { oid: PgOid.Json, typlen: -1, name: 'json', arrayOid: PgOid.JsonArray };
const VARBIT: Scalar = { oid: PgOid.Varbit, typlen: -1, name: 'varbit', arrayOid: PgOid.VarbitArray };

// Keyed by the upper-cased DuckDB spelling, including the aliases DuckDB
// accepts in casts, so hand-written type strings (e.g. from catalog code) map too.
const SIMPLE: ReadonlyMap<string, readonly [Scalar, number]> = new Map<string, readonly [Scalar, number]>([
  ['BOOLEAN', [BOOL, -1]], ['BOOL', [BOOL, -1]], ['LOGICAL', [BOOL, -1]],
  // PostgreSQL has no 1-byte integer; int2 holds every TINYINT/UTINYINT value.
  ['TINYINT', [INT2, -1]], ['INT1', [INT2, -1]], ['UTINYINT', [INT2, -1]],
  ['SMALLINT', [INT2, -1]], ['INT2', [INT2, -1]], ['SHORT', [INT2, -1]],
  ['USMALLINT', [INT4, -1]], ['INTEGER', [INT4, -1]], ['INT', [INT4, -1]], ['INT4', [INT4, -1]], ['SIGNED', [INT4, -1]],
  ['UINTEGER', [INT8, -1]], ['BIGINT', [INT8, -1]], ['INT8', [INT8, -1]], ['LONG', [INT8, -1]],
  // Beyond int8's range only numeric is exact.
  ['UBIGINT', [NUMERIC, -1]], ['HUGEINT', [NUMERIC, -1]], ['INT128', [NUMERIC, -1]], ['UHUGEINT', [NUMERIC, -1]],
  ['VARINT', [NUMERIC, -1]], ['BIGNUM', [NUMERIC, -1]],
  ['FLOAT', [FLOAT4, -1]], ['FLOAT4', [FLOAT4, -1]], ['REAL', [FLOAT4, -1]],
  ['DOUBLE', [FLOAT8, -1]], ['FLOAT8', [FLOAT8, -1]],
  ['VARCHAR', [TEXT, -1]], ['TEXT', [TEXT, -1]], ['STRING', [TEXT, -1]], ['CHAR', [TEXT, -1]], ['BPCHAR', [TEXT, -1]],
  ['BLOB', [BYTEA, -1]], ['BYTEA', [BYTEA, -1]], ['BINARY', [BYTEA, -1]], ['VARBINARY', [BYTEA, -1]],
  ['DATE', [DATE, -1]],
  ['TIME', [TIME, -1]],
  ['TIME WITH TIME ZONE', [TIMETZ, -1]], ['TIMETZ', [TIMETZ, -1]],
  ['TIMESTAMP', [TIMESTAMP, -1]], ['DATETIME', [TIMESTAMP, -1]],
  // typmod = fractional-second precision, as PostgreSQL reports timestamp(p).
  ['TIMESTAMP_S', [TIMESTAMP, 0]], ['TIMESTAMP_MS', [TIMESTAMP, 3]],
  // PostgreSQL cannot hold nanoseconds; values are printed at microsecond precision.
  ['TIMESTAMP_NS', [TIMESTAMP, -1]], ['TIMESTAMP_US', [TIMESTAMP, -1]],
  ['TIMESTAMP WITH TIME ZONE', [TIMESTAMPTZ, -1]], ['TIMESTAMPTZ', [TIMESTAMPTZ, -1]],
  ['INTERVAL', [INTERVAL, -1]],
  ['UUID', [UUID, -1]],
  ['JSON', [JSON_, -1]],
  ['BIT', [VARBIT, -1]], ['BITSTRING', [VARBIT, -1]],
  // An untyped NULL column: PostgreSQL (>= 10) resolves unknown-typed output columns to text.
  ['NULL', [TEXT, -1]], ['"NULL"', [TEXT, -1]],
]);

// Same encoding as PostgreSQL's numerictypmod: ((precision << 16) | scale) + VARHDRSZ.
export function numericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | scale) + 4;
}

// DuckDB's DECIMAL without arguments is DECIMAL(18,3).
const DECIMAL_RE = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/;
// A LIST suffix `[]` or fixed ARRAY suffix `[N]` is always the last token of a
// nested type string (STRUCT/MAP/UNION/ENUM end with ')'), so stripping from the
// right cannot cut into quoted identifiers.
const ARRAY_SUFFIX_RE = /\[\d*\]$/;

function scalarOf(t: string): readonly [Scalar, number] {
  const simple = SIMPLE.get(t);
  if (simple !== undefined) return simple;
  const dec = DECIMAL_RE.exec(t);
  if (dec !== null) {
    const precision = dec[1] === undefined ? 18 : Number(dec[1]);
    const scale = dec[2] === undefined ? (dec[1] === undefined ? 3 : 0) : Number(dec[2]);
    return [NUMERIC, numericTypmod(precision, scale)];
  }
  // Composite values are rendered as JSON text by the worker.
  if (t.startsWith('STRUCT') || t.startsWith('MAP') || t.startsWith('UNION')) return [JSON_, -1];
  if (t.startsWith('ENUM')) return [TEXT, -1];
  if (t.startsWith('VARCHAR')) return [TEXT, -1];
  // Anything else (extension types, GEOMETRY, user types) arrives as text.
  return [TEXT, -1];
}

const cache = new Map<string, PgType>();

/**
 * Map a DuckDB type string, exactly as DuckDB prints it, to the PostgreSQL type
 * we announce. Never throws: unknown types become text, because the worker
 * renders every unmapped type to VARCHAR.
 */
export function pgTypeOf(duckdbType: string): PgType {
  const hit = cache.get(duckdbType);
  if (hit !== undefined) return hit;
  let t = duckdbType.trim();
  let isArray = false;
  // PostgreSQL arrays are multi-dimensional under one array OID, so
  // INTEGER[][] and INTEGER[3][] are both int4[].
  while (ARRAY_SUFFIX_RE.test(t)) {
    isArray = true;
    t = t.replace(ARRAY_SUFFIX_RE, '').trimEnd();
  }
  // Only keywords are inspected, so upper-casing quoted parts does no harm.
  const upper = t.toUpperCase();
  const [scalar, typmod] = scalarOf(upper);
  const result: PgType = isArray
    ? { oid: scalar.arrayOid, typlen: -1, typmod, name: '_' + scalar.name }
    : { oid: scalar.oid, typlen: scalar.typlen, typmod, name: scalar.name };
  if (cache.size < 4096) cache.set(duckdbType, result);
  return result;
}
