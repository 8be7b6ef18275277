import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { duckdbLibraryVersion, openStorageDb, type StorageDb } from './duckdb.ts';
import { importTable } from './import.ts';
import { tablePaths, tableRows, type Manifest } from './manifest.ts';
import { ManifestFormatError } from './manifest-schema.ts';
import { MANIFEST_FILE, readManifest, versionFile } from './manifest-store.ts';
import { openDataDir, type UpgradeLog } from './upgrade.ts';
import { V1_ROWS, V1_VERSION, writeV1DataDir } from '../../test/support/v1-data-dir.ts';

let root: string;
let pristine: string; // a v1 directory never opened; each test upgrades a copy
let db: StorageDb;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-upgrade-test-'));
  pristine = path.join(root, 'pristine');
  await writeV1DataDir(pristine);
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});
after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

let copies = 0;
async function v1Copy(): Promise<string> {
  const dir = path.join(root, `copy-${copies++}`);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

/** Collects what the upgrade logs. */
function recorder(): UpgradeLog & { lines: { level: string; details: object; message: string }[] } {
  const lines: { level: string; details: object; message: string }[] = [];
  return {
    lines,
    info: (details, message) => lines.push({ level: 'info', details, message }),
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
  };
}

test('a format-1 manifest is not read as format 2 before the upgrade', async () => {
  await assert.rejects(readManifest(pristine), ManifestFormatError);
});

test('opening a format-1 directory computes the stats from the files and commits format 2, logged', async () => {
  const dir = await v1Copy();
  const log = recorder();
  const m = await openDataDir(dir, { log });
  assert.equal(m.format, 2);
  assert.equal(m.version, V1_VERSION + 1);
  assert.deepEqual(await readManifest(dir), m);
  assert.deepEqual(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')), JSON.parse(await readFile(path.join(dir, versionFile(V1_VERSION + 1)), 'utf8')));
  // Same tables, same files, nothing retired.
  assert.deepEqual(Object.keys(m.tables).sort(), ['even_t', 'fake_hash_t', 'hash_t']);
  assert.deepEqual(tablePaths(m.tables.even_t), ['even_t/part-00000.parquet', 'even_t/part-00001.parquet', 'even_t/part-00002.parquet']);
  assert.deepEqual(m.retired, []);
  for (const table of Object.values(m.tables)) assert.equal(tableRows(table), V1_ROWS, table.name);
  // Per-file statistics read from the files.
  const [first, second] = m.tables.even_t.partitions;
  assert.deepEqual([first.rows, second.rows, second.files.map((f) => f.rows)], [6, 6, [3, 3]]);
  assert.deepEqual(second.files[1].columns, { k: { min: '10', max: '12', nulls: 0 }, v: { min: 'v10', max: 'v11', nulls: 1 } });
  assert.equal(second.files[1].bytes, (await stat(path.join(dir, 'even_t/part-00002.parquet'))).size);
  assert.equal(second.bytes, second.files[0].bytes + second.files[1].bytes);
  // True hash partitioning is verified row by row and kept, with what format 1 did not record.
  const hashedBy = await duckdbLibraryVersion(db.connection);
  assert.deepEqual(m.tables.hash_t.partitioning, { scheme: 'hash', column: 'k', keyType: 'BIGINT', buckets: 3, hashedBy });
  // A hash claim the rows contradict is dropped rather than trusted.
  assert.deepEqual(m.tables.fake_hash_t.partitioning, { scheme: 'files' });
  assert.deepEqual(log.lines.map((l) => l.level), ['warn', 'info']);
  assert.match(log.lines[0].message, /^table fake_hash_t is recorded as partitioned by files, not by hash: \d+ rows are not in bucket hash\(k\) % 2 of DuckDB v/);
  assert.equal(log.lines[1].message, `upgraded the manifest of ${dir} from format 1 to format 2`);
  assert.deepEqual({ ...log.lines[1].details, ms: 0 }, { dataDir: dir, fromFormat: 1, toFormat: 2, fromVersion: V1_VERSION, toVersion: V1_VERSION + 1, tables: 3, ms: 0 });

  // Opening again changes nothing and logs nothing.
  const again = recorder();
  assert.deepEqual(await openDataDir(dir, { log: again }), m);
  assert.deepEqual(again.lines, []);
  assert.deepEqual(await readdir(path.join(dir, '_manifest')), ['v0000000005.json']);
});

test('processes opening a format-1 directory at once: one upgrades, all get its result', async () => {
  const dir = await v1Copy();
  const logs = [recorder(), recorder(), recorder()];
  const results = await Promise.all(logs.map((log) => openDataDir(dir, { log })));
  for (const m of results) assert.deepEqual(m, results[0]);
  assert.equal(results[0].version, V1_VERSION + 1);
  assert.equal(logs.flatMap((l) => l.lines).filter((l) => l.level === 'info').length, 1);
});

test('importing into a format-1 directory upgrades it first and keeps its tables', async () => {
  const dir = await v1Copy();
  const input = path.join(root, 'input.csv');
  await writeFile(input, 'a,b\n1,x\n2,y\n');
  await importTable(input, { table: 'fresh', into: dir, partitions: 1, threads: 1, memoryLimit: '256MB' });
  const m: Manifest = await readManifest(dir);
  assert.equal(m.version, V1_VERSION + 2);
  assert.deepEqual(Object.keys(m.tables).sort(), ['even_t', 'fake_hash_t', 'fresh', 'hash_t']);
  assert.equal(tableRows(m.tables.even_t), V1_ROWS);
});

test('a format-1 file that cannot be read fails the upgrade with the file named, and commits nothing', async () => {
  const dir = await v1Copy();
  await rm(path.join(dir, 'hash_t/part-00001.parquet'));
  await assert.rejects(openDataDir(dir, { log: recorder() }), /upgrading table hash_t of .* file hash_t\/part-00001\.parquet: /);
  assert.equal(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')).format, 1);
});
