/**
 * The gateway's key index: the rows of small data files held as Arrow batches
 * in the gateway's memory, with a hash of one column's values to their row
 * numbers, so a key lookup (gateway/plan/key-lookup.ts) is answered by a probe
 * instead of a DuckDB statement.
 *
 * Why: with the gateway's lane a lookup costs ~1.5 ms of CPU, about half of
 * it DuckDB's fixed cost per statement (prepare, start, fetch), and at 32
 * clients that CPU is the limit. A probe and a slice cost microseconds.
 *
 * Exactness: the rows are read once by the lane's DuckDB with the SQL a task
 * would run (`read_parquet` of the same files, in the client form the task
 * streams), so every value is DuckDB's; the probe compares only where DuckDB's
 * `=` is plain equality (key-lookup.ts › indexKey); matches come in file order,
 * as one single-threaded task would return them. Data files never change in
 * place, and an entry is keyed by the files' paths, sizes and modification
 * times, like the file cache: a rewritten file is another entry.
 *
 * Built in the background: the first lookups of a file go through the lane
 * (or a worker) and queue a build; later ones find the entry. Entries are kept
 * under a memory budget, least recently used first out. Dropping the index
 * changes nothing but speed.
 */
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import { columnsOf, resultBatches } from '../../src/arrow/read-result.ts';
import { sliceBatch } from '../../src/arrow/slice.ts';
import { transportSql } from '../../src/arrow/transport-sql.ts';
import { mapDuckDBType } from '../../src/arrow/types.ts';
import type { Logger } from '../../src/log.ts';
import type { ColumnSpec, KeyLookup } from '../plan/plan.ts';
import { indexKey } from '../plan/key-lookup.ts';
import { fileKey } from '../../worker/file-cache.ts';

export interface KeyIndexOptions {
  /** Memory the entries may take (Arrow buffers plus ~100 bytes a row for the hash). */
  readonly budgetBytes: number;
  /** Largest total size of one lookup's data files (Parquet bytes) that is indexed. */
  readonly maxFileBytes: number;
  readonly log: Logger;
}

/** Estimated hash cost per indexed row (Map entry, key string), on top of the Arrow buffers. */
const BYTES_PER_ROW = 100;
/** Keys of entries found too large for the budget (or unreadable), not tried again; bounded. */
const MAX_REJECTED = 1000;

interface Entry {
  readonly batches: readonly RecordBatch[];
  /** First row number of each batch. */
  readonly starts: readonly number[];
  /** Key text -> row number, or row numbers in ascending order when the key repeats. */
  readonly rows: Map<string, number | number[]>;
  /** Column names and DuckDB types, as read. */
  readonly columns: readonly ColumnSpec[];
  /** Per column: sent in its own Arrow type (not as text DuckDB rendered). */
  readonly native: readonly boolean[];
  readonly bytes: number;
}

export interface KeyIndexStats {
  readonly entries: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly builds: number;
  readonly hits: number;
}

