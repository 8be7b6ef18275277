/**
 * The query fuzzer in `npm test`: a bounded run with fixed seeds, one per
 * TPC-H layout (even, and hash-partitioned orders/lineitem), over the edge
 * tables too. A failing query is shrunk and saved to regressions/fuzz.json,
 * so the corpus runs it from then on; the longer random-seed run is
 * `npm run fuzz:queries -- --runs N --seed S`.
 *
 * PONDGATE_FUZZ_RUNS and PONDGATE_FUZZ_SEED override the run count and the
 * seed of both layouts (CI keeps the defaults, so a run is repeatable).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDifferential, type Differential } from './harness.ts';
import { describeFuzzReport, runQueryFuzz } from './fuzz.ts';

const SCALE_FACTOR = Number(process.env.PONDGATE_TEST_SF ?? 0.05);
const RUNS = Number(process.env.PONDGATE_FUZZ_RUNS ?? 120);
const SEED_OVERRIDE = process.env.PONDGATE_FUZZ_SEED === undefined ? undefined : Number(process.env.PONDGATE_FUZZ_SEED);

for (const layout of [{ hashKey: false, seed: 20240917 }, { hashKey: true, seed: 31337 }]) {
  const seed = SEED_OVERRIDE ?? layout.seed;
  describe(`random queries vs DuckDB (${layout.hashKey ? 'hash' : 'even'} layout)`, { timeout: 30 * 60_000 }, () => {
    let differential: Differential;

    before(async () => {
      differential = await openDifferential({ scaleFactor: SCALE_FACTOR, hashKey: layout.hashKey, flights: false });
    });

    after(async () => {
      await differential?.close();
    });

    it(`${RUNS} queries, seed ${seed}`, async () => {
      const report = await runQueryFuzz({ differential, runs: RUNS, seed });
      assert.equal(report.failure, undefined, describeFuzzReport(report));
      assert.equal(report.runs, RUNS);
    });
  });
}
