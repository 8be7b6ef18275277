import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestError, emptyManifest, withTable, type Manifest, type TableEntry } from './manifest.ts';
import { ManifestFormatError } from './manifest-schema.ts';
import {
  MANIFEST_FILE, ManifestConflictError, commitManifest, hasNewerVersion, readManifest, readManifestVersion, updateManifest, versionFile,
} from './manifest-store.ts';
import { fixtureTable } from '../../test/support/manifest.ts';

let root: string;
let dirs = 0;
const freshDir = () => path.join(root, `data-${dirs++}`);

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-manifest-store-test-'));
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const table = (name: string, write = 'w1', partitions = 1): TableEntry =>
  fixtureTable({ name, columns: [{ name: 'x', type: 'INTEGER' }], files: Array.from({ length: partitions }, (_, i) => [`${name}/${write}/part-${i}.parquet`]) });

const snapshotOf = async (dir: string) => ({
  pointer: await readFile(path.join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined),
  log: await readdir(path.join(dir, '_manifest')).catch(() => []),
});

test('an empty directory reads as version 0 and reading creates nothing', async () => {
  const dir = freshDir();
  assert.deepEqual(await readManifest(dir), emptyManifest());
  assert.equal(existsSync(dir), false);
});

test('a commit writes the version file and the pointer, as readable JSON', async () => {
  const dir = freshDir();
  const committed = await commitManifest(dir, emptyManifest(), withTable(emptyManifest(), table('a')));
  assert.equal(committed.version, 1);
  const [pointer, logged] = await Promise.all([readFile(path.join(dir, MANIFEST_FILE), 'utf8'), readFile(path.join(dir, versionFile(1)), 'utf8')]);
  assert.equal(pointer, logged);
  assert.match(pointer, /^\{\n {2}"format": 2,\n {2}"version": 1,\n/);
  assert.deepEqual(await readManifest(dir), committed);
  assert.deepEqual(await readdir(path.join(dir, '_manifest')), ['v0000000001.json']); // no temporary files left
});

test('a commit from a stale base throws ManifestConflictError and changes nothing', async () => {
  const dir = freshDir();
  const v1 = await commitManifest(dir, emptyManifest(), withTable(emptyManifest(), table('a')));
  await commitManifest(dir, v1, withTable(v1, table('b')));
  const before = await snapshotOf(dir);
  await assert.rejects(commitManifest(dir, v1, withTable(v1, table('c'))), (e: Error) => e instanceof ManifestConflictError && e.baseVersion === 1);
  assert.deepEqual(await snapshotOf(dir), before);
  assert.deepEqual(Object.keys((await readManifest(dir)).tables), ['a', 'b']);
});

test('two concurrent committers from the same base: exactly one wins', async () => {
  for (let round = 0; round < 5; round++) {
    const dir = freshDir();
    const base = await commitManifest(dir, emptyManifest(), withTable(emptyManifest(), table('base')));
    const outcomes = await Promise.allSettled(['x', 'y'].map((name) => commitManifest(dir, base, withTable(base, table(name)))));
    const won = outcomes.filter((o): o is PromiseFulfilledResult<Manifest> => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(won.length, 1, `round ${round}`);
    assert.ok(lost[0].reason instanceof ManifestConflictError, String(lost[0].reason));
    assert.deepEqual(await readManifest(dir), won[0].value);
  }
});

test('a commit is validated before anything is written', async () => {
  const dir = freshDir();
  const bad = withTable(emptyManifest(), { ...table('a'), partitions: [{ ...table('a').partitions[0], files: [{ ...table('a').partitions[0].files[0], path: '../escape.parquet' }] }] });
  await assert.rejects(commitManifest(dir, emptyManifest(), bad), (e: Error) => e instanceof ManifestError && /must be relative/.test(e.message));
  assert.equal(existsSync(path.join(dir, versionFile(1))), false);
});

test('readers roll forward past a stale pointer; the next commit repairs it', async () => {
  const dir = freshDir();
  const v1 = await commitManifest(dir, emptyManifest(), withTable(emptyManifest(), table('a')));
  const v1Pointer = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  const v2 = await commitManifest(dir, v1, withTable(v1, table('b')));
  // As if the writer of version 2 died between creating its version file and replacing the pointer.
  await writeFile(path.join(dir, MANIFEST_FILE), v1Pointer);
  assert.equal(await hasNewerVersion(dir, 1), true);
  assert.deepEqual(await readManifest(dir), v2);
  await assert.rejects(commitManifest(dir, v1, v1), ManifestConflictError);
  const v3 = await commitManifest(dir, v2, withTable(v2, table('c')));
  assert.equal(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')).version, 3);
  assert.deepEqual(await readManifest(dir), v3);
  assert.equal(await hasNewerVersion(dir, 3), false);
  // Old versions stay readable: a long query can re-read the snapshot it planned against.
  assert.deepEqual(await readManifestVersion(dir, 1), v1);
  await assert.rejects(readManifestVersion(dir, 4), /version 4 is not stored/);
});

test('a commit records the files it stops referencing as retired', async () => {
  const dir = freshDir();
  const v1 = await commitManifest(dir, emptyManifest(), withTable(withTable(emptyManifest(), table('a', 'old', 2)), table('b')));
  const before = Date.now();
  const v2 = await commitManifest(dir, v1, withTable(v1, table('a', 'new')));
  assert.deepEqual(v2.retired.map((r) => [r.path, r.retiredAtVersion]), [['a/old/part-0.parquet', 2], ['a/old/part-1.parquet', 2]]);
  assert.ok(v2.retired.every((r) => r.retiredAtMs >= before && r.retiredAtMs <= Date.now()));
  // Unrelated commits carry the list; referencing a retired path again takes it off.
  const v3 = await commitManifest(dir, v2, withTable(v2, table('c')));
  assert.deepEqual(v3.retired, v2.retired);
  const v4 = await commitManifest(dir, v3, withTable(v3, { ...table('a', 'old'), name: 'a2' }));
  assert.deepEqual(v4.retired.map((r) => r.path), ['a/old/part-1.parquet']);
});

test('format 1 manifests are not read as format 2', async () => {
  const dir = freshDir();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify({ format: 1, version: 3, tables: {} }));
  await assert.rejects(readManifest(dir), ManifestFormatError);
});

test('many concurrent writers of different tables in one process: no table is lost', async () => {
  const dir = freshDir();
  const names = Array.from({ length: 16 }, (_, i) => `t${i}`);
  await Promise.all(names.map((name) => updateManifest(dir, (current) => withTable(current, table(name)))));
  const m = await readManifest(dir);
  assert.deepEqual(Object.keys(m.tables).sort(), [...names].sort());
  assert.equal(m.version, names.length);
  assert.deepEqual((await readdir(path.join(dir, '_manifest'))).length, names.length);
});

test('concurrent writers in separate processes: no table is lost', async () => {
  const dir = freshDir();
  const child = fileURLToPath(new URL('../../test/support/commit-tables-child.ts', import.meta.url));
  const [processes, perProcess] = [4, 5];
  const exits = await Promise.all(
    Array.from({ length: processes }, (_, p) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, `p${p}`, String(perProcess)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<string>((resolve) => proc.once('exit', (code) => resolve(`${code}${stderr ? `: ${stderr}` : ''}`)));
    }),
  );
  assert.deepEqual(exits, Array(processes).fill('0'));
  const m = await readManifest(dir);
  assert.equal(Object.keys(m.tables).length, processes * perProcess);
  assert.equal(m.version, processes * perProcess);
});
