/**
 * Writing one partition file and gathering its statistics: run a SELECT into
 * a Parquet file, then read the file back once for its row count and, per
 * column, min/max (as DuckDB's text) and null count. Stats come from the file,
 * not from the query, so they describe exactly what a reader will see.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { partitionOf, resolveDataPath, type ColumnDef, type ColumnStats, type FileEntry, type PartitionEntry } from './manifest.ts';
import { queryRows, sqlIdent, sqlString } from './duckdb.ts';

/** Column names and DuckDB type strings (as DuckDB prints them) of a query's result. */
export async function describeQuery(connection: DuckDBConnection, selectSql: string): Promise<ColumnDef[]> {
  const rows = await queryRows(connection, `DESCRIBE (${selectSql})`);
  return rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}

/**
 * Whether min/max of a type helps pruning: nested values (LIST `T[]`, ARRAY
 * `T[n]`, STRUCT, MAP, UNION) and VARIANT have no order a predicate could use,
 * so only their null counts are kept.
 */
export function hasUsefulOrder(type: string): boolean {
  return !/^(STRUCT|MAP|UNION|VARIANT)\b/.test(type) && !type.endsWith(']');
}

/**
 * The single-scan statistics query over `source`: `rows`, and per column i
 * `nulls_i` plus `min_i`/`max_i` text where the type has a useful order.
 * `extra` adds named aggregates to the same scan (`x_<name>`), e.g. a check
 * that every row is in its hash bucket.
 */
export function fileStatsQuery(source: string, columns: readonly ColumnDef[], extra: Readonly<Record<string, string>> = {}): string {
  const parts = ['count(*) AS "rows"'];
  columns.forEach((column, i) => {
    const c = sqlIdent(column.name);
    parts.push(`count(*) - count(${c}) AS "nulls_${i}"`);
    if (hasUsefulOrder(column.type)) parts.push(`min(${c})::VARCHAR AS "min_${i}"`, `max(${c})::VARCHAR AS "max_${i}"`);
  });
  for (const [name, sql] of Object.entries(extra)) parts.push(`${sql} AS ${sqlIdent(`x_${name}`)}`);
  return `SELECT ${parts.join(', ')} FROM ${source}`;
}

export interface FileStats {
  readonly file: FileEntry;
  /** Values of the `extra` aggregates, by name. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Reads one Parquet file (relative to `dataDir`) once and returns its manifest entry. */
export async function readFileStats(
  connection: DuckDBConnection,
  dataDir: string,
  file: string,
  columns: readonly ColumnDef[],
  extra: Readonly<Record<string, string>> = {},
): Promise<FileStats> {
  const absolute = resolveDataPath(dataDir, file);
  const [row] = await queryRows(connection, fileStatsQuery(`read_parquet(${sqlString(absolute)})`, columns, extra));
  const { size } = await stat(absolute);
  const stats: Record<string, ColumnStats> = Object.fromEntries(
    columns.map((column, i) => [
      column.name,
      { min: textOrNull(row[`min_${i}`]), max: textOrNull(row[`max_${i}`]), nulls: Number(row[`nulls_${i}`]) },
    ]),
  );
  return {
    file: { path: file, rows: Number(row.rows), bytes: size, columns: stats },
    extra: Object.fromEntries(Object.keys(extra).map((name) => [name, row[`x_${name}`]])),
  };
}

const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export interface PartitionWrite {
  readonly dataDir: string;
  /** Target file, relative to `dataDir`. */
  readonly file: string;
  readonly selectSql: string;
}

export interface WrittenPartition {
  readonly entry: PartitionEntry;
  /** Columns as a reader of the file sees them (types after the Parquet round trip). */
  readonly columns: ColumnDef[];
}

/** Writes `selectSql` to `dataDir/file` as Parquet and returns the manifest entry for it. */
export async function writePartition(connection: DuckDBConnection, write: PartitionWrite): Promise<WrittenPartition> {
  const absolute = resolveDataPath(write.dataDir, write.file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await connection.run(`COPY (${write.selectSql}) TO ${sqlString(absolute)} (FORMAT parquet)`);
  const columns = await describeQuery(connection, `SELECT * FROM read_parquet(${sqlString(absolute)})`);
  const { file } = await readFileStats(connection, write.dataDir, write.file, columns);
  return { entry: partitionOf([file]), columns };
}
