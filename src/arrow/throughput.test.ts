/**
 * Throughput of both directions for 1M rows of mixed columns. Printed, not
 * asserted: numbers depend on the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeMessage, encodeBatch } from './ipc.ts';
import { queryArrow } from './read-result.ts';
import { loadBatches, stagingTableSql } from './to-duckdb.ts';

const ROWS = 1_000_000;
const SQL = `SELECT i::INTEGER AS id, i * 3 AS big, i / 7 AS dbl, (i % 1000 / 100)::DECIMAL(9,2) AS price,
  i % 3 = 0 AS flag, '2000-01-01'::DATE + (i % 9000)::INTEGER AS day,
  '2020-01-01'::TIMESTAMP + to_microseconds(i) AS ts,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'k' || (i % 10000) END AS short_s,
  'a longer string value for row ' || i AS long_s
FROM range(${ROWS}) t(i)`;

const rate = (rows: number, ms: number): string => `${((rows / ms) * 1000 / 1e6).toFixed(2)}M rows/s`;

test('throughput (printed)', async (t) => {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE src AS ${SQL}`);

  let start = performance.now();
  const arrow = await queryArrow(conn, 'SELECT * FROM src');
  const toArrowMs = performance.now() - start;

  start = performance.now();
  const messages = arrow.batches.flatMap((b) => encodeBatch(b));
  const encodeMs = performance.now() - start;
  const bytes = messages.reduce((n, m) => n + m.byteLength, 0);

  start = performance.now();
  const decoded = messages.flatMap((m) => decodeMessage(m).batches);
  const decodeMs = performance.now() - start;

  const staging = { catalog: 'memory', schema: 'main', name: 'dst' };
  await conn.run(stagingTableSql(arrow.schema, staging));
  start = performance.now();
  await loadBatches(conn, staging, arrow.schema, decoded);
  const loadMs = performance.now() - start;

  const count = (await conn.runAndReadAll('SELECT count(*) FROM dst')).getRows()[0][0];
  assert.equal(count, BigInt(ROWS));
  t.diagnostic(`DuckDB -> Arrow: ${toArrowMs.toFixed(0)} ms, ${rate(ROWS, toArrowMs)} (${arrow.batches.length} batches)`);
  t.diagnostic(`IPC encode: ${encodeMs.toFixed(0)} ms, ${rate(ROWS, encodeMs)}, ${messages.length} messages, ${(bytes / 1048576).toFixed(1)} MiB`);
  t.diagnostic(`IPC decode: ${decodeMs.toFixed(0)} ms, ${rate(ROWS, decodeMs)}`);
  t.diagnostic(`Arrow -> DuckDB: ${loadMs.toFixed(0)} ms, ${rate(ROWS, loadMs)}`);
  conn.closeSync();
  instance.closeSync();
});
