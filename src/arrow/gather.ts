/**
 * One RecordBatch made of row ranges of other batches (same schema prefix), copied at
 * buffer level: the ordered merge picks rows from several sorted streams and must hand
 * the client ordinary batches, without a per-value round trip through JS values (which
 * would lose timestamp micros, decimal digits …).
 *
 * Only the flat layouts the transport produces (src/arrow/types.ts) are handled: bool,
 * fixed width, and offsets + bytes (Utf8, Binary). Nested values never reach here:
 * results bound for a client carry them as JSON text.
 *
 * A merge of interleaved streams makes ranges of one row, so the ranges are kept in typed
 * arrays (no object per range) and short ones are copied element by element (no subarray
 * per range and column).
 */
import { Data, DataType, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import { copyBits, countSetBits } from './bits.ts';

/** Ranges longer than this are copied with TypedArray.set; shorter ones element by element. */
const BULK_ROWS = 16;

/** Row ranges [start, end) of batches, in output order. */
export class RowRanges {
  readonly batches: RecordBatch[] = [];
  source = new Int32Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  count = 0;
  rows = 0;
  private lastBatch: RecordBatch | undefined;
  private lastIndex = -1;

  /** Appends row `row` of `batch`, extending the last range when it continues it. */
  add(batch: RecordBatch, row: number): void {
    this.rows++;
    const n = this.count;
    if (n > 0 && batch === this.lastBatch && this.end[n - 1] === row && this.source[n - 1] === this.lastIndex) {
      this.end[n - 1] = row + 1;
      return;
    }
    if (batch !== this.lastBatch) {
      let index = this.batches.lastIndexOf(batch);
      if (index < 0) index = this.batches.push(batch) - 1;
      this.lastBatch = batch;
      this.lastIndex = index;
    }
    if (n === this.source.length) this.grow();
    this.source[n] = this.lastIndex;
    this.start[n] = row;
    this.end[n] = row + 1;
    this.count = n + 1;
  }

  private grow(): void {
    const size = this.source.length * 2;
    for (const key of ['source', 'start', 'end'] as const) {
      const next = new Int32Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

/** The first `schema.fields.length` columns of `ranges`, concatenated in order, as one batch of `schema`. */
export function gatherRows(schema: Schema, ranges: RowRanges): RecordBatch {
  const length = ranges.rows;
  const children: Data[] = [];
  for (let c = 0; c < schema.fields.length; c++) {
    children.push(gatherColumn(ranges, c, schema.fields[c].type, length));
  }
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/** The first `keep` fields of `schema` (metadata kept). */
export function leadingFields(schema: Schema, keep: number): Schema {
  return new Schema(schema.fields.slice(0, keep), schema.metadata);
}

function gatherColumn(ranges: RowRanges, column: number, type: DataType, length: number): Data {
  const sources = ranges.batches.map((b) => b.data.children[column]);
  const nullBitmap = gatherValidity(ranges, sources, length);
  const nullCount = nullBitmap === undefined ? 0 : length - countSetBits(nullBitmap, length);
  const bitmap = nullCount === 0 ? undefined : nullBitmap;
  let values: ArrayBufferView;
  let valueOffsets: Int32Array | undefined;
  if (DataType.isBool(type)) {
    values = gatherBits(ranges, sources.map((d) => ({ bits: d.values as Uint8Array, offset: d.offset })), length);
  } else if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    [valueOffsets, values] = gatherVariable(ranges, sources, length);
  } else {
    values = gatherFixed(ranges, sources, length);
  }
  const buffers = [valueOffsets, values, bitmap] as unknown as ConstructorParameters<typeof Data>[4];
  return new Data(type, 0, length, nullCount, buffers);
}

type TypedArrayConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; readonly BYTES_PER_ELEMENT: number };

/** Fixed-width values: copied in the widest integer unit that divides the width (never as floats, which could change NaN bits). */
function gatherFixed(ranges: RowRanges, sources: readonly Data[], length: number): ArrayBufferView {
  const first = sources[0]?.values as ArrayBufferView | undefined;
  const ArrayType = (first?.constructor ?? Uint8Array) as unknown as TypedArrayConstructor;
  const width = first === undefined ? 0 : sources[0].stride * ArrayType.BYTES_PER_ELEMENT;
  const bytes = length * width;
  const buffer = new ArrayBuffer(Math.max(8, (bytes + 7) & ~7));
  const unit = width % 4 === 0 ? 4 : width % 2 === 0 ? 2 : 1;
  const per = width / unit;
  const Unit = unit === 4 ? Int32Array : unit === 2 ? Int16Array : Uint8Array;
  const out = new Unit(buffer, 0, length * per);
  // Fixed-width values of a Data are relative to its own start (its offset is already applied).
  const views = sources.map((d) => {
    const v = d.values as ArrayBufferView<ArrayBuffer>;
    return new Unit(v.buffer, v.byteOffset, v.byteLength / unit);
  });
  let at = 0;
  for (let r = 0; r < ranges.count; r++) {
    const view = views[ranges.source[r]];
    const from = ranges.start[r] * per;
    const to = ranges.end[r] * per;
    if (to - from > BULK_ROWS * per) {
      out.set(view.subarray(from, to), at);
      at += to - from;
    } else {
      for (let i = from; i < to; i++) out[at++] = view[i];
    }
  }
  return new ArrayType(buffer, 0, bytes / ArrayType.BYTES_PER_ELEMENT);
}

function gatherVariable(ranges: RowRanges, sources: readonly Data[], length: number): [Int32Array, Uint8Array] {
  const offsetsOf = sources.map((d) => d.valueOffsets as Int32Array);
  const bytesOf = sources.map((d) => d.values as Uint8Array);
  let total = 0;
  for (let r = 0; r < ranges.count; r++) {
    const offsets = offsetsOf[ranges.source[r]];
    total += offsets[ranges.end[r]] - offsets[ranges.start[r]];
  }
  const valueOffsets = new Int32Array(length + 1);
  const out = new Uint8Array(total);
  let row = 0;
  let at = 0;
  for (let r = 0; r < ranges.count; r++) {
    const offsets = offsetsOf[ranges.source[r]];
    const source = bytesOf[ranges.source[r]];
    const start = ranges.start[r];
    const end = ranges.end[r];
    const base = offsets[start];
    const size = offsets[end] - base;
    for (let i = start; i < end; i++) valueOffsets[++row] = at + offsets[i + 1] - base;
    if (size > 64) out.set(source.subarray(base, base + size), at);
    else for (let i = 0; i < size; i++) out[at + i] = source[base + i];
    at += size;
  }
  return [valueOffsets, out];
}

/** Bits of `sources` (a bitmap and its bit offset each) for the ranges. */
function gatherBits(ranges: RowRanges, sources: readonly { readonly bits: Uint8Array; readonly offset: number }[], length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  let at = 0;
  for (let r = 0; r < ranges.count; r++) {
    const { bits, offset } = sources[ranges.source[r]];
    const start = ranges.start[r];
    const n = ranges.end[r] - start;
    if (n > BULK_ROWS) copyBits(bits, offset + start, out, at, n);
    else {
      for (let i = 0; i < n; i++) {
        const sb = offset + start + i;
        if ((bits[sb >> 3] >> (sb & 7)) & 1) out[(at + i) >> 3] |= 1 << ((at + i) & 7);
      }
    }
    at += n;
  }
  return out;
}

/** The ranges' validity as one bitmap; undefined when no source has a NULL. */
function gatherValidity(ranges: RowRanges, sources: readonly Data[], length: number): Uint8Array | undefined {
  if (!sources.some((d) => d.nullCount > 0)) return undefined;
  // A source without NULLs may have no bitmap: it reads as all ones.
  const ones = new Uint8Array((Math.max(0, ...sources.map((d) => d.offset + d.length)) + 7) >> 3).fill(0xff);
  const bitmaps = sources.map((d) => ({ bits: d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : ones, offset: d.offset }));
  return gatherBits(ranges, bitmaps, length);
}
