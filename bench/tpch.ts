/**
 * TPC-H benchmark: pondgate (gateway + workers over NATS) against one
 * in-process DuckDB over the same Parquet files with as many threads as the
 * machine has cores, in both layouts the generator writes (even, and
 * orders/lineitem hash-partitioned on the order key) and with 1 and 2
 * workers; plus the gateway's parse, bind and plan time per query, and where
 * the time goes in the slowest queries (EXPLAIN ANALYZE). Writes BENCHMARKS.md.
 *
 *   npm run bench                                  # SF 1, 3 runs, both layouts, 1 and 2 workers
 *   npm run bench -- --sf 0.1 --runs 1             # quick run
 *   npm run bench -- --queries 1,6 --out quick.md   # subset, other output file
 *
 * Options: --sf <factor> (default 1), --runs <n> (default 3), --partitions <n>
 * (default 8), --workers <list> (default 1,2), --slots <n> task slots per
 * worker (default 1: with one DuckDB thread each, a worker is one core, so N
 * workers are N cores and the cluster's size is its capacity), --layouts <list> (default
 * even,hash), --timeout <seconds> per query and run (default 300), --queries
 * <list>, --cache-workers <list>: worker counts that also run with the workers'
 * data cache on (default 2; "none" for no such run; every other run has it off,
 * so that pondgate and DuckDB both decode Parquet in every run), --out <file>
 * (default BENCHMARKS.md at the repository root). Data is
 * generated once into .bench-data/sf<SF>[-hash][-p<N>] (git-ignored) and reused
 * while its manifest exists.
 *
 * Progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { generateTpch } from '../src/datagen/tpch.ts';
import { TPCH_QUERIES, type TpchQuery } from '../src/datagen/tpch-queries.ts';
import { defaultResources } from '../src/duckdb/resources.ts';
import { resolveDataPath, tableBytes, tablePaths, tableRows, type Manifest } from '../src/storage/manifest.ts';
import { MANIFEST_FILE, readManifest } from '../src/storage/manifest-store.ts';
import { startTestCluster, type TestCluster } from '../test/support/cluster.ts';
import { keepSections } from './sections.ts';
import { Catalog } from '../gateway/catalog/catalog.ts';
import { installPgCompat } from '../gateway/catalog/pg-compat.ts';
import { DuckDBPlannerContext, describeOn } from '../gateway/plan/context.ts';
import { DEFAULT_PLANNER_SETTINGS, planQuery } from '../gateway/plan/planner.ts';
import { SqlCodec } from '../gateway/sql/codec.ts';
import { DEFAULTS } from '../src/cli/options.ts';
import { createLogger } from '../src/log.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- options

type Layout = 'even' | 'hash';

interface BenchOptions {
  sf: number;
  runs: number;
  partitions: number;
  workers: readonly number[];
  /** Task slots per worker. */
  slots: number;
  layouts: readonly Layout[];
  timeoutMs: number;
  queries: readonly TpchQuery[];
  /** Worker counts that run a second time with the workers' data cache on. */
  cacheWorkers: readonly number[];
  out: string;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stderr.write('usage: npm run bench -- [--sf 1] [--runs 3] [--partitions 8] [--workers 1,2] [--slots 1] [--layouts even,hash] [--timeout 300] [--queries 1,2,...] [--cache-workers 2|none] [--out BENCHMARKS.md]\n');
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    values.set(match[1]!, value);
  }
  const known = new Set(['sf', 'runs', 'partitions', 'workers', 'slots', 'layouts', 'timeout', 'queries', 'cache-workers', 'out']);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}`);
  const num = (key: string, fallback: number, integer: boolean): number => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${key} expects a positive ${integer ? 'whole ' : ''}number, got ${raw}`);
    return n;
  };
  let queries: readonly TpchQuery[] = TPCH_QUERIES;
  const list = values.get('queries');
  if (list !== undefined) {
    const ids = list.split(',').map((s) => Number(s.trim().replace(/^q/i, '')));
    queries = ids.map((id) => {
      const query = TPCH_QUERIES.find((q) => q.id === id);
      if (!query) throw new Error(`--queries: no TPC-H query ${id}`);
      return query;
    });
  }
  const workers = (values.get('workers') ?? '1,2').split(',').map((w) => Number(w.trim()));
  if (workers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--workers expects a list of positive whole numbers');
  const cacheList = values.get('cache-workers') ?? '2';
  const cacheWorkers = cacheList === 'none' ? [] : cacheList.split(',').map((w) => Number(w.trim()));
  if (cacheWorkers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--cache-workers expects a list of positive whole numbers or none');
  const layouts = (values.get('layouts') ?? 'even,hash').split(',').map((l) => l.trim());
  for (const layout of layouts) if (layout !== 'even' && layout !== 'hash') throw new Error(`--layouts: ${layout} is not even or hash`);
  return {
    sf: num('sf', 1, false),
    runs: num('runs', 3, true),
    partitions: num('partitions', 8, true),
    workers,
    slots: num('slots', 1, true),
    layouts: layouts as Layout[],
    timeoutMs: num('timeout', 300, false) * 1000,
    queries,
    cacheWorkers,
    out: path.resolve(ROOT, values.get('out') ?? 'BENCHMARKS.md'),
  };
}

const log = (message: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------- data

async function prepareData(options: BenchOptions, layout: Layout): Promise<{ dataDir: string; relDir: string; manifest: Manifest; generatedSeconds?: number }> {
  const relDir = path.join('.bench-data', `sf${options.sf}${layout === 'hash' ? '-hash' : ''}${options.partitions === 8 ? '' : `-p${options.partitions}`}`);
  const dataDir = path.join(ROOT, relDir);
  let generatedSeconds: number | undefined;
  if (existsSync(path.join(dataDir, MANIFEST_FILE))) {
    log(`reusing TPC-H SF ${options.sf} in ${relDir}`);
  } else {
    log(`generating TPC-H SF ${options.sf} (${layout} layout) with ${options.partitions} partitions into ${relDir}`);
    const resources = defaultResources(1, 0.5);
    const started = performance.now();
    await generateTpch({
      scaleFactor: options.sf,
      outDir: dataDir,
      partitions: options.partitions,
      hashKey: layout === 'hash',
      threads: resources.threads,
      memoryLimit: `${resources.memoryLimitMb}MB`,
      onProgress: (table, partition, rows) => log(`  ${table} partition ${partition}: ${rows} rows`),
    });
    generatedSeconds = (performance.now() - started) / 1000;
    log(`generated in ${generatedSeconds.toFixed(1)} s`);
  }
  return { dataDir, relDir, manifest: await readManifest(dataDir), generatedSeconds };
}

function parquetBytes(manifest: Manifest): number {
  return Object.values(manifest.tables).reduce((total, table) => total + tableBytes(table), 0);
}

// ---------------------------------------------------------------- systems

type Outcome = { ok: true; ms: number; rows: number } | { ok: false; kind: 'timeout' | 'error'; ms: number; message: string };

interface System {
  readonly name: string;
  run(sql: string): Promise<Outcome>;
  close(): Promise<void>;
}

/** pondgate through node-postgres: simple-protocol query, all rows received and parsed by the client. */
async function openPondgate(cluster: TestCluster, timeoutMs: number): Promise<System & { explain(sql: string): Promise<string> }> {
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: cluster.connectionString });
    client.on('error', () => {}); // a connection dropped after a client-side timeout must not crash the bench
    await client.connect();
    await client.query(`SET statement_timeout = ${Math.round(timeoutMs)}`);
    // Every run must run the query: a result-cache hit would time the cache.
    await client.query('SET pondgate.result_cache = off');
    return client;
  };
  let client = await connect();
  return {
    name: 'pondgate',
    async run(sql) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      // The gateway enforces statement_timeout; this guard is for a gateway that does not answer at all.
      const guard = new Promise<'guard'>((resolve) => (timer = setTimeout(() => resolve('guard'), timeoutMs + 30_000)));
      try {
        const result = await Promise.race([client.query({ text: sql }), guard]);
        const ms = performance.now() - started;
        if (result === 'guard') {
          await client.end().catch(() => {});
          client = await connect();
          return { ok: false, kind: 'timeout', ms, message: 'no answer (client-side guard)' };
        }
        return { ok: true, ms, rows: result.rows.length };
      } catch (error) {
        const ms = performance.now() - started;
        const e = error as Error & { code?: string };
        const timedOut = e.code === '57014' || /timeout|cancel/i.test(e.message);
        if (e.code === undefined || /terminat|closed|ECONN/i.test(e.message)) {
          await client.end().catch(() => {});
          client = await connect();
        }
        return { ok: false, kind: timedOut ? 'timeout' : 'error', ms, message: e.message };
      } finally {
        clearTimeout(timer);
      }
    },
    async explain(sql) {
      try {
        const result = await client.query({ text: `EXPLAIN ${sql}`, rowMode: 'array' });
        const first = (result.rows[0] as unknown[] | undefined)?.[0];
        return first === undefined ? '?' : String(first).trim();
      } catch (error) {
        return `EXPLAIN failed: ${(error as Error).message}`;
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/** One in-process DuckDB with the oracle's views over read_parquet; results fully materialised. */
async function openDuckDB(dataDir: string, manifest: Manifest, threads: number, memoryLimitMb: number, timeoutMs: number): Promise<System & { version: string }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads), memory_limit: `${memoryLimitMb}MB` });
  const connection: DuckDBConnection = await instance.connect();
  await connection.run('CREATE SCHEMA public');
  for (const table of Object.values(manifest.tables)) {
    const files = tablePaths(table).map((f) => `'${resolveDataPath(dataDir, f).replace(/'/g, "''")}'`);
    await connection.run(`CREATE VIEW public."${table.name}" AS SELECT * FROM read_parquet([${files.join(', ')}])`);
  }
  await connection.run('USE memory.public');
  await connection.run(`SET TimeZone = 'UTC'`);
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]?.[0]);
  return {
    name: 'duckdb',
    version,
    async run(sql) {
      const started = performance.now();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        connection.interrupt();
      }, timeoutMs);
      try {
        const reader = await connection.runAndReadAll(sql);
        const rows = reader.getRows().length;
        return { ok: true, ms: performance.now() - started, rows };
      } catch (error) {
        return { ok: false, kind: timedOut ? 'timeout' : 'error', ms: performance.now() - started, message: (error as Error).message };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

// ---------------------------------------------------------------- measuring

interface SystemResult {
  medianMs?: number;
  runsMs: number[];
  rows?: number;
  /** Set when the query timed out (not repeated) or its row count changed between runs. */
  failure?: string;
  /** Messages of failed runs; the other runs are still measured and the median is over the successful ones. */
  errors: string[];
}

interface QueryResult {
  query: TpchQuery;
  plan: string;
  pondgate: SystemResult;
  duckdb: SystemResult;
  rowsMatch: boolean | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function record(target: SystemResult, outcome: Outcome): void {
  if (outcome.ok) {
    target.runsMs.push(outcome.ms);
    if (target.rows !== undefined && target.rows !== outcome.rows) target.failure = `row count changed between runs (${target.rows} vs ${outcome.rows})`;
    target.rows = outcome.rows;
  } else if (outcome.kind === 'timeout') {
    target.failure = 'timeout';
  } else {
    target.errors.push(outcome.message.split('\n')[0]!);
  }
}

async function measureQuery(query: TpchQuery, systems: { pondgate: Awaited<ReturnType<typeof openPondgate>>; duckdb: System }, runs: number): Promise<QueryResult> {
  const plan = await systems.pondgate.explain(query.sql);
  const result: QueryResult = { query, plan, pondgate: { runsMs: [], errors: [] }, duckdb: { runsMs: [], errors: [] }, rowsMatch: undefined };
  for (let run = 0; run < runs; run++) {
    // Alternate which system goes first, so neither always profits from (or pays for) the other's cache effects.
    const order = run % 2 === 0 ? (['pondgate', 'duckdb'] as const) : (['duckdb', 'pondgate'] as const);
    for (const name of order) {
      const target = result[name];
      if (target.failure !== undefined) continue; // a timed-out query is not repeated
      const outcome = await systems[name].run(query.sql);
      record(target, outcome);
      log(`  Q${query.id} run ${run + 1}/${runs} ${name}: ${outcome.ok ? `${outcome.ms.toFixed(1)} ms, ${outcome.rows} rows` : `${outcome.kind} after ${outcome.ms.toFixed(0)} ms: ${outcome.message.split('\n')[0]}`}`);
    }
  }
  for (const side of [result.pondgate, result.duckdb]) {
    if (side.failure === undefined && side.runsMs.length > 0) side.medianMs = median(side.runsMs);
  }
  if (result.pondgate.rows !== undefined && result.duckdb.rows !== undefined) {
    result.rowsMatch = result.pondgate.rows === result.duckdb.rows;
    if (!result.rowsMatch) log(`!!! Q${query.id}: ROW COUNT MISMATCH: pondgate ${result.pondgate.rows}, duckdb ${result.duckdb.rows}`);
  }
  return result;
}

// ---------------------------------------------------------------- planning time

interface PlanningTime {
  readonly query: TpchQuery;
  readonly parseMs: number;
  readonly bindMs: number;
  readonly planMs: number;
  /** Of planMs: time in DuckDB (describing cut subqueries, cast templates). */
  readonly duckdbMs: number;
  /** planMs of the very first round, in a fresh process (V8 has not compiled the planner yet). */
  readonly coldPlanMs: number;
}

/**
 * The gateway's own steps for each query, in this process with the gateway's code over the
 * same manifest (empty catalog tables, as the gateway has them): DuckDB's parse of the text,
 * DuckDB's bind (result columns), and the planner (parse tree to the stage DAG, stage SQL
 * rendered). Medians of `repeats` rounds, after `WARM_UP_ROUNDS` rounds that are not counted: a
 * gateway that has run for a while plans with JIT-compiled code, while the first rounds of a fresh
 * process also measure V8 compiling the planner (18 rounds gave a median of ~1.9 ms where 60 gave
 * ~1.4 on one machine). The first round's figure is kept too, as the cold one.
 */
const WARM_UP_ROUNDS = 20;

async function measurePlanning(dataDir: string, queries: readonly TpchQuery[], repeats: number): Promise<PlanningTime[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '1GB' });
  try {
    await installPgCompat(instance);
    const catalog = await Catalog.open(instance, dataDir, createLogger('bench', 'warn'));
    const connection = await instance.connect();
    await connection.run('USE memory.public');
    const codec = new SqlCodec(connection);
    const samples = new Map<number, { parse: number[]; bind: number[]; plan: number[]; duckdb: number[] }>();
    const cold = new Map<number, number>();
    for (let round = 0; round < WARM_UP_ROUNDS + repeats; round++) {
      for (const query of queries) {
        const t0 = performance.now();
        const parsed = await codec.parse(query.sql);
        const t1 = performance.now();
        if (!parsed.ok) throw new Error(`Q${query.id} does not parse: ${parsed.message}`);
        const columns = await describeOn(connection, query.sql);
        const t2 = performance.now();
        const context = new DuckDBPlannerContext(await catalog.current(), catalog.aggregateNames, connection, codec, DEFAULT_PLANNER_SETTINGS, 4, catalog.duckdbVersion);
        const inDuckDB = timeDuckDBCalls(context);
        await planQuery(parsed.statement, query.sql, context, columns);
        const t3 = performance.now();
        if (round === 0) cold.set(query.id, t3 - t2);
        if (round < WARM_UP_ROUNDS) continue;
        const entry = samples.get(query.id) ?? { parse: [], bind: [], plan: [], duckdb: [] };
        entry.parse.push(t1 - t0);
        entry.bind.push(t2 - t1);
        entry.plan.push(t3 - t2);
        entry.duckdb.push(inDuckDB.ms);
        samples.set(query.id, entry);
      }
    }
    connection.closeSync();
    return queries.map((query) => {
      const entry = samples.get(query.id)!;
      return { query, parseMs: median(entry.parse), bindMs: median(entry.bind), planMs: median(entry.plan), duckdbMs: median(entry.duckdb), coldPlanMs: cold.get(query.id)! };
    });
  } finally {
    instance.closeSync();
  }
}

