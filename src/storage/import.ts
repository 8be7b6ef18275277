/**
 * Importing CSV / Parquet / JSON files (one file or a glob) as a partitioned
 * table: the input is loaded once into a DuckDB temporary table (its rowid is
 * the input order), each partition is written as Parquet into a directory of
 * its own with per-file statistics, and the table is published into the
 * manifest (compare-and-swap), keeping all other tables. A format-1 data
 * directory is upgraded first.
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertPartitionCount, bucketExpr, evenRanges, hashKeySql } from './bucket.ts';
import { duckdbLibraryVersion, openStorageDb, queryRows, sqlIdent, sqlString, type DuckDBResources } from './duckdb.ts';
import { newTableDirectory, partitionFile } from './layout.ts';
import type { ColumnDef, PartitionEntry, Partitioning, TableEntry } from './manifest.ts';
import { describeQuery, writePartition } from './partition-file.ts';
import { createStaging, discardStaging, publishTables } from './publish.ts';
import { openDataDir } from './upgrade.ts';

export type ImportScheme =
  | { readonly scheme: 'hash'; readonly column: string }
  | { readonly scheme: 'even' }
  /** Rows spread by hash(seed, input position); a given seed reproduces the split. */
  | { readonly scheme: 'random'; readonly seed?: number }
  /** One partition per input file, in file-name order. */
  | { readonly scheme: 'files' };

export type ImportFormat = 'csv' | 'parquet' | 'json';

export interface ImportOptions extends DuckDBResources {
  /** Table name: letters, digits and `_`, not starting with a digit. */
  readonly table: string;
  /** Data directory holding the manifest. */
  readonly into: string;
  /** Number of partitions; required unless `by` is `files` (then it must equal the file count if given). */
  readonly partitions?: number;
  /** Default `{ scheme: 'even' }`. */
  readonly by?: ImportScheme;
  /** Input format; by default taken from the file extension. */
  readonly format?: ImportFormat;
}

export class ImportError extends Error {}

const FILE_COLUMN = '__pondgate_source_file';

/** Format implied by a file name, or undefined when the extension is unknown. */
export function formatOf(file: string): ImportFormat | undefined {
  const name = file.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (/\.(csv|tsv|txt)$/.test(name)) return 'csv';
  if (/\.parquet$/.test(name)) return 'parquet';
  if (/\.(json|ndjson|jsonl)$/.test(name)) return 'json';
  return undefined;
}

/** Checks options that need no I/O; throws ImportError / RangeError with the offending value. */
export function validateImportOptions(source: string, options: ImportOptions): void {
  if (!source) throw new ImportError('no input file given');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.table ?? '')) {
    throw new ImportError(`invalid table name ${JSON.stringify(options.table)}: use letters, digits and _, not starting with a digit`);
  }
  if (!options.into) throw new ImportError('no data directory (into) given');
  const by = options.by ?? { scheme: 'even' };
  if (!['hash', 'even', 'random', 'files'].includes(by.scheme)) {
    throw new ImportError(`unknown partitioning scheme ${JSON.stringify(by.scheme)} (expected hash, even, random or files)`);
  }
  if (by.scheme === 'hash' && !by.column) throw new ImportError('hash partitioning needs a column');
  if (by.scheme === 'random' && by.seed !== undefined && !Number.isSafeInteger(by.seed)) {
    throw new ImportError(`random seed must be an integer, got ${String(by.seed)}`);
  }
  if (by.scheme !== 'files' || options.partitions !== undefined) {
    if (options.partitions === undefined) throw new ImportError(`partitions is required for scheme ${by.scheme}`);
    try {
      assertPartitionCount(options.partitions);
    } catch (error) {
      throw new ImportError(`bad partition count: ${(error as Error).message}`);
    }
  }
  const format = options.format ?? formatOf(source);
  if (!format) throw new ImportError(`cannot tell the format of ${JSON.stringify(source)}: pass format 'csv', 'parquet' or 'json'`);
}

