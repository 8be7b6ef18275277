// The fuzzer's own mechanics, with a stand-in for the gateway: a failing
// query is shrunk and saved once as a corpus entry; a query DuckDB rejects is
// reported as a generator bug and not saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckOutcome, CheckedQuery, Differential } from './harness.ts';
import { runQueryFuzz } from './fuzz.ts';
import type { CorpusEntry } from './corpus.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-fuzz-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A gateway that gets every join wrong, and an oracle that answers everything. */
function fakeDifferential(judge: (q: CheckedQuery) => CheckOutcome): Differential {
  return {
    dataDir: dir,
    check: async (q) => judge(q),
    oracle: async () => ({ columns: [], rows: [] }),
    close: async () => undefined,
  };
}

test('a failing query is shrunk and saved once as a regression', async () => {
  const file = pathToFileURL(path.join(dir, 'fuzz.json'));
  const differential = fakeDifferential((q) =>
    / FULL JOIN /.test(q.sql) ? { kind: 'mismatch', message: 'fake: full joins are wrong', expectedRows: 3 } : { kind: 'match', rows: 1 });
  const report = await runQueryFuzz({ differential, runs: 300, seed: 5, saveTo: file });
  assert.ok(report.failure, 'the fake mismatch was not found');
  assert.equal(report.failure.generatorBug, false);
  const sql = report.failure.query.sql;
  assert.match(sql, / FULL JOIN /);
  // Shrunk: one join, and none of the optional clauses that do not matter.
  assert.equal(sql.match(/ JOIN /g)?.length, 1, sql);
  assert.doesNotMatch(sql, / WHERE | GROUP BY | HAVING /, sql);
  const saved = JSON.parse(await readFile(file, 'utf8')) as CorpusEntry[];
  assert.equal(saved.length, 1);
  assert.equal(saved[0].sql, sql);
  assert.match(saved[0].id, /^fuzz-[0-9a-f]{10}$/);
  assert.match(saved[0].note ?? '', /seed 5/);

  const again = await runQueryFuzz({ differential, runs: 300, seed: 5, saveTo: file });
  assert.equal(again.failure?.saved, undefined, 'the same query is not saved twice');
  assert.equal((JSON.parse(await readFile(file, 'utf8')) as CorpusEntry[]).length, 1);
});

test('a query the oracle rejects is a generator bug, never a regression', async () => {
  const file = pathToFileURL(path.join(dir, 'bugs.json'));
  const differential = fakeDifferential(() => ({ kind: 'oracle-error', message: 'fake: DuckDB rejects this' }));
  const report = await runQueryFuzz({ differential, runs: 10, seed: 1, saveTo: file });
  assert.equal(report.failure?.generatorBug, true);
  assert.equal(report.failure?.saved, undefined);
  await assert.rejects(readFile(file, 'utf8'), { code: 'ENOENT' });
});

test('all matching: no failure, every run counted', async () => {
  const report = await runQueryFuzz({ differential: fakeDifferential(() => ({ kind: 'match', rows: 2 })), runs: 25, seed: 9, saveTo: false });
  assert.equal(report.failure, undefined);
  assert.equal(report.runs, 25);
  assert.equal(report.nonEmpty, 25);
});
