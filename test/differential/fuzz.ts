/**
 * The query fuzzer: random queries (querygen.ts) run through the gateway and
 * the oracle, compared by the Contract's rules. fast-check shrinks a failing
 * query to a smaller one that still fails; that query is then appended to
 * regressions/fuzz.json, which the corpus loads, so it runs in every later
 * differential run until the gateway answers it correctly.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import type { CorpusEntry } from './corpus.ts';
import type { Differential } from './harness.ts';
import { queryGenome, renderQuery, type GeneratedQuery } from './querygen.ts';

export const FUZZ_REGRESSIONS_FILE = new URL('./regressions/fuzz.json', import.meta.url);

export interface FuzzOptions {
  readonly differential: Differential;
  readonly runs: number;
  readonly seed: number;
  /** Where a shrunk failing query is appended (default regressions/fuzz.json); `false` to not save. */
  readonly saveTo?: URL | false;
  /** Called once per generated query (progress output of the script). */
  readonly onQuery?: (query: GeneratedQuery, index: number) => void;
  /** Stop generating new queries after this long (shrinking still finishes). */
  readonly timeLimitMs?: number;
  /** Replay one case: fast-check's counterexample path printed by a failed run. */
  readonly path?: string;
}

export interface FuzzFailure {
  readonly query: GeneratedQuery;
  readonly message: string;
  /** fast-check's replay path: with the seed, reproduces the shrunk case. */
  readonly path: string;
  /** The regression entry written, or undefined when saving was off or the query was known. */
  readonly saved?: CorpusEntry;
  /** The generator produced a query DuckDB itself rejects: a bug of the generator, not of the gateway. */
  readonly generatorBug: boolean;
  /** The session settings the query ran under (its forced join strategy). */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface FuzzReport {
  readonly seed: number;
  readonly runs: number;
  /** How many generated queries had a non-empty answer (a fuzzer that only makes empty queries tests little). */
  readonly nonEmpty: number;
  readonly failure?: FuzzFailure;
}

class Mismatch extends Error {
  constructor(message: string, readonly expectedRows: number) {
    super(message);
  }
}

class GeneratorBug extends Error {}

/**
 * The join strategy each generated query runs under. At the fuzzer's small scale the cost model
 * runs most joins as one task; forcing a strategy makes the same query exercise exchanges
 * (shuffle), broadcasts and co-location.
 */
const JOIN_STRATEGY = fc.constantFrom('auto', 'shuffle', 'broadcast', 'colocate');

function strategySettings(strategy: string): Record<string, string> | undefined {
  return strategy === 'auto' ? undefined : { 'pondgate.join_strategy': strategy };
}

export async function runQueryFuzz(options: FuzzOptions): Promise<FuzzReport> {
  let index = 0;
  let nonEmpty = 0;
  const property = fc.asyncProperty(queryGenome, JOIN_STRATEGY, async (genome, strategy) => {
    const query = renderQuery(genome);
    options.onQuery?.(query, index);
    index++;
    const outcome = await options.differential.check({ id: 'fuzz', sql: query.sql, orderBy: query.orderBy, allowEmpty: true, settings: strategySettings(strategy) });
    if (outcome.kind === 'oracle-error') throw new GeneratorBug(`${outcome.message}\n${query.sql}`);
    if (outcome.kind === 'mismatch') throw new Mismatch(outcome.message, outcome.expectedRows);
    if (outcome.rows > 0) nonEmpty++;
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs } : {}),
    ...(options.path ? { path: options.path } : {}),
  });
  const runs = Math.min(index, options.runs);
  if (!details.failed || details.counterexample === null) return { seed: options.seed, runs, nonEmpty };

  const [genome, strategy] = details.counterexample;
  const query = renderQuery(genome);
  const settings = strategySettings(strategy);
  const error = details.errorInstance;
  const generatorBug = error instanceof GeneratorBug || !(error instanceof Mismatch);
  const message = error instanceof Error ? error.message : String(error);
  let saved: CorpusEntry | undefined;
  if (!generatorBug && options.saveTo !== false) {
    const entry: CorpusEntry = {
      id: `fuzz-${createHash('sha256').update(query.sql).digest('hex').slice(0, 10)}`,
      sql: query.sql,
      ...(query.orderBy.length ? { orderBy: query.orderBy } : {}),
      ...(error instanceof Mismatch && error.expectedRows === 0 ? { expectEmpty: true } : {}),
      ...(settings ? { settings } : {}),
      note: `found by the query fuzzer (seed ${options.seed}, path ${details.counterexamplePath ?? '?'}): ${firstLine(message)}`,
    };
    saved = (await appendRegression(options.saveTo ?? FUZZ_REGRESSIONS_FILE, entry)) ? entry : undefined;
  }
  return {
    seed: options.seed,
    runs,
    nonEmpty,
    failure: { query, message, path: details.counterexamplePath ?? '', saved, generatorBug, settings },
  };
}

const firstLine = (text: string): string => text.split('\n')[0].slice(0, 300);

/** Appends `entry` unless a regression with the same SQL is there; returns whether it was added. */
export async function appendRegression(file: URL, entry: CorpusEntry): Promise<boolean> {
  let entries: CorpusEntry[] = [];
  try {
    entries = JSON.parse(await readFile(file, 'utf8')) as CorpusEntry[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (entries.some((e) => e.sql === entry.sql)) return false;
  entries.push(entry);
  await writeFile(file, JSON.stringify(entries, null, 2) + '\n');
  return true;
}

/** A readable report of a fuzz run, for assertion messages and the script. */
export function describeFuzzReport(report: FuzzReport): string {
  const head = `seed ${report.seed}: ${report.runs} queries, ${report.nonEmpty} with a non-empty answer`;
  const f = report.failure;
  if (!f) return `${head}; all matched`;
  const kind = f.generatorBug ? 'the generator produced a query DuckDB rejects (a bug of querygen.ts)' : 'the gateway disagrees with DuckDB';
  const where = f.saved ? `\nsaved as regression ${f.saved.id} in regressions/fuzz.json` : '';
  return `${head}; FAILED: ${kind}\nshrunk query: ${f.query.sql}\norderBy: ${JSON.stringify(f.query.orderBy)}${f.settings ? `\nsettings: ${JSON.stringify(f.settings)}` : ''}\n${f.message}\nreplay: --seed ${report.seed} --path ${f.path}${where}`;
}
