import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importTable, ImportError, type ImportOptions, type ImportScheme } from './import.ts';
import { duckdbLibraryVersion, openStorageDb, queryRows, sqlString, type StorageDb } from './duckdb.ts';
import { partitionPaths, resolveDataPath, tablePaths, type TableEntry } from './manifest.ts';
import { readManifest } from './manifest-store.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';

let root: string;
let input: string;
let db: StorageDb;

// 10 rows in two CSV files (6 + 4) and the same rows as one JSON array.
const ROWS = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, city: ['Oslo', 'Lima', 'Pune'][i % 3], amount: (i * 1.5).toFixed(2) }));
const csv = (rows: typeof ROWS) => ['id,city,amount', ...rows.map((r) => `${r.id},${r.city},${r.amount}`)].join('\n') + '\n';

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-import-test-'));
  input = path.join(root, 'input');
  await mkdir(input);
  await writeFile(path.join(input, 'a.csv'), csv(ROWS.slice(0, 6)));
  await writeFile(path.join(input, 'b.csv'), csv(ROWS.slice(6)));
  await writeFile(path.join(input, 'all.json'), JSON.stringify(ROWS.map((r) => ({ ...r, amount: Number(r.amount) }))));
  db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
});

after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = () => path.join(root, `data-${dirs++}`);
const base = (into: string, extra: Partial<ImportOptions> = {}): ImportOptions => ({ table: 't', into, partitions: 3, threads: 1, memoryLimit: '256MB', ...extra });

/** ids of each partition, in file order, read back from the files the manifest names. */
async function partitionIds(into: string, table: TableEntry): Promise<number[][]> {
  const out: number[][] = [];
  for (const part of table.partitions) {
    const file = sqlString(resolveDataPath(into, part.files[0].path));
    out.push((await queryRows(db.connection, `SELECT id FROM read_parquet(${file})`)).map((r) => Number(r.id)));
  }
  return out;
}

const allIds = ROWS.map((r) => r.id);
const sorted = (ids: number[][]) => ids.flat().sort((a, b) => a - b);

for (const [label, source] of [['CSV glob', 'input/*.csv'], ['JSON', 'input/all.json']] as const) {
  test(`${label}: even keeps input order and splits evenly`, async () => {
    const into = freshDir();
    const table = await importTable(path.join(root, source), base(into, { by: { scheme: 'even' } }));
    assert.deepEqual(await partitionIds(into, table), [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]]);
    assert.deepEqual(table.partitions.map((p) => p.rows), [3, 3, 4]);
    assert.deepEqual(table.partitioning, { scheme: 'even' });
    assert.deepEqual(table.partitions[2].files[0].columns.id, { min: '7', max: '10', nulls: 0 });
    assert.deepEqual(table.columns.map((c) => c.name), ['id', 'city', 'amount']);
    assert.deepEqual(await readManifest(into).then((m) => m.tables.t), table);
  });

  test(`${label}: hash puts each row in bucket hash(column) % N`, async () => {
    const into = freshDir();
    const table = await importTable(path.join(root, source), base(into, { by: { scheme: 'hash', column: 'CITY' } }));
    const hashedBy = await duckdbLibraryVersion(db.connection);
    assert.deepEqual(table.partitioning, { scheme: 'hash', column: 'city', keyType: 'VARCHAR', buckets: 3, hashedBy });
    for (const [i, part] of table.partitions.entries()) {
      const file = sqlString(resolveDataPath(into, part.files[0].path));
      const [r] = await queryRows(db.connection, `SELECT count(*) FILTER (hash(city) % 3 <> ${i}) AS wrong, count(DISTINCT city) AS cities FROM read_parquet(${file})`);
      assert.equal(Number(r.wrong), 0);
    }
    assert.deepEqual(sorted(await partitionIds(into, table)), allIds);
  });

  test(`${label}: random with a seed is reproducible and loses no row`, async () => {
    const [x, y] = [freshDir(), freshDir()];
    const by: ImportScheme = { scheme: 'random', seed: 42 };
    const a = await importTable(path.join(root, source), base(x, { by }));
    const b = await importTable(path.join(root, source), base(y, { by }));
    assert.deepEqual(await partitionIds(x, a), await partitionIds(y, b));
    assert.deepEqual(sorted(await partitionIds(x, a)), allIds);
    assert.deepEqual(a.partitioning, { scheme: 'random' });
  });
}

