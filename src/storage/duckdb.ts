/**
 * Opening DuckDB for storage jobs (generation, import). Every instance gets
 * explicit `threads` and `memory_limit`: DuckDB's defaults (all cores, 80% of
 * RAM) are wrong for a worker sharing a machine, and a job that silently grabs
 * the whole box is hard to diagnose. Spill files go to a private temporary
 * directory, not DuckDB's default `.tmp` in the current working directory.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface DuckDBResources {
  /** Worker threads for this instance (default 2). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. `'1GB'` (default `'1GB'`). */
  readonly memoryLimit?: string;
}

export interface StorageDb {
  readonly connection: DuckDBConnection;
  /** Closes the connection and the instance and removes the spill directory. */
  close(): Promise<void>;
}

export async function openStorageDb(resources: DuckDBResources = {}): Promise<StorageDb> {
  const threads = resources.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const spillDir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-duckdb-'));
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(threads),
    memory_limit: resources.memoryLimit ?? '1GB',
    temp_directory: spillDir,
    // Row order of COPY output must follow the query's order, so that files
    // are byte-identical across runs (determinism of generated data).
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  // Statistics hold TIMESTAMPTZ values as text: the same text on every machine.
  // (Not a creation option: ICU, which owns the setting, loads only after creation.)
  await connection.run("SET TimeZone = 'UTC'");
  return {
    connection,
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(spillDir, { recursive: true, force: true });
    },
  };
}

/** Runs a query and returns its rows as plain JS objects (BigInt for 64-bit ints). */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * DuckDB's library version (`v1.5.6`): recorded as `hashedBy` of hash-partitioned
 * tables, because hash() values may change between DuckDB versions.
 */
export async function duckdbLibraryVersion(connection: DuckDBConnection): Promise<string> {
  const [row] = await queryRows(connection, 'SELECT library_version FROM pragma_version()');
  return String(row.library_version);
}

/** SQL string literal. */
export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** SQL identifier, always quoted so column names like `date` or `Mixed Case` survive. */
export const sqlIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
