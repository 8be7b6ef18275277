/**
 * Shared pieces of the client-matrix tests: one TPC-H SF 0.01 cluster per
 * test file, and running a real client program (psql, Debian's python3 with
 * psycopg2, isql, java) to completion with its output, exit code and a time limit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from './cluster.ts';

export interface TpchCluster {
  readonly cluster: TestCluster;
  /** A private temporary directory (holds the data; tests may write files there). */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Generates TPC-H at SF 0.01 in 3 partitions, as a user would, and starts NATS, 2 workers and a gateway on it. */
export async function startTpchCluster(prefix: string): Promise<TpchCluster> {
  const temp = await makeTempDir(prefix);
  try {
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '3', '--into', temp.dir]);
    const cluster = await startTestCluster(temp.dir);
    return {
      cluster,
      dir: temp.dir,
      async stop() {
        await cluster.stop();
        await temp.remove();
      },
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}

export interface ProgramResult {
  /** Exit code; null when the program was killed (time limit). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a program to completion (never rejects on a non-zero exit: tests assert on the code). */
export function runProgram(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The first path that exists, or a clear error naming what to install. */
export function requireFile(candidates: readonly string[], what: string): string {
  const found = candidates.find((candidate) => candidate && existsSync(candidate));
  if (!found) throw new Error(`${what} not found (looked at ${candidates.filter(Boolean).join(', ')}); run scripts/setup.sh`);
  return found;
}

/** Parses JSON-lines output of a client program into one record per `check` name. */
export function checksOf(stdout: string): Map<string, Record<string, unknown>> {
  const checks = new Map<string, Record<string, unknown>>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (typeof record.check === 'string') checks.set(record.check, record);
  }
  return checks;
}

/** psql -X against the gateway on `port`, database pondgate. */
export function psql(port: number, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProgramResult> {
  return runProgram('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'analyst', '-X', ...args, 'pondgate'], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...options.env },
    cwd: options.cwd,
    timeoutMs: 120_000,
  });
}

/** Debian's python3 (the one with psycopg2) running `script`, written to a file in `dir`; argv[1] is the DSN. */
export async function python(dir: string, name: string, script: string, dsn: string): Promise<ProgramResult> {
  const file = path.join(dir, name);
  await writeFile(file, script);
  return runProgram('/usr/bin/python3', [file, dsn], { timeoutMs: 120_000 });
}