test('files: one partition per input file, in name order', async () => {
  const into = freshDir();
  const table = await importTable(path.join(input, '*.csv'), { table: 'f', into, by: { scheme: 'files' }, threads: 1, memoryLimit: '256MB' });
  assert.deepEqual(await partitionIds(into, table), [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10]]);
  assert.deepEqual(table.partitioning, { scheme: 'files' });
  const json = await importTable(path.join(input, 'all.json'), { table: 'j', into, by: { scheme: 'files' }, partitions: 1 });
  assert.equal(json.partitions.length, 1);
  // The helper column that tells files apart is not part of the table.
  assert.deepEqual(table.columns.map((c) => c.name), ['id', 'city', 'amount']);
});

test('import keeps the other tables of the manifest and replaces its own without touching its old files', async () => {
  const into = freshDir();
  const keep: TableEntry = fixtureTable({ name: 'keep', columns: [{ name: 'x', type: 'INTEGER' }], files: [['keep/x.parquet']], rowsPerFile: 1 });
  await commitTables(into, keep);
  const first = await importTable(path.join(input, '*.csv'), base(into, { partitions: 4 }));
  let m = await readManifest(into);
  assert.deepEqual(m.tables.keep, keep);
  assert.equal(m.version, 2);
  assert.equal(m.tables.t.partitions.length, 4);
  await importTable(path.join(input, 'all.json'), base(into, { partitions: 2 }));
  m = await readManifest(into);
  assert.deepEqual(m.tables.keep, keep);
  assert.equal(m.version, 3);
  const [oldDir, newDir] = [first, m.tables.t].map((t) => path.posix.dirname(partitionPaths(t.partitions[0])[0]));
  assert.notEqual(oldDir, newDir);
  assert.deepEqual(await readdir(resolveDataPath(into, newDir)), ['part-00000.parquet', 'part-00001.parquet']);
  // Version 2's files stay for queries still reading it, recorded as retired by version 3.
  assert.deepEqual((await readdir(path.join(into, 't'))).sort(), [oldDir, newDir].map((d) => path.posix.basename(d)).sort());
  assert.deepEqual(await readdir(resolveDataPath(into, oldDir)), ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet', 'part-00003.parquet']);
  assert.deepEqual(m.retired.map((r) => [r.path, r.retiredAtVersion]), tablePaths(first).map((p) => [p, 3]));
  // No staging leftovers.
  assert.deepEqual((await readdir(into)).sort(), ['_manifest', 'manifest.json', 't']);
});

test('bad inputs give clear errors and leave the manifest alone', async () => {
  const into = freshDir();
  const csvGlob = path.join(input, '*.csv');
  const fails = (source: string, options: ImportOptions, message: RegExp) =>
    assert.rejects(importTable(source, options), (e: Error) => e instanceof ImportError && message.test(e.message));
  await fails(path.join(input, 'missing.csv'), base(into), /input file not found: .*missing\.csv/);
  await fails(path.join(input, '*.parquet'), base(into), /no input file matches/);
  await fails(csvGlob, base(into, { by: { scheme: 'hash', column: 'nope' } }), /unknown hash column "nope"; columns are: id, city, amount/);
  await fails(csvGlob, base(into, { partitions: 0 }), /bad partition count: .* got 0/);
  await fails(csvGlob, base(into, { partitions: 2.5 }), /bad partition count/);
  await fails(csvGlob, base(into, { partitions: undefined }), /partitions is required for scheme even/);
  await fails(csvGlob, base(into, { by: { scheme: 'files' }, partitions: 3 }), /2 files match .* but partitions is 3/);
  await fails(csvGlob, base(into, { table: 'bad-name' }), /invalid table name "bad-name"/);
  await fails(path.join(input, 'x.xlsx'), base(into), /cannot tell the format/);
  await fails(csvGlob, base(into, { format: 'parquet' }), /cannot read 2 files as parquet/);
  await fails(csvGlob, base(into, { by: { scheme: 'range' } as unknown as ImportScheme }), /unknown partitioning scheme "range"/);
  assert.equal(existsSync(path.join(into, 'manifest.json')), false);
  assert.deepEqual(existsSync(into) ? await readdir(into) : [], []);
});
