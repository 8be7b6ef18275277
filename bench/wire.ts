/**
 * Wire benchmark: how fast pondgate streams rows to real clients, and how
 * long a tiny query takes, side by side with PostgreSQL serving the same rows
 * from a table; and every goal of the fast-path issue, each row stating its
 * clients, pgbench threads and protocol, the goal, the median measurement and
 * whether it is met:
 *   1. random-key lookup, 1 client, -M prepared: mean latency ≤ 50× PostgreSQL's, p99 ≤ 3× p50;
 *   2. the same with -c 32 -j 2: tps ≥ 0.05× PostgreSQL's;
 *   3. SELECT 1, -c 32 -j 2 -M prepared: tps ≥ 0.1× PostgreSQL's;
 *   4. lookups beside a long query on another connection: latency ≤ 2× without it;
 *   5. streaming rows/s (psql, pgjdbc text and binary, node-postgres; narrow and wide): ratio vs PostgreSQL
 *      (and COPY TO STDOUT through psql, reported with no goal);
 *   6. gateway RSS while streaming a result much larger than its --memory-limit-mb, and time to first row;
 *   7. result cache on vs off for a repeated dashboard aggregate (everything else runs with it off).
 * Writes its own section of BENCHMARKS.md (the TPC-H report is kept).
 *
 *   npm run bench:wire                                        # the issue's sizes, 3 runs
 *   npm run bench:wire -- --narrow-rows 200000 --wide-rows 20000 --big-rows 1000000 --runs 1 --latency-seconds 2
 *
 * Options (each also as an environment variable WIRE_BENCH_<NAME>, e.g.
 * WIRE_BENCH_NARROW_ROWS): --narrow-rows <n> (default 10,000,000),
 * --wide-rows <n> (default 1,000,000), --lookup-rows <n> (default 100,000),
 * --big-rows <n> for the memory and first-row goals (default 6,000,000, the
 * rows of TPC-H SF 1 lineitem), --runs <n> (default 3), --partitions <n>
 * (default 8), --workers <n> (default 2), --latency-seconds <s> per pgbench
 * run (default 3), --fetch-size <n> for pgjdbc (default 10000),
 * --long-query-millions <n>: row pairs (millions) of the isolation goal's long
 * query, tens of seconds on pondgate by default (6,000), --isolation-clients
 * <n> (default 4), --gateway-memory-mb <n>: the limit of the memory goal's
 * gateway (default 64), --pg <url> (default
 * postgresql://postgres@127.0.0.1:5432/postgres; "off" skips PostgreSQL),
 * --out <file> (default BENCHMARKS.md).
 *
 * Data is generated into .bench-data/wire-p<partitions> (git-ignored), each
 * table only when its row count changed. PostgreSQL gets the same rows (COPY
 * of a CSV that DuckDB writes from the same Parquet) in a scratch schema that
 * is dropped at the end. When PostgreSQL is not reachable the benchmark says
 * so and reports pondgate alone. Progress goes to stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { TaskDispatcher, DEFAULT_DISPATCHER_OPTIONS } from '../gateway/exec/dispatcher.ts';
import { partitionFilePaths } from '../gateway/plan/stats.ts';
import { clusterSubjects } from '../src/cluster/subjects.ts';
import { createLogger } from '../src/log.ts';
import { importTable } from '../src/storage/import.ts';
import { resolveDataPath, tableRows, type Manifest } from '../src/storage/manifest.ts';
import { MANIFEST_FILE, readManifest } from '../src/storage/manifest-store.ts';
import { BIN, startTestCluster, type TestCluster } from '../test/support/cluster.ts';
import { replaceSection } from './sections.ts';
import { wideSelect } from './wide-table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLUSTER = 'wirebench';
/** Where DuckDB spills when no temp_directory is set: relative to the working directory (the gateway's is ours). */
const DUCKDB_TEMP_DIR = '.tmp';
// One scratch schema per run: runs from several checkouts share the PostgreSQL, and a fixed name let one run drop
// the tables another was measuring (a quick run's lookups met "relation lookup does not exist").
const PG_SCHEMA_PREFIX = 'pondgate_wire_bench';
const PG_SCHEMA = `${PG_SCHEMA_PREFIX}_${process.pid}`;
const PGJDBC_JARS = ['/usr/share/java/postgresql.jar', '/usr/share/java/postgresql-jdbc4.jar'];

// ---------------------------------------------------------------- options

interface WireOptions {
  narrowRows: number;
  wideRows: number;
  /** Rows of the one-partition table of the random-key lookup goals. */
  lookupRows: number;
  /** Rows of the wide-schema table streamed for the memory and time-to-first-row goals (pondgate only). */
  bigRows: number;
  runs: number;
  partitions: number;
  workers: number;
  latencySeconds: number;
  fetchSize: number;
  /** Millions of row pairs the isolation goal's long query aggregates: its length, independent of the table sizes. */
  longQueryMillions: number;
  /** Clients of the isolation goal's lookups. */
  isolationClients: number;
  /** --memory-limit-mb of the gateway in the bounded-memory goal (when the gateway has the option). */
  gatewayMemoryMb: number;
  pgUrl: string | undefined;
  out: string;
}

const OPTION_NAMES = [
  'narrow-rows',
  'wide-rows',
  'lookup-rows',
  'big-rows',
  'runs',
  'partitions',
  'workers',
  'latency-seconds',
  'fetch-size',
  'long-query-millions',
  'isolation-clients',
  'gateway-memory-mb',
  'pg',
  'out',
] as const;

function parseArgs(argv: readonly string[]): WireOptions {
  const values = new Map<string, string>();
  for (const name of OPTION_NAMES) {
    const env = process.env[`WIRE_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    if (env !== undefined && env !== '') values.set(name, env);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stderr.write(`usage: npm run bench:wire -- ${OPTION_NAMES.map((n) => `[--${n} V]`).join(' ')}\n`);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg}`);
    if (!(OPTION_NAMES as readonly string[]).includes(match[1]!)) throw new Error(`unknown option --${match[1]}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    values.set(match[1]!, value);
  }
  const num = (key: string, fallback: number): number => {
    const raw = values.get(key)?.replace(/[_,]/g, '');
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${key} expects a positive whole number, got ${raw}`);
    return n;
  };
  const pgUrl = values.get('pg') ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  return {
    narrowRows: num('narrow-rows', 10_000_000),
    wideRows: num('wide-rows', 1_000_000),
    lookupRows: num('lookup-rows', 100_000),
    // TPC-H SF 1 lineitem's row count: the size the time-to-first-row goal is stated for.
    bigRows: num('big-rows', 6_000_000),
    runs: num('runs', 3),
    partitions: num('partitions', 8),
    workers: num('workers', 2),
    latencySeconds: num('latency-seconds', 3),
    fetchSize: num('fetch-size', 10_000),
    longQueryMillions: num('long-query-millions', 6_000),
    isolationClients: num('isolation-clients', 4),
    gatewayMemoryMb: num('gateway-memory-mb', 64),
    pgUrl: pgUrl === 'off' ? undefined : pgUrl,
    out: path.resolve(ROOT, values.get('out') ?? 'BENCHMARKS.md'),
  };
}