export class KeyIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly rejected = new Set<string>();
  private readonly queue: { key: string; files: string[]; keyColumn: number }[] = [];
  private readonly queued = new Set<string>();
  private building = false;
  private closed = false;
  private bytes = 0;
  private builds = 0;
  private hits = 0;

  constructor(
    /** A connection of the index's own (the lane's DuckDB), for its builds. */
    private readonly connection: DuckDBConnection,
    private readonly options: KeyIndexOptions,
  ) {}

  stats(): KeyIndexStats {
    return { entries: this.entries.size, bytes: this.bytes, budgetBytes: this.options.budgetBytes, builds: this.builds, hits: this.hits };
  }

  /**
   * The lookup's result batches (possibly none), or undefined when the index cannot answer it now:
   * the files are not indexed yet (a build is queued when they qualify), or the key is one DuckDB
   * must compare itself. `files` are the task's absolute data file paths; `columns` the result's.
   */
  lookup(files: readonly string[], lookup: KeyLookup, columns: readonly ColumnSpec[]): RecordBatch[] | undefined {
    if (this.closed || this.options.budgetBytes <= 0 || files.length === 0) return undefined;
    const key = entryKey(files, lookup.keyColumn);
    if (key === undefined) return undefined;
    const entry = this.entries.get(key);
    if (!entry) {
      this.enqueue(key, files, lookup.keyColumn);
      return undefined;
    }
    const keyType = entry.columns[lookup.keyColumn]?.type;
    const probe = keyType === undefined ? undefined : indexKey(keyType, lookup.key);
    if (probe === undefined) return undefined;
    // The result's columns must be the read columns, as DuckDB typed them both times, and each
    // sent as its own Arrow type: a column DuckDB renders as text (nested values as JSON, with any
    // TIMESTAMPTZ inside in the session's time zone) would have been rendered for the build's session.
    const same = lookup.outputColumns.every((c, i) => entry.columns[c]?.type === columns[i]?.type && entry.native[c] === true);
    if (!same || lookup.outputColumns.length !== columns.length) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    const found = entry.rows.get(probe);
    const rows = found === undefined ? [] : typeof found === 'number' ? [found] : found;
    return rowsOf(entry, lookup.limit !== undefined && rows.length > lookup.limit ? rows.slice(0, lookup.limit) : rows, lookup.outputColumns);
  }

  /** Resolves once no build is queued or running (tests). */
  async settled(): Promise<void> {
    while (this.building || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.settled();
    this.entries.clear();
    this.bytes = 0;
    this.connection.closeSync();
  }

  private enqueue(key: string, files: readonly string[], keyColumn: number): void {
    if (this.queued.has(key) || this.rejected.has(key)) return;
    this.queued.add(key);
    this.queue.push({ key, files: [...files], keyColumn });
    if (!this.building) void this.drain();
  }

  private async drain(): Promise<void> {
    this.building = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const job = this.queue.shift()!;
        try {
          const entry = await this.build(job.files, job.keyColumn, job.key);
          if (entry === undefined || entry.bytes > this.options.budgetBytes) this.reject(job.key);
          else if (entryKey(job.files, job.keyColumn) === job.key) this.insert(job.key, entry);
        } catch (error) {
          // An unreadable file: lookups read (and report) it the usual way.
          this.options.log.debug({ err: error, files: job.files }, 'key index not built');
          this.reject(job.key);
        } finally {
          this.queued.delete(job.key);
        }
      }
    } finally {
      this.building = false;
    }
  }

  private async build(files: readonly string[], keyColumn: number, key: string): Promise<Entry | undefined> {
    let total = 0;
    for (const file of files) total += statSync(file).size;
    if (total > this.options.maxFileBytes) return undefined;
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const sql = `SELECT * FROM read_parquet([${list}], hive_partitioning = false)`;
    const prepared = await this.connection.prepare(sql);
    const columns = columnsOf(prepared);
    prepared.destroySync();
    const result = await this.connection.stream(transportSql(sql, columns, 'client'));
    const batches: RecordBatch[] = [];
    for await (const batch of resultBatches(result, { columns })) if (batch.numRows > 0) batches.push(batch);
    // Only flat client-form columns can be sliced exactly (nested values arrive as JSON text).
    if (batches.length > 0) sliceBatch(batches[0], 0, 0);
    const starts: number[] = [];
    const rows = new Map<string, number | number[]>();
    let row = 0;
    let bytes = 0;
    for (const batch of batches) {
      starts.push(row);
      bytes += dataBytes(batch.data);
      const vector = batch.getChildAt(keyColumn);
      if (!vector) return undefined;
      // The gateway's other sessions run between batches: a build never holds the event loop long.
      if (row > 0) await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < batch.numRows; i++, row++) {
        const value: unknown = vector.get(i);
        if (value === null || value === undefined) continue;
        const text = typeof value === 'string' ? value : String(value);
        const seen = rows.get(text);
        if (seen === undefined) rows.set(text, row);
        else if (typeof seen === 'number') rows.set(text, [seen, row]);
        else seen.push(row);
      }
    }
    bytes += row * BYTES_PER_ROW;
    this.builds++;
    this.options.log.debug({ files, column: columns[keyColumn]?.name, rows: row, keys: rows.size, bytes, key }, 'key index built');
    return { batches, starts, rows, columns, native: columns.map((c) => mapDuckDBType(c.type).transport === 'native'), bytes };
  }

  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.options.budgetBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  private reject(key: string): void {
    if (this.rejected.size >= MAX_REJECTED) this.rejected.clear();
    this.rejected.add(key);
  }
}

/** The key column and each file's identity (path, size, modification time: fileKey); undefined if a file is gone. */
function entryKey(files: readonly string[], keyColumn: number): string | undefined {
  let key = String(keyColumn);
  for (const file of files) {
    const identity = fileKey(file);
    if (identity === undefined) return undefined;
    key += `\u0000${identity}`;
  }
  return key;
}

/** The rows (ascending row numbers) as batches of the output columns: one slice per run of consecutive rows in one batch. */
function rowsOf(entry: Entry, rows: readonly number[], outputColumns: readonly number[]): RecordBatch[] {
  const out: RecordBatch[] = [];
  let i = 0;
  while (i < rows.length) {
    const b = batchOf(entry.starts, rows[i]);
    const start = rows[i] - entry.starts[b];
    let end = start + 1;
    const limit = entry.batches[b].numRows;
    while (i + 1 < rows.length && rows[i + 1] === rows[i] + 1 && end < limit) {
      i++;
      end++;
    }
    i++;
    out.push(sliceBatch(entry.batches[b], start, end).selectAt([...outputColumns]));
  }
  return out;
}

/** Index of the batch holding row `row` (starts ascending, starts[0] = 0). */
function batchOf(starts: readonly number[], row: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function dataBytes(data: Data): number {
  let bytes = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0);
  for (const child of data.children) bytes += dataBytes(child);
  return bytes;
}
