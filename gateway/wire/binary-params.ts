// Bind parameters sent in PostgreSQL's binary format (typreceive), decoded
// into the text the engine binds as a VARCHAR literal. The text is chosen so
// DuckDB's implicit cast to the parameter's type reads it back exactly: ISO
// dates with DuckDB's "(BC)" marker, intervals as months/days/microseconds,
// blobs as \xHH escapes, arrays as DuckDB list literals.

import { SqlError } from '../../src/errors.ts';
import { PG_EPOCH_DAYS, PG_EPOCH_MICROS, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN } from '../../src/pg/pg-binary.ts';
import { formatFloat4 } from '../../src/pg/pg-float.ts';
import { formatDate, formatTimeOfDay, formatZoneOffset } from '../../src/pg/text-format.ts';

type Decoder = (b: Buffer) => string;

function need(b: Buffer, n: number, type: string): void {
  if (b.length !== n) throw new SqlError('22P03', `incorrect binary data format in bind parameter of type ${type}: expected ${n} bytes, got ${b.length}`);
}

function duckDate(days1970: number): string {
  // formatDate gives PostgreSQL's "YYYY-MM-DD BC"; DuckDB reads "YYYY-MM-DD (BC)".
  return formatDate(days1970).replace(/ BC$/, ' (BC)');
}

function duckTimestamp(micros2000: bigint, zone: string): string {
  if (micros2000 === INT64_MAX) return 'infinity';
  if (micros2000 === INT64_MIN) return '-infinity';
  const micros = micros2000 + PG_EPOCH_MICROS;
  const D = 86_400_000_000n;
  let days = micros / D;
  let rem = micros - days * D;
  if (rem < 0n) {
    days -= 1n;
    rem += D;
  }
  return duckDate(Number(days)) + ' ' + formatTimeOfDay(Number(rem)) + zone;
}

function numericText(b: Buffer): string {
  if (b.length < 8) throw new SqlError('22P03', 'insufficient data left in message for a numeric parameter');
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  need(b, 8 + 2 * ndigits, 'numeric');
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  if (sign !== 0 && sign !== 0x4000) throw new SqlError('22P03', 'invalid sign in external "numeric" value');
  // Group i (0-based) is the base-10000 digit of weight `weight - i`.
  const group = (i: number): string => String(i >= 0 && i < ndigits ? b.readInt16BE(8 + 2 * i) : 0).padStart(4, '0');
  let intPart = weight < 0 ? '0' : '';
  for (let i = 0; i <= weight; i++) intPart += group(i);
  let fracPart = '';
  for (let k = 1; fracPart.length < dscale; k++) fracPart += group(weight + k);
  intPart = intPart.replace(/^0+(?=\d)/, '');
  fracPart = fracPart.slice(0, dscale);
  const text = fracPart === '' ? intPart : intPart + '.' + fracPart;
  return sign === 0x4000 && /[1-9]/.test(text) ? '-' + text : text;
}

function uuidText(b: Buffer): string {
  need(b, 16, 'uuid');
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const SCALARS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [16, (b) => (need(b, 1, 'boolean'), b[0] !== 0 ? 'true' : 'false')],
  [21, (b) => (need(b, 2, 'smallint'), String(b.readInt16BE(0)))],
  [23, (b) => (need(b, 4, 'integer'), String(b.readInt32BE(0)))],
  [20, (b) => (need(b, 8, 'bigint'), b.readBigInt64BE(0).toString())],
  [26, (b) => (need(b, 4, 'oid'), String(b.readUInt32BE(0)))],
  [700, (b) => (need(b, 4, 'real'), formatFloat4(b.readFloatBE(0), 1))],
  // JavaScript's shortest round-trip text reads back as the same double.
  [701, (b) => (need(b, 8, 'double precision'), String(b.readDoubleBE(0)))],
  [1700, numericText],
  [25, (b) => b.toString('utf8')],
  [1043, (b) => b.toString('utf8')],
  [1042, (b) => b.toString('utf8')],
  [19, (b) => b.toString('utf8')],
  [18, (b) => b.toString('utf8')],
  [705, (b) => b.toString('utf8')],
  [114, (b) => b.toString('utf8')],
  [
    3802,
    (b) => {
      if (b.length < 1 || b[0] !== 1) throw new SqlError('22P03', `unsupported jsonb version number ${b.length < 1 ? 'none' : b[0]}`);
      return b.subarray(1).toString('utf8');
    },
  ],
  // DuckDB's BLOB cast reads \xHH escapes; escaping every byte keeps it exact.
  [17, (b) => Array.from(b, (x) => '\\x' + x.toString(16).padStart(2, '0')).join('')],
  [
    1082,
    (b) => {
      need(b, 4, 'date');
      const v = b.readInt32BE(0);
      if (v === INT32_MAX) return 'infinity';
      if (v === INT32_MIN) return '-infinity';
      return duckDate(v + PG_EPOCH_DAYS);
    },
  ],
  [1083, (b) => (need(b, 8, 'time'), formatTimeOfDay(Number(b.readBigInt64BE(0))))],
  [
    1266,
    (b) => {
      need(b, 12, 'time with time zone');
      return formatTimeOfDay(Number(b.readBigInt64BE(0))) + formatZoneOffset(-b.readInt32BE(8));
    },
  ],
  [1114, (b) => (need(b, 8, 'timestamp'), duckTimestamp(b.readBigInt64BE(0), ''))],
  [1184, (b) => (need(b, 8, 'timestamp with time zone'), duckTimestamp(b.readBigInt64BE(0), '+00'))],
  [
    1186,
    (b) => {
      need(b, 16, 'interval');
      return `${b.readInt32BE(12)} months ${b.readInt32BE(8)} days ${b.readBigInt64BE(0)} microseconds`;
    },
  ],
  [2950, uuidText],
]);

