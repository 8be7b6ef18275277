/**
 * Reading a whole DuckDB result as Arrow batches through fetchChunk(): the
 * glue between a query and DuckDBToArrow for workers, the gateway and tests.
 */
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import type { RecordBatch, Schema } from 'apache-arrow';
import { ArrowBatcher, type BatcherOptions } from './from-duckdb.ts';
import type { ColumnSpec } from './schema.ts';
import { transportSql, type TransportMode } from './transport-sql.ts';
import { duckdbTypeString, type DuckDBTypeLike } from './types.ts';

/** Anything that reports result columns: a prepared statement or a result. */
export interface ColumnSource {
  readonly columnCount: number;
  columnName(index: number): string;
  columnType(index: number): DuckDBTypeLike;
}

/** Names and DuckDB type strings of a prepared statement's or result's columns. */
export function columnsOf(source: ColumnSource): ColumnSpec[] {
  const columns: ColumnSpec[] = [];
  for (let i = 0; i < source.columnCount; i++) {
    columns.push({ name: source.columnName(i), type: duckdbTypeString(source.columnType(i)) });
  }
  return columns;
}

export interface ArrowResult {
  readonly schema: Schema;
  /** Never empty: an empty result yields one zero-row batch, so it can still be sent. */
  readonly batches: RecordBatch[];
}

/**
 * Yields the result's rows as batches of about `targetBytes`.
 *
 * `columns` are the original query's columns (see transportSql()); by default
 * they are read from the result itself, which is right when the result has
 * only natively transported types.
 */
export async function* resultBatches(
  result: DuckDBResult,
  options: BatcherOptions & { readonly columns?: readonly ColumnSpec[] } = {},
): AsyncGenerator<RecordBatch> {
  const batcher = new ArrowBatcher(options.columns ?? columnsOf(result), options);
  let any = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const batch = batcher.push(chunk);
    if (batch) {
      any = true;
      yield batch;
    }
  }
  const rest = batcher.flush();
  if (rest) yield rest;
  else if (!any) yield batcher.emptyBatch();
}

export async function readResultBatches(
  result: DuckDBResult,
  options: BatcherOptions & { readonly columns?: readonly ColumnSpec[] } = {},
): Promise<ArrowResult> {
  const columns = options.columns ?? columnsOf(result);
  const batches: RecordBatch[] = [];
  for await (const batch of resultBatches(result, { ...options, columns })) batches.push(batch);
  return { schema: batches[0].schema, batches };
}

/**
 * Runs `sql` (a single SELECT-like statement) wrapped for transport and reads
 * the result as Arrow, streaming so a large result is never materialized
 * twice.
 */
export async function queryArrow(
  connection: DuckDBConnection,
  sql: string,
  options: BatcherOptions & { readonly mode?: TransportMode } = {},
): Promise<ArrowResult> {
  const prepared = await connection.prepare(sql);
  const columns = columnsOf(prepared);
  prepared.destroySync();
  const result = await connection.stream(transportSql(sql, columns, options.mode));
  return readResultBatches(result, { ...options, columns });
}
