import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PONDGATE_BIN } from '../cli/children.ts';
import { setColumnComment, setTableComment } from './comments.ts';
import { openStorageDb, queryRows, sqlString, type StorageDb } from './duckdb.ts';
import { importTable } from './import.ts';
import { newTableDirectory, partitionFile } from './layout.ts';
import { ManifestError, resolveDataPath, tablePaths, type TableEntry } from './manifest.ts';
import { readManifest } from './manifest-store.ts';
import { writePartition } from './partition-file.ts';
import { createStaging, publishTables } from './publish.ts';

let root: string;
let input: string;
let db: StorageDb;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-publish-test-'));
  input = path.join(root, 'input.csv');
  await writeFile(input, 'id,name\n' + Array.from({ length: 20 }, (_, i) => `${i},n${i}`).join('\n') + '\n');
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});
after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const countRows = async (dataDir: string, table: TableEntry) =>
  Number((await queryRows(db.connection, `SELECT count(*) AS n FROM read_parquet([${tablePaths(table).map((f) => sqlString(resolveDataPath(dataDir, f))).join(', ')}])`))[0].n);

test('concurrent imports of different tables in one process: every table is published', async () => {
  const dataDir = path.join(root, 'async');
  const names = ['a', 'b', 'c', 'd', 'e'];
  await Promise.all(names.map((table) => importTable(input, { table, into: dataDir, partitions: 2, threads: 1, memoryLimit: '128MB' })));
  const m = await readManifest(dataDir);
  assert.deepEqual(Object.keys(m.tables).sort(), names);
  assert.equal(m.version, names.length);
  for (const table of Object.values(m.tables)) assert.equal(await countRows(dataDir, table), 20, table.name);
  assert.deepEqual(m.retired, []);
});

test('concurrent `pondgate import` processes: every table is published', async () => {
  const dataDir = path.join(root, 'processes');
  const names = ['p', 'q', 'r'];
  await Promise.all(names.map((table) => promisify(execFile)(process.execPath, [PONDGATE_BIN, 'import', input, '--table', table, '--into', dataDir, '--partitions', '2'])));
  const m = await readManifest(dataDir);
  assert.deepEqual(Object.keys(m.tables).sort(), names);
  for (const table of Object.values(m.tables)) assert.equal(await countRows(dataDir, table), 20, table.name);
  // Staging directories are gone; each table has exactly its one write directory.
  assert.deepEqual((await readdir(dataDir)).sort(), ['_manifest', 'manifest.json', ...names]);
  for (const name of names) assert.equal((await readdir(path.join(dataDir, name))).length, 1);
});

test('replacing a table keeps its comments; new columns start without', async () => {
  const dataDir = path.join(root, 'comments');
  await importTable(input, { table: 't', into: dataDir, partitions: 1 });
  await setTableComment(dataDir, 't', 'people');
  await setColumnComment(dataDir, 't', 'name', 'given name');
  await writeFile(path.join(root, 'wider.csv'), 'id,name,age\n1,x,30\n');
  const replaced = await importTable(path.join(root, 'wider.csv'), { table: 't', into: dataDir, partitions: 1 });
  assert.equal(replaced.comment, undefined); // the import's own entry ...
  const t = (await readManifest(dataDir)).tables.t; // ... is committed with the comments carried over
  assert.equal(t.comment, 'people');
  assert.deepEqual(t.columns.map((c) => [c.name, c.comment]), [['id', undefined], ['name', 'given name'], ['age', undefined]]);
});

test('a publish whose commit fails moves its files back out and commits nothing', async () => {
  const dataDir = path.join(root, 'failing');
  await importTable(input, { table: 'keep', into: dataDir, partitions: 1 });
  const before = await readManifest(dataDir);
  const staging = await createStaging(dataDir);
  const directory = newTableDirectory('broken');
  const written = await writePartition(db.connection, { dataDir: staging, file: partitionFile(directory, 0), selectSql: 'SELECT 1 AS k' });
  // Two buckets but one partition: refused by validation at commit time.
  const broken: TableEntry = {
    name: 'broken',
    columns: written.columns,
    partitioning: { scheme: 'hash', column: 'k', keyType: 'INTEGER', buckets: 2, hashedBy: 'v0' },
    partitions: [written.entry],
  };
  await assert.rejects(publishTables(dataDir, staging, [broken]), (e: Error) => e instanceof ManifestError && /2 buckets but 1 partitions/.test(e.message));
  assert.equal(existsSync(resolveDataPath(dataDir, directory)), false);
  assert.deepEqual(await readManifest(dataDir), before);
  await rm(staging, { recursive: true });
});
