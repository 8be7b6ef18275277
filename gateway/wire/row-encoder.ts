/**
 * DataRow messages for a run of rows of an Arrow RecordBatch, written column
 * encoder by column encoder straight into the connection's MessageWriter.
 *
 * Encoders are chosen once per result (by type and format) and bound once per
 * batch; rows go in runs of up to RUN_ROWS, for which one capacity
 * reservation covers every message, so the inner loop does no type dispatch,
 * bounds checks or allocation. The bytes are those of the per-value
 * formatters in src/pg/text-format.ts and binary-format.ts (tested against them).
 */
import type { Data, Field, RecordBatch } from 'apache-arrow';
import { makeColumnEncoder, type ChunkColumn, type ColumnEncoder, type ColumnFormat } from '../../src/pg/column-encoder.ts';
import { be32 } from '../../src/pg/ascii.ts';
import type { TextFormatOptions } from '../../src/pg/text-format.ts';
import { BackendCode, type MessageWriter } from './backend.ts';

// Small enough that a run's reservation stays modest for wide rows, large
// enough to amortise the per-run bookkeeping.
const RUN_ROWS = 256;

export interface BatchEncoder {
  /**
   * Appends DataRows for rows `from`..`to` (exclusive) of `batch`, stopping
   * early once the writer holds `stopBytes` or more (after at least one row).
   * Returns the row after the last one written.
   */
  encode(w: MessageWriter, batch: RecordBatch, from: number, to: number, stopBytes: number): number;
}

/**
 * `formats[i]` is the result format of column i (0 text, 1 binary). Throws
 * what the per-value formatters throw for a column they cannot encode.
 */
export function makeBatchEncoder(fields: readonly Field[], formats: readonly ColumnFormat[], options: TextFormatOptions): BatchEncoder {
  const encoders: ColumnEncoder[] = fields.map((field, i) => makeColumnEncoder(field, formats[i] ?? 0, options));
  const n = encoders.length;
  let bound: RecordBatch | undefined;
  let columns: ChunkColumn[] = [];
  /** Writes rows [row, end) as DataRows; nothing is kept if a value throws. */
  const writeRun = (w: MessageWriter, row: number, end: number): void => {
    // 'D', int32 length, int16 column count per row; the columns say the rest.
    let need = 7 * (end - row);
    for (let c = 0; c < n; c++) need += columns[c].prepare(row, end);
    const buf = w.reserve(need);
    let pos = w.length;
    const limit = pos + need;
    for (let r = row; r < end; r++) {
      const start = pos;
      buf[pos] = BackendCode.DataRow;
      buf[pos + 5] = n >> 8;
      buf[pos + 6] = n & 0xff;
      pos += 7;
      for (let c = 0; c < n; c++) {
        const col = columns[c];
        const valid = col.validity;
        if (valid !== null) {
          const bit = col.validityOffset + r;
          if ((valid[bit >> 3] & (1 << (bit & 7))) === 0) {
            be32(buf, pos, -1);
            pos += 4;
            continue;
          }
        }
        pos = col.write(buf, pos, r);
      }
      be32(buf, start + 1, pos - start - 1);
    }
    // Typed arrays drop writes past their end silently: a column writing more
    // than it promised must fail loudly, not send a truncated row.
    if (pos > limit) throw new Error(`row encoder overran its reservation (${pos - limit} bytes)`);
    w.advance(pos);
  };
  return {
    encode(w, batch, from, to, stopBytes) {
      if (batch !== bound) {
        const children: readonly Data[] = batch.data.children;
        columns = encoders.map((e, i) => e.bind(children[i]));
        bound = batch;
      }
      let row = from;
      while (row < to) {
        const end = Math.min(to, row + RUN_ROWS);
        try {
          writeRun(w, row, end);
        } catch (error) {
          // A value that cannot be encoded (e.g. a ragged list in binary):
          // send the rows before it, one by one, as the per-row path did, then fail.
          for (let r = row; r < end; r++) writeRun(w, r, r + 1);
          throw error;
        }
        row = end;
        if (w.length >= stopBytes) break;
      }
      return row;
    },
  };
}
