import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStorageDb, type StorageDb } from './duckdb.ts';
import { fileStatsQuery, hasUsefulOrder, readFileStats, writePartition } from './partition-file.ts';

let root: string;
let db: StorageDb;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-partition-file-test-'));
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});
after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

// Four rows: every column has a NULL, one column is NULL throughout, nested columns have no order.
const SELECT = `SELECT * FROM (VALUES
    (3, 'pear', DATE '2024-03-01', TIMESTAMPTZ '2024-01-01 12:00:00+02', 1.5::DECIMAL(15,2), NULL::VARCHAR, [1, 2], {'a': 1}),
    (1, 'apple', DATE '2023-12-31', TIMESTAMPTZ '2024-06-01 00:00:00+00', -2.25::DECIMAL(15,2), NULL, [3], {'a': 2}),
    (NULL, 'fig', NULL, NULL, NULL, NULL, NULL, NULL),
    (7, NULL, DATE '2024-01-15', TIMESTAMPTZ '2023-06-01 00:00:00+00', 0::DECIMAL(15,2), NULL, [], {'a': NULL})
  ) t(id, name, day, "at", amount, nothing, list, obj)`;

test('a written file gets rows, bytes and per-column min/max/nulls from one read of the file', async () => {
  const { entry, columns } = await writePartition(db.connection, { dataDir: root, file: 't/w1/part-00000.parquet', selectSql: SELECT });
  assert.deepEqual(columns.map((c) => `${c.name} ${c.type}`), [
    'id INTEGER', 'name VARCHAR', 'day DATE', 'at TIMESTAMP WITH TIME ZONE', 'amount DECIMAL(15,2)', 'nothing VARCHAR', 'list INTEGER[]', 'obj STRUCT(a INTEGER)',
  ]);
  const [file] = entry.files;
  assert.equal(file.path, 't/w1/part-00000.parquet');
  assert.equal(file.bytes, (await stat(path.join(root, file.path))).size);
  assert.deepEqual([entry.rows, entry.bytes], [4, file.bytes]);
  assert.deepEqual(file.columns, {
    id: { min: '1', max: '7', nulls: 1 },
    name: { min: 'apple', max: 'pear', nulls: 1 },
    day: { min: '2023-12-31', max: '2024-03-01', nulls: 1 },
    // TIMESTAMPTZ as text in UTC, whatever the machine's zone.
    at: { min: '2023-06-01 00:00:00+00', max: '2024-06-01 00:00:00+00', nulls: 1 },
    amount: { min: '-2.25', max: '1.50', nulls: 1 },
    nothing: { min: null, max: null, nulls: 4 },
    list: { min: null, max: null, nulls: 1 },
    obj: { min: null, max: null, nulls: 1 },
  });
});

test('extra aggregates ride along in the same scan', async () => {
  await writePartition(db.connection, { dataDir: root, file: 't/w2/part-00000.parquet', selectSql: 'SELECT range AS k FROM range(10)' });
  const { file, extra } = await readFileStats(db.connection, root, 't/w2/part-00000.parquet', [{ name: 'k', type: 'BIGINT' }], { odd: 'count(*) FILTER (WHERE k % 2 = 1)' });
  assert.deepEqual(file.columns.k, { min: '0', max: '9', nulls: 0 });
  assert.equal(Number(extra.odd), 5);
  // One SELECT over the source: one scan.
  const sql = fileStatsQuery('src', [{ name: 'k', type: 'BIGINT' }, { name: 'l', type: 'INTEGER[]' }]);
  assert.equal(sql.match(/\bFROM\b/g)?.length, 1);
  assert.doesNotMatch(sql, /min\("l"\)/);
});

test('types without a useful order', () => {
  for (const type of ['INTEGER[]', 'INTEGER[3]', 'STRUCT(a INTEGER)', 'MAP(VARCHAR, INTEGER)', 'UNION(k INTEGER)', 'VARIANT']) assert.equal(hasUsefulOrder(type), false, type);
  for (const type of ['BIGINT', 'VARCHAR', 'DECIMAL(15,2)', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'BLOB', 'UUID']) assert.equal(hasUsefulOrder(type), true, type);
});
