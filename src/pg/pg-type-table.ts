/**
 * The rows of the gateway's pg_catalog.pg_type: every type pondgate can
 * announce in RowDescription (PgOid, pg-types.ts), their array types, and the
 * few types the catalog itself or clients' connect-time lookups name (oid,
 * name, "char", regproc, bpchar, jsonb, bit). Clients resolve an OID they
 * receive through pg_type (pgjdbc's TypeInfoCache, postgres.js's array
 * parsers), so each row must say exactly what PostgreSQL 15 says about that
 * OID; pg-type-table.test.ts checks the rows against PgOid and pgTypeOf.
 *
 * Only base types are listed; array rows are derived from their element the
 * way PostgreSQL defines them, so typelem/typarray cannot disagree.
 */
import { PgOid } from './pg-types.ts';

/** The OIDs PostgreSQL assigns to pg_catalog and the bootstrap superuser. */
export const PG_CATALOG_NAMESPACE_OID = 11;
export const PUBLIC_NAMESPACE_OID = 2200;
export const INFORMATION_SCHEMA_NAMESPACE_OID = 13207;
export const BOOTSTRAP_SUPERUSER_OID = 10;

/** OIDs of types that appear in pg_type but are not in PgOid (pondgate never sends them). */
export const enum ExtraOid {
  Char = 18,
  Name = 19,
  Regproc = 24,
  Oid = 26,
  Tid = 27,
  Xid = 28,
  Cid = 29,
  TidArray = 1010,
  XidArray = 1011,
  CidArray = 1012,
  CharArray = 1002,
  NameArray = 1003,
  RegprocArray = 1008,
  BpcharArray = 1014,
  VarcharArray = 1015,
  OidArray = 1028,
  Bpchar = 1042,
  Bit = 1560,
  BitArray = 1561,
  Jsonb = 3802,
  JsonbArray = 3807,
}

/** One row of pg_type, with PostgreSQL's column names. regproc columns hold the function name ('-' for none). */
export interface PgTypeRow {
  readonly oid: number;
  readonly typname: string;
  readonly typlen: number;
  readonly typbyval: boolean;
  readonly typtype: 'b' | 'p';
  readonly typcategory: string;
  readonly typispreferred: boolean;
  readonly typdelim: string;
  readonly typsubscript: string;
  readonly typelem: number;
  readonly typarray: number;
  readonly typinput: string;
  readonly typoutput: string;
  readonly typreceive: string;
  readonly typsend: string;
  readonly typmodin: string;
  readonly typmodout: string;
  readonly typalign: 'c' | 's' | 'i' | 'd';
  readonly typstorage: 'p' | 'x' | 'm';
  readonly typcollation: number;
  /** What format_type() prints for this type (SQL spelling), without typmod. */
  readonly sqlName: string;
}

interface BaseType {
  readonly oid: number;
  readonly name: string;
  readonly sqlName: string;
  readonly len: number;
  readonly byval: boolean;
  readonly category: string;
  readonly preferred?: boolean;
  readonly array: number;
  /** Prefix of the I/O function names: `bool` → boolin/boolout/boolrecv/boolsend; `date_` → date_in/… */
  readonly io: string;
  /** Prefix of the typmod functions (`numeric` → numerictypmodin), if the type takes a typmod. */
  readonly typmod?: string;
  readonly align: 'c' | 's' | 'i' | 'd';
  readonly storage: 'p' | 'x' | 'm';
  readonly collation?: number;
  readonly subscript?: string;
  readonly typtype?: 'b' | 'p';
  readonly elem?: number;
}

