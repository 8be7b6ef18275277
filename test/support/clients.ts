/**
 * Real client programs for the cluster tests: psql and Debian's python3 with
 * psycopg2, run against a test cluster's gateway.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ProgramResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProgramResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...options.env },
      cwd: options.cwd,
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** psql -X against the gateway on `port`, database pondgate. */
export function psql(port: number, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProgramResult> {
  return run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'analyst', '-X', ...args, 'pondgate'], options);
}

/** Debian's python3 (the one with psycopg2) running `script`, written to a file in `dir`; argv[1] is the DSN. */
export async function python(dir: string, name: string, script: string, dsn: string): Promise<ProgramResult> {
  const file = path.join(dir, name);
  await writeFile(file, script);
  return run('/usr/bin/python3', [file, dsn]);
}
