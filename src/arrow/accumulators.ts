/**
 * Per-column accumulators that copy raw DuckDB vector memory into growable
 * Arrow buffers. Copying (not viewing) is required: DuckDB reuses or frees a
 * chunk's memory once the next chunk is fetched.
 */
import duckdb from '@duckdb/node-bindings';
import { Data, type DataType } from 'apache-arrow';
import { copyBits, countSetBits, setBits } from './bits.ts';
import type { Physical } from './types.ts';

export interface ColumnAccumulator {
  /** Copies the first `rows` rows of `vector`. */
  append(vector: duckdb.Vector, rows: number): void;
  /** Bytes accumulated so far (Arrow buffer sizes, before IPC padding). */
  readonly byteSize: number;
  /** Hands the accumulated rows over as Arrow Data and starts empty again. */
  finish(): Data;
}

const MIN_CAPACITY = 1024;

/** A byte buffer that doubles as needed; 8-byte aligned so typed views over it are legal. */
class GrowableBytes {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(MIN_CAPACITY, align8(capacity)));
  }

  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Arrow validity for the rows appended so far; no bitmap at all while every row is valid. */
class ValidityAccumulator {
  private bits: Uint8Array | null = null;
  private length = 0;
  nullCount = 0;

  get byteSize(): number {
    return this.bits === null ? 0 : (this.length + 7) >> 3;
  }

  /** `validity` is DuckDB's bitmap for the vector, null when all rows are valid. */
  append(validity: Uint8Array | null, rows: number): void {
    const valid = validity === null ? rows : countSetBits(validity, rows);
    if (valid === rows) {
      if (this.bits !== null) {
        this.reserve(rows);
        setBits(this.bits, this.length, rows);
      }
    } else {
      if (this.bits === null) {
        this.bits = new Uint8Array(Math.max(256, ((this.length + rows) >> 2) + 8));
        setBits(this.bits, 0, this.length);
      } else {
        this.reserve(rows);
      }
      copyBits(validity as Uint8Array, 0, this.bits, this.length, rows);
      this.nullCount += rows - valid;
    }
    this.length += rows;
  }

  private reserve(rows: number): void {
    const bits = this.bits as Uint8Array;
    const needed = (this.length + rows + 7) >> 3;
    if (needed <= bits.length) return;
    const next = new Uint8Array(Math.max(needed, bits.length * 2));
    next.set(bits);
    this.bits = next;
  }

  finish(): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const out = {
      nullBitmap: this.bits === null ? undefined : this.bits.subarray(0, (this.length + 7) >> 3),
      nullCount: this.nullCount,
    };
    this.bits = null;
    this.length = 0;
    this.nullCount = 0;
    return out;
  }
}

function validityOf(vector: duckdb.Vector, rows: number): Uint8Array | null {
  // DuckDB's validity is an array of uint64 words.
  return duckdb.vector_get_validity(vector, ((rows + 63) >> 6) * 8);
}

/** Typed view of `bytes` in the element type Arrow expects for `type`'s value buffer. */
function valuesView(type: DataType, bytes: Uint8Array, byteLength: number): ArrayBufferView {
  const ArrayType = type.ArrayType as unknown as {
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView;
    readonly BYTES_PER_ELEMENT: number;
  };
  return new ArrayType(bytes.buffer, bytes.byteOffset, byteLength / ArrayType.BYTES_PER_ELEMENT);
}

function makeArrowData(
  type: DataType,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
  values: ArrayBufferView,
  valueOffsets?: Int32Array,
): Data {
  // Buffers in Arrow JS order: [offsets, data, validity].
  const buffers = [valueOffsets, values, nullBitmap] as unknown as ConstructorParameters<typeof Data>[4];
  return new Data(type, 0, length, nullCount, buffers);
}

class FixedAccumulator implements ColumnAccumulator {
  private data: GrowableBytes;
  private readonly validity = new ValidityAccumulator();
  private rows = 0;

  constructor(
    private readonly type: DataType,
    private readonly byteWidth: number,
    private capacityHint = 0,
  ) {
    this.data = new GrowableBytes(capacityHint);
  }

