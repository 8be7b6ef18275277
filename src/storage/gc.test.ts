import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PONDGATE_BIN } from '../cli/children.ts';
import { openStorageDb, queryRows, sqlString, type StorageDb } from './duckdb.ts';
import { DEFAULT_GRACE_MS, collectGarbage } from './gc.ts';
import { importTable } from './import.ts';
import { resolveDataPath, tablePaths, type ManifestContent } from './manifest.ts';
import { readManifest, readManifestVersion } from './manifest-store.ts';
import { VersionPins } from './pins.ts';
import { deletableFiles } from './retirement.ts';

let root: string;
let input: string;
let db: StorageDb;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-gc-test-'));
  input = path.join(root, 'input.csv');
  await writeFile(input, 'id,name\n' + Array.from({ length: 30 }, (_, i) => `${i},n${i}`).join('\n') + '\n');
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});
after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const rowsIn = async (dataDir: string, files: readonly string[]) =>
  Number((await queryRows(db.connection, `SELECT count(*) AS n FROM read_parquet([${files.map((f) => sqlString(resolveDataPath(dataDir, f))).join(', ')}])`))[0].n);

test('VersionPins counts pins per version; release is idempotent', () => {
  const pins = new VersionPins();
  assert.equal(pins.oldestPinnedVersion(), undefined);
  const a = pins.pinVersion(5);
  const b = pins.pinVersion(5);
  const c = pins.pinVersion(7);
  assert.deepEqual([pins.oldestPinnedVersion(), pins.pinCount(5), pins.pinCount(7)], [5, 2, 1]);
  a.release();
  a.release();
  assert.deepEqual([pins.oldestPinnedVersion(), pins.pinCount(5)], [5, 1]);
  b.release();
  assert.equal(pins.oldestPinnedVersion(), 7);
  c.release();
  assert.equal(pins.oldestPinnedVersion(), undefined);
  assert.throws(() => pins.pinVersion(-1), RangeError);
});

test('a retired file is deletable only when no older version is pinned and the grace period has passed', () => {
  const manifest: ManifestContent = { tables: {}, views: {}, retired: [{ path: 't/w/a.parquet', retiredAtVersion: 4, retiredAtMs: 1000 }] };
  const due = (oldestPinnedVersion: number | undefined, nowMs: number, graceMs = 100) =>
    deletableFiles(manifest, { oldestPinnedVersion, nowMs, graceMs }).map((f) => f.path);
  // Version 3 still names the file; version 4 is the first without it.
  assert.deepEqual(due(3, 5000), []);
  assert.deepEqual(due(4, 5000), ['t/w/a.parquet']);
  assert.deepEqual(due(undefined, 5000), ['t/w/a.parquet']);
  assert.deepEqual(due(undefined, 1099), []);
  assert.deepEqual(due(undefined, 1100), ['t/w/a.parquet']);
  assert.deepEqual(deletableFiles(manifest, { nowMs: 1000 + DEFAULT_GRACE_MS - 1 }), []);
});

