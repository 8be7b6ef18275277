// DuckDB LIST / ARRAY values -> PostgreSQL arrays, text and binary.
//
// For results bound to a client, nested columns are rendered by DuckDB's
// to_json() (see transportSql's 'client' mode): lists become JSON arrays whose
// elements are JSON numbers, booleans, strings in DuckDB's text for the element
// type (dates, timestamps, intervals, blobs, uuids …), or raw JSON for
// STRUCT/MAP/JSON elements. The element type is taken from the column's DuckDB
// type string, so each element is converted exactly once, to what PostgreSQL
// prints (text) or sends (binary) for the element type pg-types.ts announces.
//
// PostgreSQL arrays are rectangular; DuckDB lists need not be. A ragged or
// NULL-containing nested list is printed as text with nested braces anyway
// (PostgreSQL cannot read it back as an array, but nothing is lost), and fails
// in binary format with 2202E, since array_send has no way to express it.

import { SqlError } from '../errors.ts';
import * as enc from './pg-binary.ts';
import { formatFloat4, formatFloat8 } from './pg-float.ts';
import { PgOid, pgTypeOf } from './pg-types.ts';
// text-format.ts imports this module too; the cycle is safe because only functions cross it.
import { formatInterval, type TextFormatOptions } from './text-format.ts';

const ARRAY_SUFFIX_RE = /\[\d*\]$/;

/** True for a DuckDB LIST (`T[]`) or ARRAY (`T[n]`) type string. */
export function isListType(duckdbType: string): boolean {
  return ARRAY_SUFFIX_RE.test(duckdbType.trim());
}

/** Element type and number of dimensions of a list type: `INTEGER[][]` -> ['INTEGER', 2]. */
export function listElementType(duckdbType: string): [string, number] {
  let t = duckdbType.trim();
  let dims = 0;
  while (ARRAY_SUFFIX_RE.test(t)) {
    t = t.replace(ARRAY_SUFFIX_RE, '').trimEnd();
    dims++;
  }
  return [t, dims];
}

// ---------------------------------------------------------------- JSON with exact numbers

/** A parsed JSON value; numbers keep their literal text so no digit is lost. */
export type JsonNode =
  | null
  | { readonly kind: 'array'; readonly items: JsonNode[]; readonly raw: string }
  | { readonly kind: 'string'; readonly value: string; readonly raw: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean; readonly raw: string }
  | { readonly kind: 'object'; readonly raw: string };