/** Accumulates the time the planner spends in the context's DuckDB calls. */
function timeDuckDBCalls(context: DuckDBPlannerContext): { ms: number } {
  const total = { ms: 0 };
  // Rendering is JavaScript (render.ts), with DuckDB only for trees it does not cover: counted as the planner's.
  const methods = ['parse', 'describe', 'binds', 'castTo', 'hashBuckets', 'clock'] as const;
  for (const name of methods) {
    const original = (context[name] as (...args: unknown[]) => Promise<unknown>).bind(context);
    (context as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await original(...args);
      } finally {
        total.ms += performance.now() - started;
      }
    };
  }
  return total;
}

// ---------------------------------------------------------------- report

async function machineDescription(): Promise<{ cpu: string; cores: number; memoryGiB: number }> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  return { cpu, cores: os.availableParallelism(), memoryGiB: os.totalmem() / 1024 ** 3 };
}

const fmtMs = (ms: number | undefined): string => (ms === undefined ? '–' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtBytes = (bytes: number): string => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`);
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function ratioOf(r: QueryResult): number | undefined {
  return r.pondgate.medianMs !== undefined && r.duckdb.medianMs !== undefined && r.rowsMatch === true ? r.pondgate.medianMs / r.duckdb.medianMs : undefined;
}

const geometricMean = (values: readonly number[]): number | undefined =>
  values.length > 0 ? Math.exp(values.reduce((s, r) => s + Math.log(r), 0) / values.length) : undefined;

interface Run {
  readonly layout: Layout;
  readonly workers: number;
  /** The workers kept data files decoded between tasks (their data cache). */
  readonly cache: boolean;
  readonly results: QueryResult[];
}

const runLabel = (run: Run): string => `${run.workers} worker${run.workers === 1 ? '' : 's'}${run.cache ? ', data cache on' : ''}`;

interface LayoutData {
  readonly layout: Layout;
  readonly relDir: string;
  readonly manifest: Manifest;
  readonly bytes: number;
  readonly planning: PlanningTime[];
  readonly analyzed: { query: TpchQuery; ratio: number; lines: string[] }[];
}

interface ReportContext {
  options: BenchOptions;
  machine: { cpu: string; cores: number; memoryGiB: number };
  duckdbVersion: string;
  loadStart: number;
  loadEnd: number;
  data: LayoutData[];
  runs: Run[];
  threadsPerWorker: number;
  slotsPerWorker: number;
  workerMemoryMb: number;
  duckdbThreads: number;
  duckdbMemoryMb: number;
  elapsedSeconds: number;
  generatedSeconds: number;
}

function summary(run: Run): { geomean?: number; max?: number; maxQuery?: string; counted: number; pondgateS: number; duckdbS: number } {
  const counted = run.results.filter((r) => ratioOf(r) !== undefined);
  const ratios = counted.map((r) => ratioOf(r)!);
  const worst = counted.reduce<QueryResult | undefined>((w, r) => (!w || ratioOf(r)! > ratioOf(w)! ? r : w), undefined);
  return {
    geomean: geometricMean(ratios),
    max: worst ? ratioOf(worst) : undefined,
    maxQuery: worst ? `Q${worst.query.id}` : undefined,
    counted: counted.length,
    pondgateS: counted.reduce((s, r) => s + r.pondgate.medianMs!, 0) / 1000,
    duckdbS: counted.reduce((s, r) => s + r.duckdb.medianMs!, 0) / 1000,
  };
}

function renderReport(c: ReportContext): string {
  const { options } = c;
  const lines: string[] = [];
  const mismatches = c.runs.flatMap((run) => run.results.filter((r) => r.rowsMatch === false).map((r) => `Q${r.query.id} (${run.layout}, ${runLabel(run)})`));
  lines.push('# pondgate TPC-H benchmark', '');
  lines.push(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Written by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (bench/tpch.ts); the whole run took ${(c.elapsedSeconds / 60).toFixed(1)} min${c.generatedSeconds > 0 ? `, of which data generation ${(c.generatedSeconds / 60).toFixed(1)} min` : ' (data reused from the cache)'}.`, '');
  if (mismatches.length > 0) {
    lines.push(`> **ROW COUNT MISMATCH** in ${mismatches.join(', ')}: pondgate returned a different number of rows than DuckDB. These answers are wrong; their times are excluded from the geometric means.`, '');
  }
  lines.push('## Machine', '');
  lines.push(`- CPU: ${c.machine.cpu}, ${c.machine.cores} cores; memory ${c.machine.memoryGiB.toFixed(1)} GiB; Node ${process.version}, DuckDB ${c.duckdbVersion} (@duckdb/node-api)`);
  lines.push(`- Load average (1 min) at the start and the end: ${c.loadStart.toFixed(1)} and ${c.loadEnd.toFixed(1)}. The machine is shared with other work and noisy: absolute times vary from run to run; the claim is the ratios, measured side by side.`, '');
  lines.push('## Data and setup', '');
  for (const d of c.data) {
    const lineitem = d.manifest.tables.lineitem ? tableRows(d.manifest.tables.lineitem) : 0;
    lines.push(`- **${d.layout}** layout: TPC-H scale factor ${options.sf}, ${lineitem.toLocaleString('en-US')} lineitem rows, ${fmtBytes(d.bytes)} of Parquet, ${options.partitions} partitions per table (region and nation: 1), ${d.layout === 'hash' ? 'orders and lineitem hash-partitioned on the order key (`pondgate generate tpch --hash-key`), the others split evenly in key order' : 'every table split evenly in key order (the generator\'s default)'}; \`${d.relDir}\`.`);
  }
  lines.push(`- pondgate: a private nats-server, N \`pondgate worker\` processes (${c.slotsPerWorker} task slot${c.slotsPerWorker === 1 ? '' : 's'} and ${c.threadsPerWorker} DuckDB thread${c.threadsPerWorker === 1 ? '' : 's'} each — one core's worth per worker, so 2 workers have the cores DuckDB has —, ${c.workerMemoryMb} MB each) and one \`pondgate gateway\`, started by \`startTestCluster\`. (The product's default is ${DEFAULTS.slots} slots per worker.)`);
  lines.push(`- DuckDB: one in-process instance in the benchmark process, views over \`read_parquet\` of the same files, \`threads = ${c.duckdbThreads}\` (the machine's cores), \`memory_limit = ${c.duckdbMemoryMb}MB\`.`);
  lines.push(`- The workers' data cache (\`--cache-mb\`, on by default in the product) is **off** in every run but those marked "data cache on" (${options.cacheWorkers.length > 0 ? options.cacheWorkers.join(', ') + ' worker(s)' : 'none'}): with it off, pondgate's workers decode the Parquet files in every run as DuckDB does, so the ratios compare the same work; with it on, the workers read files that an earlier run read from memory (as a database's buffer cache would), which DuckDB over \`read_parquet\` does not. The goals are judged on the runs with the cache off. A cache-on run's ratio is indicative only: the workers load a file in the background after its first read, on the cores the DuckDB reference also uses, so compare its sums of medians (both systems) with those of the runs beside it.`, '');
  lines.push('## Method', '');
  lines.push(`- Each of the ${options.queries.length} queries of src/datagen/tpch-queries.ts runs ${options.runs} time(s) on each system for each layout and worker count; the two systems alternate within each run, and which one goes first alternates from run to run.`);
  lines.push('- pondgate time: wall time of `client.query()` in node-postgres (simple query protocol) until every row is received. DuckDB time: `runAndReadAll()` plus `getRows()`.');
  lines.push(`- Reported: medians; ratio = pondgate / DuckDB (above 1: pondgate is slower); geometric means over the queries where both answered with equal row counts; per-query timeout ${(options.timeoutMs / 1000).toFixed(0)} s.`);
  lines.push('- Correctness: row counts are compared here; values are compared by the differential tests (`npm test`).', '');
  lines.push('## Summary', '');
  lines.push('| layout | workers | geometric mean of ratios | worst query | sum of medians: pondgate / DuckDB |', '|---|---|---:|---|---:|');
  for (const run of c.runs) {
    const s = summary(run);
    lines.push(`| ${run.layout} | ${runLabel(run)} | **${s.geomean?.toFixed(2) ?? '–'}** (${s.counted} queries) | ${s.maxQuery ?? '–'} ${s.max?.toFixed(2) ?? ''} | ${s.pondgateS.toFixed(1)} s / ${s.duckdbS.toFixed(1)} s |`);
  }
  lines.push('');
  for (const layout of options.layouts) {
    const byWorkers = c.runs.filter((r) => r.layout === layout && !r.cache).sort((a, b) => a.workers - b.workers);
    if (byWorkers.length < 2) continue;
    const [fewer, more] = [byWorkers[0], byWorkers[byWorkers.length - 1]];
    const speedups: number[] = [];
    for (const r of more.results) {
      const other = fewer.results.find((x) => x.query.id === r.query.id);
      if (other?.pondgate.medianMs !== undefined && r.pondgate.medianMs !== undefined) speedups.push(other.pondgate.medianMs / r.pondgate.medianMs);
    }
    const sumFewer = fewer.results.reduce((s, r) => s + (r.pondgate.medianMs ?? 0), 0);
    const sumMore = more.results.reduce((s, r) => s + (r.pondgate.medianMs ?? 0), 0);
    lines.push(`- ${layout} layout, ${more.workers} workers against ${fewer.workers}: **${(sumFewer / sumMore).toFixed(2)}× faster** in total time (geometric mean of the per-query speedups ${geometricMean(speedups)?.toFixed(2) ?? '–'}×).`);
  }
  lines.push('');
  lines.push('## Planning time on the gateway', '');
  lines.push('Median per query (ms) of 15 rounds after 20 uncounted warm-up rounds (a running gateway plans with JIT-compiled code; a fresh process\'s first rounds are slower: the first round\'s median is given as *cold*), measured in-process with the gateway\'s code over the same manifest: **parse** (DuckDB\'s parser, `json_serialize_sql`), **bind** (DuckDB binds the query over the catalog\'s empty tables: result names and types, errors), **plan** (parse tree to the stage DAG with every stage\'s SQL), split into **planner** (analysis, placement, building the stages and rendering their SQL in JavaScript — the rare tree the renderer leaves to DuckDB\'s `json_deserialize_sql` counts here too) and **DuckDB** (describing materialized subqueries, cast templates: round trips to the gateway\'s DuckDB; the split aggregate\'s bind check is no longer part of planning, see docs/architecture.md › Finishing).', '');
  for (const d of c.data) {
    const p = d.planning;
    if (p.length === 0) continue;
    lines.push(`**${d.layout} layout**: median over the queries — parse ${median(p.map((x) => x.parseMs)).toFixed(2)} ms, bind ${median(p.map((x) => x.bindMs)).toFixed(2)} ms, plan ${median(p.map((x) => x.planMs)).toFixed(2)} ms, of which planner ${median(p.map((x) => x.planMs - x.duckdbMs)).toFixed(2)} ms and DuckDB ${median(p.map((x) => x.duckdbMs)).toFixed(2)} ms; first round (in a fresh process for the first layout measured) plan ${median(p.map((x) => x.coldPlanMs)).toFixed(2)} ms.`, '');
    lines.push('| Query | parse ms | bind ms | plan ms | planner ms | DuckDB ms |', '|---|---:|---:|---:|---:|---:|');
    for (const x of p) lines.push(`| Q${x.query.id} | ${x.parseMs.toFixed(2)} | ${x.bindMs.toFixed(2)} | ${x.planMs.toFixed(2)} | ${(x.planMs - x.duckdbMs).toFixed(2)} | ${x.duckdbMs.toFixed(2)} |`);
    lines.push('');
  }
  for (const run of c.runs) {
    lines.push(`## Results: ${run.layout} layout, ${runLabel(run)}`, '');
    lines.push('| Query | pondgate ms | DuckDB ms | ratio | rows | rows match | plan |', '|---|---:|---:|---:|---:|:---:|---|');
    for (const r of run.results) {
      const ratio = ratioOf(r);
      const side = (x: SystemResult): string => {
        if (x.failure !== undefined) return `**${x.failure === 'timeout' ? 'timeout' : 'error'}**`;
        if (x.runsMs.length === 0) return `**error** (${x.errors.length}/${x.errors.length} runs failed)`;
        return fmtMs(x.medianMs) + (x.errors.length > 0 ? ` (**${x.errors.length}/${x.errors.length + x.runsMs.length} runs failed**)` : '');
      };
      const rows = r.rowsMatch === false ? `${r.pondgate.rows} vs ${r.duckdb.rows}` : String(r.duckdb.rows ?? r.pondgate.rows ?? '–');
      const match = r.rowsMatch === undefined ? '–' : r.rowsMatch ? 'yes' : '**NO — MISMATCH**';
      lines.push(`| Q${r.query.id} | ${side(r.pondgate)} | ${side(r.duckdb)} | ${ratio === undefined ? '–' : ratio.toFixed(2)} | ${rows} | ${match} | ${cell(r.plan)} |`);
    }
    lines.push('');
    const failures = run.results.flatMap((r) => [...r.pondgate.errors.map((e) => `Q${r.query.id} pondgate: \`${e.replace(/`/g, "'")}\``), ...(r.pondgate.failure ? [`Q${r.query.id} pondgate: ${r.pondgate.failure}`] : [])]);
    if (failures.length > 0) lines.push('Failures:', '', ...failures.map((f) => `- ${f}`), '');
  }
  lines.push('## Where the time goes: the slowest five', '');
  lines.push('`EXPLAIN ANALYZE` through the gateway (the largest worker count, data cache off) for the five queries with the highest ratio in each layout: per stage the tasks run (and skipped), the workers, rows, bytes written to scratch storage and sent to the gateway, and time.', '');
  for (const d of c.data) {
    for (const a of d.analyzed) {
      lines.push(`**Q${a.query.id}** (${d.layout} layout, ratio ${a.ratio.toFixed(2)}):`, '', '```', ...a.lines, '```', '');
    }
  }
  lines.push('## All runs (ms)', '');
  for (const run of c.runs) {
    lines.push(`${run.layout} layout, ${runLabel(run)}:`, '', '| Query | pondgate | DuckDB |', '|---|---|---|');
    for (const r of run.results) lines.push(`| Q${r.query.id} | ${r.pondgate.runsMs.map((ms) => fmtMs(ms)).join(', ') || '–'} | ${r.duckdb.runsMs.map((ms) => fmtMs(ms)).join(', ') || '–'} |`);
    lines.push('');
  }
  lines.push(`Reproduce: \`npm run bench\` (options: \`-- --sf 0.1 --runs 1\` for a quick run; see bench/tpch.ts).`, '');
  return lines.join('\n');
}

