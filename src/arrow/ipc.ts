/**
 * RecordBatch <-> self-contained Arrow IPC stream messages of bounded size.
 *
 * Each message carries the schema and one batch, so a receiver can decode
 * any message on its own, in any order, and an empty result is still one
 * message (schema + zero-row batch).
 */
import { type Data, DataType, type RecordBatch, type Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { sliceBatch } from './slice.ts';

/** NATS' default max_payload is 1 MiB; leave room for headers and subject. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 - 16 * 1024;

export interface EncodeOptions {
  /** Upper bound for each message's size in bytes. */
  readonly maxBytes?: number;
}

export interface DecodedMessage {
  readonly schema: Schema;
  /** Usually one batch; zero-row batches are kept so the schema-only case is visible. */
  readonly batches: RecordBatch[];
}

function encodeWhole(batch: RecordBatch): Uint8Array {
  return tableToIPC(new Table(batch), 'stream');
}

/**
 * Encodes `batch` as one or more IPC stream messages of at most `maxBytes`
 * each, splitting by rows. A row that cannot fit (one large value: a long
 * string_agg, a big list) is a message of its own, larger than `maxBytes`:
 * the sender splits such a message into pieces (see `pieces`).
 */
export function encodeBatch(batch: RecordBatch, options: EncodeOptions = {}): Uint8Array[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // A batch whose buffers fill at most half a message is encoded whole at once (encodeRange still
  // checks the size and halves if the schema made it too big): the size bound below needs the
  // schema's own encoding, a second encode per task when each task's result has a new schema
  // object — a fifth of a worker's CPU per point lookup.
  if (batch.numRows > 0 && bufferBytes(batch.data) <= maxBytes / 2) {
    const out: Uint8Array[] = [];
    encodeRange(batch, 0, batch.numRows, maxBytes, out);
    return out;
  }
  const sizer = new SizeBound(batch, emptyMessageBytes(batch));
  if (batch.numRows === 0) {
    const only = encodeWhole(batch);
    if (only.byteLength > maxBytes) {
      throw new Error(`The schema alone encodes to ${only.byteLength} bytes, more than the ${maxBytes}-byte message limit`);
    }
    return [only];
  }
  const out: Uint8Array[] = [];
  for (const [start, end] of sizer.ranges(maxBytes)) encodeRange(batch, start, end, maxBytes, out);
  return out;
}

/** Encodes rows [start, end); halves the range if the bound was not enough. */
function encodeRange(batch: RecordBatch, start: number, end: number, maxBytes: number, out: Uint8Array[]): void {
  const bytes = encodeWhole(start === 0 && end === batch.numRows ? batch : sliceBatch(batch, start, end));
  if (bytes.byteLength <= maxBytes) {
    out.push(bytes);
    return;
  }
  if (end - start === 1) {
    out.push(bytes);
    return;
  }
  const mid = start + ((end - start) >> 1);
  encodeRange(batch, start, mid, maxBytes, out);
  encodeRange(batch, mid, end, maxBytes, out);
}

/** Bytes of a column tree's buffers (shared buffers of a slice count whole: an upper bound). */
function bufferBytes(data: Data): number {
  let bytes = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0);
  for (const child of data.children) bytes += bufferBytes(child);
  return bytes;
}

const emptySizes = new WeakMap<Schema, number>();

/** Size of the schema + zero-row batch message; the per-message constant. Cached per schema. */
function emptyMessageBytes(batch: RecordBatch): number {
  let size = emptySizes.get(batch.schema);
  if (size === undefined) {
    size = encodeWhole(sliceBatch(batch, 0, 0)).byteLength;
    emptySizes.set(batch.schema, size);
  }
  return size;
}

/**
 * `message` cut into pieces of at most `maxBytes` (views, no copy); the receiver concatenates
 * them in order before decoding. One piece when it fits.
 */
export function pieces(message: Uint8Array, maxBytes: number): Uint8Array[] {
  if (message.byteLength <= maxBytes) return [message];
  const out: Uint8Array[] = [];
  for (let at = 0; at < message.byteLength; at += maxBytes) out.push(message.subarray(at, Math.min(message.byteLength, at + maxBytes)));
  return out;
}

