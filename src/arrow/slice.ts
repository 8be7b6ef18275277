/**
 * Row slices of a RecordBatch that own exactly their rows' bits.
 *
 * Arrow JS's batch.slice() keeps the parent's bitmaps and its IPC writer then
 * sends every bitmap from the slice start to the parent's end, so N slices
 * of a batch would carry about N/2 times its bitmaps. Rebuilding the bitmaps
 * per slice keeps each message proportional to its rows.
 */
import { Data, DataType, makeData, RecordBatch, Struct } from 'apache-arrow';
import { copyBits, countSetBits } from './bits.ts';

function sliceBits(bits: Uint8Array, bitOffset: number, length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  copyBits(bits, bitOffset, out, 0, length);
  return out;
}

/** Rows [start, end) of one flat column (bool, fixed width, or offsets + bytes). */
export function sliceColumn(data: Data, start: number, end: number): Data {
  const length = end - start;
  const bitStart = data.offset + start;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0) {
    nullBitmap = sliceBits(data.nullBitmap, bitStart, length);
    nullCount = length - countSetBits(nullBitmap, length);
    if (nullCount === 0) nullBitmap = undefined;
  }
  const { type } = data;
  let values: ArrayBufferView;
  let valueOffsets: Int32Array | undefined;
  if (DataType.isBool(type)) {
    // Bool values are bits addressed with the data offset, like the bitmap.
    values = sliceBits(data.values as Uint8Array, bitStart, length);
  } else if (data.valueOffsets) {
    // Arrow JS keeps offsets relative to the slice and values absolute; the
    // IPC writer rebases offsets and cuts the byte range itself.
    valueOffsets = (data.valueOffsets as Int32Array).subarray(start, end + 1);
    values = data.values as Uint8Array;
  } else {
    // Fixed-width values are already relative to the data's own start.
    const stride = data.stride;
    values = (data.values as Uint8Array).subarray(start * stride, end * stride);
  }
  const buffers = [valueOffsets, values, nullBitmap] as unknown as ConstructorParameters<typeof Data>[4];
  return new Data(type, 0, length, nullCount, buffers);
}

/** Rows [start, end) of a batch of flat columns, with compact bitmaps. */
export function sliceBatch(batch: RecordBatch, start: number, end: number): RecordBatch {
  const children = batch.data.children.map((child) => sliceColumn(child, start, end));
  return new RecordBatch(
    batch.schema,
    makeData({ type: new Struct(batch.schema.fields), length: end - start, nullCount: 0, children }),
  );
}