/** The stage lines of EXPLAIN ANALYZE (the plan's notes, stages, inputs and measurements; not the SQL). */
async function explainAnalyze(cluster: TestCluster, sql: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: cluster.connectionString });
  await client.connect();
  try {
    await client.query('SET pondgate.result_cache = off');
    const result = await client.query({ text: `EXPLAIN ANALYZE ${sql}`, rowMode: 'array' });
    const lines = (result.rows as string[][]).map((row) => String(row[0]));
    return lines.filter((line) => /^(Distributed plan|  note|  Stage|    input|Execution|  Stage|  Planning|  Result)/.test(line));
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadStart = os.loadavg()[0];
  const cores = os.availableParallelism();
  const maxWorkers = Math.max(...options.workers);
  // Workers' DuckDB resources follow from the processes on the machine (startTestCluster passes workers + 2).
  const workerResources = defaultResources(maxWorkers + 2);
  const duckdbThreads = cores;
  const duckdbMemoryMb = defaultResources(1).memoryLimitMb;
  const runs: Run[] = [];
  const data: LayoutData[] = [];
  let generatedSeconds = 0;
  let duckdbVersion = '';
  for (const layout of options.layouts) {
    const prepared = await prepareData(options, layout);
    generatedSeconds += prepared.generatedSeconds ?? 0;
    log(`measuring the gateway's parse, bind and plan time (${layout} layout)`);
    const planning = await measurePlanning(prepared.dataDir, options.queries, 15);
    const duckdb = await openDuckDB(prepared.dataDir, prepared.manifest, duckdbThreads, duckdbMemoryMb, options.timeoutMs);
    duckdbVersion = duckdb.version;
    const analyzed: LayoutData['analyzed'] = [];
    try {
      const configurations = [
        ...[...options.workers].sort((a, b) => a - b).map((workers) => ({ workers, cache: false })),
        ...options.cacheWorkers.map((workers) => ({ workers, cache: true })),
      ];
      for (const { workers, cache } of configurations) {
        log(`${layout} layout: starting a cluster with ${workers} worker(s), data cache ${cache ? 'on' : 'off'}`);
        const cluster = await startTestCluster(prepared.dataDir, {
          workers,
          cluster: 'bench',
          workerArgs: ['--processes', String(maxWorkers + 2), '--threads', String(workerResources.threads), '--slots', String(options.slots), ...(cache ? [] : ['--cache-mb', '0'])],
        });
        let pondgate: Awaited<ReturnType<typeof openPondgate>> | undefined;
        try {
          pondgate = await openPondgate(cluster, options.timeoutMs);
          const results: QueryResult[] = [];
          for (const query of options.queries) {
            log(`Q${query.id} ${query.name} (${layout}, ${workers} worker(s), cache ${cache ? 'on' : 'off'})`);
            const result = await measureQuery(query, { pondgate, duckdb }, options.runs);
            log(`  Q${query.id}: pondgate ${fmtMs(result.pondgate.medianMs)} ms, duckdb ${fmtMs(result.duckdb.medianMs)} ms, ratio ${ratioOf(result)?.toFixed(2) ?? '–'}`);
            results.push(result);
          }
          runs.push({ layout, workers, cache, results });
          if (workers === maxWorkers && !cache) {
            const slowest = results.filter((r) => ratioOf(r) !== undefined).sort((a, b) => ratioOf(b)! - ratioOf(a)!).slice(0, 5);
            for (const r of slowest) analyzed.push({ query: r.query, ratio: ratioOf(r)!, lines: await explainAnalyze(cluster, r.query.sql) });
          }
        } finally {
          await pondgate?.close();
          await cluster.stop();
        }
      }
    } finally {
      await duckdb.close();
    }
    data.push({ layout, relDir: prepared.relDir, manifest: prepared.manifest, bytes: parquetBytes(prepared.manifest), planning, analyzed });
  }
  const report = renderReport({
    options,
    machine: await machineDescription(),
    duckdbVersion,
    data,
    runs,
    threadsPerWorker: workerResources.threads,
    slotsPerWorker: options.slots,
    workerMemoryMb: workerResources.memoryLimitMb,
    duckdbThreads,
    duckdbMemoryMb,
    elapsedSeconds: (performance.now() - started) / 1000,
    generatedSeconds,
    loadStart,
    loadEnd: os.loadavg()[0],
  });
  // Other benchmarks' sections (e.g. the wire benchmark's) are kept below the TPC-H report.
  await writeFile(options.out, keepSections(existsSync(options.out) ? await readFile(options.out, 'utf8') : '', report));
  const mismatches = runs.flatMap((r) => r.results).filter((r) => r.rowsMatch === false).length;
  log(`wrote ${path.relative(ROOT, options.out) || options.out}${mismatches > 0 ? ` — ${mismatches} ROW COUNT MISMATCH(ES)` : ''}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
