/**
 * Arrow batches (as sent by workers) -> a DuckDB table in the gateway.
 *
 * Rows land in a staging table whose columns have the transport types
 * (native types exactly, varchar-transport columns as VARCHAR, positional
 * names so duplicate or odd result names cannot collide); a view with the
 * original name and column names CASTs the text columns back. Loading fills
 * DuckDB data chunks at vector level and appends them through an appender.
 *
 * A *tagged* staging table has one more column, `__attempt`, which the loader
 * fills with a number given per batch (the view leaves it out): rows of one
 * task attempt can then be deleted if the attempt fails and runs again.
 */
import duckdb from '@duckdb/node-bindings';
import { type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import { type Data, type RecordBatch, type Schema } from 'apache-arrow';
import { copyBits } from './bits.ts';
import { columnName, mappingsFromSchema } from './schema.ts';
import { assertSafeTypeString, qualifiedName, quoteIdent, type TableRef } from './sql.ts';
import { positionalName } from './transport-sql.ts';
import type { Physical, TypeMapping } from './types.ts';
import { assertVectorLayout } from './vector-layout.ts';

export interface CreateOptions {
  /** CREATE OR REPLACE instead of CREATE. */
  readonly orReplace?: boolean;
}

/** The extra column of a tagged staging table: which task attempt delivered the row. */
export const ATTEMPT_TAG_COLUMN = '__attempt';

export interface StagingOptions extends CreateOptions {
  /** Adds the ATTEMPT_TAG_COLUMN (UINTEGER) after the data columns. */
  readonly tagged?: boolean;
}

function createKeyword(kind: 'TABLE' | 'VIEW', options: CreateOptions): string {
  return options.orReplace ? `CREATE OR REPLACE ${kind}` : `CREATE ${kind}`;
}

/** `CREATE TABLE <staging> ("c0" <type>, ...)` with the transport types of `schema`. */
export function stagingTableSql(schema: Schema, staging: TableRef, options: StagingOptions = {}): string {
  const columns = mappingsFromSchema(schema).map((m, i) => {
    assertSafeTypeString(m.transportDuckdbType);
    return `${quoteIdent(positionalName(i))} ${m.transportDuckdbType}`;
  });
  if (options.tagged) columns.push(`${quoteIdent(ATTEMPT_TAG_COLUMN)} UINTEGER`);
  return `${createKeyword('TABLE', options)} ${qualifiedName(staging)} (${columns.join(', ')})`;
}

/**
 * `CREATE VIEW <view> AS SELECT "c0" AS "name", CAST("c1" AS <type>) AS "other" FROM <staging>`.
 * Duplicate names are deduplicated by DuckDB itself (`a`, `a_1`, ...).
 */
export function restoreViewSql(schema: Schema, view: TableRef, staging: TableRef, options: CreateOptions = {}): string {
  const mappings = mappingsFromSchema(schema);
  const select = schema.fields.map((field, i) => {
    const source = quoteIdent(positionalName(i));
    const m = mappings[i];
    const name = quoteIdent(columnName(field));
    if (m.transport === 'native') return `${source} AS ${name}`;
    assertSafeTypeString(m.duckdbType);
    const cast = `CAST(${source} AS ${m.duckdbType})`;
    // CAST turns a NULL text into a non-NULL UNION holding a NULL member. CASE
    // fixes that but is not implemented for every type (ARRAY), so only here.
    if (/^\s*UNION\s*\(/i.test(m.duckdbType)) return `CASE WHEN ${source} IS NULL THEN NULL ELSE ${cast} END AS ${name}`;
    return `${cast} AS ${name}`;
  });
  return `${createKeyword('VIEW', options)} ${qualifiedName(view)} AS SELECT ${select.join(', ')} FROM ${qualifiedName(staging)}`;
}

const STRING_T_SIZE = 16;
const INLINE_MAX = 12;

/** Appends Arrow batches of one schema to a staging table created by stagingTableSql(). */
export class ArrowToDuckDBLoader {
  private readonly wrapper: DuckDBDataChunk;
  private readonly chunk: duckdb.DataChunk;
  private readonly vectorSize = duckdb.vector_size();
  // One chunk's worth of duckdb_string_t (the largest per-vector staging
  // need), reused for strings, bools and validity in turn.
  private readonly scratch: Uint8Array;
  private readonly scratchView: DataView;
  /** A vector's worth of the current attempt tag (tagged tables only). */
  private readonly tagValues: Uint32Array | undefined;
  private tagValue = 0;

  private constructor(
    private readonly appender: DuckDBAppender,
    private readonly mappings: readonly TypeMapping[],
    private readonly tagged: boolean,
  ) {
    const types: DuckDBType[] = [];
    for (let i = 0; i < appender.columnCount; i++) types.push(appender.columnType(i));
    this.wrapper = DuckDBDataChunk.create(types);
    this.chunk = this.wrapper.chunk;
    for (let c = 0; c < mappings.length; c++) {
      assertVectorLayout(
        duckdb.data_chunk_get_vector(this.chunk, c),
        mappings[c].physical,
        `Staging column ${c} (${mappings[c].transportDuckdbType})`,
      );
    }
    if (tagged) {
      assertVectorLayout(duckdb.data_chunk_get_vector(this.chunk, mappings.length), { kind: 'fixed', byteWidth: 4 }, `Staging column ${ATTEMPT_TAG_COLUMN}`);
      this.tagValues = new Uint32Array(this.vectorSize);
    }
    this.scratch = new Uint8Array(this.vectorSize * STRING_T_SIZE);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  /** Opens an appender on `staging`, whose columns must match `schema`'s transport types (and the tag column, if `tagged`). */
  static async create(connection: DuckDBConnection, staging: TableRef, schema: Schema, options: { readonly tagged?: boolean } = {}): Promise<ArrowToDuckDBLoader> {
    const mappings = mappingsFromSchema(schema);
    const tagged = options.tagged === true;
    const appender = await connection.createAppender(staging.name, staging.schema, staging.catalog);
    if (appender.columnCount !== mappings.length + (tagged ? 1 : 0)) {
      appender.closeSync();
      throw new Error(`Staging table has ${appender.columnCount} columns, Arrow schema has ${mappings.length}${tagged ? ' (and the attempt tag)' : ''}`);
    }
    try {
      return new ArrowToDuckDBLoader(appender, mappings, tagged);
    } catch (e) {
      appender.closeSync();
      throw e;
    }
  }

  /** Appends the batch's rows; a tagged table's rows get `tag` in the tag column. */
  append(batch: RecordBatch, tag = 0): void {
    const columns = batch.data.children;
    if (columns.length !== this.mappings.length) {
      throw new Error(`Batch has ${columns.length} columns, loader expects ${this.mappings.length}`);
    }
    for (let start = 0; start < batch.numRows; start += this.vectorSize) {
      const rows = Math.min(this.vectorSize, batch.numRows - start);
      duckdb.data_chunk_reset(this.chunk);
      duckdb.data_chunk_set_size(this.chunk, rows);
      for (let c = 0; c < columns.length; c++) {
        const vector = duckdb.data_chunk_get_vector(this.chunk, c);
        this.fillVector(vector, columns[c], this.mappings[c].physical, start, rows);
      }
      if (this.tagValues) this.fillTag(duckdb.data_chunk_get_vector(this.chunk, columns.length), this.tagValues, tag, rows);
      this.appender.appendDataChunk(this.wrapper);
    }
  }

  /** Makes appended rows visible to queries on this connection. */
  flush(): void {
    this.appender.flushSync();
  }

  close(): void {
    this.appender.closeSync();
  }

  private fillTag(vector: duckdb.Vector, values: Uint32Array, tag: number, rows: number): void {
    if (this.tagValue !== tag) {
      values.fill(tag);
      this.tagValue = tag;
    }
    markAllValid(vector, rows, this.scratch);
    duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset, rows * 4);
  }

  private fillVector(vector: duckdb.Vector, data: Data, physical: Physical, start: number, rows: number): void {
    fillValidity(vector, data, start, rows, this.scratch);
    switch (physical.kind) {
      case 'fixed':
        fillFixed(vector, data, physical.byteWidth, start, rows);
        return;
      case 'bool':
        fillBool(vector, data, start, rows, this.scratch);
        return;
      case 'string':
        this.fillStrings(vector, data, start, rows);
        return;
    }
  }

  /**
   * Strings of up to 12 bytes are written straight into a duckdb_string_t
   * (length + inline bytes, zero padded as DuckDB compares all 16 bytes);
   * longer ones go through DuckDB so it owns their heap memory. Every slot is
   * written, NULL ones as empty strings, as DuckDB must never see an
   * unassigned string slot.
   */
  private fillStrings(vector: duckdb.Vector, data: Data, start: number, rows: number): void {
    const offsets = data.valueOffsets as Int32Array;
    const values = data.values as Uint8Array;
    const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
    const scratch = this.scratch;
    const view = this.scratchView;
    scratch.fill(0, 0, rows * STRING_T_SIZE);
    let longRows: number[] | undefined;
    for (let i = 0; i < rows; i++) {
      const row = start + i;
      if (bitmap !== undefined) {
        const bit = data.offset + row;
        if (((bitmap[bit >> 3] >> (bit & 7)) & 1) === 0) continue;
      }
      const from = offsets[row];
      const len = offsets[row + 1] - from;
      if (len <= INLINE_MAX) {
        const at = i * STRING_T_SIZE;
        view.setUint32(at, len, true);
        for (let k = 0; k < len; k++) scratch[at + 4 + k] = values[from + k];
      } else {
        (longRows ??= []).push(i);
      }
    }
    duckdb.copy_data_to_vector(vector, 0, scratch.buffer as ArrayBuffer, 0, rows * STRING_T_SIZE);
    if (longRows !== undefined) {
      for (const i of longRows) {
        const row = start + i;
        duckdb.vector_assign_string_element_len(vector, i, values.subarray(offsets[row], offsets[row + 1]));
      }
    }
  }
}

/**
 * Copies Arrow validity into the vector. vector_get_validity() hands back a
 * copy, not a view, so the bits are assembled in `scratch` and copied in.
 */
function fillValidity(vector: duckdb.Vector, data: Data, start: number, rows: number, scratch: Uint8Array): void {
  const byteCount = ((rows + 63) >> 6) * 8;
  const bitmap = data.nullBitmap;
  if (data.nullCount > 0 && bitmap !== undefined && bitmap.length > 0) {
    scratch.fill(0, 0, byteCount);
    copyBits(bitmap, data.offset + start, scratch, 0, rows);
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, scratch.buffer as ArrayBuffer, scratch.byteOffset, byteCount);
    return;
  }
  markAllValid(vector, rows, scratch);
}

function markAllValid(vector: duckdb.Vector, rows: number, scratch: Uint8Array): void {
  const byteCount = ((rows + 63) >> 6) * 8;
  // A reset chunk may keep a materialized mask from earlier use.
  if (duckdb.vector_get_validity(vector, byteCount) !== null) {
    scratch.fill(0xff, 0, byteCount);
    duckdb.copy_data_to_vector_validity(vector, 0, scratch.buffer as ArrayBuffer, scratch.byteOffset, byteCount);
  }
}

/** Arrow JS keeps fixed-width `values` relative to the slice start, so `start` indexes it directly. */
function fillFixed(vector: duckdb.Vector, data: Data, byteWidth: number, start: number, rows: number): void {
  const values = data.values as ArrayBufferView;
  duckdb.copy_data_to_vector(
    vector,
    0,
    values.buffer as ArrayBuffer,
    values.byteOffset + start * byteWidth,
    rows * byteWidth,
  );
}

/** Arrow bools are bits (indexed with the slice offset); DuckDB wants one byte each. */
function fillBool(vector: duckdb.Vector, data: Data, start: number, rows: number, scratch: Uint8Array): void {
  const bits = data.values as Uint8Array;
  let bit = data.offset + start;
  for (let i = 0; i < rows; i++, bit++) scratch[i] = (bits[bit >> 3] >> (bit & 7)) & 1;
  duckdb.copy_data_to_vector(vector, 0, scratch.buffer as ArrayBuffer, scratch.byteOffset, rows);
}

/** Loads `batches` into `staging` (created with stagingTableSql()) and flushes. */
export async function loadBatches(
  connection: DuckDBConnection,
  staging: TableRef,
  schema: Schema,
  batches: Iterable<RecordBatch>,
): Promise<void> {
  const loader = await ArrowToDuckDBLoader.create(connection, staging, schema);
  try {
    for (const batch of batches) loader.append(batch);
  } finally {
    loader.close();
  }
}
