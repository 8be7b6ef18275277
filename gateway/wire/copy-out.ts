/**
 * COPY … TO STDOUT on the wire: CopyOutResponse, one CopyData per row (and
 * one for the header), CopyDone, CommandComplete "COPY n". Rows are encoded
 * by the same column-wise text encoders as DataRows, a piece of a batch at a
 * time, and rewritten as COPY lines (a per-value formatter and TextEncoder
 * cost ~14 µs a row of ten columns); the connection's flush waits for the
 * socket to drain, so a slow client slows the query instead of filling the
 * gateway's memory.
 */
import { SqlError } from '../../src/errors.ts';
import type { RowStream } from '../exec/executor.ts';
import type { CopyOptions } from '../sql/copy-statement.ts';
import { MessageWriter, encodeCommandComplete, encodeCopyDone, encodeCopyOutResponse, writeCopyData } from './backend.ts';
import { CopyRowEncoder } from './copy-format.ts';
import type { TextFormatOptions } from '../../src/pg/text-format.ts';
import { makeBatchEncoder, type BatchEncoder } from './row-encoder.ts';

/** DataRows encoded at a time before they become COPY lines. */
const PIECE_BYTES = 64 * 1024;

export interface CopyOutTarget {
  readonly writer: MessageWriter;
  /** Writes what is buffered and waits for the socket to drain. */
  flush(): Promise<void>;
  /** Aborted when the statement is cancelled or times out. */
  readonly signal: AbortSignal;
  readonly textOptions: TextFormatOptions;
  /** Buffered bytes after which to flush. */
  readonly flushBytes: number;
}

/** Streams `rows` as COPY data and closes them; returns the number of rows sent. */
export async function sendCopyOut(rows: RowStream, options: CopyOptions, target: CopyOutTarget): Promise<number> {
  const { writer } = target;
  let sent = 0;
  try {
    const encoder = new CopyRowEncoder(options, rows.columns.map((c) => c.name));
    const unknown = encoder.unknownForceQuoteColumns();
    if (unknown.length > 0) throw new SqlError('42703', `FORCE_QUOTE column "${unknown[0]}" not referenced by COPY`);
    // Text and CSV are both "textual" COPY: overall format 0, every column 0.
    writer.bytes(encodeCopyOutResponse(0, rows.columns.map(() => 0)));
    const header = encoder.header();
    if (header) writeCopyData(writer, header);
    // Values are encoded column-wise as text DataRows (the same bytes as a SELECT's), then turned into COPY lines.
    let rowEncoder: BatchEncoder | undefined;
    const scratch = new MessageWriter(PIECE_BYTES * 2);
    for await (const batch of rows.batches) {
      if (target.signal.aborted) throw target.signal.reason as Error;
      rowEncoder ??= makeBatchEncoder(batch.schema.fields, batch.schema.fields.map(() => 0), target.textOptions);
      for (let row = 0; row < batch.numRows; ) {
        row = rowEncoder.encode(scratch, batch, row, batch.numRows, PIECE_BYTES);
        sent += encoder.writeDataRows(scratch.reserve(0), scratch.length, writer);
        scratch.reset();
        if (writer.length >= target.flushBytes) await target.flush();
      }
    }
    if (target.signal.aborted) throw target.signal.reason as Error;
    writer.bytes(encodeCopyDone());
    writer.bytes(encodeCommandComplete(`COPY ${sent}`));
    return sent;
  } finally {
    await rows.close();
  }
}
