/**
 * The k-way merge of sorted task streams: each task of an ORDER BY stage sorts its own rows
 * (and keeps its top LIMIT + OFFSET) and adds a last column, DuckDB's `create_sort_key` of the
 * ORDER BY keys. That key is a BLOB whose byte order (memcmp) is DuckDB's ORDER BY order, so
 * the gateway merges by comparing bytes and never re-implements DuckDB's comparison of NULLs,
 * NaN, decimals, strings … (each stream must be in key order, ORDER BY peers aside).
 *
 * The merge pulls: it reads a stream's next batch only when that stream's current one is used
 * up, so a stream that is ahead waits in its own buffer (the spool, the workers' credits).
 * It drops the key column, applies OFFSET and LIMIT in merged order, and stops reading (and
 * returns its iterators) once the LIMIT is reached. Rows tied on the key come in stream order.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { DEFAULT_TARGET_BYTES } from '../../src/arrow/from-duckdb.ts';
import { gatherRows, leadingFields, RowRanges } from '../../src/arrow/gather.ts';

export interface OrderedMergeOptions {
  /** Rows to skip, in merged order, before the first one is emitted. */
  readonly offset: number;
  /** Rows to emit after the offset; undefined for all of them. */
  readonly limit?: number;
  /** Emit a batch once it holds about this many bytes (estimated from the input batches). */
  readonly targetBytes?: number;
  /** Emit a batch once it holds this many rows. */
  readonly maxRows?: number;
  /** Updated as the merge runs (EXPLAIN ANALYZE). */
  readonly progress?: MergeProgress;
}

export interface MergeProgress {
  /** Rows taken from the streams (the skipped OFFSET rows included). */
  rowsMerged: number;
  /** Rows emitted. */
  rowsOut: number;
}

const DEFAULT_MAX_ROWS = 65_536;

/** One stream's position: its current batch and row. */
class Cursor {
  batch!: RecordBatch;
  row = 0;
  rows = 0;
  /** The key column's offsets and bytes. */
  keyOffsets!: Int32Array;
  keyBytes!: Uint8Array;
  /** Estimated bytes per row of the current batch, the key excluded. */
  rowBytes = 0;

  constructor(
    readonly iterator: AsyncIterator<RecordBatch>,
    readonly index: number,
  ) {}

  load(batch: RecordBatch): void {
    const key = batch.data.children[batch.data.children.length - 1];
    if (!key.valueOffsets) throw new Error('ordered merge: the last column of a sorted stream must be its BLOB sort key');
    this.batch = batch;
    this.row = 0;
    this.rows = batch.numRows;
    this.keyOffsets = key.valueOffsets as Int32Array;
    this.keyBytes = key.values as Uint8Array;
    let bytes = 0;
    for (let c = 0; c < batch.data.children.length - 1; c++) bytes += dataBytes(batch.data.children[c]);
    this.rowBytes = bytes / Math.max(1, batch.numRows);
  }
}

/**
 * Negative when a's current row comes first: memcmp of the keys, a key that is a prefix of the
 * other first (Buffer.compare's order); ties go to the lower stream. A loop rather than
 * Buffer.compare: keys are short and usually differ in their first bytes, and the native
 * call costs more than the loop.
 */
function compareCursors(a: Cursor, b: Cursor): number {
  const ab = a.keyBytes;
  const bb = b.keyBytes;
  let i = a.keyOffsets[a.row];
  const aEnd = a.keyOffsets[a.row + 1];
  let j = b.keyOffsets[b.row];
  const bEnd = b.keyOffsets[b.row + 1];
  for (; i < aEnd && j < bEnd; i++, j++) {
    const d = ab[i] - bb[j];
    if (d !== 0) return d;
  }
  const order = aEnd - i - (bEnd - j);
  return order !== 0 ? order : a.index - b.index;
}

/** A binary min-heap of cursors by their current row. */
class CursorHeap {
  readonly items: Cursor[] = [];

  push(cursor: Cursor): void {
    const items = this.items;
    let i = items.length;
    items.push(cursor);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareCursors(items[parent], cursor) <= 0) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = cursor;
  }

  /** Restores the order after the top's current row changed. */
  siftDownTop(): void {
    const items = this.items;
    const n = items.length;
    const cursor = items[0];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && compareCursors(items[right], items[left]) < 0 ? right : left;
      if (compareCursors(cursor, items[child]) <= 0) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = cursor;
  }

  removeTop(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.siftDownTop();
  }
}

/**
 * The rows of `streams` (each sorted by its last column, a BLOB sort key) in key order,
 * without the key column, OFFSET and LIMIT applied. Returns the streams' iterators when it
 * ends early (the LIMIT, a consumer that stops, an error).
 */
export async function* orderedMerge(streams: readonly AsyncIterable<RecordBatch>[], options: OrderedMergeOptions): AsyncGenerator<RecordBatch> {
  const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const progress = options.progress ?? { rowsMerged: 0, rowsOut: 0 };
  let skip = options.offset;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  const cursors = streams.map((s, i) => new Cursor(s[Symbol.asyncIterator](), i));
  try {
    if (remaining <= 0) return;
    const heap = new CursorHeap();
    // Every stream's first rows are needed before the first row can be chosen: ask all at once.
    const firsts = await Promise.all(cursors.map((c) => nextNonEmpty(c.iterator)));
    let schema: Schema | undefined;
    firsts.forEach((batch, i) => {
      if (batch === undefined) return;
      cursors[i].load(batch);
      schema ??= leadingFields(batch.schema, batch.schema.fields.length - 1);
      heap.push(cursors[i]);
    });
    let pending = new RowRanges();
    let pendingBytes = 0;
    const flush = (): RecordBatch => {
      const batch = gatherRows(schema!, pending);
      progress.rowsOut += pending.rows;
      pending = new RowRanges();
      pendingBytes = 0;
      return batch;
    };
    while (heap.items.length > 0 && remaining > 0) {
      const top = heap.items[0];
      progress.rowsMerged++;
      if (skip > 0) skip--;
      else {
        pending.add(top.batch, top.row);
        pendingBytes += top.rowBytes;
        remaining--;
      }
      if (++top.row < top.rows) heap.siftDownTop();
      else {
        if (remaining <= 0) break;
        // Hand out what is ready before waiting for input: the first rows go early, and the
        // used-up batch is not kept alive by the pending rows.
        if (pending.rows > 0) yield flush();
        const next = await nextNonEmpty(top.iterator);
        if (next === undefined) heap.removeTop();
        else {
          top.load(next);
          heap.siftDownTop();
        }
      }
      if (pending.rows >= maxRows || pendingBytes >= targetBytes) yield flush();
    }
    if (pending.rows > 0) yield flush();
  } finally {
    // Streams still open are not needed any more (LIMIT reached, the consumer stopped, an error);
    // returning one that ended does nothing. Not awaited: a stream may be waiting for input.
    for (const c of cursors) void c.iterator.return?.().catch(() => undefined);
  }
}

async function nextNonEmpty(iterator: AsyncIterator<RecordBatch>): Promise<RecordBatch | undefined> {
  for (;;) {
    const step = await iterator.next();
    if (step.done) return undefined;
    if (step.value.numRows > 0) return step.value;
  }
}

function dataBytes(data: RecordBatch['data']['children'][number]): number {
  return (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0);
}
