// The query generator, checked without the gateway: generated queries must
// run on DuckDB, stay small, put a LIMIT only under an ORDER BY over every
// output column, and give the same answer when the tables' files are read in
// reverse order with more threads. A generator that produced invalid or
// nondeterministic queries would make the fuzzer report false failures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { generateTpch } from '../../src/datagen/tpch.ts';
import { generateEdge } from '../../src/datagen/edge.ts';
import { compareResults, formatDiff, type TextResult } from './compare.ts';
import { openOracle, type Oracle } from './oracle.ts';
import { MODELS, queryGenome, renderQuery } from './querygen.ts';

const SAMPLES = 250;
const SEED = 424242;

let dataDir = '';
let oracle: Oracle | undefined;
let perturbed: Oracle | undefined;

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-querygen-'));
  await generateTpch({ scaleFactor: 0.01, outDir: dataDir, partitions: 3, threads: 2, memoryLimit: '1GB' });
  await generateEdge({ outDir: dataDir });
  oracle = await openOracle(dataDir);
  perturbed = await openOracle(dataDir, 'UTC', { perturbed: true });
});

after(async () => {
  oracle?.close();
  perturbed?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the schema models name only real columns', async () => {
  assert.ok(oracle);
  for (const model of MODELS) {
    for (const table of model.tables) {
      const result = await oracle.query(`SELECT ${table.columns.map((c) => c.name).join(', ')} FROM ${table.name} LIMIT 0`);
      assert.equal(result.columns.length, table.columns.length);
    }
    for (const e of model.edges) {
      for (const [t, c] of [[e.a, e.aColumn], [e.b, e.bColumn]]) {
        assert.ok(model.tables.find((x) => x.name === t)?.columns.some((x) => x.name === c), `${model.name}: edge column ${t}.${c} is not modelled`);
      }
    }
  }
});

test(`${SAMPLES} generated queries run, stay small and are deterministic`, async () => {
  assert.ok(oracle && perturbed);
  const genomes = fc.sample(queryGenome, { seed: SEED, numRuns: SAMPLES });
  let nonEmpty = 0;
  let joins = 0;
  let aggregates = 0;
  for (const genome of genomes) {
    const q = renderQuery(genome);
    let a: TextResult;
    try {
      a = await oracle.query(q.sql);
    } catch (error) {
      assert.fail(`generated query fails on DuckDB: ${(error as Error).message}\n${q.sql}`);
    }
    assert.ok(a.rows.length <= 10_000, `generated query returned ${a.rows.length} rows: ${q.sql}`);
    if (/ LIMIT /.test(q.sql)) {
      assert.deepEqual([...q.orderBy].sort((x, y) => x - y), a.columns.map((_, i) => i), `LIMIT without ORDER BY over every output column: ${q.sql}`);
    }
    const b = await perturbed.query(q.sql);
    const diff = compareResults(a, b, { orderBy: q.orderBy, expectEmpty: a.rows.length === 0 });
    assert.equal(diff, null, `generated query is not deterministic: ${formatDiff(diff)}\n${q.sql}`);
    if (a.rows.length > 0) nonEmpty++;
    if (/ JOIN /.test(q.sql)) joins++;
    if (/ GROUP BY /.test(q.sql)) aggregates++;
  }
  // A generator whose queries are mostly empty, or never join or group, tests little.
  assert.ok(nonEmpty > SAMPLES / 2, `only ${nonEmpty} of ${SAMPLES} generated queries return rows`);
  assert.ok(joins > SAMPLES / 4 && aggregates > SAMPLES / 5, `joins ${joins}, grouped ${aggregates} of ${SAMPLES}`);
});

test('shrinking toward zero still renders a valid query', async () => {
  assert.ok(oracle);
  const zero = renderQuery({ schema: 0, table: 0, joins: [], where: [], aggregate: false, groupBy: [], outputs: [{ column: 0, transform: 0, aggregate: 0, alias: false }], distinct: false, order: [] });
  const result = await oracle.query(zero.sql);
  assert.ok(result.rows.length > 0, zero.sql);
});