/** Array OID -> element OID, for the element types above. */
const ARRAYS: ReadonlyMap<number, number> = new Map([
  [1000, 16], [1005, 21], [1007, 23], [1016, 20], [1028, 26], [1021, 700], [1022, 701], [1231, 1700],
  [1009, 25], [1015, 1043], [1014, 1042], [1003, 19], [199, 114], [3807, 3802], [1001, 17],
  [1182, 1082], [1183, 1083], [1270, 1266], [1115, 1114], [1185, 1184], [1187, 1186], [2951, 2950],
]);

/** True when binary parameters of this type OID can be decoded. */
export function canDecodeBinary(oid: number): boolean {
  return SCALARS.has(oid) || ARRAYS.has(oid);
}

/** A DuckDB list literal element: always double-quoted, so any text survives DuckDB's list parser. */
function listElement(text: string): string {
  return '"' + text.replace(/["\\]/g, '\\$&') + '"';
}

function arrayText(b: Buffer, arrayOid: number): string {
  if (b.length < 12) throw new SqlError('22P03', 'insufficient data left in message for an array parameter');
  const ndim = b.readInt32BE(0);
  const elementOid = b.readUInt32BE(8);
  const expected = ARRAYS.get(arrayOid);
  if (expected !== elementOid) {
    throw new SqlError('42804', `wrong element type in binary array parameter: expected OID ${expected ?? '?'}, got ${elementOid}`);
  }
  const decode = SCALARS.get(elementOid) as Decoder;
  // DuckDB casts text to JSON[] by parsing it as one JSON array, so json elements go in
  // as they are (a NULL element becomes JSON null); other lists use DuckDB's list syntax.
  const json = elementOid === 114 || elementOid === 3802;
  if (ndim === 0) return '[]';
  if (ndim < 0 || ndim > 6) throw new SqlError('22P03', `invalid number of dimensions in binary array parameter: ${ndim}`);
  const dims: number[] = [];
  let p = 12;
  for (let i = 0; i < ndim; i++) {
    dims.push(b.readInt32BE(p));
    p += 8; // the lower bound is irrelevant to a DuckDB list
  }
  const next = (): string => {
    const len = b.readInt32BE(p);
    p += 4;
    if (len === -1) return json ? 'null' : 'NULL';
    if (len < 0 || p + len > b.length) throw new SqlError('22P03', 'insufficient data left in message for an array element');
    const text = decode(b.subarray(p, p + len));
    p += len;
    return json ? text : listElement(text);
  };
  const level = (d: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < dims[d]; i++) parts.push(d + 1 === ndim ? next() : level(d + 1));
    return '[' + parts.join(', ') + ']';
  };
  const out = level(0);
  if (p !== b.length) throw new SqlError('22P03', 'incorrect binary data format in array parameter: trailing bytes');
  return out;
}

/**
 * Binary parameter bytes of PostgreSQL type `oid` -> the text DuckDB casts
 * back to the same value. `position` is 1-based, for error messages.
 */
export function decodeBinaryParameter(oid: number, bytes: Uint8Array, position: number): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scalar = SCALARS.get(oid);
  try {
    if (scalar !== undefined) return scalar(b);
    if (ARRAYS.has(oid)) return arrayText(b, oid);
  } catch (error) {
    if (error instanceof SqlError) throw error;
    // Buffer reads past the end throw RangeError.
    throw new SqlError('22P03', `incorrect binary data format in bind parameter ${position}`);
  }
  throw new SqlError(
    '0A000',
    `binary format for parameter $${position} of type OID ${oid} is not supported`,
    undefined,
    'send this parameter in text format',
  );
}
