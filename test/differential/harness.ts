/**
 * One side-by-side setup for the differential suites: a data directory
 * (TPC-H in the even or the hash layout, the edge tables, optionally
 * flights), a real cluster over it (NATS, 2 workers, the gateway) reached
 * through node-postgres, and the oracle over the same files. `check` runs one
 * entry on both and applies the Contract's comparison rules (compare.ts).
 */
import pg from 'pg';
import { generateTpch } from '../../src/datagen/tpch.ts';
import { importFlights } from '../../src/datagen/flights.ts';
import { generateEdge } from '../../src/datagen/edge.ts';
import { makeTempDir, startTestCluster, type TestCluster } from '../support/cluster.ts';
import { compareResults, formatDiff, type TextResult } from './compare.ts';
import { openOracle, type Oracle } from './oracle.ts';

export interface DifferentialOptions {
  readonly scaleFactor: number;
  /** TPC-H orders and lineitem hash-partitioned on the order key (co-located). */
  readonly hashKey: boolean;
  /** Import flights too (3M rows; only the even-layout suite needs it). */
  readonly flights: boolean;
  readonly partitions?: number;
}

/** What one query needs for the comparison: the shape of a corpus entry. */
export interface CheckedQuery {
  readonly id: string;
  readonly sql: string;
  readonly orderBy?: readonly number[];
  readonly expectEmpty?: boolean;
  /**
   * For generated queries: an empty oracle answer is fine, and then the
   * gateway's must be empty too (instead of failing the non-empty rule).
   */
  readonly allowEmpty?: boolean;
  readonly timeZone?: string;
  /**
   * pondgate session settings for this query (e.g. `pondgate.join_strategy`): at small scale the
   * cost model runs most joins as one task; forcing strategies exercises exchanges, broadcasts
   * and co-location on the same data.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * A key lookup: after the first comparison the query runs again until EXPLAIN ANALYZE says the
   * gateway's key index answered it (failing if it never does), and that answer is compared too.
   */
  readonly keyIndex?: boolean;
}

/** How long a key lookup may take to be answered by the key index (it is built in the background). */
const KEY_INDEX_WAIT_MS = 10_000;

export type CheckOutcome =
  | { readonly kind: 'match'; readonly rows: number }
  /** The gateway answered differently, or failed where the oracle answered. */
  | { readonly kind: 'mismatch'; readonly message: string; readonly expectedRows: number }
  /** The oracle itself failed: the query is broken, not the gateway. */
  | { readonly kind: 'oracle-error'; readonly message: string };

export interface Differential {
  readonly dataDir: string;
  check(query: CheckedQuery): Promise<CheckOutcome>;
  /** The oracle's answer alone (e.g. to see whether a generated query is empty). */
  oracle(sql: string, timeZone?: string): Promise<TextResult>;
  close(): Promise<void>;
}

/** node-postgres must hand back the server's text untouched: no client-side conversions. */
const rawText = { getTypeParser: () => (value: string) => value };

/** A hung query must fail its test, not the whole run; generous, since CI machines are slow. */
const STATEMENT_TIMEOUT = '180s';

export async function openDifferential(options: DifferentialOptions): Promise<Differential> {
  const temp = await makeTempDir(options.hashKey ? 'differential-hash' : 'differential');
  let cluster: TestCluster | undefined;
  let client: pg.Client | undefined;
  let oracle: Oracle | undefined;
  const close = async (): Promise<void> => {
    await client?.end().catch(() => undefined);
    oracle?.close();
    await cluster?.stop();
    await temp.remove();
  };
  try {
    const partitions = options.partitions ?? 8;
    await generateTpch({ scaleFactor: options.scaleFactor, outDir: temp.dir, partitions, hashKey: options.hashKey, threads: 2, memoryLimit: '2GB' });
    if (options.flights) await importFlights({ outDir: temp.dir, partitions });
    await generateEdge({ outDir: temp.dir });
    // Every stage's SQL rendered in JavaScript is checked against DuckDB's own rendering, and every
    // split aggregate's final step is bound while planning (a failure fails the query).
    cluster = await startTestCluster(temp.dir, { env: { PONDGATE_RENDER_CHECK: '1', PONDGATE_PLAN_CHECK: '1' } });
    client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    await client.query(`SET statement_timeout = '${STATEMENT_TIMEOUT}'`);
    oracle = await openOracle(temp.dir);
  } catch (error) {
    await close();
    throw error;
  }
  const gateway = client;
  const reference = oracle;
  let sessionZone = 'UTC';

  return {
    dataDir: temp.dir,
    oracle: (sql, timeZone) => reference.query(sql, timeZone ?? 'UTC'),
    async check(query: CheckedQuery): Promise<CheckOutcome> {
      const zone = query.timeZone ?? 'UTC';
      let expected: TextResult;
      try {
        expected = await reference.query(query.sql, zone);
      } catch (error) {
        return { kind: 'oracle-error', message: `${query.id}: the oracle failed: ${(error as Error).message}` };
      }
      let actual: TextResult;
      try {
        if (zone !== sessionZone) {
          await gateway.query(`SET TimeZone = '${zone.replace(/'/g, "''")}'`);
          sessionZone = zone;
        }
        const settings = Object.entries(query.settings ?? {});
        for (const [name, value] of settings) await gateway.query(`SET ${name} = '${value.replace(/'/g, "''")}'`);
        let result: pg.QueryResult;
        try {
          result = await gateway.query({ text: query.sql, rowMode: 'array' });
        } finally {
          for (const [name] of settings) await gateway.query(`RESET ${name}`);
        }
        actual = textResult(result);
      } catch (error) {
        const e = error as Error & { code?: string };
        return { kind: 'mismatch', message: `${query.id}: the gateway failed where DuckDB answers: ${e.code ?? ''} ${e.message}`, expectedRows: expected.rows.length };
      }
      const expectEmpty = query.expectEmpty ?? (query.allowEmpty === true && expected.rows.length === 0);
      const diff = compareResults(expected, actual, { orderBy: query.orderBy, expectEmpty });
      if (diff !== null) return { kind: 'mismatch', message: `${query.id}: ${formatDiff(diff)}`, expectedRows: expected.rows.length };
      if (query.keyIndex) {
        // The result cache would answer the repeats instead.
        await gateway.query('SET pondgate.result_cache = off');
        let again: ReturnType<typeof compareResults>;
        try {
          const indexed = await answeredByKeyIndex(gateway, query.sql);
          if (!indexed) return { kind: 'mismatch', message: `${query.id}: the gateway's key index never answered this key lookup`, expectedRows: expected.rows.length };
          again = compareResults(expected, textResult(await gateway.query({ text: query.sql, rowMode: 'array' })), { orderBy: query.orderBy, expectEmpty });
        } finally {
          await gateway.query('RESET pondgate.result_cache');
        }
        if (again !== null) return { kind: 'mismatch', message: `${query.id} (answered by the key index): ${formatDiff(again)}`, expectedRows: expected.rows.length };
      }
      return { kind: 'match', rows: expected.rows.length };
    },
    close,
  };
}

function textResult(result: pg.QueryResult): TextResult {
  return { columns: result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: result.rows as (string | null)[][] };
}

/** Runs the lookup under EXPLAIN ANALYZE until the key index answers it (true), or the wait is over. */
async function answeredByKeyIndex(client: pg.Client, sql: string): Promise<boolean> {
  const until = Date.now() + KEY_INDEX_WAIT_MS;
  while (Date.now() < until) {
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ANALYZE ${sql}`);
    if (plan.rows.some((r) => r['QUERY PLAN'].includes('gateway (key index)'))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