  get byteSize(): number {
    return this.data.length + this.validity.byteSize;
  }

  append(vector: duckdb.Vector, rows: number): void {
    const byteCount = rows * this.byteWidth;
    this.data.reserve(byteCount);
    this.data.bytes.set(duckdb.vector_get_data(vector, byteCount), this.data.length);
    this.data.length += byteCount;
    this.validity.append(validityOf(vector, rows), rows);
    this.rows += rows;
  }

  finish(): Data {
    const { nullBitmap, nullCount } = this.validity.finish();
    const values = valuesView(this.type, this.data.bytes, this.data.length);
    const out = makeArrowData(this.type, this.rows, nullCount, nullBitmap, values);
    // Next batch is probably as big as this one: start at that size.
    this.capacityHint = Math.max(this.capacityHint, this.data.length);
    this.data = new GrowableBytes(this.capacityHint);
    this.rows = 0;
    return out;
  }
}

class BoolAccumulator implements ColumnAccumulator {
  private bits = new GrowableBytes(0);
  private readonly validity = new ValidityAccumulator();
  private rows = 0;

  constructor(private readonly type: DataType) {}

  get byteSize(): number {
    return ((this.rows + 7) >> 3) + this.validity.byteSize;
  }

  append(vector: duckdb.Vector, rows: number): void {
    // DuckDB bools are one byte each; Arrow packs them into bits.
    const src = duckdb.vector_get_data(vector, rows);
    this.bits.reserve(((this.rows + rows + 7) >> 3) - this.bits.length + 1);
    const dst = this.bits.bytes;
    let bit = this.rows;
    for (let i = 0; i < rows; i++, bit++) {
      if (src[i] !== 0) dst[bit >> 3] |= 1 << (bit & 7);
      else dst[bit >> 3] &= ~(1 << (bit & 7));
    }
    this.rows += rows;
    this.bits.length = (this.rows + 7) >> 3;
    this.validity.append(validityOf(vector, rows), rows);
  }

  finish(): Data {
    const { nullBitmap, nullCount } = this.validity.finish();
    const out = makeArrowData(this.type, this.rows, nullCount, nullBitmap, this.bits.bytes.subarray(0, this.bits.length));
    this.bits = new GrowableBytes(this.bits.length);
    this.rows = 0;
    return out;
  }
}

const STRING_T_SIZE = 16;
const INLINE_MAX = 12;
const MAX_ARROW_BYTES = 0x7fffffff;
/** Largest gap between two long strings still fetched together (well under a page). */
const MAX_GAP = 256;
/** Largest span fetched at once, bounding the temporary copy. */
const MAX_SPAN = 1 << 20;

/** The heap pointer of a non-inlined string_t at byte `at` (fits a double: user space is < 2^53). */
function pointerAt(view: DataView, at: number): number {
  return view.getUint32(at + 12, true) * 4294967296 + view.getUint32(at + 8, true);
}

class StringAccumulator implements ColumnAccumulator {
  private bytes: GrowableBytes;
  private offsets: Int32Array;
  private longRows = new Int32Array(0);
  private longAt = new Float64Array(0);
  private readonly validity = new ValidityAccumulator();
  private rows = 0;

  constructor(
    private readonly type: DataType,
    private capacityHint = 0,
  ) {
    this.bytes = new GrowableBytes(capacityHint);
    this.offsets = new Int32Array(2049);
  }

  get byteSize(): number {
    return this.bytes.length + (this.rows + 1) * 4 + this.validity.byteSize;
  }