/** The message `pieces` cut, from the pieces before its last one and the last one (no copy when there was one piece). */
export function joinPieces(before: readonly Uint8Array[], last: Uint8Array): Uint8Array {
  return before.length === 0 ? last : Buffer.concat([...before, last]);
}

/** The zero-row message announcing only the schema (an empty result). */
export function encodeEmpty(schema: Schema): Uint8Array {
  return tableToIPC(new Table(schema), 'stream');
}

/** Decodes one message produced by encodeBatch() or encodeEmpty(). */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const table = tableFromIPC(bytes);
  return { schema: table.schema, batches: table.batches };
}

/**
 * An upper bound on the encoded size of any row range, from buffer sizes:
 * the empty-batch message size, plus each buffer's bytes, plus worst-case
 * 8-byte padding and flatbuffer growth per buffer.
 */
class SizeBound {
  private readonly fixedPerRowBits: number;
  private readonly varColumns: { offsets: Int32Array }[] = [];
  private readonly perMessage: number;

  constructor(
    private readonly batch: RecordBatch,
    emptyMessageBytes: number,
  ) {
    let bits = 0;
    let buffers = 0;
    for (const field of batch.schema.fields) {
      bits += 1; // validity
      buffers += 3;
      bits += fixedBitsPerRow(field.type);
    }
    // Offsets are counted in fixedBitsPerRow; the value bytes per row here.
    for (const child of batch.data.children) {
      if (child.valueOffsets) this.varColumns.push({ offsets: child.valueOffsets as Int32Array });
    }
    this.fixedPerRowBits = bits;
    // Per buffer: up to 7 bytes padding, a bitmap's trailing partial byte,
    // and 16 bytes of flatbuffer for non-zero buffer/node fields.
    this.perMessage = emptyMessageBytes + buffers * (7 + 1 + 16) + 64;
  }

  /** Variable-length value bytes of one row. */
  private rowBytes(row: number): number {
    let bytes = 0;
    for (const { offsets } of this.varColumns) bytes += offsets[row + 1] - offsets[row];
    return bytes;
  }

  /** Greedy row ranges each within `maxBytes` by this bound (a row alone may exceed it). */
  ranges(maxBytes: number): Array<[number, number]> {
    const rows = this.batch.numRows;
    const budget = maxBytes - this.perMessage;
    const fixedPerRow = this.fixedPerRowBits / 8;
    const out: Array<[number, number]> = [];
    let wholeVar = 0;
    for (const { offsets } of this.varColumns) wholeVar += offsets[rows] - offsets[0];
    if (rows * fixedPerRow + wholeVar <= budget) return [[0, rows]];
    if (this.varColumns.length === 0) {
      const perRange = Math.max(1, Math.floor(budget / fixedPerRow));
      for (let s = 0; s < rows; s += perRange) out.push([s, Math.min(rows, s + perRange)]);
      return out;
    }
    let start = 0;
    let used = 0;
    for (let r = 0; r < rows; r++) {
      const cost = fixedPerRow + this.rowBytes(r);
      if (r > start && used + cost > budget) {
        out.push([start, r]);
        start = r;
        used = 0;
      }
      used += cost;
    }
    out.push([start, rows]);
    return out;
  }
}

/** Bits per row of a column's fixed-size buffers (offsets count as 32 bits). */
function fixedBitsPerRow(type: DataType): number {
  if (DataType.isBool(type)) return 1;
  if (DataType.isUtf8(type) || DataType.isBinary(type)) return 32;
  if (DataType.isFixedSizeBinary(type)) return type.byteWidth * 8;
  if (DataType.isInt(type)) return type.bitWidth;
  if (DataType.isFloat(type)) return type.precision === 0 ? 16 : type.precision === 1 ? 32 : 64;
  if (DataType.isDate(type)) return type.unit === 0 ? 32 : 64;
  if (DataType.isTime(type)) return type.bitWidth;
  if (DataType.isTimestamp(type)) return 64;
  throw new Error(`No size rule for Arrow type ${String(type)}`);
}