export function parseJson(text: string): JsonNode {
  let i = 0;
  const fail = (): never => {
    throw new SqlError('XX000', `unexpected JSON from DuckDB at offset ${i}: ${text.slice(0, 80)}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Skips an object (we keep only its text) by bracket counting outside strings.
  const skipObject = () => {
    let depth = 0;
    do {
      const c = text[i];
      if (c === '"') {
        str();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      i++;
    } while (depth > 0 && i < text.length);
    if (depth !== 0) fail();
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') i++;
      else {
        for (;;) {
          items.push(value());
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            break;
          } else fail();
        }
      }
      return { kind: 'array', items, raw: text.slice(start, i) };
    }
    if (c === '{') {
      skipObject();
      return { kind: 'object', raw: text.slice(start, i) };
    }
    if (c === '"') {
      const v = str();
      return { kind: 'string', value: v, raw: text.slice(start, i) };
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return { kind: 'bool', value: true, raw: 'true' };
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return { kind: 'bool', value: false, raw: 'false' };
    }
    // DuckDB writes non-finite floats as NaN / Infinity / -Infinity.
    const m = /^-?(?:Infinity|NaN|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (m === null) fail();
    i += (m as RegExpExecArray)[0].length;
    return { kind: 'number', raw: (m as RegExpExecArray)[0] };
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

// ---------------------------------------------------------------- DuckDB text of scalars

/** DuckDB's " (BC)" marker after the date part -> PostgreSQL's trailing " BC". */
function moveBc(s: string): [string, boolean] {
  const at = s.indexOf(' (BC)');
  if (at < 0) return [s, false];
  return [s.slice(0, at) + s.slice(at + 5), true];
}

// Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01.
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** DuckDB DATE text -> days since 1970-01-01 (±(2^31-1) for ±infinity, as DuckDB stores them). */
export function parseDuckDate(text: string): number {
  if (text === 'infinity') return enc.INT32_MAX;
  if (text === '-infinity') return -enc.INT32_MAX;
  const [s, bc] = moveBc(text);
  const m = /^(\d+)-(\d\d)-(\d\d)$/.exec(s);
  if (m === null) throw new SqlError('22007', `invalid date from DuckDB: "${text}"`);
  const y = Number(m[1]);
  return daysFromCivil(bc ? 1 - y : y, Number(m[2]), Number(m[3]));
}

/** 'HH:MM:SS[.fffffffff]' -> µs (extra digits truncated). */
export function parseTimeOfDay(text: string): bigint {
  const m = /^(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (m === null) throw new SqlError('22007', `invalid time from DuckDB: "${text}"`);
  const frac = BigInt((m[4] ?? '').slice(0, 6).padEnd(6, '0'));
  return (BigInt(m[1]) * 3600n + BigInt(m[2]) * 60n + BigInt(m[3])) * 1_000_000n + frac;
}

/** '+HH[:MM[:SS]]' -> seconds east of UTC. */
function parseOffset(text: string): number {
  const m = /^([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
  if (m === null) throw new SqlError('22007', `invalid time zone offset from DuckDB: "${text}"`);
  const s = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -s : s;
}

/** DuckDB TIMETZ text ('03:04:05.5+05:30') -> µs of day and offset seconds east of UTC. */
export function parseTimetz(text: string): { micros: bigint; offset: number } {
  const m = /^([\d:.]+)([+-][\d:]+)$/.exec(text);
  if (m === null) throw new SqlError('22007', `invalid time with time zone from DuckDB: "${text}"`);
  return { micros: parseTimeOfDay(m[1]), offset: parseOffset(m[2]) };
}

/** DuckDB TIMESTAMP[TZ] text -> µs since 1970-01-01 UTC (int64 extremes for infinities). */
export function parseDuckTimestamp(text: string): bigint {
  if (text === 'infinity') return enc.INT64_MAX;
  if (text === '-infinity') return -enc.INT64_MAX;
  const [s] = moveBc(text);
  const m = /^(\S+) ([\d:.]+)([+-][\d:]+)?$/.exec(s);
  if (m === null) throw new SqlError('22007', `invalid timestamp from DuckDB: "${text}"`);
  const days = parseDuckDate(text.includes(' (BC)') ? m[1] + ' (BC)' : m[1]);
  const offset = m[3] === undefined ? 0 : parseOffset(m[3]);
  return BigInt(days) * 86_400_000_000n + parseTimeOfDay(m[2]) - BigInt(offset) * 1_000_000n;
}

/** DuckDB timestamp text -> PostgreSQL's: BC marker last, at most 6 fraction digits. */
function pgTimestampText(text: string): string {
  const [s, bc] = moveBc(text);
  const t = s.replace(/\.(\d+)/, (_m, f: string) => {
    const six = f.slice(0, 6).replace(/0+$/, '');
    return six === '' ? '' : '.' + six;
  });
  return bc ? t + ' BC' : t;
}

/** DuckDB INTERVAL text ('1 year 2 months 3 days -04:05:06.7') -> months, days, µs. */
export function parseDuckInterval(text: string): { months: number; days: number; micros: bigint } {
  let months = 0;
  let days = 0;
  let micros = 0n;
  const re = /(-?\d+) (year|month|day)s?|(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?/g;
  // Every character but the separating spaces must be understood.
  if (text.replace(re, '').trim() !== '') throw new SqlError('22007', `invalid interval from DuckDB: "${text}"`);
  for (const m of text.matchAll(re)) {
    if (m[2] === 'year') months += 12 * Number(m[1]);
    else if (m[2] === 'month') months += Number(m[1]);
    else if (m[2] === 'day') days += Number(m[1]);
    else {
      const t = (BigInt(m[4]) * 3600n + BigInt(m[5]) * 60n + BigInt(m[6])) * 1_000_000n + BigInt((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
      micros += m[3] === '-' ? -t : t;
    }
  }
  return { months, days, micros };
}

/** DuckDB BLOB text ('\xDE' escapes for non-printable bytes) -> bytes. */
export function parseDuckBlob(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === 'x') {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(text.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

function byteaHexText(bytes: Uint8Array): string {
  return '\\x' + Buffer.from(bytes).toString('hex');
}

// ---------------------------------------------------------------- element converters

interface ElementCodec {
  readonly text: (node: Exclude<JsonNode, null>) => string;
  readonly binary: (node: Exclude<JsonNode, null>) => Uint8Array;
}

const utf8 = new TextEncoder();

function stringOf(node: Exclude<JsonNode, null>): string {
  return node.kind === 'string' ? node.value : node.raw;
}

const DECIMAL_RE = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/;

function elementCodec(elementType: string, options: TextFormatOptions): ElementCodec {
  const t = elementType.trim().toUpperCase();
  const pg = pgTypeOf(elementType);
  const efd = options.extraFloatDigits;
  const passthrough = (binary: (s: string) => Uint8Array): ElementCodec => ({ text: stringOf, binary: (n) => binary(stringOf(n)) });
  switch (t) {
    case 'BOOLEAN':
    case 'BOOL':
      return { text: (n) => (n.raw === 'true' ? 't' : 'f'), binary: (n) => enc.bool(n.raw === 'true') };
    case 'TINYINT':
    case 'UTINYINT':
    case 'SMALLINT':
    case 'USMALLINT':
    case 'INTEGER':
    case 'UINTEGER':
    case 'BIGINT': {
      const write = enc.intEncoder(pg.typlen as 2 | 4 | 8);
      return { text: (n) => n.raw, binary: (n) => write(BigInt(n.raw)) };
    }
    case 'UBIGINT':
    case 'HUGEINT':
    case 'UHUGEINT':
    case 'VARINT':
    case 'BIGNUM':
      return { text: stringOf, binary: (n) => enc.numericFromText(stringOf(n), 0) };
    case 'FLOAT':
    case 'REAL':
      return { text: (n) => formatFloat4(Math.fround(Number(n.raw)), efd), binary: (n) => enc.float4(Number(n.raw)) };
    case 'DOUBLE':
      return { text: (n) => formatFloat8(Number(n.raw), efd), binary: (n) => enc.float8(Number(n.raw)) };
    case 'BLOB':
      return { text: (n) => byteaHexText(parseDuckBlob(stringOf(n))), binary: (n) => parseDuckBlob(stringOf(n)) };
    case 'DATE':
      return {
        text: (n) => {
          const [s, bc] = moveBc(stringOf(n));
          return bc ? s + ' BC' : s;
        },
        binary: (n) => enc.date(parseDuckDate(stringOf(n))),
      };
    case 'TIME':
      return passthrough((s) => enc.time(parseTimeOfDay(s)));
    case 'TIME WITH TIME ZONE':
    case 'TIMETZ':
      return passthrough((s) => {
        const { micros, offset } = parseTimetz(s);
        return enc.timetz(micros, offset);
      });
    case 'TIMESTAMP':
    case 'DATETIME':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_MS':
    case 'TIMESTAMP_NS':
    case 'TIMESTAMP_US':
    case 'TIMESTAMP WITH TIME ZONE':
    case 'TIMESTAMPTZ':
      return { text: (n) => pgTimestampText(stringOf(n)), binary: (n) => enc.timestamp(parseDuckTimestamp(stringOf(n))) };
    case 'INTERVAL':
      return {
        text: (n) => {
          const { months, days, micros } = parseDuckInterval(stringOf(n));
          return formatInterval(months, days, micros);
        },
        binary: (n) => {
          const { months, days, micros } = parseDuckInterval(stringOf(n));
          return enc.interval(months, days, micros);
        },
      };
    case 'UUID':
      return passthrough(enc.uuidFromText);
    case 'BIT':
    case 'BITSTRING':
      return passthrough(enc.varbitFromText);
  }
  const dec = DECIMAL_RE.exec(t);
  if (dec !== null) {
    const scale = dec[2] !== undefined ? Number(dec[2]) : dec[1] !== undefined ? 0 : 3;
    return {
      // to_json drops trailing zeros of small decimals; restore the type's scale.
      text: (n) => scaledText(n.raw, scale),
      binary: (n) => enc.numericFromText(n.raw, scale),
    };
  }
  // STRUCT/MAP/UNION/JSON elements are json: their JSON text as to_json wrote it (a JSON
  // string stays quoted). Text-like elements (VARCHAR, ENUM, …) are JSON strings.
  if (pg.oid === PgOid.Json) return { text: (n) => n.raw, binary: (n) => utf8.encode(n.raw) };
  return { text: stringOf, binary: (n) => utf8.encode(stringOf(n)) };
}

function scaledText(raw: string, scale: number): string {
  const { unscaled, scale: s } = enc.parseDecimal(raw);
  const v = enc.rescale(unscaled, s, scale);
  if (scale === 0) return v.toString();
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const out = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  return neg ? '-' + out : out;
}

// ---------------------------------------------------------------- arrays

/** array_out's quoting: empty, NULL-looking, or containing `{}",\` or whitespace. */
export function quoteArrayElement(s: string): string {
  let need = s.length === 0 || s.toUpperCase() === 'NULL';
  if (!need) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // " \ { } , and array_isspace: space \t \n \v \f \r
      if (c === 0x22 || c === 0x5c || c === 0x7b || c === 0x7d || c === 0x2c || c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        need = true;
        break;
      }
    }
  }
  if (!need) return s;
  return '"' + s.replace(/["\\]/g, '\\$&') + '"';
}

export interface ArrayFormatter {
  /** PostgreSQL array text ('{1,2,NULL}') of a list given as JSON. */
  text(json: string): string;
  /** PostgreSQL array binary (array_send) of a list given as JSON. */
  binary(json: string): Uint8Array;
}

/** Converters for one list column; `duckdbType` is e.g. 'INTEGER[]' or 'VARCHAR[][]'. */
export function makeJsonArrayFormatter(duckdbType: string, options: TextFormatOptions): ArrayFormatter {
  const [elementType, dims] = listElementType(duckdbType);
  const codec = elementCodec(elementType, options);
  const elementOid = pgTypeOf(elementType).oid;
  const textOf = (node: JsonNode, depth: number): string => {
    if (node === null) return 'NULL';
    if (depth < dims && node.kind === 'array') return '{' + node.items.map((x) => textOf(x, depth + 1)).join(',') + '}';
    return quoteArrayElement(codec.text(node));
  };
  return {
    text: (json) => textOf(parseJson(json), 0),
    binary: (json) => {
      const root = parseJson(json);
      const shape: number[] = [];
      const elements: (Uint8Array | null)[] = [];
      const walk = (node: JsonNode, depth: number): void => {
        if (depth === dims) {
          elements.push(node === null ? null : codec.binary(node));
          return;
        }
        if (node === null || node.kind !== 'array') {
          throw new SqlError('2202E', 'multidimensional arrays must have array expressions with matching dimensions', 'a nested list is NULL, which a PostgreSQL array cannot hold; request text format for this column');
        }
        if (shape.length === depth) shape.push(node.items.length);
        else if (shape[depth] !== node.items.length) {
          throw new SqlError('2202E', 'multidimensional arrays must have array expressions with matching dimensions', 'the nested lists differ in length, which a PostgreSQL array cannot hold; request text format for this column');
        }
        for (const item of node.items) walk(item, depth + 1);
      };
      walk(root, 0);
      // An empty list anywhere means no elements: PostgreSQL's empty array has 0 dimensions.
      return enc.array({ dims: shape.length < dims ? [0] : shape, elementOid }, elements);
    },
  };
}
