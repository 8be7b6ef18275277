/**
 * The part of every value formatter that does not depend on the format:
 * NULLs from the Arrow validity bitmap, and finding the chunk of a
 * multi-chunk Vector that holds a row. Formats supply only the value coder.
 */
import { Data, Vector } from 'apache-arrow';

/** Formats the non-null value at `row` of one Arrow Data chunk. */
export type ValueCoder<T> = (data: Data, row: number) => T;

/** A column formatter over a Data chunk or a whole Vector; null for SQL NULL. */
export type CellReader<T> = (column: Data | Vector, row: number) => T | null;

export function cellReader<T>(coder: ValueCoder<T>): CellReader<T> {
  const inner = (data: Data, row: number): T | null => {
    if (data.nullCount > 0) {
      const bitmap = data.nullBitmap;
      const pos = data.offset + row;
      if (bitmap !== undefined && bitmap.length > 0 && (bitmap[pos >> 3] & (1 << (pos & 7))) === 0) return null;
    }
    return coder(data, row);
  };
  return (column, row) => {
    if (!(column instanceof Vector)) return inner(column, row);
    const chunks = column.data;
    if (chunks.length === 1) return inner(chunks[0], row);
    let r = row;
    for (const d of chunks) {
      if (r < d.length) return inner(d, r);
      r -= d.length;
    }
    return null;
  };
}

/** The unscaled integer of an Arrow Decimal cell: `bitWidth / 32` little-endian 32-bit words, two's complement. */
export function decimalUnscaled(data: Data, row: number, bitWidth: number): bigint {
  const words = bitWidth / 32;
  const v = data.values as Uint32Array;
  let x = 0n;
  for (let i = words - 1; i >= 0; i--) x = (x << 32n) | BigInt(v[row * words + i]);
  return BigInt.asIntN(bitWidth, x);
}
