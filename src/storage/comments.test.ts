import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setColumnComment, setTableComment } from './comments.ts';
import { ManifestError } from './manifest.ts';
import { readManifest } from './manifest-store.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';

let root: string;
let dirs = 0;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-comments-test-'));
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = path.join(root, `data-${dirs++}`);
  const columns = Array.from({ length: 6 }, (_, i) => ({ name: `c${i}`, type: 'INTEGER' }));
  await commitTables(dir, fixtureTable({ name: 'Sales', columns }), fixtureTable({ name: 'other', columns: [{ name: 'x', type: 'INTEGER' }] }));
  return dir;
}

test('table and column comments are set, replaced and removed, one commit each', async () => {
  const dir = await freshDir();
  let m = await setTableComment(dir, 'Sales', 'one row per sale');
  assert.equal(m.tables.Sales.comment, 'one row per sale');
  assert.equal(m.version, 2);
  m = await setColumnComment(dir, 'Sales', 'c1', 'amount in EUR');
  assert.equal(m.tables.Sales.columns[1].comment, 'amount in EUR');
  assert.deepEqual(await readManifest(dir), m);
  m = await setColumnComment(dir, 'Sales', 'c1', 'amount in USD');
  assert.equal(m.tables.Sales.columns[1].comment, 'amount in USD');
  // As in PostgreSQL, null or '' removes the comment.
  m = await setTableComment(dir, 'Sales', null);
  assert.equal('comment' in m.tables.Sales, false);
  m = await setColumnComment(dir, 'Sales', 'c1', '');
  assert.equal('comment' in m.tables.Sales.columns[1], false);
  assert.equal(m.version, 6);
  // Setting what is already there commits nothing.
  assert.equal((await setTableComment(dir, 'Sales', null)).version, 6);
  assert.deepEqual(m.tables.other, (await readManifest(dir)).tables.other);
});

test('names resolve like DuckDB names; unknown ones are refused without a commit', async () => {
  const dir = await freshDir();
  assert.equal((await setTableComment(dir, 'sales', 'found case-insensitively')).tables.Sales.comment, 'found case-insensitively');
  assert.equal((await setColumnComment(dir, 'SALES', 'C2', 'also')).tables.Sales.columns[2].comment, 'also');
  await assert.rejects(setTableComment(dir, 'missing', 'x'), (e: Error) => e instanceof ManifestError && /table "missing" does not exist/.test(e.message));
  await assert.rejects(setColumnComment(dir, 'Sales', 'nope', 'x'), /column "nope" of table Sales does not exist; columns are: c0, c1, c2, c3, c4, c5/);
  assert.equal((await readManifest(dir)).version, 3);
});

test('concurrent comments on different columns are all kept', async () => {
  const dir = await freshDir();
  await Promise.all([
    setTableComment(dir, 'Sales', 'table'),
    ...Array.from({ length: 6 }, (_, i) => setColumnComment(dir, 'Sales', `c${i}`, `column ${i}`)),
  ]);
  const m = await readManifest(dir);
  assert.equal(m.tables.Sales.comment, 'table');
  assert.deepEqual(m.tables.Sales.columns.map((c) => c.comment), Array.from({ length: 6 }, (_, i) => `column ${i}`));
  assert.equal(m.version, 8);
});
