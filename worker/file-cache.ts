/**
 * The worker's cache of data files as in-memory DuckDB tables.
 *
 * Every task used to decode its Parquet files again: for a lookup in a
 * 100,000-row partition that is two thirds of the worker's CPU, for a scan a
 * third. Data files never change in place (a table write publishes new files),
 * so a file's decoded rows stay valid for as long as the file exists under the
 * same path, size and modification time; the cache keys them so.
 *
 * A file is loaded in the background once a task has read it (one load at a
 * time, on a connection of its own), never in the task's way; later tasks read
 * the table. The memory the tables take (DuckDB's IN_MEMORY_TABLE tag) is kept
 * under a budget by dropping the least recently used tables no running task
 * holds. An input is read from the cache only when all its files are cached
 * with the same column types, so its rows and types are exactly those
 * read_parquet would give; several cached files are a UNION ALL, whose order
 * DuckDB does not keep, so the worker asks for them only where the task says
 * the input's order does not matter (TaskInput.anyOrder). Scratch files (exchanges) are read once and never
 * cached. The cache holds no state anyone depends on: dropping it changes
 * nothing but speed, so workers stay stateless.
 */
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../src/log.ts';

export const CACHE_SCHEMA = 'pondgate_cache';

interface Entry {
  readonly key: string;
  readonly table: string;
  /** Column types in order, as the table holds them. */
  readonly types: string;
  pins: number;
  lastUsed: number;
}

/** Cached tables a task reads; released when the task ends, so they are not dropped under it. */
export interface CacheLease {
  /** `SELECT` text reading the input's files from the cache, or undefined when they must be read as Parquet. */
  readonly sql: string | undefined;
  release(): void;
}

export interface CacheStats {
  readonly tables: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly loads: number;
  readonly hits: number;
  readonly evictions: number;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly queued = new Set<string>();
  private readonly queue: { key: string; path: string }[] = [];
  private loading = false;
  private sequence = 0;
  private bytes = 0;
  private loads = 0;
  private hits = 0;
  private evictions = 0;
  private closed = false;

  private constructor(
    /** A connection of the cache's own: loads and drops never wait behind a task's statement. */
    private readonly connection: DuckDBConnection,
    private readonly budgetBytes: number,
    private readonly log: Logger,
  ) {}

  static async open(connection: DuckDBConnection, budgetBytes: number, log: Logger): Promise<FileCache> {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${CACHE_SCHEMA}`);
    return new FileCache(connection, budgetBytes, log);
  }

  get enabled(): boolean {
    return this.budgetBytes > 0 && !this.closed;
  }

  stats(): CacheStats {
    return { tables: this.entries.size, bytes: this.bytes, budgetBytes: this.budgetBytes, loads: this.loads, hits: this.hits, evictions: this.evictions };
  }

  /**
   * The cached tables of all `paths` (absolute Parquet files), pinned until the lease is released;
   * files not cached yet are queued for loading and the lease says to read Parquet this time.
   */
  async lease(paths: readonly string[]): Promise<CacheLease> {
    if (!this.enabled || paths.length === 0) return NO_LEASE;
    const keys = paths.map(fileKey);
    const found: Entry[] = [];
    for (const [i, key] of keys.entries()) {
      const entry = key === undefined ? undefined : this.entries.get(key);
      if (entry) found.push(entry);
      else if (key !== undefined) this.enqueue(key, paths[i]);
    }
    if (found.length !== paths.length || new Set(found.map((e) => e.types)).size !== 1) return NO_LEASE;
    const now = ++this.sequence;
    for (const entry of found) {
      entry.pins++;
      entry.lastUsed = now;
    }
    this.hits++;
    let released = false;
    return {
      sql: found.map((e) => `SELECT * FROM ${CACHE_SCHEMA}.${e.table}`).join(' UNION ALL '),
      release: () => {
        if (released) return;
        released = true;
        for (const entry of found) entry.pins--;
        this.kick();
      },
    };
  }

  /** Resolves once no load is queued or running. */
  async settled(): Promise<void> {
    while (this.loading || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Drops every table; later leases read Parquet. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.settled();
    for (const entry of [...this.entries.values()]) await this.drop(entry);
  }

  private enqueue(key: string, path: string): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push({ key, path });
    this.kick();
  }

  private kick(): void {
    if (this.loading || this.closed) return;
    this.loading = true;
    void this.drain().finally(() => {
      this.loading = false;
      if (this.queue.length > 0 && !this.closed) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const { key, path } = this.queue.shift()!;
      try {
        if (!this.entries.has(key)) await this.load(key, path);
      } catch (error) {
        // A file gone or unreadable: tasks read (and report) it themselves.
        this.log.debug({ err: error, path }, 'file not cached');
      } finally {
        this.queued.delete(key);
      }
      await this.evictOverBudget();
    }
  }

  private async load(key: string, path: string): Promise<void> {
    const table = `f${++this.sequence}`;
    const before = await this.tableBytes();
    await this.connection.run(`CREATE TABLE ${CACHE_SCHEMA}.${table} AS SELECT * FROM read_parquet('${path.replace(/'/g, "''")}', hive_partitioning = false)`);
    const described = await this.connection.runAndReadAll(
      `SELECT string_agg(data_type, ',' ORDER BY column_index) FROM duckdb_columns() WHERE schema_name = '${CACHE_SCHEMA}' AND table_name = '${table}'`,
    );
    const types = String(described.getRows()[0]?.[0] ?? '');
    // The file may have changed while it loaded: keep the table only under the key it was read as.
    if (fileKey(path) !== key) {
      await this.connection.run(`DROP TABLE IF EXISTS ${CACHE_SCHEMA}.${table}`);
      return;
    }
    this.entries.set(key, { key, table, types, pins: 0, lastUsed: this.sequence });
    this.bytes = Math.max(0, await this.tableBytes());
    this.loads++;
    this.log.debug({ path, table, grewBy: this.bytes - before, cachedBytes: this.bytes }, 'file cached');
  }

  private async evictOverBudget(): Promise<void> {
    if (this.bytes <= this.budgetBytes) return;
    const candidates = [...this.entries.values()].filter((e) => e.pins === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of candidates) {
      if (this.bytes <= this.budgetBytes) break;
      await this.drop(entry);
      this.evictions++;
      this.bytes = await this.tableBytes();
    }
  }

  private async drop(entry: Entry): Promise<void> {
    this.entries.delete(entry.key);
    await this.connection.run(`DROP TABLE IF EXISTS ${CACHE_SCHEMA}.${entry.table}`);
  }

  /** Memory the cached tables take, as DuckDB accounts it. */
  private async tableBytes(): Promise<number> {
    const reader = await this.connection.runAndReadAll("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'");
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }
}

const NO_LEASE: CacheLease = { sql: undefined, release: () => undefined };

/**
 * Path, size and modification time: a file rewritten under the same path is another file.
 * Synchronous: 2-3 µs of CPU for a file the kernel has cached (the task reads it next anyway),
 * where the promise API cost 30-40 µs and a trip through the thread pool per task.
 */
export function fileKey(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${path}\u0000${s.size}\u0000${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}
