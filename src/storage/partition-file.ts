/**
 * Writing one partition: run a SELECT into a Parquet file, then read the file
 * back for its row count and per-column min/max. Stats come from the file, not
 * from the query, so they describe exactly what a reader will see.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnDef, ColumnStats, PartitionEntry } from './manifest.ts';
import { queryRows, sqlIdent, sqlString } from './duckdb.ts';

/** Column names and DuckDB type strings (as DuckDB prints them) of a query's result. */
export async function describeQuery(connection: DuckDBConnection, selectSql: string): Promise<ColumnDef[]> {
  const rows = await queryRows(connection, `DESCRIBE (${selectSql})`);
  return rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}

/** Nested values have no useful min/max for pruning, so no stats are kept for them. */
export function hasScalarStats(type: string): boolean {
  return !/^(STRUCT|MAP|UNION)\b/.test(type) && !type.endsWith(']');
}

/** Builds the single-scan query that yields `rows` plus `min_i`/`max_i` text columns. */
export function statsQuery(source: string, columns: readonly ColumnDef[]): string {
  const parts = ['count(*) AS "rows"'];
  columns.forEach((column, i) => {
    if (!hasScalarStats(column.type)) return;
    const c = sqlIdent(column.name);
    parts.push(`min(${c})::VARCHAR AS "min_${i}"`, `max(${c})::VARCHAR AS "max_${i}"`);
  });
  return `SELECT ${parts.join(', ')} FROM ${source}`;
}

export async function readParquetStats(
  connection: DuckDBConnection,
  absoluteFile: string,
  columns: readonly ColumnDef[],
): Promise<{ rows: number; stats: Record<string, ColumnStats> }> {
  const [row] = await queryRows(connection, statsQuery(`read_parquet(${sqlString(absoluteFile)})`, columns));
  const stats: Record<string, ColumnStats> = {};
  columns.forEach((column, i) => {
    if (!hasScalarStats(column.type)) return;
    stats[column.name] = { min: textOrNull(row[`min_${i}`]), max: textOrNull(row[`max_${i}`]) };
  });
  return { rows: Number(row.rows), stats };
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
  const absolute = path.join(path.resolve(write.dataDir), write.file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await connection.run(`COPY (${write.selectSql}) TO ${sqlString(absolute)} (FORMAT parquet)`);
  const columns = await describeQuery(connection, `SELECT * FROM read_parquet(${sqlString(absolute)})`);
  const { rows, stats } = await readParquetStats(connection, absolute, columns);
  return { entry: { files: [write.file], rows, stats }, columns };
}