/** Imports `source` (file or glob) as table `options.table` and returns its manifest entry. */
export async function importTable(source: string, options: ImportOptions): Promise<TableEntry> {
  validateImportOptions(source, options);
  const by = options.by ?? { scheme: 'even' };
  const format = (options.format ?? formatOf(source)) as ImportFormat;
  const db = await openStorageDb({ threads: options.threads ?? 2, memoryLimit: options.memoryLimit ?? '1GB' });
  try {
    const files = await expandSource(db.connection, source);
    const partitions = by.scheme === 'files' ? files.length : (options.partitions as number);
    if (by.scheme === 'files' && options.partitions !== undefined && options.partitions !== files.length) {
      throw new ImportError(`scheme files makes one partition per file: ${files.length} files match ${JSON.stringify(source)}, but partitions is ${options.partitions}`);
    }
    assertPartitionCount(partitions, 'number of input files');
    await load(db.connection, files, format);
    const columns = (await describeQuery(db.connection, 'SELECT * FROM src')).filter((c) => c.name !== FILE_COLUMN);
    const [{ n }] = await queryRows(db.connection, 'SELECT count(*) AS n FROM src');
    const predicates = partitionPredicates(by, partitions, Number(n), files, columns);
    const partitioning = manifestPartitioning(by, partitions, columns, await duckdbLibraryVersion(db.connection));
    const select = columns.map((c) => sqlIdent(c.name)).join(', ');
    await openDataDir(options.into, { connection: db.connection });
    const directory = newTableDirectory(options.table);
    const staging = await createStaging(options.into);
    try {
      const entries: PartitionEntry[] = [];
      let written: ColumnDef[] = columns;
      for (const [i, predicate] of predicates.entries()) {
        const part = await writePartition(db.connection, {
          dataDir: staging,
          file: partitionFile(directory, i),
          selectSql: `SELECT ${select} FROM src WHERE ${predicate} ORDER BY rowid`,
        });
        entries.push(part.entry);
        written = part.columns;
      }
      const table: TableEntry = { name: options.table, columns: written, partitioning, partitions: entries };
      await publishTables(options.into, staging, [table]);
      return table;
    } catch (error) {
      await discardStaging(staging);
      throw error;
    }
  } finally {
    await db.close();
  }
}

/** The input files, sorted; a clear error when nothing matches. */
async function expandSource(connection: DuckDBConnection, source: string): Promise<string[]> {
  const absolute = path.resolve(source);
  const rows = await queryRows(connection, `SELECT file FROM glob(${sqlString(absolute)}) ORDER BY file`);
  if (rows.length === 0) {
    throw new ImportError(/[*?[]/.test(source) ? `no input file matches ${JSON.stringify(source)}` : `input file not found: ${JSON.stringify(source)}`);
  }
  return rows.map((row) => String(row.file));
}

async function load(connection: DuckDBConnection, files: readonly string[], format: ImportFormat): Promise<void> {
  const list = `[${files.map(sqlString).join(', ')}]`;
  const options = `filename = ${sqlString(FILE_COLUMN)}, union_by_name = true`;
  const reader =
    format === 'csv' ? `read_csv(${list}, ${options})`
    : format === 'parquet' ? `read_parquet(${list}, ${options})`
    : `read_json_auto(${list}, ${options})`;
  try {
    await connection.run(`CREATE TEMP TABLE src AS SELECT * FROM ${reader}`);
  } catch (error) {
    throw new ImportError(`cannot read ${files.length === 1 ? files[0] : `${files.length} files`} as ${format}: ${(error as Error).message}`);
  }
}

/** The WHERE condition selecting each partition's rows from `src`. */
function partitionPredicates(
  by: ImportScheme,
  partitions: number,
  rows: number,
  files: readonly string[],
  columns: readonly ColumnDef[],
): string[] {
  switch (by.scheme) {
    case 'even':
      return evenRanges(0, rows, partitions).map(([from, to]) => `rowid >= ${from} AND rowid < ${to}`);
    case 'hash': {
      const key = hashColumn(by.column, columns);
      const bucket = bucketExpr(hashKeySql(sqlIdent(key.name), key.type), partitions);
      return Array.from({ length: partitions }, (_, p) => `${bucket} = ${p}`);
    }
    case 'random': {
      // Without a seed the split is random per import; with one it is reproducible.
      // hash(hash(..)): DuckDB's multi-argument hash mixes its arguments weakly.
      const seed = by.seed ?? Math.floor(Math.random() * 2 ** 31);
      return Array.from({ length: partitions }, (_, p) => `hash(hash(${seed}::BIGINT, rowid)) % ${partitions} = ${p}`);
    }
    case 'files':
      return files.map((file) => `${sqlIdent(FILE_COLUMN)} = ${sqlString(file)}`);
  }
}

/** Resolves the hash column like DuckDB resolves names (case-insensitively) or explains what exists. */
function hashColumn(name: string, columns: readonly ColumnDef[]): ColumnDef {
  const found = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new ImportError(`unknown hash column ${JSON.stringify(name)}; columns are: ${columns.map((c) => c.name).join(', ')}`);
  return found;
}

/** `columns` as loaded, before the Parquet round trip: the hash key's type is the type hashed. */
function manifestPartitioning(by: ImportScheme, partitions: number, columns: readonly ColumnDef[], hashedBy: string): Partitioning {
  switch (by.scheme) {
    case 'hash': {
      const key = hashColumn(by.column, columns);
      return { scheme: 'hash', column: key.name, keyType: key.type, buckets: partitions, hashedBy };
    }
    case 'even':
      return { scheme: 'even' };
    case 'random':
      return { scheme: 'random' };
    case 'files':
      return { scheme: 'files' };
  }
}