// Values checked against pg_type of PostgreSQL 15.
const BASE_TYPES: readonly BaseType[] = [
  { oid: PgOid.Bool, name: 'bool', sqlName: 'boolean', len: 1, byval: true, category: 'B', preferred: true, array: PgOid.BoolArray, io: 'bool', align: 'c', storage: 'p' },
  { oid: PgOid.Bytea, name: 'bytea', sqlName: 'bytea', len: -1, byval: false, category: 'U', array: PgOid.ByteaArray, io: 'bytea', align: 'i', storage: 'x' },
  { oid: ExtraOid.Char, name: 'char', sqlName: '"char"', len: 1, byval: true, category: 'Z', array: ExtraOid.CharArray, io: 'char', align: 'c', storage: 'p' },
  { oid: ExtraOid.Name, name: 'name', sqlName: 'name', len: 64, byval: false, category: 'S', array: ExtraOid.NameArray, io: 'name', align: 'c', storage: 'p', collation: 950, subscript: 'raw_array_subscript_handler', elem: ExtraOid.Char },
  { oid: PgOid.Int8, name: 'int8', sqlName: 'bigint', len: 8, byval: true, category: 'N', array: PgOid.Int8Array, io: 'int8', align: 'd', storage: 'p' },
  { oid: PgOid.Int2, name: 'int2', sqlName: 'smallint', len: 2, byval: true, category: 'N', array: PgOid.Int2Array, io: 'int2', align: 's', storage: 'p' },
  { oid: PgOid.Int4, name: 'int4', sqlName: 'integer', len: 4, byval: true, category: 'N', array: PgOid.Int4Array, io: 'int4', align: 'i', storage: 'p' },
  { oid: ExtraOid.Regproc, name: 'regproc', sqlName: 'regproc', len: 4, byval: true, category: 'N', array: ExtraOid.RegprocArray, io: 'regproc', align: 'i', storage: 'p' },
  { oid: PgOid.Text, name: 'text', sqlName: 'text', len: -1, byval: false, category: 'S', preferred: true, array: PgOid.TextArray, io: 'text', align: 'i', storage: 'x', collation: 100 },
  { oid: ExtraOid.Oid, name: 'oid', sqlName: 'oid', len: 4, byval: true, category: 'N', preferred: true, array: ExtraOid.OidArray, io: 'oid', align: 'i', storage: 'p' },
  // The types of the system columns every table has (ctid, xmin, cmin, …), which pg_attribute lists.
  { oid: ExtraOid.Tid, name: 'tid', sqlName: 'tid', len: 6, byval: false, category: 'U', array: ExtraOid.TidArray, io: 'tid', align: 's', storage: 'p' },
  { oid: ExtraOid.Xid, name: 'xid', sqlName: 'xid', len: 4, byval: true, category: 'U', array: ExtraOid.XidArray, io: 'xid', align: 'i', storage: 'p' },
  { oid: ExtraOid.Cid, name: 'cid', sqlName: 'cid', len: 4, byval: true, category: 'U', array: ExtraOid.CidArray, io: 'cid', align: 'i', storage: 'p' },
  { oid: PgOid.Json, name: 'json', sqlName: 'json', len: -1, byval: false, category: 'U', array: PgOid.JsonArray, io: 'json_', align: 'i', storage: 'x' },
  { oid: PgOid.Float4, name: 'float4', sqlName: 'real', len: 4, byval: true, category: 'N', array: PgOid.Float4Array, io: 'float4', align: 'i', storage: 'p' },
  { oid: PgOid.Float8, name: 'float8', sqlName: 'double precision', len: 8, byval: true, category: 'N', preferred: true, array: PgOid.Float8Array, io: 'float8', align: 'd', storage: 'p' },
  { oid: PgOid.Unknown, name: 'unknown', sqlName: 'unknown', len: -2, byval: false, category: 'X', array: 0, io: 'unknown', align: 'c', storage: 'p', typtype: 'p' },
  { oid: ExtraOid.Bpchar, name: 'bpchar', sqlName: 'character', len: -1, byval: false, category: 'S', array: ExtraOid.BpcharArray, io: 'bpchar', typmod: 'bpchar', align: 'i', storage: 'x', collation: 100 },
  { oid: PgOid.Varchar, name: 'varchar', sqlName: 'character varying', len: -1, byval: false, category: 'S', array: ExtraOid.VarcharArray, io: 'varchar', typmod: 'varchar', align: 'i', storage: 'x', collation: 100 },
  { oid: PgOid.Date, name: 'date', sqlName: 'date', len: 4, byval: true, category: 'D', array: PgOid.DateArray, io: 'date_', align: 'i', storage: 'p' },
  { oid: PgOid.Time, name: 'time', sqlName: 'time without time zone', len: 8, byval: true, category: 'D', array: PgOid.TimeArray, io: 'time_', typmod: 'time', align: 'd', storage: 'p' },
  { oid: PgOid.Timestamp, name: 'timestamp', sqlName: 'timestamp without time zone', len: 8, byval: true, category: 'D', array: PgOid.TimestampArray, io: 'timestamp_', typmod: 'timestamp', align: 'd', storage: 'p' },
  { oid: PgOid.Timestamptz, name: 'timestamptz', sqlName: 'timestamp with time zone', len: 8, byval: true, category: 'D', preferred: true, array: PgOid.TimestamptzArray, io: 'timestamptz_', typmod: 'timestamptz', align: 'd', storage: 'p' },
  { oid: PgOid.Interval, name: 'interval', sqlName: 'interval', len: 16, byval: false, category: 'T', preferred: true, array: PgOid.IntervalArray, io: 'interval_', typmod: 'interval', align: 'd', storage: 'p' },
  { oid: PgOid.Timetz, name: 'timetz', sqlName: 'time with time zone', len: 12, byval: false, category: 'D', array: PgOid.TimetzArray, io: 'timetz_', typmod: 'timetz', align: 'd', storage: 'p' },
  { oid: ExtraOid.Bit, name: 'bit', sqlName: 'bit', len: -1, byval: false, category: 'V', array: ExtraOid.BitArray, io: 'bit_', typmod: 'bit', align: 'i', storage: 'x' },
  { oid: PgOid.Varbit, name: 'varbit', sqlName: 'bit varying', len: -1, byval: false, category: 'V', preferred: true, array: PgOid.VarbitArray, io: 'varbit_', typmod: 'varbit', align: 'i', storage: 'x' },
  { oid: PgOid.Numeric, name: 'numeric', sqlName: 'numeric', len: -1, byval: false, category: 'N', array: PgOid.NumericArray, io: 'numeric_', typmod: 'numeric', align: 'i', storage: 'm' },
  { oid: PgOid.Uuid, name: 'uuid', sqlName: 'uuid', len: 16, byval: false, category: 'U', array: PgOid.UuidArray, io: 'uuid_', align: 'c', storage: 'p' },
  { oid: ExtraOid.Jsonb, name: 'jsonb', sqlName: 'jsonb', len: -1, byval: false, category: 'U', array: ExtraOid.JsonbArray, io: 'jsonb_', align: 'i', storage: 'x', subscript: 'jsonb_subscript_handler' },
];

