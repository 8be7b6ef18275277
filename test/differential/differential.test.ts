/**
 * The differential suite: every corpus query goes through a real PostgreSQL
 * client (node-postgres) → gateway → real NATS → 2 DuckDB workers, and is
 * compared with one in-process DuckDB over the same Parquet files by the
 * Contract's rules (see compare.ts): text values, float tolerance 1e-9
 * relative, ORDER BY key order, column names and type OIDs, non-empty.
 *
 * Two layouts of the same TPC-H data: the default even layout runs the whole
 * corpus; the hash layout (orders and lineitem hash-partitioned on the order
 * key, so co-located) runs TPC-H and the join-heavy themes again, because a
 * planner takes other paths there. At the test scale the cost model runs
 * many joins as one task, so the join-heavy themes also run with the join
 * strategy forced to `shuffle` (every table split, through exchanges where its
 * layout does not fit); the query fuzzer rotates all strategies.
 */
import { after, before, describe, it } from 'node:test';
import { AssertionError } from 'node:assert';
import { CORPUS, HASH_LAYOUT_CORPUS, type CorpusEntry } from './corpus.ts';
import { openDifferential, type Differential } from './harness.ts';

const SCALE_FACTOR = Number(process.env.PONDGATE_TEST_SF ?? 0.05);

function suite(name: string, entries: readonly CorpusEntry[], options: { hashKey: boolean; flights: boolean; settings?: Readonly<Record<string, string>> }): void {
  describe(name, { timeout: 30 * 60_000 }, () => {
    let differential: Differential;

    before(async () => {
      differential = await openDifferential({ scaleFactor: SCALE_FACTOR, ...options });
    });

    after(async () => {
      await differential?.close();
    });

    for (const entry of entries) {
      it(entry.id, async () => {
        const outcome = await differential.check(options.settings ? { ...entry, settings: { ...options.settings, ...entry.settings } } : entry);
        if (outcome.kind !== 'match') throw new AssertionError({ message: outcome.message });
      });
    }
  });
}

suite('differential: pondgate vs single-node DuckDB (even layout)', CORPUS, { hashKey: false, flights: true });
suite('differential: pondgate vs single-node DuckDB (hash layout, co-located orders/lineitem)', HASH_LAYOUT_CORPUS, { hashKey: true, flights: false });
// At this scale the cost model runs most joins as one task: the join-heavy themes run again with
// every table split (by its layout or through an exchange), none broadcast.
suite('differential: join strategy shuffle (hash layout)', HASH_LAYOUT_CORPUS, { hashKey: true, flights: false, settings: { 'pondgate.join_strategy': 'shuffle' } });