const log = (message: string): void => void process.stderr.write(`[wire ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------- data

/** The benchmark's tables; the same SELECT builds them for pondgate (Parquet) and PostgreSQL (CSV). */
interface TableSpec {
  readonly name: string;
  readonly rows: number;
  readonly partitions: number;
  /** DuckDB SELECT over range(rows). */
  readonly duckdbSelect: string;
  /** PostgreSQL column list with the matching types. */
  readonly pgColumns: string;
  /** False: pondgate only (no CSV, not loaded into PostgreSQL), for goals with an absolute target. */
  readonly inPostgres: boolean;
}

// ~10 mixed columns: integers, doubles, a decimal, ~30 characters of text, a boolean, a date and a timestamp.
const WIDE_PG_COLUMNS =
  'id bigint, qty integer, small smallint, price double precision, ratio double precision, amount numeric(12,2), name text, flag boolean, day date, ts timestamp';

function tableSpecs(options: WireOptions): TableSpec[] {
  return [
    {
      name: 'narrow',
      rows: options.narrowRows,
      partitions: options.partitions,
      duckdbSelect: `SELECT range AS id, (range % 1000)::INTEGER AS v FROM range(${options.narrowRows})`,
      pgColumns: 'id bigint, v integer',
      inPostgres: true,
    },
    { name: 'wide', rows: options.wideRows, partitions: options.partitions, duckdbSelect: wideSelect(options.wideRows), pgColumns: WIDE_PG_COLUMNS, inPostgres: true },
    {
      // One partition: the latency query is a distributed query with exactly one task.
      name: 'tiny',
      rows: 1000,
      partitions: 1,
      duckdbSelect: 'SELECT range AS id, (range % 1000)::INTEGER AS v FROM range(1000)',
      pgColumns: 'id bigint, v integer',
      inPostgres: true,
    },
    {
      // The fast-path lookup goals: one partition, so a lookup is one task; PostgreSQL answers it from a primary key.
      name: 'lookup',
      rows: options.lookupRows,
      partitions: 1,
      duckdbSelect: `SELECT range AS id, (range % 1000)::INTEGER AS v FROM range(${options.lookupRows})`,
      pgColumns: 'id bigint PRIMARY KEY, v integer',
      inPostgres: true,
    },
    // Streamed by pondgate alone (bounded memory, time to first row): its goals are absolute, not ratios.
    { name: 'big', rows: options.bigRows, partitions: options.partitions, duckdbSelect: wideSelect(options.bigRows), pgColumns: WIDE_PG_COLUMNS, inPostgres: false },
  ];
}

interface PreparedData {
  dataDir: string;
  relDir: string;
  manifest: Manifest;
  csv: Map<string, string>;
  parquetBytes: Map<string, number>;
  generatedSeconds?: number;
}

async function prepareData(options: WireOptions, specs: readonly TableSpec[]): Promise<PreparedData> {
  // One directory per partition count, each table generated only when its row count changed: changing the size
  // of one table (say --big-rows) does not regenerate the others.
  const relDir = path.join('.bench-data', `wire-p${options.partitions}`);
  const dataDir = path.join(ROOT, relDir);
  const srcDir = path.join(dataDir, 'source');
  const csvOf = (spec: TableSpec): string => path.join(srcDir, `${spec.name}-${spec.rows}.csv`);
  await mkdir(srcDir, { recursive: true });
  const existing = existsSync(path.join(dataDir, MANIFEST_FILE)) ? await readManifest(dataDir) : undefined;
  const stale = specs.filter((spec) => !tableIsCurrent(existing, spec, csvOf(spec)));
  let generatedSeconds: number | undefined;
  if (stale.length === 0) log(`reusing the wire tables in ${relDir}`);
  else {
    const started = performance.now();
    await generateTables(stale, dataDir, srcDir, csvOf);
    generatedSeconds = (performance.now() - started) / 1000;
    log(`generated in ${generatedSeconds.toFixed(1)} s`);
  }
  const manifest = await readManifest(dataDir);
  const parquetBytes = new Map<string, number>();
  for (const spec of specs) {
    let bytes = 0;
    for (const file of manifest.tables[spec.name]!.partitions.flatMap((p) => partitionFilePaths(p))) bytes += (await stat(resolveDataPath(dataDir, file))).size;
    parquetBytes.set(spec.name, bytes);
  }
  return { dataDir, relDir, manifest, csv: new Map(specs.map((s) => [s.name, csvOf(s)])), parquetBytes, generatedSeconds };
}

function tableIsCurrent(manifest: Manifest | undefined, spec: TableSpec, csv: string): boolean {
  const table = manifest?.tables[spec.name];
  if (!table || tableRows(table) !== spec.rows || table.partitions.length !== spec.partitions) return false;
  return !spec.inPostgres || existsSync(csv);
}

async function generateTables(specs: readonly TableSpec[], dataDir: string, srcDir: string, csvOf: (spec: TableSpec) => string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '4GB' });
  const connection = await instance.connect();
  try {
    for (const spec of specs) {
      log(`generating ${spec.name}: ${spec.rows.toLocaleString('en-US')} rows`);
      for (const old of (await readdir(srcDir)).filter((f) => f.startsWith(`${spec.name}-`))) await rm(path.join(srcDir, old));
      const parquet = path.join(srcDir, `${spec.name}.parquet`);
      await connection.run(`COPY (${spec.duckdbSelect}) TO '${parquet}' (FORMAT parquet)`);
      if (spec.inPostgres) await connection.run(`COPY (SELECT * FROM read_parquet('${parquet}')) TO '${csvOf(spec)}' (FORMAT csv, HEADER)`);
      // The CLI's import path: partitions written with min/max stats and published into the manifest.
      await importTable(parquet, { table: spec.name, into: dataDir, partitions: spec.partitions, by: { scheme: 'even' }, threads: 2, memoryLimit: '4GB' });
      await rm(parquet);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---------------------------------------------------------------- endpoints

/** Where a client connects: pondgate's gateway or the PostgreSQL reference. */
interface Endpoint {
  readonly system: 'pondgate' | 'postgres';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /**
   * Settings every connection starts with (the startup packet's `options`, `-c name=value`): PostgreSQL reads the
   * scratch schema through search_path, so both run the same SQL text; pondgate runs with its result cache off
   * when it has one, so repeated runs measure the query and not the cache.
   */
  readonly settings: Readonly<Record<string, string>>;
}

function endpointFromUrl(system: Endpoint['system'], url: string, settings: Readonly<Record<string, string>> = {}): Endpoint {
  const u = new URL(url);
  return { system, host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), database: u.pathname.slice(1) || 'postgres', settings };
}

/** The startup `options` string for the endpoint's settings, or undefined when it has none. */
function startupOptions(e: Endpoint): string | undefined {
  const entries = Object.entries(e.settings);
  return entries.length === 0 ? undefined : entries.map(([name, value]) => `-c ${name}=${value}`).join(' ');
}

/** Environment for libpq clients (psql, pgbench). */
function libpqEnv(e: Endpoint): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: e.host, PGPORT: String(e.port), PGUSER: e.user, PGDATABASE: e.database, PGCONNECT_TIMEOUT: '10' };
  delete env.PGPASSWORD;
  delete env.PGSERVICE;
  const options = startupOptions(e);
  if (options !== undefined) env.PGOPTIONS = options;
  else delete env.PGOPTIONS;
  return env;
}

async function pgReachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return result.rows[0]?.v;
  } catch (error) {
    log(`PostgreSQL at ${url} is not reachable: ${(error as Error).message}`);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function loadPostgres(url: string, specs: readonly TableSpec[], data: PreparedData): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${PG_SCHEMA}`);
    for (const spec of specs) await client.query(`CREATE TABLE ${PG_SCHEMA}.${spec.name} (${spec.pgColumns})`);
  } finally {
    await client.end();
  }
  const endpoint = endpointFromUrl('postgres', url);
  for (const spec of specs) {
    log(`loading ${spec.name} into PostgreSQL`);
    const copy = `\\copy ${PG_SCHEMA}.${spec.name} FROM '${data.csv.get(spec.name)!}' WITH (FORMAT csv, HEADER)`;
    const result = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', copy], { env: libpqEnv(endpoint), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`psql \\copy of ${spec.name} failed: ${result.stderr}`);
  }
  // Sets hint bits and the visibility map, so the first measured scan is not also the one that writes them.
  const vacuum = new pg.Client({ connectionString: url });
  await vacuum.connect();
  try {
    for (const spec of specs) await vacuum.query(`VACUUM (FREEZE, ANALYZE) ${PG_SCHEMA}.${spec.name}`);
  } finally {
    await vacuum.end();
  }
}

async function dropPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  } catch (error) {
    log(`could not drop the PostgreSQL scratch schema ${PG_SCHEMA}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- streaming clients

type StreamOutcome = { ok: true; ms: number; rows: number; bytes?: number } | { ok: false; message: string };

interface StreamClient {
  readonly name: string;
  readonly format: 'text' | 'binary';
  /** Which protocol flow the client uses: simple Query, or extended (Parse/Bind/Execute). */
  readonly protocol: string;
  readonly description: string;
  /** Measured and reported beside the goals' clients, with no goal of its own. */
  readonly reportedOnly?: boolean;
  run(endpoint: Endpoint, sql: string): Promise<StreamOutcome>;
}

const STREAM_TIMEOUT_MS = 600_000;

/** Runs a command to completion; stdout is consumed chunk by chunk (counted, and kept only when asked). */
function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  keepStdout: boolean,
  cwd?: string,
): Promise<{ code: number | null; stdoutBytes: number; newlines: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let newlines = 0;
    const kept: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), STREAM_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
      if (keepStdout) kept.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdoutBytes, newlines, stdout: Buffer.concat(kept).toString(), stderr, ms: performance.now() - started });
    });
  });
}

/** psql -At -c: the whole result is received (psql buffers it), printed unaligned, and counted here. */
const psqlClient: StreamClient = {
  name: 'psql',
  format: 'text',
  protocol: 'simple',
  description: '`psql -X -At -c "SELECT * FROM t"` with its output piped into the benchmark, which counts bytes and lines; wall time of the whole psql process (start, connect, query, print)',
  async run(endpoint, sql) {
    const result = await runCommand('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], libpqEnv(endpoint), false);
    if (result.code !== 0) return { ok: false, message: result.stderr.trim().split('\n')[0] ?? `psql exited ${String(result.code)}` };
    return { ok: true, ms: result.ms, rows: result.newlines, bytes: result.stdoutBytes };
  },
};

/** COPY … TO STDOUT through psql: how analysts export a table (reported; the issue sets no goal for it). */
const psqlCopyClient: StreamClient = {
  name: 'psql COPY',
  format: 'text',
  protocol: 'simple, COPY TO STDOUT',
  description: '`psql -X -At -c "COPY (SELECT * FROM t) TO STDOUT"` (text format), counted like psql; reported with no goal',
  reportedOnly: true,
  async run(endpoint, sql) {
    return psqlClient.run(endpoint, `COPY (${sql}) TO STDOUT`);
  },
};

function jdbcClient(format: 'text' | 'binary', classDir: string, jar: string, fetchSize: number): StreamClient {
  return {
    name: `pgjdbc ${format}`,
    format,
    protocol: `extended, fetch size ${fetchSize}`,
    description:
      format === 'text'
        ? `pgjdbc (bench/jdbc/WireBench.java): \`binaryTransfer=false\`, autocommit off, \`setFetchSize(${fetchSize})\`, every value read with \`getObject\`; time from \`executeQuery\` to the last row, inside the JVM`
        : `the same with \`binaryTransfer=true\` and \`prepareThreshold=-1\` (prepared on the first execution, binary results requested for every type pgjdbc decodes)`,
    async run(endpoint, sql) {
      const options = startupOptions(endpoint);
      const url = `jdbc:postgresql://${endpoint.host}:${endpoint.port}/${endpoint.database}${options !== undefined ? `?options=${encodeURIComponent(options)}` : ''}`;
      const result = await runCommand('java', ['-cp', `${jar}${path.delimiter}${classDir}`, 'WireBench', url, endpoint.user, sql, String(fetchSize), format], process.env, true);
      const line = result.stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { ok: boolean; rows?: number; ms?: number; sqlstate?: string; message?: string };
        if (parsed.ok) return { ok: true, ms: parsed.ms!, rows: parsed.rows! };
        return { ok: false, message: `${parsed.sqlstate ?? ''} ${parsed.message ?? ''}`.trim() };
      } catch {
        return { ok: false, message: `java exited ${String(result.code)}: ${(result.stderr || result.stdout).trim().split('\n')[0]}` };
      }
    },
  };
}

/** node-postgres in the benchmark process: rows as arrays, one 'row' event each, none kept. */
const nodePgClient: StreamClient = {
  name: 'node-postgres',
  format: 'text',
  protocol: 'simple',
  description: 'node-postgres (`pg`) in the benchmark process, simple query protocol, `rowMode: array`, rows handled one by one and not kept; time from sending the query to its end',
  async run(endpoint, sql) {
    const client = new pg.Client({ host: endpoint.host, port: endpoint.port, user: endpoint.user, database: endpoint.database, options: startupOptions(endpoint) });
    client.on('error', () => {});
    try {
      await client.connect();
      const started = performance.now();
      const rows = await new Promise<number>((resolve, reject) => {
        let count = 0;
        const config: pg.QueryArrayConfig = { text: sql, rowMode: 'array' };
        const query = new pg.Query(config);
        query.on('row', () => void count++);
        query.on('end', () => resolve(count));
        query.on('error', reject);
        void client.query(query);
      });
      return { ok: true, ms: performance.now() - started, rows };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    } finally {
      await client.end().catch(() => {});
    }
  },
};

async function compileJdbc(): Promise<{ classDir: string; jar: string } | { missing: string }> {
  const jar = PGJDBC_JARS.find((j) => existsSync(j));
  if (!jar) return { missing: `no pgjdbc jar at ${PGJDBC_JARS.join(' or ')}` };
  const classDir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-wire-jdbc-'));
  const result = spawnSync('javac', ['-d', classDir, '-cp', jar, path.join(ROOT, 'bench', 'jdbc', 'WireBench.java')], { encoding: 'utf8' });
  if (result.error) return { missing: `javac not available: ${result.error.message}` };
  if (result.status !== 0) return { missing: `javac failed: ${result.stderr}` };
  return { classDir, jar };
}

// ---------------------------------------------------------------- streaming measurements

interface SideResult {
  runsMs: number[];
  rows?: number;
  bytes?: number;
  errors: string[];
}

