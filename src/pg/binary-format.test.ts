// Byte-for-byte checks of the binary and text result formats, and of binary
// parameter decoding, against values recorded from a real PostgreSQL 15
// (fixtures/pg15-values.json, produced by fixtures/generate-pg15-values.ts;
// this test never connects to PostgreSQL). The Arrow columns come from a real
// in-process DuckDB through the same client-bound wrapping the gateway uses.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Field, RecordBatch } from 'apache-arrow';
import { columnsOf, readResultBatches } from '../arrow/read-result.ts';
import { transportSql } from '../arrow/transport-sql.ts';
import { makeBinaryFormatter } from './binary-format.ts';
import { decodeBinaryParameter } from '../../gateway/wire/binary-params.ts';
import { CASES } from './fixtures/pg15-cases.ts';
import { pgTypeOf } from './pg-types.ts';
import { makeTextFormatter } from './text-format.ts';
import { makeJsonArrayFormatter, quoteArrayElement } from './pg-array.ts';

interface Recorded {
  readonly name: string;
  readonly oid: number;
  readonly text: string | null;
  readonly binary: string | null;
}

const recorded = new Map<string, Recorded>(
  (JSON.parse(readFileSync(new URL('./fixtures/pg15-values.json', import.meta.url), 'utf8')) as { values: Recorded[] }).values.map((v) => [v.name, v]),
);
const options = { timeZone: 'UTC', extraFloatDigits: 1 };

let instance: DuckDBInstance;
let connection: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
});

after(() => {
  connection.closeSync();
});

/** One value as the gateway would hold it for a client: its DuckDB type, Arrow field and batch. */
async function duckValue(expression: string): Promise<{ type: string; field: Field; batch: RecordBatch }> {
  const sql = `SELECT ${expression} AS v`;
  const prepared = await connection.prepare(sql);
  const columns = columnsOf(prepared);
  prepared.destroySync();
  const result = await connection.stream(transportSql(sql, columns, 'client'));
  const { batches } = await readResultBatches(result, { columns });
  return { type: columns[0].type, field: batches[0].schema.fields[0], batch: batches[0] };
}

const hex = (v: string | Uint8Array | null): string | null => (v === null ? null : typeof v === 'string' ? Buffer.from(v).toString('hex') : Buffer.from(v).toString('hex'));

test('every case has a recorded PostgreSQL value', () => {
  for (const c of CASES) assert.ok(recorded.has(c.name), c.name);
});

// LIST(JSON) columns are reported by DuckDB's node-api without the JSON alias (as VARCHAR[]),
// so they are announced as text[]; such cases are checked only as parameters.
for (const c of CASES.filter((x) => x.paramOnly !== true)) {
  test(`text and binary of ${c.name} match PostgreSQL 15`, async () => {
    const expected = recorded.get(c.name) as Recorded;
    const { type, field, batch } = await duckValue(c.duckdb ?? c.pg);
    assert.equal(pgTypeOf(type).oid, expected.oid, `OID of DuckDB ${type}`);
    const column = batch.data.children[0];
    const text = makeTextFormatter(field, options)(column, 0);
    assert.equal(text === null ? null : typeof text === 'string' ? text : Buffer.from(text).toString('utf8'), expected.text, 'text');
    assert.equal(hex(makeBinaryFormatter(field, options)(column, 0)), expected.binary, 'binary');
  });
}

// Values PostgreSQL holds differently from DuckDB, so a round trip cannot be exact.
const NOT_ROUND_TRIP = new Set(['timestamp_ns floored', 'timestamp_ns[]', 'struct as json', 'map as json', 'struct[] as json[]', 'union[] as json[]', 'map[] as json[]', 'varbit']);

