/**
 * TPC-H benchmark: pondgate (gateway + 2 workers over NATS) against one
 * in-process DuckDB over the same Parquet files, with the same total DuckDB
 * threads as the cluster's workers combined. Writes BENCHMARKS.md.
 *
 *   npm run bench                                  # SF 1, 3 runs
 *   npm run bench -- --sf 0.1 --runs 1             # quick run
 *   npm run bench -- --queries 1,6 --out quick.md   # subset, other output file
 *
 * Options: --sf <factor> (default 1), --runs <n> (default 3), --partitions <n>
 * (default 8), --workers <n> (default 2), --timeout <seconds> per query and
 * run (default 300), --queries <list>, --out <file> (default BENCHMARKS.md at
 * the repository root). Data is generated once into .bench-data/sf<SF> (with
 * -p<N> appended for a partition count other than 8; git-ignored) and reused while its manifest exists.
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- options

interface BenchOptions {
  sf: number;
  runs: number;
  partitions: number;
  workers: number;
  timeoutMs: number;
  queries: readonly TpchQuery[];
  out: string;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stderr.write('usage: npm run bench -- [--sf 1] [--runs 3] [--partitions 8] [--workers 2] [--timeout 300] [--queries 1,2,...] [--out BENCHMARKS.md]\n');
      process.exit(0);
    }
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    values.set(match[1]!, value);
  }
  const known = new Set(['sf', 'runs', 'partitions', 'workers', 'timeout', 'queries', 'out']);
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
  return {
    sf: num('sf', 1, false),
    runs: num('runs', 3, true),
    partitions: num('partitions', 8, true),
    workers: num('workers', 2, true),
    timeoutMs: num('timeout', 300, false) * 1000,
    queries,
    out: path.resolve(ROOT, values.get('out') ?? 'BENCHMARKS.md'),
  };
}

const log = (message: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------- data

async function prepareData(options: BenchOptions): Promise<{ dataDir: string; relDir: string; manifest: Manifest; generatedSeconds?: number }> {
  const relDir = path.join('.bench-data', `sf${options.sf}${options.partitions === 8 ? '' : `-p${options.partitions}`}`);
  const dataDir = path.join(ROOT, relDir);
  let generatedSeconds: number | undefined;
  if (existsSync(path.join(dataDir, MANIFEST_FILE))) {
    log(`reusing TPC-H SF ${options.sf} in ${relDir}`);
  } else {
    log(`generating TPC-H SF ${options.sf} with ${options.partitions} partitions into ${relDir}`);
    const resources = defaultResources(1, 0.5);
    const started = performance.now();
    await generateTpch({
      scaleFactor: options.sf,
      outDir: dataDir,
      partitions: options.partitions,
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

interface ReportContext {
  options: BenchOptions;
  machine: { cpu: string; cores: number; memoryGiB: number };
  duckdbVersion: string;
  relDir: string;
  manifest: Manifest;
  bytes: number;
  threadsPerWorker: number;
  workerMemoryMb: number;
  duckdbThreads: number;
  duckdbMemoryMb: number;
  results: QueryResult[];
  elapsedSeconds: number;
  generatedSeconds?: number;
}

function renderReport(c: ReportContext): string {
  const { options, results } = c;
  const lineitem = c.manifest.tables.lineitem ? tableRows(c.manifest.tables.lineitem) : 0;
  const ratios = results.map(ratioOf).filter((r): r is number => r !== undefined);
  const geomean = ratios.length > 0 ? Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length) : undefined;
  const sumOf = (side: 'pondgate' | 'duckdb') => results.reduce((s, r) => s + (ratioOf(r) !== undefined ? r[side].medianMs! : 0), 0);
  const mismatches = results.filter((r) => r.rowsMatch === false);
  const failures = results.filter((r) => r.pondgate.failure !== undefined || r.duckdb.failure !== undefined || r.pondgate.errors.length + r.duckdb.errors.length > 0);
  const failedRuns = results.reduce((n, r) => n + r.pondgate.errors.length, 0);
  const lines: string[] = [];
  lines.push('# pondgate TPC-H benchmark', '');
  lines.push(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Written by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (bench/tpch.ts); the whole run took ${(c.elapsedSeconds / 60).toFixed(1)} min${c.generatedSeconds !== undefined ? `, of which data generation ${(c.generatedSeconds / 60).toFixed(1)} min` : ' (data reused from the cache)'}.`, '');
  if (failedRuns > 0) {
    lines.push(`> **${failedRuns} pondgate run(s) failed with an error** (see Failures); the medians of those queries are over their successful runs.`, '');
  }
  if (mismatches.length > 0) {
    lines.push(`> **ROW COUNT MISMATCH** in ${mismatches.map((r) => `Q${r.query.id}`).join(', ')}: pondgate returned a different number of rows than DuckDB. These answers are wrong; their times are excluded from the geometric mean.`, '');
  }
  lines.push('## Machine', '');
  lines.push(`- CPU: ${c.machine.cpu}, ${c.machine.cores} cores`);
  lines.push(`- Memory: ${c.machine.memoryGiB.toFixed(1)} GiB`);
  lines.push(`- Node ${process.version}, DuckDB ${c.duckdbVersion} (@duckdb/node-api)`);
  lines.push('- The machine is shared with other work and noisy: absolute times vary from run to run; the claim is the ratios.', '');
  lines.push('## Data and setup', '');
  lines.push(`- TPC-H scale factor ${options.sf}: ${lineitem.toLocaleString('en-US')} lineitem rows, ${fmtBytes(c.bytes)} of Parquet on disk, ${options.partitions} partitions per table (region and nation: 1), even partitioning, generated by \`generateTpch\` (src/datagen/tpch.ts) with its default seed into \`${c.relDir}\`.`);
  lines.push(`- pondgate: a private nats-server, ${options.workers} \`pondgate worker\` processes and one \`pondgate gateway\`, started by \`startTestCluster\` (test/support/cluster.ts) with their default resources: ${c.threadsPerWorker} DuckDB thread(s) and ${c.workerMemoryMb} MB per worker (the gateway has its own DuckDB for merges with the same defaults).`);
  lines.push(`- DuckDB: one in-process instance in the benchmark process, views over \`read_parquet\` of the same files (as the differential oracle does), \`threads = ${c.duckdbThreads}\` (the workers' threads combined), \`memory_limit = ${c.duckdbMemoryMb}MB\` (the workers' limits combined).`, '');
  lines.push('## Method', '');
  lines.push(`- Each of the ${results.length} queries of src/datagen/tpch-queries.ts (specification validation parameters) runs ${options.runs} time(s) on each system; the two systems alternate within each run, and which one goes first alternates from run to run. No separate warm-up: the files were in the page cache from earlier queries, and the median discards a single cold run.`);
  lines.push('- pondgate time: wall time of `client.query()` in node-postgres (simple query protocol) until every row is received and parsed. DuckDB time: wall time of `runAndReadAll()` plus `getRows()`, i.e. the result fully materialised as JS values.');
  lines.push(`- Reported: the median per query; ratio = pondgate median / DuckDB median (above 1: pondgate is slower); the geometric mean of the ratios over the queries where both answered with equal row counts. Per-query timeout ${(options.timeoutMs / 1000).toFixed(0)} s (pondgate via \`statement_timeout\`); a timed-out query is not repeated; a run that fails with an error is recorded under Failures, and the median is taken over the query's successful runs.`);
  lines.push('- Correctness check: the row count of every pondgate answer is compared with DuckDB\'s (values are compared by the differential tests, not here).');
  lines.push('- Plan: the first line of `EXPLAIN <query>` through the gateway.', '');
  lines.push('## Results', '');
  lines.push('| Query | pondgate ms | DuckDB ms | ratio | rows | rows match | pondgate plan |');
  lines.push('|---|---:|---:|---:|---:|:---:|---|');
  for (const r of results) {
    const ratio = ratioOf(r);
    const side = (x: SystemResult): string => {
      if (x.failure !== undefined) return `**${x.failure === 'timeout' ? 'timeout' : 'error'}**`;
      if (x.runsMs.length === 0) return `**error** (${x.errors.length}/${x.errors.length} runs failed)`;
      return fmtMs(x.medianMs) + (x.errors.length > 0 ? ` (**${x.errors.length}/${x.errors.length + x.runsMs.length} runs failed**)` : '');
    };
    const pCell = side(r.pondgate);
    const dCell = side(r.duckdb);
    const rows = r.rowsMatch === false ? `${r.pondgate.rows} vs ${r.duckdb.rows}` : String(r.duckdb.rows ?? r.pondgate.rows ?? '–');
    const match = r.rowsMatch === undefined ? '–' : r.rowsMatch ? 'yes' : '**NO — MISMATCH**';
    lines.push(`| Q${r.query.id} | ${pCell} | ${dCell} | ${ratio === undefined ? '–' : ratio.toFixed(2)} | ${rows} | ${match} | ${cell(r.plan)} |`);
  }
  lines.push('');
  lines.push(`**Geometric mean of the ratios: ${geomean === undefined ? '–' : geomean.toFixed(2)}** over ${ratios.length} of ${results.length} queries${ratios.length > 0 ? ` (sum of medians over those queries: pondgate ${(sumOf('pondgate') / 1000).toFixed(1)} s, DuckDB ${(sumOf('duckdb') / 1000).toFixed(1)} s)` : ''}.`, '');
  if (failures.length > 0 || mismatches.length > 0) {
    lines.push('## Failures', '');
    for (const r of failures) {
      for (const [name, x] of [['pondgate', r.pondgate], ['DuckDB', r.duckdb]] as const) {
        if (x.failure !== undefined) lines.push(`- Q${r.query.id} ${name}: ${cell(x.failure)}`);
        for (const message of x.errors) lines.push(`- Q${r.query.id} ${name}, one run failed: \`${message.replace(/`/g, "'")}\``);
      }
    }
    for (const r of mismatches) lines.push(`- Q${r.query.id}: ROW COUNT MISMATCH, pondgate ${r.pondgate.rows} rows, DuckDB ${r.duckdb.rows} rows`);
    lines.push('');
  }
  lines.push('## All runs (ms)', '');
  lines.push('| Query | pondgate | DuckDB |', '|---|---|---|');
  for (const r of results) lines.push(`| Q${r.query.id} | ${r.pondgate.runsMs.map((ms) => fmtMs(ms)).join(', ') || '–'} | ${r.duckdb.runsMs.map((ms) => fmtMs(ms)).join(', ') || '–'} |`);
  lines.push('', `Reproduce: \`npm run bench\` (options: \`-- --sf 0.1 --runs 1\` for a quick run; see bench/tpch.ts).`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const { dataDir, relDir, manifest, generatedSeconds } = await prepareData(options);
  const bytes = parquetBytes(manifest);

  // startTestCluster starts each process with --processes workers+2 (nats and the gateway count too);
  // the workers' DuckDB resources follow from that on this machine.
  const workerResources = defaultResources(options.workers + 2);
  const duckdbThreads = workerResources.threads * options.workers;
  const duckdbMemoryMb = workerResources.memoryLimitMb * options.workers;

  log(`starting a cluster with ${options.workers} workers (${workerResources.threads} thread(s), ${workerResources.memoryLimitMb} MB each)`);
  const cluster = await startTestCluster(dataDir, { workers: options.workers, cluster: 'bench' });
  let pondgate: Awaited<ReturnType<typeof openPondgate>> | undefined;
  let duckdb: Awaited<ReturnType<typeof openDuckDB>> | undefined;
  const results: QueryResult[] = [];
  try {
    pondgate = await openPondgate(cluster, options.timeoutMs);
    duckdb = await openDuckDB(dataDir, manifest, duckdbThreads, duckdbMemoryMb, options.timeoutMs);
    log(`DuckDB ${duckdb.version}: ${duckdbThreads} threads, ${duckdbMemoryMb} MB`);
    for (const query of options.queries) {
      log(`Q${query.id} ${query.name}`);
      const result = await measureQuery(query, { pondgate, duckdb }, options.runs);
      const ratio = ratioOf(result);
      log(`  Q${query.id}: pondgate ${fmtMs(result.pondgate.medianMs)} ms, duckdb ${fmtMs(result.duckdb.medianMs)} ms, ratio ${ratio?.toFixed(2) ?? '–'} [${result.plan}]`);
      results.push(result);
    }
  } finally {
    await pondgate?.close();
    await duckdb?.close();
    await cluster.stop();
  }

  const report = renderReport({
    options,
    machine: await machineDescription(),
    duckdbVersion: duckdb!.version,
    relDir,
    manifest,
    bytes,
    threadsPerWorker: workerResources.threads,
    workerMemoryMb: workerResources.memoryLimitMb,
    duckdbThreads,
    duckdbMemoryMb,
    results,
    elapsedSeconds: (performance.now() - started) / 1000,
    generatedSeconds,
  });
  // Other benchmarks' sections (e.g. the wire benchmark's) are kept below the TPC-H report.
  await writeFile(options.out, keepSections(existsSync(options.out) ? await readFile(options.out, 'utf8') : '', report));
  const mismatches = results.filter((r) => r.rowsMatch === false).length;
  log(`wrote ${path.relative(ROOT, options.out) || options.out}${mismatches > 0 ? ` — ${mismatches} ROW COUNT MISMATCH(ES)` : ''}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
