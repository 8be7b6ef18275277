/**
 * DuckDB result chunks -> Arrow RecordBatches, at vector level (memory copies,
 * no per-value JS objects).
 *
 * Chunks must come from a query wrapped with transportSql(), so every
 * varchar-transport column already is VARCHAR; the converter checks the
 * layout of each vector against the expected one on the first chunk and
 * refuses a mismatch instead of misreading memory.
 */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { type ColumnAccumulator, createAccumulator } from './accumulators.ts';
import { type ColumnSpec, schemaForColumns } from './schema.ts';
import { mapDuckDBType, type TypeMapping } from './types.ts';
import { assertVectorLayout } from './vector-layout.ts';

/** Accumulates chunks of one result and hands them out as RecordBatches. */
export class DuckDBToArrow {
  readonly schema: Schema;
  private readonly mappings: readonly TypeMapping[];
  private readonly accumulators: readonly ColumnAccumulator[];
  private layoutChecked = false;
  private rows = 0;

  /** `columns`: the names and DuckDB types of the original (unwrapped) query's result. */
  constructor(columns: readonly ColumnSpec[]) {
    this.schema = schemaForColumns(columns);
    this.mappings = columns.map((c) => mapDuckDBType(c.type));
    this.accumulators = this.mappings.map((m) => createAccumulator(m.arrowType, m.physical));
  }

  /** Rows accumulated since the last finish(). */
  get rowCount(): number {
    return this.rows;
  }

  /** Arrow buffer bytes accumulated since the last finish() (an estimate of the IPC body size). */
  get byteSize(): number {
    let total = 0;
    for (const a of this.accumulators) total += a.byteSize;
    return total;
  }

  /** Copies all rows of `chunk`; the chunk may be reused or freed afterwards. */
  append(chunk: DuckDBDataChunk): void {
    const raw = chunk.chunk;
    const rows = duckdb.data_chunk_get_size(raw);
    const columnCount = duckdb.data_chunk_get_column_count(raw);
    if (columnCount !== this.accumulators.length) {
      throw new Error(`Chunk has ${columnCount} columns, converter expects ${this.accumulators.length}`);
    }
    if (rows === 0) return;
    for (let c = 0; c < columnCount; c++) {
      const vector = duckdb.data_chunk_get_vector(raw, c);
      if (!this.layoutChecked) {
        assertVectorLayout(vector, this.mappings[c].physical, `Column ${c} (${this.mappings[c].duckdbType})`);
      }
      this.accumulators[c].append(vector, rows);
    }
    this.layoutChecked = true;
    this.rows += rows;
  }

  /** The rows accumulated so far as one RecordBatch (possibly empty); starts over empty. */
  finish(): RecordBatch {
    const children = this.accumulators.map((a) => a.finish());
    const length = this.rows;
    this.rows = 0;
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children }));
  }

  /** One chunk as one RecordBatch. Anything appended before is included. */
  convert(chunk: DuckDBDataChunk): RecordBatch {
    this.append(chunk);
    return this.finish();
  }
}

export interface BatcherOptions {
  /**
   * Emit a batch once its Arrow buffers reach this many bytes. Sizing it a bit
   * below the IPC message limit makes most batches fit one message.
   */
  readonly targetBytes?: number;
  /** Emit a batch once it has this many rows, whatever its size. */
  readonly maxRows?: number;
}

export const DEFAULT_TARGET_BYTES = 768 * 1024;
export const DEFAULT_MAX_ROWS = 1 << 20;

/** Groups chunks into RecordBatches of roughly `targetBytes`. */
export class ArrowBatcher {
  readonly schema: Schema;
  private readonly converter: DuckDBToArrow;
  private readonly targetBytes: number;
  private readonly maxRows: number;

  constructor(
    private readonly columns: readonly ColumnSpec[],
    options: BatcherOptions = {},
  ) {
    this.converter = new DuckDBToArrow(columns);
    this.schema = this.converter.schema;
    this.targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
    this.maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  }

  /** Adds a chunk; returns a batch when the target is reached. */
  push(chunk: DuckDBDataChunk): RecordBatch | undefined {
    this.converter.append(chunk);
    if (this.converter.byteSize >= this.targetBytes || this.converter.rowCount >= this.maxRows) {
      return this.converter.finish();
    }
    return undefined;
  }

  /** The remaining rows, if any. */
  flush(): RecordBatch | undefined {
    return this.converter.rowCount > 0 ? this.converter.finish() : undefined;
  }

  /** A zero-row batch with the schema: what to send for an empty result. */
  emptyBatch(): RecordBatch {
    return new DuckDBToArrow(this.columns).finish();
  }
}