interface StreamResult {
  table: TableSpec;
  client: StreamClient;
  sides: Partial<Record<Endpoint['system'], SideResult>>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const rowsPerSecond = (rows: number, ms: number): number => rows / (ms / 1000);

async function measureStream(table: TableSpec, client: StreamClient, endpoints: readonly Endpoint[], runs: number): Promise<StreamResult> {
  const result: StreamResult = { table, client, sides: {} };
  for (const e of endpoints) result.sides[e.system] = { runsMs: [], errors: [] };
  const sql = `SELECT * FROM ${table.name}`;
  for (let run = 0; run < runs; run++) {
    // Alternate which system goes first, so neither always inherits the other's cache and CPU state.
    const order = run % 2 === 0 ? endpoints : [...endpoints].reverse();
    for (const endpoint of order) {
      const side = result.sides[endpoint.system]!;
      if (side.errors.length > 0 && side.runsMs.length === 0) continue; // refused once (e.g. binary): do not repeat
      const outcome = await client.run(endpoint, sql);
      if (outcome.ok) {
        side.runsMs.push(outcome.ms);
        if (outcome.rows !== table.rows) side.errors.push(`returned ${outcome.rows} rows, expected ${table.rows}`);
        side.rows = outcome.rows;
        if (outcome.bytes !== undefined) side.bytes = outcome.bytes;
        log(`  ${table.name} ${client.name} ${endpoint.system} run ${run + 1}/${runs}: ${outcome.ms.toFixed(0)} ms, ${fmtRate(rowsPerSecond(outcome.rows, outcome.ms))} rows/s`);
      } else {
        side.errors.push(outcome.message);
        log(`  ${table.name} ${client.name} ${endpoint.system} run ${run + 1}/${runs}: FAILED ${outcome.message}`);
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- latency (pgbench)

interface LatencyQuery {
  readonly label: string;
  readonly sql: string;
  readonly what: string;
  /** pgbench meta-commands run before the query in each transaction (e.g. `\set id random(...)`). */
  readonly setup?: string;
}

const SELECT_1: LatencyQuery = { label: 'SELECT 1', sql: 'SELECT 1', what: 'no table: pondgate answers it in the gateway\'s own DuckDB, no worker involved' };
const TINY_LOOKUP: LatencyQuery = {
  label: 'tiny lookup',
  sql: 'SELECT v FROM tiny WHERE id = 7',
  what: 'a 1,000-row table with one partition: in pondgate a key lookup, answered from the gateway\'s key index (the partition read once into memory by the gateway\'s DuckDB, its rows found by a hash of the key: no DuckDB statement, no task; the first lookups, before the index is built, run as one task in the gateway\'s own lane)',
};
const LATENCY_QUERIES: readonly LatencyQuery[] = [SELECT_1, TINY_LOOKUP];

/** The fast-path goals' lookup: a random key per transaction, so neither system answers the same row from a cache. */
function randomLookup(rows: number): LatencyQuery {
  return {
    label: 'random-key lookup',
    setup: `\\set id random(0, ${rows - 1})`,
    sql: 'SELECT v FROM lookup WHERE id = :id',
    what: `\`lookup\`, ${rows.toLocaleString('en-US')} rows in one partition, a random id per transaction; pondgate answers it from its key index (a hash of id over the partition's rows in the gateway's memory, no DuckDB statement), PostgreSQL from a primary key on id`,
  };
}

interface LatencyConfig {
  readonly query: LatencyQuery;
  readonly clients: number;
  /** pgbench -j: threads driving the clients. */
  readonly threads: number;
  readonly mode: 'simple' | 'prepared';
}

const configText = (c: LatencyConfig): string => `${c.clients} client(s), -j ${c.threads}, -M ${c.mode}`;

interface LatencyRun {
  p50Ms: number;
  p99Ms: number;
  /** pgbench's own "latency average". */
  meanMs: number;
  tps: number;
  transactions: number;
}

interface LatencyResult {
  config: LatencyConfig;
  sides: Partial<Record<Endpoint['system'], { runs: LatencyRun[]; errors: string[] }>>;
}

async function runPgbench(endpoint: Endpoint, config: LatencyConfig, seconds: number): Promise<LatencyRun | { error: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-wire-pgbench-'));
  try {
    const script = path.join(dir, 'query.sql');
    await writeFile(script, `${config.query.setup !== undefined ? `${config.query.setup}\n` : ''}${config.query.sql};\n`);
    const args = ['-n', '-f', script, '-c', String(config.clients), '-j', String(config.threads), '-T', String(seconds), '-M', config.mode, '-l', '--log-prefix', path.join(dir, 'tx')];
    const result = await runCommand('pgbench', args, libpqEnv(endpoint), true, dir);
    if (result.code !== 0) return { error: (result.stderr.split('\n').find((l) => /error|fatal|abort/i.test(l)) ?? result.stderr.trim().split('\n').pop() ?? `pgbench exited ${String(result.code)}`).trim() };
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
    const latenciesUs: number[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.startsWith('tx'))) {
      for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line && Number.isFinite(us)) latenciesUs.push(us);
      }
    }
    latenciesUs.sort((a, b) => a - b);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)?.[1] ?? NaN);
    const meanMs = Number(/latency average = ([\d.]+) ms/.exec(result.stdout)?.[1] ?? NaN);
    if (latenciesUs.length === 0) return { error: 'pgbench logged no transactions' };
    return { p50Ms: percentile(latenciesUs, 50) / 1000, p99Ms: percentile(latenciesUs, 99) / 1000, meanMs, tps, transactions: latenciesUs.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureLatency(config: LatencyConfig, endpoints: readonly Endpoint[], runs: number, seconds: number): Promise<LatencyResult> {
  const result: LatencyResult = { config, sides: {} };
  for (const e of endpoints) result.sides[e.system] = { runs: [], errors: [] };
  // One uncounted second per side first: kept plans, pondgate's key index and JIT-compiled code,
  // PostgreSQL's buffers — what a server that has been up a while has.
  for (const endpoint of endpoints) await runPgbench(endpoint, config, 1);
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? endpoints : [...endpoints].reverse();
    for (const endpoint of order) {
      const side = result.sides[endpoint.system]!;
      if (side.errors.length > 0 && side.runs.length === 0) continue;
      const outcome = await runPgbench(endpoint, config, seconds);
      if ('error' in outcome) {
        side.errors.push(outcome.error);
        log(`  ${config.query.label} ${configText(config)} ${endpoint.system}: FAILED ${outcome.error}`);
      } else {
        side.runs.push(outcome);
        log(`  ${config.query.label} ${configText(config)} ${endpoint.system} run ${run + 1}/${runs}: mean ${outcome.meanMs.toFixed(3)} ms, p50 ${outcome.p50Ms.toFixed(3)} ms, p99 ${outcome.p99Ms.toFixed(3)} ms, ${outcome.tps.toFixed(0)} tps`);
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- direct worker round trip

interface DirectResult {
  sql: string;
  p50Ms: number[];
  p99Ms: number[];
  iterations: number;
}

/**
 * The same one-partition task the gateway sends for the tiny lookup, submitted
 * from this process with the gateway's own TaskDispatcher over the cluster's
 * NATS: request/ack, the worker's DuckDB query, the Arrow IPC batch(es), the end message.
 */
async function measureDirect(cluster: TestCluster, manifest: Manifest, runs: number, iterations: number): Promise<DirectResult> {
  const nc = await natsConnect({ servers: cluster.natsUrl });
  const dispatcher = new TaskDispatcher(nc, clusterSubjects(CLUSTER), createLogger('wire-bench', 'warn'), DEFAULT_DISPATCHER_OPTIONS);
  const tiny = manifest.tables.tiny!;
  const files = partitionFilePaths(tiny.partitions[0]!);
  const sql = 'SELECT v FROM __pondgate_in0 WHERE id = 7';
  const result: DirectResult = { sql, p50Ms: [], p99Ms: [], iterations };
  const once = async (): Promise<number> => {
    const started = performance.now();
    const spec = {
      queryId: randomUUID(),
      stageId: 0,
      task: 0,
      sql,
      inputs: [{ name: '__pondgate_in0', root: 'data' as const, files, columns: tiny.columns }],
      output: { kind: 'stream' as const },
      timeZone: 'UTC',
      deadline: Date.now() + 30_000,
    };
    let ended = false;
    for await (const event of dispatcher.run(spec, new AbortController().signal)) if (event.kind === 'end') ended = true;
    if (!ended) throw new Error('direct task ended without an end message');
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < 50; i++) await once(); // warm-up: worker connections, JIT
    for (let run = 0; run < runs; run++) {
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) times.push(await once());
      times.sort((a, b) => a - b);
      result.p50Ms.push(percentile(times, 50));
      result.p99Ms.push(percentile(times, 99));
      log(`  direct worker round trip run ${run + 1}/${runs}: p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms`);
    }
  } finally {
    await nc.close();
  }
  return result;
}

// ---------------------------------------------------------------- isolation (lookups beside a long query)

interface LongQuery {
  /** Settles when the long query ends (cancelled, timed out, failed or finished). */
  readonly done: Promise<{ ms: number; error?: string }>;
  /** True once `done` has settled. */
  ended(): boolean;
  /** Sends a CancelRequest and waits (bounded) for the query to end, then closes the connection. */
  stop(): Promise<void>;
}

/** The long query's SQL: a cross join of `narrow` with a generated series, aggregated on the workers in pondgate. */
function longQuerySql(system: Endpoint['system'], narrowRows: number, millions: number): string {
  // The series length makes the row pairs ≈ millions × 10^6 whatever the size of narrow, so the query's length is
  // set by the option, not by --narrow-rows.
  const k = Math.max(1, Math.round((millions * 1e6) / narrowRows));
  return system === 'pondgate'
    ? `SELECT count(*) AS n, sum(a.v + b.range) AS s FROM narrow a CROSS JOIN range(${k}) b`
    : `SELECT count(*) AS n, sum(a.v + b.k) AS s FROM narrow a CROSS JOIN generate_series(0, ${k - 1}) AS b(k)`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A CancelRequest on a new connection: the protocol's own cancel, which both systems answer. */
function sendCancel(e: Endpoint, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(e.port, e.host, () => {
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(80877102, 4);
      packet.writeUInt32BE(processId >>> 0, 8);
      packet.writeUInt32BE(secretKey >>> 0, 12);
      socket.end(packet);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

async function startLongQuery(e: Endpoint, sql: string, timeoutSeconds: number): Promise<LongQuery> {
  const client = new pg.Client({ host: e.host, port: e.port, user: e.user, database: e.database, options: startupOptions(e) });
  client.on('error', () => {});
  await client.connect();
  // A safety net: should the cancel be lost, the query still ends before it can disturb the next measurement for long.
  await client.query(`SET statement_timeout = ${timeoutSeconds * 1000}`).catch(() => {});
  const started = performance.now();
  let settled = false;
  let stopped = false;
  const done = client.query(sql).then(
    () => ({ ms: performance.now() - started }),
    (error: Error) => ({ ms: performance.now() - started, error: error.message }),
  );
  void done.then(() => (settled = true));
  const keys = client as unknown as { processID: number | null; secretKey: number | null };
  return {
    done,
    ended: () => settled,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!settled && keys.processID !== null && keys.secretKey !== null) await sendCancel(e, keys.processID, keys.secretKey);
      await Promise.race([done, sleep(30_000)]);
      await client.end().catch(() => {});
    },
  };
}

interface IsolationRun {
  without: LatencyRun;
  with: LatencyRun;
  /** The long query was still running at the end of the lookup window, so the lookups ran beside it the whole time. */
  overlapped: boolean;
  /** How long the long query ran before the lookups started. */
  headStartMs: number;
  /** The lookups still waited LONG_QUERY_CAP_MS after their run time, and the long query was cancelled: a lower bound. */
  capped: boolean;
}

interface IsolationResult {
  config: LatencyConfig;
  longSql: Partial<Record<Endpoint['system'], string>>;
  sides: Partial<Record<Endpoint['system'], { runs: IsolationRun[]; errors: string[] }>>;
}

/** Least head start of the long query before the lookups begin. */
const LONG_QUERY_HEAD_START_MS = 1500;
/** Longest the lookups may wait for the long query after their run time before it is cancelled. */
const LONG_QUERY_CAP_MS = 60_000;
/** Longest wait for pondgate's workers to get busy with the long query. */
const LONG_QUERY_BUSY_TIMEOUT_MS = 30_000;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Waits until the workers use at least half a core between two samples 250 ms apart: the long query's tasks are
 * running. On a loaded machine planning and dispatch may take longer than the fixed head start, and lookups that
 * start before the long query reaches the workers do not measure isolation.
 */
async function waitForBusyWorkers(workerPids: readonly number[]): Promise<void> {
  const total = async (): Promise<number> => (await Promise.all(workerPids.map((pid) => cpuSeconds(pid).catch(() => 0)))).reduce((a, b) => a + b, 0);
  const deadline = performance.now() + LONG_QUERY_BUSY_TIMEOUT_MS;
  let previous = await total();
  while (performance.now() < deadline) {
    await sleep(250);
    const now = await total();
    if (now - previous >= 0.125) return;
    previous = now;
  }
}

async function isolationRun(e: Endpoint, config: LatencyConfig, seconds: number, sql: string, workerPids: readonly number[]): Promise<IsolationRun | { error: string }> {
  const without = await runPgbench(e, config, seconds);
  if ('error' in without) return without;
  const long = await startLongQuery(e, sql, seconds + 120);
  try {
    const started = performance.now();
    await sleep(LONG_QUERY_HEAD_START_MS);
    // PostgreSQL runs the query in the backend at once; pondgate has to plan it and dispatch its tasks first.
    if (e.system === 'pondgate') await waitForBusyWorkers(workerPids);
    const headStartMs = performance.now() - started;
    if (long.ended()) {
      const outcome = await long.done;
      return { error: `the long query ended before the lookups started (${(outcome.ms / 1000).toFixed(1)} s${outcome.error ? `: ${outcome.error}` : ''}); raise --long-query-millions` };
    }
    const lookups = runPgbench(e, config, seconds);
    await Promise.race([lookups, sleep(seconds * 1000)]);
    const overlapped = !long.ended();
    // Lookups queued behind the long query wait for it as an application's would (cancelling it when the run time
    // is over hid those waits: 4× instead of the 250× a queued lookup saw), but at most LONG_QUERY_CAP_MS longer.
    const capped = await Promise.race([lookups.then(() => false), sleep(LONG_QUERY_CAP_MS).then(() => true)]);
    await long.stop();
    const withLong = await lookups;
    if ('error' in withLong) return withLong;
    return { without, with: withLong, overlapped, capped, headStartMs };
  } finally {
    await long.stop();
  }
}

async function measureIsolation(endpoints: readonly Endpoint[], config: LatencyConfig, options: WireOptions, workerPids: readonly number[]): Promise<IsolationResult> {
  const result: IsolationResult = { config, longSql: {}, sides: {} };
  for (const e of endpoints) {
    result.sides[e.system] = { runs: [], errors: [] };
    result.longSql[e.system] = longQuerySql(e.system, options.narrowRows, options.longQueryMillions);
  }
  for (let run = 0; run < options.runs; run++) {
    const order = run % 2 === 0 ? endpoints : [...endpoints].reverse();
    for (const e of order) {
      const side = result.sides[e.system]!;
      if (side.errors.length > 0 && side.runs.length === 0) continue;
      const outcome = await isolationRun(e, config, options.latencySeconds, result.longSql[e.system]!, workerPids);
      if ('error' in outcome) {
        side.errors.push(outcome.error);
        log(`  isolation ${e.system}: FAILED ${outcome.error}`);
        continue;
      }
      side.runs.push(outcome);
      log(`  isolation ${e.system} run ${run + 1}/${options.runs}: mean ${outcome.without.meanMs.toFixed(3)} ms alone, ${outcome.with.meanMs.toFixed(3)} ms beside the long query (head start ${(outcome.headStartMs / 1000).toFixed(1)} s)${outcome.overlapped ? '' : ' (the long query ended early)'}${outcome.capped ? ` (lookups still waiting ${LONG_QUERY_CAP_MS / 1000} s later: long query cancelled)` : ''}`);
    }
  }
  return result;
}

// ---------------------------------------------------------------- time to first row, bounded memory

interface FirstRowResult {
  sql: string;
  runsMs: number[];
  errors: string[];
}

/** node-postgres + pg-cursor: Parse/Bind/Execute with a row limit of 1 on a connected client; time until that row. */
async function firstRowOnce(e: Endpoint, sql: string): Promise<number | { error: string }> {
  const client = new pg.Client({ host: e.host, port: e.port, user: e.user, database: e.database, options: startupOptions(e) });
  client.on('error', () => {});
  try {
    await client.connect();
    const started = performance.now();
    const cursor = client.query(new Cursor(sql, [], { rowMode: 'array' }));
    const rows = await cursor.read(1);
    const ms = performance.now() - started;
    if (rows.length !== 1) return { error: `the cursor returned ${rows.length} rows` };
    await Promise.race([cursor.close(), sleep(30_000)]);
    return ms;
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await client.end().catch(() => {});
  }
}

async function measureFirstRow(e: Endpoint, table: TableSpec, runs: number): Promise<FirstRowResult> {
  const result: FirstRowResult = { sql: `SELECT * FROM ${table.name}`, runsMs: [], errors: [] };
  for (let run = 0; run < runs; run++) {
    const outcome = await firstRowOnce(e, result.sql);
    if (typeof outcome === 'number') result.runsMs.push(outcome);
    else result.errors.push(outcome.error);
    log(`  first row of ${table.name} run ${run + 1}/${runs}: ${typeof outcome === 'number' ? `${outcome.toFixed(0)} ms` : `FAILED ${outcome.error}`}`);
  }
  return result;
}

/** The gateway's memory-limit option as its --help describes it, or undefined when it has none. */
function gatewayMemoryOption(): string | undefined {
  const help = spawnSync(process.execPath, [BIN, 'gateway', '--help'], { encoding: 'utf8' });
  const line = /^\s*--memory-limit-mb\b.*$/m.exec(help.stdout ?? '');
  return line?.[0].trim().replace(/\s+/g, ' ');
}

interface MemoryResult {
  /** The --help line of the limit option, or undefined: no limit option. */
  limitOption: string | undefined;
  limitMb: number | undefined;
  baselineKiB: number;
  peakRssKiB: number;
  hwmKiB: number;
  /** Largest total size of the DuckDB spill files in the gateway's temp directory while streaming. */
  peakSpillBytes: number;
  samples: number;
  resultBytes: number;
  rows: number;
  ms: number;
  error?: string;
}

/**
 * Bytes in the gateway's spill files: its own temp directory (`pondgate-gateway-<pid>-*` under the
 * OS temp directory: DuckDB's temp_directory and the result spools), and DuckDB's default `.tmp`
 * in its working directory for gateways without one.
 */
async function spillBytes(pid: number): Promise<number> {
  const roots = [path.join(await readlink(`/proc/${pid}/cwd`), DUCKDB_TEMP_DIR)];
  for (const entry of await readdir(os.tmpdir()).catch(() => [] as string[])) if (entry.startsWith(`pondgate-gateway-${pid}-`)) roots.push(path.join(os.tmpdir(), entry));
  let bytes = 0;
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else bytes += (await stat(full).catch(() => ({ size: 0 }))).size;
    }
  };
  for (const root of roots) await visit(root);
  return bytes;
}

async function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
}

/**
 * Streams the big table through psql while sampling the gateway's VmRSS every 50 ms. psql holds the whole result
 * in its own memory, not the gateway's; what the gateway needs is bounded only if it does not buffer ahead of the
 * socket.
 */
async function measureMemory(gatewayPid: number, e: Endpoint, table: TableSpec, limitOption: string | undefined, limitMb: number | undefined): Promise<MemoryResult> {
  const baselineKiB = await procStatusKiB(gatewayPid, 'VmRSS');
  let peakRssKiB = baselineKiB;
  let peakSpillBytes = 0;
  let samples = 0;
  let streaming = true;
  const sampler = (async () => {
    while (streaming) {
      peakRssKiB = Math.max(peakRssKiB, await procStatusKiB(gatewayPid, 'VmRSS').catch(() => 0));
      // Memory held under the limit can still be a buffered result: spilled to disk instead of kept in RAM.
      peakSpillBytes = Math.max(peakSpillBytes, await spillBytes(gatewayPid).catch(() => 0));
      samples++;
      await sleep(50);
    }
  })();
  const result = await runCommand('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT * FROM ${table.name}`], libpqEnv(e), false).finally(() => (streaming = false));
  await sampler;
  const hwmKiB = await procStatusKiB(gatewayPid, 'VmHWM');
  const error = result.code !== 0 ? (result.stderr.trim().split('\n')[0] ?? `psql exited ${String(result.code)}`) : result.newlines !== table.rows ? `returned ${result.newlines} rows, expected ${table.rows}` : undefined;
  log(`  memory: gateway RSS ${(baselineKiB / 1024).toFixed(0)} MiB before, peak ${(peakRssKiB / 1024).toFixed(0)} MiB while streaming ${fmtBytes(result.stdoutBytes)} in ${(result.ms / 1000).toFixed(1)} s, spill files up to ${fmtBytes(peakSpillBytes)}${error ? ` (${error})` : ''}`);
  return { limitOption, limitMb, baselineKiB, peakRssKiB, hwmKiB, peakSpillBytes, samples, resultBytes: result.stdoutBytes, rows: result.newlines, ms: result.ms, error };
}

// ---------------------------------------------------------------- result cache

const CACHE_SETTING = 'pondgate.result_cache';

/** A dashboard tile: the same aggregate again and again. */
const DASHBOARD: LatencyQuery = {
  label: 'dashboard aggregate',
  sql: 'SELECT v % 10 AS bucket, count(*) AS n, sum(id) AS total, avg(v) AS mean FROM narrow GROUP BY 1 ORDER BY 1',
  what: 'the same aggregate over `narrow` repeated, as a dashboard refreshing a tile does',
};

/** SHOW's value when the server knows the setting, undefined when it refuses it. */
async function showSetting(e: Endpoint, name: string): Promise<string | undefined> {
  const client = new pg.Client({ host: e.host, port: e.port, user: e.user, database: e.database });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<Record<string, string>>(`SHOW ${name}`);
    return Object.values(result.rows[0] ?? {})[0] ?? '';
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- report

interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** DuckDB as the gateway and workers link it (@duckdb/node-api). */
  duckdb: string;
  /** First line of `<tool> --version` (psql, pgbench) or `java -version`. */
  tools: Record<string, string>;
}

async function machineDescription(): Promise<MachineDescription> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(await readFile('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  const tools: Record<string, string> = {};
  for (const [tool, flag] of [['psql', '--version'], ['pgbench', '--version'], ['java', '-version']] as const) {
    const result = spawnSync(tool, [flag], { encoding: 'utf8' });
    // java prints its version on stderr.
    tools[tool] = result.error ? 'not found' : `${result.stdout}${result.stderr}`.trim().split('\n')[0]!;
  }
  return { cpu, cores: os.availableParallelism(), memoryGiB: os.totalmem() / 1024 ** 3, duckdb: await duckdbVersion(), tools };
}

async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('SELECT version() AS v');
    return String(reader.getRowObjects()[0]?.v ?? 'unknown');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(0)} k`;
  return perSecond.toFixed(0);
}
const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));
const fmtBytes = (bytes: number): string => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 160);

interface ReportContext {
  options: WireOptions;
  specs: readonly TableSpec[];
  data: PreparedData;
  machine: MachineDescription;
  pgVersion: string | undefined;
  pgUnavailable: string | undefined;
  jdbcMissing: string | undefined;
  clients: readonly StreamClient[];
  streams: StreamResult[];
  latency: LatencyResult[];
  direct: DirectResult | undefined;
  goals: GoalMeasurements;
  elapsedSeconds: number;
  /** 1-minute load averages at the start and the end: how busy the shared machine was. */
  load: { start: number; end: number };
}

function sideCell(side: SideResult | undefined, rows: number): { text: string; rate?: number } {
  if (!side) return { text: '–' };
  if (side.runsMs.length === 0) {
    const message = side.errors[0] ?? 'no run';
    return { text: /binary result format is not supported|0A000/.test(message) ? '**binary not supported**' : `**error**: ${cell(message)}` };
  }
  const rate = rowsPerSecond(rows, median(side.runsMs));
  const wrong = side.errors.length > 0 ? ` (**${side.errors.length} failed/wrong run(s)**)` : '';
  return { text: `${fmtRate(rate)}${wrong}`, rate };
}

// ---------------------------------------------------------------- goals

interface GoalRow {
  readonly goal: string;
  /** Clients, pgbench threads, protocol: how the row was measured. */
  readonly setup: string;
  readonly target: string;
  readonly measured: string;
  /** undefined: not decidable (no PostgreSQL reference, failed runs, or no threshold). */
  readonly met: boolean | undefined;
}

type LatencySide = NonNullable<LatencyResult['sides']['pondgate']>;

/** Medians over the runs of one side, or undefined when it has no successful run. */
function latencyMedians(side: LatencySide | undefined): { meanMs: number; p50Ms: number; p99Ms: number; tps: number } | undefined {
  if (!side || side.runs.length === 0) return undefined;
  return {
    meanMs: median(side.runs.map((r) => r.meanMs)),
    p50Ms: median(side.runs.map((r) => r.p50Ms)),
    p99Ms: median(side.runs.map((r) => r.p99Ms)),
    tps: median(side.runs.map((r) => r.tps)),
  };
}

const failure = (side: { errors: string[] } | undefined): string => (side && side.errors.length > 0 ? `**error**: ${cell(side.errors[0]!)}` : 'not measured');

/** Goal 1: pondgate's mean latency at most `max`× PostgreSQL's. */
function latencyRatioGoal(r: LatencyResult | undefined, goal: string, max: number): GoalRow {
  const p = latencyMedians(r?.sides.pondgate);
  const q = latencyMedians(r?.sides.postgres);
  const setup = r ? configText(r.config) : '–';
  const target = `mean latency ≤ ${max}× PostgreSQL's`;
  if (!p) return { goal, setup, target, measured: failure(r?.sides.pondgate), met: undefined };
  if (!q) return { goal, setup, target, measured: `pondgate ${fmtMs(p.meanMs)} ms; no PostgreSQL reference`, met: undefined };
  const ratio = p.meanMs / q.meanMs;
  return { goal, setup, target, measured: `pondgate ${fmtMs(p.meanMs)} ms, PostgreSQL ${fmtMs(q.meanMs)} ms: **${ratio.toFixed(1)}×**`, met: ratio <= max };
}

/** Goal 1, second half: pondgate's own tail, p99 at most 3× p50. */
function tailGoal(r: LatencyResult | undefined): GoalRow {
  const p = latencyMedians(r?.sides.pondgate);
  const base = { goal: '1. lookup tail', setup: r ? configText(r.config) : '–', target: 'pondgate p99 ≤ 3× its p50' };
  if (!p) return { ...base, measured: failure(r?.sides.pondgate), met: undefined };
  const ratio = p.p99Ms / p.p50Ms;
  return { ...base, measured: `p50 ${fmtMs(p.p50Ms)} ms, p99 ${fmtMs(p.p99Ms)} ms: **${ratio.toFixed(1)}×**`, met: ratio <= 3 };
}

/** Goals 2 and 3: pondgate's tps at least `min`× PostgreSQL's. */
function tpsRatioGoal(r: LatencyResult | undefined, goal: string, min: number): GoalRow {
  const p = latencyMedians(r?.sides.pondgate);
  const q = latencyMedians(r?.sides.postgres);
  const setup = r ? configText(r.config) : '–';
  const target = `tps ≥ ${min}× PostgreSQL's`;
  if (!p) return { goal, setup, target, measured: failure(r?.sides.pondgate), met: undefined };
  if (!q) return { goal, setup, target, measured: `pondgate ${p.tps.toFixed(0)} tps; no PostgreSQL reference`, met: undefined };
  const ratio = p.tps / q.tps;
  return { goal, setup, target, measured: `pondgate ${p.tps.toFixed(0)} tps, PostgreSQL ${q.tps.toFixed(0)} tps: **${ratio.toFixed(3)}×**`, met: ratio >= min };
}

/** Median over runs of (mean latency beside the long query / mean latency alone). */
function isolationRatio(side: IsolationResult['sides']['pondgate']): number | undefined {
  return side && side.runs.length > 0 ? median(side.runs.map((r) => r.with.meanMs / r.without.meanMs)) : undefined;
}

function isolationGoal(r: IsolationResult | undefined): GoalRow {
  const base = { goal: '4. isolation', setup: r ? `${configText(r.config)}, plus 1 connection running the long query` : '–', target: 'lookup latency beside a long query ≤ 2× alone' };
  const p = isolationRatio(r?.sides.pondgate);
  if (p === undefined) return { ...base, measured: failure(r?.sides.pondgate), met: undefined };
  const side = r!.sides.pondgate!;
  const alone = median(side.runs.map((x) => x.without.meanMs));
  const beside = median(side.runs.map((x) => x.with.meanMs));
  const q = isolationRatio(r?.sides.postgres);
  const early = side.runs.some((x) => !x.overlapped) ? ' (**the long query ended before the lookups in some runs: raise --long-query-millions**)' : '';
  const bound = side.runs.some((x) => x.capped) ? ' (at least: the long query was cancelled while lookups waited)' : '';
  return { ...base, measured: `${fmtMs(alone)} → ${fmtMs(beside)} ms: **${p.toFixed(1)}×**${bound}${q !== undefined ? ` (PostgreSQL ${q.toFixed(2)}×)` : ''}${early}`, met: early ? undefined : p <= 2 };
}

function streamGoals(streams: readonly StreamResult[]): GoalRow[] {
  return streams.map((r) => {
    const p = sideCell(r.sides.pondgate, r.table.rows);
    const q = sideCell(r.sides.postgres, r.table.rows);
    const target = r.client.reportedOnly ? 'reported: ratio to PostgreSQL (no goal)' : 'rows/s ≥ 0.8× PostgreSQL\'s (1.0× is where we are going)';
    const base = { goal: `${r.client.reportedOnly ? '–' : '5.'} stream ${r.table.name}, ${r.client.name}`, setup: `1 client, ${r.client.protocol}, ${r.client.format}`, target };
    if (p.rate === undefined) return { ...base, measured: p.text, met: undefined };
    if (q.rate === undefined) return { ...base, measured: `pondgate ${p.text} rows/s; ${r.sides.postgres ? `PostgreSQL ${q.text}` : 'no PostgreSQL reference'}`, met: undefined };
    const ratio = p.rate / q.rate;
    return { ...base, measured: `pondgate ${p.text}, PostgreSQL ${q.text} rows/s: **${ratio.toFixed(2)}×**`, met: r.client.reportedOnly ? undefined : ratio >= 0.8 };
  });
}

/** What the gateway may hold beyond its memory limit while streaming (see the goal's target). */
const MEMORY_MARGIN_MIB = 64;

function memoryGoal(m: MemoryResult | undefined): GoalRow {
  const base = { goal: '6. bounded memory', setup: '1 client (psql), simple, text; a gateway of its own', target: `gateway RSS growth while streaming ≤ its memory limit + ${MEMORY_MARGIN_MIB} MiB (the stated margin: the workers' in-flight messages, ≤ 4 credits × 1 MiB per task, and the JS runtime; what the client has not read yet may go to spill files: reported)` };
  if (!m) return { ...base, measured: 'not measured', met: undefined };
  const growthMiB = (m.peakRssKiB - m.baselineKiB) / 1024;
  const limit = m.limitMb !== undefined ? `--memory-limit-mb ${m.limitMb}` : 'no limit option';
  const larger = m.limitMb !== undefined ? `, ${(m.resultBytes / (m.limitMb * 1024 ** 2)).toFixed(1)}× the limit` : '';
  const spill = m.peakSpillBytes > 0 ? `, ${fmtBytes(m.peakSpillBytes)} in spill files at most` : '';
  const measured = `${limit}: RSS ${(m.baselineKiB / 1024).toFixed(0)} MiB → peak ${(m.peakRssKiB / 1024).toFixed(0)} MiB (**+${growthMiB.toFixed(0)} MiB**${spill}) streaming ${fmtBytes(m.resultBytes)} (${m.rows.toLocaleString('en-US')} rows${larger})${m.error ? `; **error**: ${cell(m.error)}` : ''}`;
  // Undecidable without a limit, or when the result was not larger than the limit (the bound is not exercised).
  // Spill files are the issue's answer to a reader slower than the workers: reported, not bounded by the memory limit.
  const exercised = m.limitMb !== undefined && m.resultBytes > 2 * m.limitMb * 1024 ** 2 && m.error === undefined;
  return { ...base, measured: exercised ? measured : `${measured}${m.limitMb !== undefined && m.error === undefined ? ' — result not much larger than the limit: inconclusive' : ''}`, met: exercised ? growthMiB <= m.limitMb! + MEMORY_MARGIN_MIB : undefined };
}

function firstRowGoal(r: FirstRowResult | undefined, big: TableSpec): GoalRow {
  const base = { goal: '6. time to first row', setup: '1 client (node-postgres + pg-cursor), extended, text', target: `first row of \`SELECT * FROM ${big.name}\` (${big.rows.toLocaleString('en-US')} rows) < 0.5 s` };
  if (!r || r.runsMs.length === 0) return { ...base, measured: failure(r), met: undefined };
  const ms = median(r.runsMs);
  return { ...base, measured: `**${fmtMs(ms)} ms**`, met: ms < 500 };
}

function cacheGoal(g: GoalMeasurements, dashboard: LatencyConfig): GoalRow {
  const base = { goal: '7. result cache', setup: configText(dashboard), target: 'reported: cache on vs off (no threshold)' };
  const off = latencyMedians(g.cacheOff?.sides.pondgate);
  if (g.cacheSetting === undefined) return { ...base, measured: `no \`${CACHE_SETTING}\` setting in this gateway${off ? `; without it ${off.tps.toFixed(0)} tps` : ''}`, met: undefined };
  const on = latencyMedians(g.cacheOn?.sides.pondgate);
  if (!off || !on) return { ...base, measured: failure(off ? g.cacheOn?.sides.pondgate : g.cacheOff?.sides.pondgate), met: undefined };
  return { ...base, measured: `off ${off.tps.toFixed(0)} tps (${fmtMs(off.meanMs)} ms), on ${on.tps.toFixed(0)} tps (${fmtMs(on.meanMs)} ms): **${(on.tps / off.tps).toFixed(1)}×**`, met: undefined };
}

function goalRows(c: ReportContext): GoalRow[] {
  const g = c.goals;
  const configs = goalConfigs(c.options);
  return [
    latencyRatioGoal(g.lookup1, '1. lookup latency', 50),
    tailGoal(g.lookup1),
    tpsRatioGoal(g.lookup32, '2. lookup throughput', 0.05),
    tpsRatioGoal(g.select32, '3. SELECT 1 throughput', 0.1),
    isolationGoal(g.isolation),
    ...streamGoals(c.streams),
    memoryGoal(g.memory),
    firstRowGoal(g.firstRow, c.specs.find((s) => s.name === 'big')!),
    cacheGoal(g, configs.dashboard),
  ];
}

const metText = (met: boolean | undefined): string => (met === undefined ? '–' : met ? 'met' : '**not met**');

function renderGoals(c: ReportContext, lines: string[]): void {
  const rows = goalRows(c);
  const decided = rows.filter((r) => r.met !== undefined);
  lines.push('## Fast-path goals', '');
  lines.push(`${decided.filter((r) => r.met).length} of ${decided.length} decided goals met (– : not decidable in this run, see the row). Every figure is the median over ${c.options.runs} run(s); ratios are pondgate / PostgreSQL.`, '');
  lines.push('| goal | clients, threads, protocol | target | measured | met |', '|---|---|---|---|---|');
  for (const r of rows) lines.push(`| ${r.goal} | ${r.setup} | ${r.target} | ${r.measured} | ${metText(r.met)} |`);
  lines.push('');
}

function renderIsolation(r: IsolationResult | undefined, lines: string[]): void {
  if (!r) return;
  lines.push('## Isolation: lookups beside a long query', '');
  lines.push(`${configText(r.config)} random-key lookups for the latency run time, alone and then while one more connection runs the long query (started at least ${LONG_QUERY_HEAD_START_MS / 1000} s before the lookups, and in pondgate until its workers use half a core or more, i.e. its tasks run; lookups queued behind it when their run time is over wait for it as an application would, at most ${LONG_QUERY_CAP_MS / 1000} s more, after which it is cancelled with a CancelRequest — their latency is then a lower bound). Ratio = mean latency beside / alone, per run; the median over runs is reported.`, '');
  for (const [system, sql] of Object.entries(r.longSql)) lines.push(`- long query (${system}): \`${sql}\``);
  lines.push('', '| system | mean ms alone | p99 ms alone | mean ms beside | p99 ms beside | ratio | head start s | long query still running at the end of every run | cancelled while lookups waited |', '|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const [system, side] of Object.entries(r.sides)) {
    if (side.runs.length === 0) {
      lines.push(`| ${system} | ${failure(side)} | | | | | | | |`);
      continue;
    }
    const m = (pick: (x: IsolationRun) => number): string => fmtMs(median(side.runs.map(pick)));
    lines.push(`| ${system} | ${m((x) => x.without.meanMs)} | ${m((x) => x.without.p99Ms)} | ${m((x) => x.with.meanMs)} | ${m((x) => x.with.p99Ms)} | ${isolationRatio(side)!.toFixed(2)}× | ${side.runs.map((x) => (x.headStartMs / 1000).toFixed(1)).join(', ')} | ${side.runs.every((x) => x.overlapped) ? 'yes' : '**no**'} | ${side.runs.some((x) => x.capped) ? '**yes** (lower bound)' : 'no'} |`);
  }
  lines.push('');
}

function renderMemoryAndFirstRow(g: GoalMeasurements, big: TableSpec, lines: string[]): void {
  lines.push('## Bounded memory and time to first row', '');
  const m = g.memory;
  if (m) {
    lines.push(`- Gateway memory: a cluster of its own whose gateway runs ${m.limitOption !== undefined ? `with \`--memory-limit-mb ${m.limitMb}\` (its --help: "${cell(m.limitOption)}")` : 'without a limit: **no limit option** in `pondgate gateway --help`'}; after a warm-up query, \`psql -X -At -c "SELECT * FROM ${big.name}"\` streams ${m.rows.toLocaleString('en-US')} rows (${fmtBytes(m.resultBytes)} of text) in ${(m.ms / 1000).toFixed(1)} s while the benchmark reads the gateway process's VmRSS from /proc every 50 ms (${m.samples} samples).`);
    lines.push(`  - RSS before: ${(m.baselineKiB / 1024).toFixed(0)} MiB; peak while streaming: ${(m.peakRssKiB / 1024).toFixed(0)} MiB; VmHWM at the end (includes start-up): ${(m.hwmKiB / 1024).toFixed(0)} MiB; the gateway's spill files (its temp directory: DuckDB's and the result spools'), largest total while streaming: ${fmtBytes(m.peakSpillBytes)}${m.error ? `; **error**: ${cell(m.error)}` : ''}.`);
  }
  const f = g.firstRow;
  if (f) {
    lines.push(`- Time to first row: node-postgres with pg-cursor on a connected client, \`${f.sql}\` (${big.rows.toLocaleString('en-US')} rows, ${big.partitions} partitions) read with \`cursor.read(1)\` (Execute with a row limit of 1), then closed; time from sending the query to the first row, ${f.runsMs.length} run(s): ${f.runsMs.map((ms) => fmtMs(ms)).join(', ') || '–'} ms${f.errors.length > 0 ? `; **errors**: ${cell(f.errors.join('; '))}` : ''}. Measured against the main cluster's gateway (no memory limit).`);
  }
  lines.push(`- \`${big.name}\` is not loaded into PostgreSQL: both goals are absolute.`, '');
}

function renderCache(g: GoalMeasurements, withPg: boolean, lines: string[]): void {
  lines.push('## Result cache', '');
  lines.push(g.cacheSetting !== undefined
    ? `The gateway has \`${CACHE_SETTING}\` (default \`${g.cacheSetting}\`): every other measurement ran with \`-c ${CACHE_SETTING}=off\` in the startup options (PGOPTIONS, node-postgres and pgjdbc \`options\`); this row alone runs with it on.`
    : `The gateway has no \`${CACHE_SETTING}\` setting (\`SHOW ${CACHE_SETTING}\` fails): every measurement ran as the gateway is, and the cache-on row is not run.`, '');
  lines.push(`\`${DASHBOARD.sql}\`: ${DASHBOARD.what}.`, '');
  lines.push('| setting | clients | threads | protocol | mean ms | p99 ms | tps |', '|---|---:|---:|---|---:|---:|---:|');
  const row = (label: string, r: LatencyResult | undefined, side: LatencySide | undefined): void => {
    if (!r) return;
    const m = latencyMedians(side);
    lines.push(`| ${label} | ${r.config.clients} | ${r.config.threads} | ${r.config.mode} | ${m ? `${fmtMs(m.meanMs)} | ${fmtMs(m.p99Ms)} | ${m.tps.toFixed(0)}` : `${failure(side)} | | `} |`);
  };
  row(g.cacheSetting !== undefined ? 'pondgate, result cache off' : 'pondgate', g.cacheOff, g.cacheOff?.sides.pondgate);
  if (g.cacheSetting !== undefined) row('pondgate, result cache on', g.cacheOn, g.cacheOn?.sides.pondgate);
  if (withPg) row('PostgreSQL', g.cacheOff, g.cacheOff?.sides.postgres);
  lines.push('');
}

/** Failed runs of the goal measurements that have no row of their own in the latency tables. */
function goalErrors(g: GoalMeasurements): string[] {
  const isolation = Object.entries(g.isolation?.sides ?? {}).flatMap(([system, s]) => s.errors.map((e) => `isolation / ${system}: ${e}`));
  const cacheRows = [...Object.entries(g.cacheOff?.sides ?? {}), ...Object.entries(g.cacheOn?.sides ?? {}).map(([system, s]) => [`${system}, result cache on`, s] as const)];
  const cache = cacheRows.flatMap(([system, s]) => s.errors.map((e) => `dashboard aggregate / ${system}: ${e}`));
  return [...isolation, ...(g.firstRow?.errors ?? []).map((e) => `first row: ${e}`), ...(g.memory?.error !== undefined ? [`memory: ${g.memory.error}`] : []), ...cache];
}

function renderReport(c: ReportContext): string {
  const { options } = c;
  const withPg = c.pgVersion !== undefined;
  const lines: string[] = [];
  const args = process.argv.slice(2);
  lines.push('# pondgate wire benchmark', '');
  lines.push(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Written by \`npm run bench:wire${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\` (bench/wire.ts); the whole run took ${(c.elapsedSeconds / 60).toFixed(1)} min${c.data.generatedSeconds !== undefined ? `, of which data generation ${(c.data.generatedSeconds / 60).toFixed(1)} min` : ' (data reused from the cache)'}.`, '');
  if (!withPg) lines.push(`> **PostgreSQL reference not available** (${c.pgUnavailable ?? 'disabled'}): the PostgreSQL columns are left out.`, '');
  if (c.jdbcMissing) lines.push(`> **pgjdbc not run**: ${cell(c.jdbcMissing)}.`, '');
  lines.push('## Machine', '');
  lines.push(`- CPU: ${c.machine.cpu}, ${c.machine.cores} cores; memory ${c.machine.memoryGiB.toFixed(1)} GiB`);
  lines.push(`- Versions: Node ${process.version}; DuckDB ${c.machine.duckdb}; ${Object.entries(c.machine.tools).map(([tool, v]) => `${tool}: ${v}`).join('; ')}`);
  lines.push(`- Load average (1 min) at the start and the end of the run: ${c.load.start.toFixed(1)} and ${c.load.end.toFixed(1)} (on ${c.machine.cores} cores; other work shares the machine)`);
  lines.push(`- PostgreSQL: ${withPg ? `${c.pgVersion} on the same machine, its own configuration (one backend process per connection)` : 'not reachable'}`);
  lines.push('- Clients, gateway, workers, nats-server and PostgreSQL all share these cores, and the machine is shared with other work: absolute numbers vary from run to run; compare the two systems within a row.', '');
  renderGoals(c, lines);
  lines.push('## Data and setup', '');
  for (const spec of c.specs) {
    lines.push(`- \`${spec.name}\`: ${spec.rows.toLocaleString('en-US')} rows (${spec.pgColumns}), ${spec.partitions} partition(s), ${fmtBytes(c.data.parquetBytes.get(spec.name) ?? 0)} of Parquet`);
  }
  lines.push(`- pondgate: a private nats-server, ${options.workers} \`pondgate worker\` processes and one \`pondgate gateway\` (\`startTestCluster\`, default resources); tables built by DuckDB over \`range()\` and imported with \`importTable\` (the code of \`pondgate import --by even\`) into \`${c.data.relDir}\`.`);
  lines.push(`- PostgreSQL: the same rows (a CSV written by DuckDB from the same Parquet, loaded with \`\\copy\`, then \`VACUUM (FREEZE, ANALYZE)\`) in a scratch schema of the run (\`${PG_SCHEMA_PREFIX}_<pid>\`), dropped at the end; clients reach it through \`search_path\` so both systems run the same SQL text.`, '');
  lines.push('## Method', '');
  lines.push(`- Streaming: \`SELECT * FROM <table>\`, ${options.runs} run(s) per client and system, the systems alternating within a run and which goes first alternating between runs. Reported: rows/s of the median run; ratio = pondgate rows/s / PostgreSQL rows/s (goal ≥ 0.8, 1.0 the aim; above 1 pondgate is faster). A run counts only with the full row count.`);
  for (const client of c.clients) lines.push(`  - ${client.name} (${client.format}): ${client.description}.`);
  lines.push(`- Latency: \`pgbench -n -f <script> -c N -j T -T ${options.latencySeconds} -M simple|prepared -l\`, ${options.runs} run(s) per configuration after one uncounted 1-second run per side (kept plans, pondgate's key index, JIT-compiled code, PostgreSQL's buffers); p50/p99 over every transaction of a run from the per-transaction log, reported as the median over runs (pgbench's mean latency and tps likewise). The matrix of SELECT 1 and the tiny lookup runs one pgbench thread per client (\`-j N\`): with several clients per thread pgbench's lazily read clock rounds sub-millisecond latencies to 0. The goal rows use the threads the goals state (\`-c 32 -j 2\`); their ratios use tps or the mean, which do not depend on per-transaction stamps. pgbench connects before the clock starts, so connection setup is not in the latencies.`);
  for (const q of [...LATENCY_QUERIES, randomLookup(options.lookupRows)]) lines.push(`  - ${q.label}: \`${q.setup !== undefined ? `${q.setup}; ` : ''}${q.sql}\` — ${q.what}.`);
  lines.push('- Lookup through the gateway against a worker round trip: pondgate\'s p50 for the tiny lookup (1 client, simple protocol) minus the p50 of a direct worker round trip: the same one-partition task (`' + (c.direct?.sql ?? '') + '` over the tiny partition\'s file) submitted from the benchmark process with the gateway\'s own `TaskDispatcher` over the cluster\'s NATS, sequentially, ' + `${c.direct?.iterations ?? 0} tasks per run after 50 warm-up tasks. The tiny lookup is answered from the gateway's key index, so the difference compares the whole lookup through the gateway (wire protocol, the kept plan, the probe, encoding the rows, and pgbench's own client time) with the bare worker round trip it replaces: below 0, the lookup through the gateway is faster than sending its task to a worker alone. \`SELECT 1\` vs the tiny lookup in pondgate is shown too: what a key lookup costs beyond a constant.`, '');

  lines.push('## Streaming throughput (rows/s, median run)', '');
  lines.push(withPg ? '| table | client | clients | protocol | format | pondgate rows/s | PostgreSQL rows/s | ratio |' : '| table | client | clients | protocol | format | pondgate rows/s |');
  lines.push(withPg ? '|---|---|---:|---|---|---:|---:|---:|' : '|---|---|---:|---|---|---:|');
  for (const r of c.streams) {
    const p = sideCell(r.sides.pondgate, r.table.rows);
    const q = sideCell(r.sides.postgres, r.table.rows);
    const ratio = p.rate !== undefined && q.rate !== undefined ? `${(p.rate / q.rate).toFixed(2)}×` : '–';
    const head = `| ${r.table.name} | ${r.client.name} | 1 | ${r.client.protocol} | ${r.client.format} | ${p.text}`;
    lines.push(withPg ? `${head} | ${q.text} | ${ratio} |` : `${head} |`);
  }
  lines.push('');
  const psqlChecks = c.streams.filter((r) => r.client === psqlClient && r.sides.pondgate?.bytes !== undefined && r.sides.postgres?.bytes !== undefined);
  for (const r of psqlChecks) {
    const a = r.sides.pondgate!.bytes!;
    const b = r.sides.postgres!.bytes!;
    lines.push(`- Check: psql printed ${a.toLocaleString('en-US')} bytes for \`${r.table.name}\` from pondgate and ${b.toLocaleString('en-US')} from PostgreSQL — ${a === b ? 'the same size (same rows, same text formatting)' : '**different sizes: the text formatting differs**'}.`);
  }
  if (psqlChecks.length > 0) lines.push('');

  lines.push('## Latency (pgbench)', '');
  lines.push(withPg ? '| query | clients | threads | protocol | pondgate p50 ms | p99 ms | mean ms | tps | PostgreSQL p50 ms | p99 ms | mean ms | tps | mean ratio | tps ratio |' : '| query | clients | threads | protocol | pondgate p50 ms | p99 ms | mean ms | tps |');
  lines.push(withPg ? '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|' : '|---|---:|---:|---|---:|---:|---:|---:|');
  const latencyCells = (side: LatencyResult['sides']['pondgate']): { cells: string[]; mean?: number } => {
    if (!side) return { cells: ['–', '–', '–', '–'] };
    if (side.runs.length === 0) return { cells: [`**error**: ${cell(side.errors[0] ?? 'no run')}`, '–', '–', '–'] };
    const p50 = median(side.runs.map((r) => r.p50Ms));
    const mean = median(side.runs.map((r) => r.meanMs));
    // pgbench logs whole microseconds from a lazily read clock: PostgreSQL's fastest transactions log 0.
    const p50Text = p50 < 0.001 ? '0 (see note)' : fmtMs(p50);
    return { cells: [p50Text, fmtMs(median(side.runs.map((r) => r.p99Ms))), fmtMs(mean), median(side.runs.map((r) => r.tps)).toFixed(0)], mean };
  };
  for (const r of c.latency) {
    const p = latencyCells(r.sides.pondgate);
    const q = latencyCells(r.sides.postgres);
    const ratio = p.mean !== undefined && q.mean !== undefined && q.mean > 0 ? `${(p.mean / q.mean).toFixed(1)}×` : '–';
    const pt = latencyMedians(r.sides.pondgate)?.tps;
    const qt = latencyMedians(r.sides.postgres)?.tps;
    const tpsRatio = pt !== undefined && qt !== undefined && qt > 0 ? `${(pt / qt).toFixed(3)}×` : '–';
    const head = `| ${r.config.query.label} | ${r.config.clients} | ${r.config.threads} | ${r.config.mode} | ${p.cells.join(' | ')}`;
    lines.push(withPg ? `${head} | ${q.cells.join(' | ')} | ${ratio} | ${tpsRatio} |` : `${head} |`);
  }
  lines.push('', 'mean = pgbench\'s "latency average" (run time × clients / transactions, so it does not depend on per-transaction stamps); mean ratio = pondgate mean / PostgreSQL mean (above 1: pondgate is slower). Note: pgbench logs whole microseconds from a clock it reads lazily, and against PostgreSQL\'s `SELECT 1` with 32 clients most transactions log exactly 0 (64% in one check), apparently those whose answer had already arrived when pgbench looked; such a p50 shows as 0. It is below what pgbench can resolve, which is why the ratio uses the means.', '');

  renderIsolation(c.goals.isolation, lines);
  renderMemoryAndFirstRow(c.goals, c.specs.find((s) => s.name === 'big')!, lines);
  renderCache(c.goals, withPg, lines);

  lines.push('## Lookup through the gateway against a worker round trip', '');
  const p50Of = (label: string, clients: number, mode: string): number | undefined => {
    const side = c.latency.find((r) => r.config.query.label === label && r.config.clients === clients && r.config.threads === clients && r.config.mode === mode)?.sides.pondgate;
    return side && side.runs.length > 0 ? median(side.runs.map((r) => r.p50Ms)) : undefined;
  };
  const tiny = p50Of('tiny lookup', 1, 'simple');
  const select1 = p50Of('SELECT 1', 1, 'simple');
  const direct = c.direct && c.direct.p50Ms.length > 0 ? median(c.direct.p50Ms) : undefined;
  lines.push('| measured (1 client, sequential) | p50 ms |', '|---|---:|');
  if (direct !== undefined) lines.push(`| direct worker round trip (NATS task → worker DuckDB → Arrow batch → end), p99 ${fmtMs(median(c.direct!.p99Ms))} ms | ${fmtMs(direct)} |`);
  if (select1 !== undefined) lines.push(`| pondgate \`SELECT 1\` (gateway only, no worker) | ${fmtMs(select1)} |`);
  if (tiny !== undefined) lines.push(`| pondgate tiny lookup (the gateway's key index) | ${fmtMs(tiny)} |`);
  if (tiny !== undefined && direct !== undefined) lines.push(`| **lookup through the gateway − direct worker round trip** | **${fmtMs(tiny - direct)}** |`);
  if (tiny !== undefined && select1 !== undefined) lines.push(`| cost of running a task = tiny lookup − \`SELECT 1\` | ${fmtMs(tiny - select1)} |`);
  lines.push('');

  lines.push('## All runs', '');
  lines.push('Streaming, ms per run:', '');
  lines.push('| table | client | pondgate | PostgreSQL |', '|---|---|---|---|');
  const runsOf = (side: SideResult | undefined): string => (side ? side.runsMs.map((ms) => ms.toFixed(0)).join(', ') || '–' : '–');
  for (const r of c.streams) lines.push(`| ${r.table.name} | ${r.client.name} | ${runsOf(r.sides.pondgate)} | ${runsOf(r.sides.postgres)} |`);
  lines.push('', 'Latency, p50 / p99 ms per run:', '');
  lines.push('| query | clients | threads | protocol | pondgate | PostgreSQL |', '|---|---:|---:|---|---|---|');
  const latRuns = (side: LatencyResult['sides']['pondgate']): string => (side ? side.runs.map((r) => `${fmtMs(r.p50Ms)} / ${fmtMs(r.p99Ms)}`).join(', ') || '–' : '–');
  for (const r of c.latency) lines.push(`| ${r.config.query.label} | ${r.config.clients} | ${r.config.threads} | ${r.config.mode} | ${latRuns(r.sides.pondgate)} | ${latRuns(r.sides.postgres)} |`);
  const errors = [...c.streams.flatMap((r) => Object.entries(r.sides).flatMap(([system, s]) => s.errors.map((e) => `${r.table.name} / ${r.client.name} / ${system}: ${e}`))), ...c.latency.flatMap((r) => Object.entries(r.sides).flatMap(([system, s]) => s.errors.map((e) => `${r.config.query.label} ${configText(r.config)} / ${system}: ${e}`))), ...goalErrors(c.goals)];
  if (errors.length > 0) {
    lines.push('', 'Failed runs:', '');
    for (const e of [...new Set(errors)]) lines.push(`- ${cell(e)}`);
  }
  lines.push('', 'Reproduce: `npm run bench:wire` (quick run: `-- --narrow-rows 200000 --wide-rows 20000 --big-rows 1000000 --runs 1 --latency-seconds 2`; see bench/wire.ts).', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

/** What the fast-path goals measured; each part stays undefined when its step did not run. */
interface GoalMeasurements {
  lookup1?: LatencyResult;
  lookup32?: LatencyResult;
  select32?: LatencyResult;
  isolation?: IsolationResult;
  firstRow?: FirstRowResult;
  memory?: MemoryResult;
  /** SHOW pondgate.result_cache's answer, or undefined: the gateway has no result cache setting. */
  cacheSetting?: string;
  cacheOff?: LatencyResult;
  cacheOn?: LatencyResult;
}

/** The goal configurations of the fast-path issue (clients, pgbench threads, protocol). */
function goalConfigs(options: WireOptions): { lookup1: LatencyConfig; lookup32: LatencyConfig; select32: LatencyConfig; isolation: LatencyConfig; dashboard: LatencyConfig } {
  const lookup = randomLookup(options.lookupRows);
  return {
    lookup1: { query: lookup, clients: 1, threads: 1, mode: 'prepared' },
    lookup32: { query: lookup, clients: 32, threads: 2, mode: 'prepared' },
    select32: { query: SELECT_1, clients: 32, threads: 2, mode: 'prepared' },
    isolation: { query: lookup, clients: options.isolationClients, threads: options.isolationClients, mode: 'prepared' },
    dashboard: { query: DASHBOARD, clients: 1, threads: 1, mode: 'simple' },
  };
}

/** Everything measured against the main cluster: streaming, the latency matrix, the goals, the direct round trip. */
async function measureMain(
  cluster: TestCluster,
  endpoints: readonly Endpoint[],
  clients: readonly StreamClient[],
  specs: readonly TableSpec[],
  data: PreparedData,
  options: WireOptions,
  goals: GoalMeasurements,
): Promise<{ streams: StreamResult[]; latency: LatencyResult[]; direct: DirectResult }> {
  const configs = goalConfigs(options);
  const streams: StreamResult[] = [];
  for (const table of specs.filter((s) => s.name === 'narrow' || s.name === 'wide')) {
    for (const client of clients) {
      log(`streaming ${table.name} to ${client.name}`);
      streams.push(await measureStream(table, client, endpoints, options.runs));
    }
  }
  const latency: LatencyResult[] = [];
  for (const query of LATENCY_QUERIES) {
    for (const clientCount of [1, 32]) {
      for (const mode of ['simple', 'prepared'] as const) {
        // One pgbench thread per client: a thread serving several clients stamps their transactions with a clock it
        // reads lazily, which rounds sub-millisecond latencies down to 0 (PostgreSQL's SELECT 1 showed p50 0.000 ms at -j 2).
        latency.push(await measureLatency({ query, clients: clientCount, threads: clientCount, mode }, endpoints, options.runs, options.latencySeconds));
      }
    }
  }
  log('goals 1-3: random-key lookups and SELECT 1 as the issue states them');
  goals.lookup1 = await measureLatency(configs.lookup1, endpoints, options.runs, options.latencySeconds);
  goals.lookup32 = await measureLatency(configs.lookup32, endpoints, options.runs, options.latencySeconds);
  goals.select32 = await measureLatency(configs.select32, endpoints, options.runs, options.latencySeconds);
  latency.push(goals.lookup1, goals.lookup32, goals.select32);
  log('goal 4: lookups beside a long query');
  goals.isolation = await measureIsolation(endpoints, configs.isolation, options, cluster.workers.map((w) => w.process.pid ?? 0));
  log('goal 6: time to first row');
  goals.firstRow = await measureFirstRow(endpoints[0]!, specs.find((s) => s.name === 'big')!, options.runs);
  log('goal 7: result cache');
  goals.cacheOff = await measureLatency(configs.dashboard, endpoints, options.runs, options.latencySeconds);
  if (goals.cacheSetting !== undefined) {
    const cacheOn: Endpoint = { ...endpoints[0]!, settings: { ...endpoints[0]!.settings, [CACHE_SETTING]: 'on' } };
    goals.cacheOn = await measureLatency(configs.dashboard, [cacheOn], options.runs, options.latencySeconds);
  }
  log('direct worker round trips');
  const direct = await measureDirect(cluster, data.manifest, options.runs, 500);
  return { streams, latency, direct };
}

/**
 * Goal 6 on a gateway of its own, started with --memory-limit-mb (when the gateway has that option), so the limit
 * does not change the other measurements.
 */
async function measureMemoryGoal(data: PreparedData, specs: readonly TableSpec[], options: WireOptions, cacheSetting: string | undefined): Promise<MemoryResult> {
  const limitOption = gatewayMemoryOption();
  const limitMb = limitOption !== undefined ? options.gatewayMemoryMb : undefined;
  log(`goal 6: gateway memory while streaming big (${limitMb !== undefined ? `--memory-limit-mb ${limitMb}` : 'no limit option'})`);
  const cluster = await startTestCluster(data.dataDir, { workers: options.workers, cluster: `${CLUSTER}mem`, gatewayArgs: limitMb !== undefined ? ['--memory-limit-mb', String(limitMb)] : [] });
  try {
    const endpoint = pondgateEndpoint(cluster.port, cacheSetting);
    const big = specs.find((s) => s.name === 'big')!;
    // Warm-up: the gateway's DuckDB, the catalog and the worker connections exist before the baseline is read.
    await firstRowOnce(endpoint, `SELECT * FROM ${big.name}`);
    return await measureMemory(cluster.gatewayPid, endpoint, big, limitOption, limitMb);
  } finally {
    await cluster.stop();
  }
}

function pondgateEndpoint(port: number, cacheSetting: string | undefined): Endpoint {
  return { system: 'pondgate', host: '127.0.0.1', port, user: 'bench', database: 'pondgate', settings: cacheSetting !== undefined ? { [CACHE_SETTING]: 'off' } : {} };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const specs = tableSpecs(options);
  const data = await prepareData(options, specs);

  let pgVersion: string | undefined;
  let pgUnavailable: string | undefined;
  if (options.pgUrl === undefined) pgUnavailable = 'disabled with --pg off';
  else {
    pgVersion = await pgReachable(options.pgUrl);
    if (pgVersion === undefined) pgUnavailable = `nothing answered at ${new URL(options.pgUrl).host}`;
  }

  const jdbc = await compileJdbc();
  const jdbcMissing = 'missing' in jdbc ? jdbc.missing : undefined;
  if (jdbcMissing) log(`pgjdbc skipped: ${jdbcMissing}`);
  const clients: StreamClient[] = [psqlClient];
  if (!('missing' in jdbc)) clients.push(jdbcClient('text', jdbc.classDir, jdbc.jar, options.fetchSize), jdbcClient('binary', jdbc.classDir, jdbc.jar, options.fetchSize));
  clients.push(nodePgClient, psqlCopyClient);

  const withPg = pgVersion !== undefined && options.pgUrl !== undefined;
  const goals: GoalMeasurements = {};
  // The cluster's processes inherit our working directory, and DuckDB spills into .tmp there: removed at the end
  // unless it was there before.
  const spillDir = path.join(process.cwd(), DUCKDB_TEMP_DIR);
  const spillDirExisted = existsSync(spillDir);
  let main: Awaited<ReturnType<typeof measureMain>> | undefined;
  try {
    if (withPg) await loadPostgres(options.pgUrl!, specs.filter((s) => s.inPostgres), data);
    log(`starting a cluster with ${options.workers} workers`);
    const cluster = await startTestCluster(data.dataDir, { workers: options.workers, cluster: CLUSTER });
    try {
      goals.cacheSetting = await showSetting(pondgateEndpoint(cluster.port, undefined), CACHE_SETTING);
      log(goals.cacheSetting !== undefined ? `the gateway has ${CACHE_SETTING} (${goals.cacheSetting}): measuring with it off` : `the gateway has no ${CACHE_SETTING} setting`);
      const endpoints: Endpoint[] = [pondgateEndpoint(cluster.port, goals.cacheSetting)];
      if (withPg) endpoints.push(endpointFromUrl('postgres', options.pgUrl!, { search_path: PG_SCHEMA }));
      main = await measureMain(cluster, endpoints, clients, specs, data, options, goals);
    } finally {
      await cluster.stop();
    }
    goals.memory = await measureMemoryGoal(data, specs, options, goals.cacheSetting);
  } finally {
    if (withPg) await dropPostgres(options.pgUrl!);
    if (!('missing' in jdbc)) await rm(jdbc.classDir, { recursive: true, force: true });
    if (!spillDirExisted) await rm(spillDir, { recursive: true, force: true });
  }

  const report = renderReport({
    options,
    specs,
    data,
    machine: await machineDescription(),
    pgVersion,
    pgUnavailable,
    jdbcMissing,
    clients,
    streams: main.streams,
    latency: main.latency,
    direct: main.direct,
    goals,
    elapsedSeconds: (performance.now() - started) / 1000,
    load: { start: loadAtStart, end: os.loadavg()[0]! },
  });
  const previous = existsSync(options.out) ? await readFile(options.out, 'utf8') : '';
  await writeFile(options.out, replaceSection(previous, 'wire', report));
  log(`wrote the wire section of ${path.relative(ROOT, options.out) || options.out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`wire bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
