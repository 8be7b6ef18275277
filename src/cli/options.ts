/** Option parsers and defaults shared by the commands (the Contract's defaults live here). */
import os from 'node:os';
import { InvalidArgumentError } from 'commander';

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 5433,
  workers: 2,
  cluster: 'pondgate',
  database: 'pondgate',
  dataDir: './data',
  slots: 2,
  maxConnections: 100,
  /** The gateway's result cache for repeated queries, in MB (0 disables it). */
  resultCacheMb: 64,
  /** A queued distributed query fails with 53300 after this long. */
  queueTimeoutMs: 30_000,
  /** Attempts of one task in all: a task whose worker is lost runs again on another worker. */
  taskAttempts: 3,
  /** Result batches from this many KB on go from workers to the gateway as scratch files, not through NATS. */
  batchFilesKb: 64,
  /** Workers run niced, so a gateway on the same machine gets the CPU first (src/cli/niceness.ts). */
  workerNiceness: 10,
} as const;

/** A worker's default cache of decoded data files: this share of its DuckDB memory limit. */
export const WORKER_CACHE_SHARE = 0.25;

/**
 * Default --max-running-queries: twice the gateway's cores. Each running query holds a merge
 * connection of the gateway's DuckDB, and the workers (which may come and go) queue tasks
 * beyond their slots themselves, so the gateway's own capacity is the stable bound.
 */
export function defaultMaxRunningQueries(): number {
  return Math.max(2, 2 * os.availableParallelism());
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function niceness(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new InvalidArgumentError('expected a niceness from 0 to 19');
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number, 0 or more');
  return n;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