test('replacing a table keeps the old version readable until GC may delete its files', async () => {
  const dataDir = path.join(root, 'replace');
  const v1Table = await importTable(input, { table: 't', into: dataDir, partitions: 3, threads: 1, memoryLimit: '256MB' });
  const pins = new VersionPins();
  const running = pins.pinVersion(1); // a query planned on version 1 is still reading
  await importTable(input, { table: 't', into: dataDir, partitions: 2, threads: 1, memoryLimit: '256MB' });
  const v2 = await readManifest(dataDir);
  assert.deepEqual(v2.retired.map((r) => [r.path, r.retiredAtVersion]), tablePaths(v1Table).map((p) => [p, 2]));

  // The snapshot of version 1 is intact: its manifest and every file it names.
  const v1 = await readManifestVersion(dataDir, 1);
  assert.equal(await rowsIn(dataDir, tablePaths(v1.tables.t)), 30);

  const retiredAtMs = v2.retired[0].retiredAtMs;
  const pinned = await collectGarbage(dataDir, { oldestPinnedVersion: pins.oldestPinnedVersion(), graceMs: 0, nowMs: retiredAtMs + 1 });
  assert.deepEqual([pinned.deleted, pinned.waiting, pinned.manifest.version], [[], 3, 2]);
  running.release();
  const young = await collectGarbage(dataDir, { oldestPinnedVersion: pins.oldestPinnedVersion(), nowMs: retiredAtMs + DEFAULT_GRACE_MS - 1 });
  assert.deepEqual([young.deleted, young.waiting], [[], 3]);
  assert.ok(tablePaths(v1.tables.t).every((f) => existsSync(resolveDataPath(dataDir, f))));

  const done = await collectGarbage(dataDir, { oldestPinnedVersion: pins.oldestPinnedVersion(), nowMs: retiredAtMs + DEFAULT_GRACE_MS });
  assert.deepEqual([...done.deleted].sort(), tablePaths(v1Table).sort());
  assert.deepEqual([done.waiting, done.manifest.version, done.manifest.retired], [0, 3, []]);
  assert.deepEqual(await readManifest(dataDir), done.manifest);
  // The old write directory is gone, the table directory and the live files stay.
  const oldDir = path.posix.dirname(tablePaths(v1Table)[0]);
  assert.equal(existsSync(resolveDataPath(dataDir, oldDir)), false);
  assert.deepEqual(await readdir(path.join(dataDir, 't')), [path.posix.basename(path.posix.dirname(tablePaths(v2.tables.t)[0]))]);
  assert.equal(await rowsIn(dataDir, tablePaths(done.manifest.tables.t)), 30);

  // Nothing left to do: no commit.
  const idle = await collectGarbage(dataDir, { nowMs: Date.now() + DEFAULT_GRACE_MS });
  assert.deepEqual([idle.deleted, idle.manifest.version], [[], 3]);
});

test('a collection interrupted after deleting files finishes on the next run', async () => {
  const dataDir = path.join(root, 'interrupted');
  const first = await importTable(input, { table: 't', into: dataDir, partitions: 2, threads: 1, memoryLimit: '256MB' });
  await importTable(input, { table: 't', into: dataDir, partitions: 2, threads: 1, memoryLimit: '256MB' });
  // As if an earlier collection died between deleting the files and committing.
  for (const file of tablePaths(first)) await rm(resolveDataPath(dataDir, file));
  const result = await collectGarbage(dataDir, { graceMs: 0 });
  assert.deepEqual([...result.deleted].sort(), tablePaths(first).sort());
  assert.deepEqual(result.manifest.retired, []);
});

test('a directory of another kind in a table directory is left alone', async () => {
  const dataDir = path.join(root, 'foreign');
  const first = await importTable(input, { table: 't', into: dataDir, partitions: 1, threads: 1, memoryLimit: '256MB' });
  await importTable(input, { table: 't', into: dataDir, partitions: 1, threads: 1, memoryLimit: '256MB' });
  // Someone put a file next to the retired one: its directory is not empty, so it stays.
  const oldDir = resolveDataPath(dataDir, path.posix.dirname(tablePaths(first)[0]));
  await mkdir(oldDir, { recursive: true });
  await writeFile(path.join(oldDir, 'notes.txt'), 'kept');
  await collectGarbage(dataDir, { graceMs: 0 });
  assert.deepEqual(await readdir(oldDir), ['notes.txt']);
});

test('`pondgate gc` deletes what waited its grace period', async () => {
  const dataDir = path.join(root, 'cli');
  const first = await importTable(input, { table: 't', into: dataDir, partitions: 2, threads: 1, memoryLimit: '256MB' });
  await importTable(input, { table: 't', into: dataDir, partitions: 1, threads: 1, memoryLimit: '256MB' });
  const gc = (grace: string) => promisify(execFile)(process.execPath, [PONDGATE_BIN, 'gc', '--data', dataDir, '--grace-seconds', grace]).then((r) => r.stdout);
  assert.equal(await gc('3600'), 'deleted 0 files; 2 retired files wait for their grace period\n');
  assert.equal(await gc('0'), 'deleted 2 files; 0 retired files wait for their grace period\n');
  assert.ok(tablePaths(first).every((f) => !existsSync(resolveDataPath(dataDir, f))));
});