function baseRow(t: BaseType): PgTypeRow {
  // PostgreSQL names I/O functions either `<name>in` or `<name>_in`; `io` holds the prefix.
  const io = (suffix: string) => `${t.io}${suffix}`;
  return {
    oid: t.oid,
    typname: t.name,
    typlen: t.len,
    typbyval: t.byval,
    typtype: t.typtype ?? 'b',
    typcategory: t.category,
    typispreferred: t.preferred ?? false,
    typdelim: ',',
    typsubscript: t.subscript ?? '-',
    typelem: t.elem ?? 0,
    typarray: t.array,
    typinput: io('in'),
    typoutput: io('out'),
    typreceive: io('recv'),
    typsend: io('send'),
    typmodin: t.typmod ? `${t.typmod}typmodin` : '-',
    typmodout: t.typmod ? `${t.typmod}typmodout` : '-',
    typalign: t.align,
    typstorage: t.storage,
    typcollation: t.collation ?? 0,
    sqlName: t.sqlName,
  };
}

/** PostgreSQL's array type over a base type: varlena, category 'A', aligned at least to int. */
function arrayRow(t: BaseType): PgTypeRow {
  return {
    oid: t.array,
    typname: `_${t.name}`,
    typlen: -1,
    typbyval: false,
    typtype: 'b',
    typcategory: 'A',
    typispreferred: false,
    typdelim: ',',
    typsubscript: 'array_subscript_handler',
    typelem: t.oid,
    typarray: 0,
    typinput: 'array_in',
    typoutput: 'array_out',
    typreceive: 'array_recv',
    typsend: 'array_send',
    typmodin: t.typmod ? `${t.typmod}typmodin` : '-',
    typmodout: t.typmod ? `${t.typmod}typmodout` : '-',
    typalign: t.align === 'd' ? 'd' : 'i',
    typstorage: 'x',
    typcollation: t.collation ?? 0,
    sqlName: `${t.sqlName}[]`,
  };
}

export const PG_TYPE_ROWS: readonly PgTypeRow[] = [
  ...BASE_TYPES.map(baseRow),
  ...BASE_TYPES.filter((t) => t.array !== 0).map(arrayRow),
].sort((a, b) => a.oid - b.oid);