for (const c of CASES) {
  if (NOT_ROUND_TRIP.has(c.name)) continue;
  test(`binary parameter of ${c.name} decodes to the same DuckDB value`, async () => {
    const expected = recorded.get(c.name) as Recorded;
    if (expected.binary === null) return; // NULL parameters never reach the decoder
    const type = c.paramType ?? (await duckValue(c.duckdb ?? c.pg)).type;
    const text = decodeBinaryParameter(expected.oid, Buffer.from(expected.binary, 'hex'), 1);
    const duck = c.duckdb ?? c.pg;
    const check = await connection.runAndReadAll(
      `SELECT CAST(CAST($1 AS VARCHAR) AS ${type}) IS NOT DISTINCT FROM (${duck}), CAST(CAST($1 AS VARCHAR) AS ${type})::VARCHAR, (${duck})::VARCHAR`,
      [text],
    );
    const [same, got, want] = check.getRows()[0];
    assert.equal(same, true, `decoded "${text}" as ${type}: ${String(got)} vs ${String(want)}`);
  });
}

test('binary parameters: jsonb version byte, unknown types and malformed data', () => {
  assert.equal(decodeBinaryParameter(3802, Buffer.from('\x01{"a": 1}', 'latin1'), 1), '{"a": 1}');
  assert.throws(() => decodeBinaryParameter(3802, Buffer.from('\x02{}', 'latin1'), 1), /jsonb version/);
  assert.throws(() => decodeBinaryParameter(600, Buffer.alloc(16), 2), (e: Error & { sqlstate?: string }) => e.sqlstate === '0A000' && /\$2/.test(e.message));
  assert.throws(() => decodeBinaryParameter(23, Buffer.alloc(3), 1), (e: Error & { sqlstate?: string }) => e.sqlstate === '22P03');
  // An int4[] whose header claims text elements.
  const wrong = Buffer.from('00000001000000000000001900000001000000010000000161', 'hex');
  assert.throws(() => decodeBinaryParameter(1007, wrong, 1), (e: Error & { sqlstate?: string }) => e.sqlstate === '42804');
  // Strings needing every kind of DuckDB list escaping survive as list elements.
  const arr = Buffer.from('000000010000000100000019000000030000000100000004615c2262ffffffff00000003205b2c', 'hex');
  assert.equal(decodeBinaryParameter(1009, arr, 1), '["a\\\\\\"b", NULL, " [,"]');
});

test('array text quoting follows array_out', () => {
  assert.equal(quoteArrayElement('abc'), 'abc');
  assert.equal(quoteArrayElement(''), '""');
  assert.equal(quoteArrayElement('nUlL'), '"nUlL"');
  assert.equal(quoteArrayElement('a\nb'), '"a\nb"');
  assert.equal(quoteArrayElement('a\\b"c'), '"a\\\\b\\"c"');
  assert.equal(quoteArrayElement('x}'), '"x}"');
});

test('ragged and NULL nested lists: text printed anyway, binary refused with 2202E', async () => {
  const f = makeJsonArrayFormatter('INTEGER[][]', options);
  assert.equal(f.text('[[1,2],[3]]'), '{{1,2},{3}}');
  assert.equal(f.text('[[1],null]'), '{{1},NULL}');
  assert.throws(() => f.binary('[[1,2],[3]]'), (e: Error & { sqlstate?: string }) => e.sqlstate === '2202E');
  assert.throws(() => f.binary('[[1],null]'), (e: Error & { sqlstate?: string }) => e.sqlstate === '2202E');
  // Empty inner lists make an empty PostgreSQL array (0 dimensions), as ARRAY[ARRAY[]::int[]] does.
  assert.equal(hex(f.binary('[[],[]]')), '000000000000000000000017');
  assert.equal(f.text('[]'), '{}');
  // Through DuckDB: a ragged list column.
  const { field, batch } = await duckValue('[[1, 2], [3]]');
  assert.equal(makeTextFormatter(field, options)(batch.data.children[0], 0), '{{1,2},{3}}');
});

test('float text in lists follows extra_float_digits; list of DECIMAL keeps its scale', () => {
  assert.equal(makeJsonArrayFormatter('DOUBLE[]', { timeZone: 'UTC', extraFloatDigits: 0 }).text('[0.1,1e300]'), '{0.1,1e+300}');
  assert.equal(makeJsonArrayFormatter('FLOAT[]', { timeZone: 'UTC', extraFloatDigits: 0 }).text('[0.10000000149011612]'), '{0.1}');
  assert.equal(makeJsonArrayFormatter('DECIMAL(10,3)[]', options).text('[12.3,-0.5,7]'), '{12.300,-0.500,7.000}');
});