  /**
   * Inline strings (<= 12 bytes) are copied from the string_t itself. Longer
   * ones live behind pointers; fetching each costs a native call (~2 us), so
   * strings whose bytes follow each other in memory (the common case: DuckDB
   * and Parquet pages lay them out in sequence) are fetched as one span.
   * Gaps of a few bytes are allowed: memory between two live strings less
   * than a page apart is on a page already mapped for one of them.
   */
  append(vector: duckdb.Vector, rows: number): void {
    const raw = duckdb.vector_get_data(vector, rows * STRING_T_SIZE);
    const validity = validityOf(vector, rows);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    this.reserveOffsets(rows);
    const offsets = this.offsets;
    const out = this.bytes;
    // Pass 1: lengths, offsets and inline bytes; remember where long ones go.
    let total = 0;
    for (let i = 0; i < rows; i++) {
      if (validity !== null && ((validity[i >> 3] >> (i & 7)) & 1) === 0) continue;
      total += view.getUint32(i * STRING_T_SIZE, true);
    }
    if (out.length + total > MAX_ARROW_BYTES) {
      throw new Error('String column exceeds 2 GiB in one Arrow batch; use a smaller batch target');
    }
    out.reserve(total);
    const dst = out.bytes;
    const longRows = this.longRows.length >= rows ? this.longRows : (this.longRows = new Int32Array(rows));
    const longAt = this.longAt.length >= rows ? this.longAt : (this.longAt = new Float64Array(rows));
    let longCount = 0;
    let pos = out.length;
    let o = this.rows + 1;
    for (let i = 0; i < rows; i++, o++) {
      // A NULL slot's string_t is uninitialized memory: never read it.
      if (validity !== null && ((validity[i >> 3] >> (i & 7)) & 1) === 0) {
        offsets[o] = pos;
        continue;
      }
      const at = i * STRING_T_SIZE;
      const len = view.getUint32(at, true);
      if (len <= INLINE_MAX) {
        for (let k = at + 4, end = at + 4 + len; k < end; k++) dst[pos++] = raw[k];
      } else {
        longRows[longCount] = i;
        longAt[longCount++] = pos;
        pos += len;
      }
      offsets[o] = pos;
    }
    out.length = pos;
    // Pass 2: long strings, one native call per run of nearby strings.
    const rawBuffer = raw.buffer as ArrayBuffer;
    let r = 0;
    while (r < longCount) {
      const first = longRows[r] * STRING_T_SIZE;
      const base = pointerAt(view, first);
      let end = base + view.getUint32(first, true);
      let last = r + 1;
      while (last < longCount) {
        const at = longRows[last] * STRING_T_SIZE;
        const ptr = pointerAt(view, at);
        const len = view.getUint32(at, true);
        if (ptr < end || ptr - end > MAX_GAP || ptr + len - base > MAX_SPAN) break;
        end = ptr + len;
        last++;
      }
      const span = duckdb.get_data_from_pointer(rawBuffer, raw.byteOffset + first + 8, end - base);
      for (let m = r; m < last; m++) {
        const at = longRows[m] * STRING_T_SIZE;
        const from = pointerAt(view, at) - base;
        dst.set(span.subarray(from, from + view.getUint32(at, true)), longAt[m]);
      }
      r = last;
    }
    this.rows += rows;
    this.validity.append(validity, rows);
  }

  private reserveOffsets(rows: number): void {
    const needed = this.rows + rows + 1;
    if (needed <= this.offsets.length) return;
    const next = new Int32Array(Math.max(needed, this.offsets.length * 2));
    next.set(this.offsets.subarray(0, this.rows + 1));
    this.offsets = next;
  }

  finish(): Data {
    const { nullBitmap, nullCount } = this.validity.finish();
    const out = makeArrowData(
      this.type,
      this.rows,
      nullCount,
      nullBitmap,
      this.bytes.bytes.subarray(0, this.bytes.length),
      this.offsets.subarray(0, this.rows + 1),
    );
    this.capacityHint = Math.max(this.capacityHint, this.bytes.length);
    this.bytes = new GrowableBytes(this.capacityHint);
    this.offsets = new Int32Array(Math.max(2049, this.rows + 1));
    this.rows = 0;
    return out;
  }
}

export function createAccumulator(type: DataType, physical: Physical): ColumnAccumulator {
  switch (physical.kind) {
    case 'fixed':
      return new FixedAccumulator(type, physical.byteWidth);
    case 'bool':
      return new BoolAccumulator(type);
    case 'string':
      return new StringAccumulator(type);
  }
}
