// The edge tables must really have the properties the differential corpus
// relies on (NULL keys, skew, empty partitions, co-location, a one-row and an
// empty table); otherwise a corpus query about them tests nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateEdge, EDGE_TABLE_NAMES } from './edge.ts';
import { openStorageDb, queryRows, sqlString, type StorageDb } from '../storage/duckdb.ts';
import { bucketExpr } from '../storage/bucket.ts';
import { resolveDataPath, type Manifest, type TableEntry } from '../storage/manifest.ts';

let dir = '';
let manifest: Manifest;
let db: StorageDb;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-edge-'));
  manifest = await generateEdge({ outDir: dir });
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});

after(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const table = (name: string): TableEntry => {
  const t = manifest.tables[name];
  assert.ok(t, `table ${name} missing`);
  return t;
};
const files = (t: TableEntry, partition?: number): string =>
  `read_parquet([${(partition === undefined ? t.partitions : [t.partitions[partition]])
    .flatMap((p) => p.files).map((f) => sqlString(resolveDataPath(dir, f.path))).join(', ')}])`;
const one = async (sql: string): Promise<Record<string, unknown>> => (await queryRows(db.connection, sql))[0];

test('all edge tables are in the manifest', () => {
  for (const name of EDGE_TABLE_NAMES) table(name);
});

test('hash-partitioned tables hold exactly their bucket in each partition', async () => {
  for (const t of Object.values(manifest.tables)) {
    if (t.partitioning.scheme !== 'hash') continue;
    assert.equal(t.partitions.length, t.partitioning.buckets);
    for (let b = 0; b < t.partitions.length; b++) {
      const row = await one(`SELECT count(*) FILTER (WHERE ${bucketExpr(`"${t.partitioning.column}"`, t.partitioning.buckets)} <> ${b}) AS wrong FROM ${files(t, b)}`);
      assert.equal(Number(row.wrong), 0, `${t.name} partition ${b} has rows of another bucket`);
    }
  }
});

test('co-location facts: events with accounts, not transfers or ledger', () => {
  const acc = table('accounts').partitioning;
  const ev = table('events').partitioning;
  const tr = table('transfers').partitioning;
  const le = table('ledger').partitioning;
  assert.ok(acc.scheme === 'hash' && ev.scheme === 'hash' && tr.scheme === 'hash' && le.scheme === 'hash');
  assert.equal(acc.buckets, ev.buckets);
  assert.notEqual(acc.buckets, tr.buckets);
  assert.equal(acc.buckets, le.buckets, 'ledger has the same bucket count, its key type alone keeps it apart');
  assert.match(table('ledger').columns.find((c) => c.name === 'acct_ref')?.type ?? '', /^DECIMAL\(9,2\)$/);
  assert.equal(table('events').columns.find((c) => c.name === 'acct_id')?.type, 'BIGINT');
  assert.equal(table('accounts').columns.find((c) => c.name === 'acct_id')?.type, 'INTEGER');
});

test('NULL keys, skew, orphans and empty partitions are there', async () => {
  const ev = await one(`SELECT count(*) FILTER (WHERE acct_id IS NULL) AS nulls, count(*) FILTER (WHERE acct_id = 7) AS sevens,
    count(*) AS n, count(*) FILTER (WHERE acct_id > 120) AS orphans FROM ${files(table('events'))}`);
  assert.ok(Number(ev.nulls) > 0 && Number(ev.orphans) > 0);
  assert.ok(Number(ev.sevens) > Number(ev.n) / 2, 'one key holds most events');
  const acc = await one(`SELECT count(*) FILTER (WHERE zone IS NULL) AS z, count(*) FILTER (WHERE balance IS NULL) AS b FROM ${files(table('accounts'))}`);
  assert.ok(Number(acc.z) > 0 && Number(acc.b) > 0);
  const readings = table('readings');
  assert.ok(readings.partitions.some((p) => p.rows === 0) && readings.partitions.some((p) => p.rows > 0));
  assert.equal(table('one_row').partitions.reduce((s, p) => s + p.rows, 0), 1);
  assert.equal(table('no_rows').partitions.reduce((s, p) => s + p.rows, 0), 0);
  assert.ok(table('no_rows').columns.length > 0, 'an empty table still has its columns');
});

test('generation is deterministic', async () => {
  const again = await mkdtemp(path.join(os.tmpdir(), 'pondgate-edge-again-'));
  try {
    const second = await generateEdge({ outDir: again });
    for (const t of Object.values(manifest.tables)) {
      // Each write goes to a directory of its own: compare partition by partition, file by file.
      const other = second.tables[t.name];
      assert.ok(other, `${t.name} missing in the second run`);
      for (const [i, p] of t.partitions.entries()) {
        for (const [j, f] of p.files.entries()) {
          const g = other.partitions[i]?.files[j];
          assert.ok(g, `${t.name} partition ${i} file ${j} missing in the second run`);
          const [a, b] = await Promise.all([readFile(resolveDataPath(dir, f.path)), readFile(resolveDataPath(again, g.path))]);
          assert.ok(a.equals(b), `${f.path} differs between two runs`);
        }
      }
    }
  } finally {
    await rm(again, { recursive: true, force: true });
  }
});
