// A SELECT of literals answered on the gateway must put the same bytes on the
// wire as DuckDB's answer, in text and binary; anything else is left to DuckDB.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { queryArrow } from '../../src/arrow/read-result.ts';
import { MessageWriter } from '../wire/backend.ts';
import { makeBatchEncoder } from '../wire/row-encoder.ts';
import { describeOn } from '../plan/context.ts';
import { SqlCodec } from '../sql/codec.ts';
import { constantResult } from './constant-result.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let codec: SqlCodec;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  codec = new SqlCodec(connection);
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

function encode(batch: RecordBatch, format: 0 | 1): Buffer {
  const w = new MessageWriter(1024);
  const fields = batch.schema.fields;
  const encoder = makeBatchEncoder(fields, fields.map(() => format), { timeZone: 'UTC', extraFloatDigits: 1 });
  let row = 0;
  while (row < batch.numRows) row = encoder.encode(w, batch, row, batch.numRows, 1 << 20);
  return w.finish();
}

async function both(sql: string): Promise<{ mine: RecordBatch | undefined; duckdb: RecordBatch }> {
  const parsed = await codec.parse(sql);
  assert.ok(parsed.ok);
  const columns = await describeOn(connection, sql);
  const { batches } = await queryArrow(connection, sql, { mode: 'client' });
  assert.equal(batches.length, 1);
  return { mine: constantResult(parsed.statement, columns), duckdb: batches[0] };
}

describe('constant results', () => {
  const answered = [
    'SELECT 1',
    'SELECT 1 AS ok, 2 AS ok',
    "SELECT 'it''s', '', 'ünï ✓ 𝄞', 7",
    'SELECT -2147483647, 2147483647, 2147483648, -9223372036854775807, 9223372036854775807',
    'SELECT 0 AS "Mixed Case"',
  ];
  for (const sql of answered) {
    it(`answers ${sql} with DuckDB's bytes, text and binary`, async () => {
      const { mine, duckdb } = await both(sql);
      assert.ok(mine, 'answered on the gateway');
      assert.deepEqual(mine.schema.fields.map((f) => [f.name, String(f.type), [...f.metadata]]), duckdb.schema.fields.map((f) => [f.name, String(f.type), [...f.metadata]]));
      assert.deepEqual(encode(mine, 0), encode(duckdb, 0));
      assert.deepEqual(encode(mine, 1), encode(duckdb, 1));
    });
  }

  const left = [
    'SELECT 1 + 1',
    'SELECT 1.5',
    'SELECT NULL',
    "SELECT DATE '2020-01-01'",
    "SELECT 'a'::VARCHAR",
    'SELECT 1 WHERE false',
    'SELECT 1 LIMIT 0',
    'SELECT 1 FROM range(2)',
    'WITH t AS (SELECT 1) SELECT 2',
    'SELECT 170141183460469231731687303715884105727',
    'SELECT now()',
    'SELECT TRUE',
  ];
  for (const sql of left) {
    it(`leaves ${sql} to DuckDB`, async () => {
      const parsed = await codec.parse(sql);
      assert.ok(parsed.ok);
      assert.equal(constantResult(parsed.statement, await describeOn(connection, sql)), undefined);
    });
  }
});
