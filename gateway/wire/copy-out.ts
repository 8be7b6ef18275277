/**
 * COPY … TO STDOUT on the wire: CopyOutResponse, one CopyData per row (and
 * one for the header), CopyDone, CommandComplete "COPY n". Rows are formatted
 * by the same PostgreSQL text formatters as DataRows and written batch by
 * batch; the connection's flush waits for the socket to drain, so a slow
 * client slows the query instead of filling the gateway's memory.
 */
import type { Field } from 'apache-arrow';
import { SqlError } from '../../src/errors.ts';
import type { RowStream } from '../exec/executor.ts';
import type { CopyOptions } from '../sql/copy-statement.ts';
import { MessageWriter, encodeCommandComplete, encodeCopyDone, encodeCopyOutResponse, writeCopyData } from './backend.ts';
import { CopyRowEncoder } from './copy-format.ts';
import { makeTextFormatter, type TextFormatOptions, type TextFormatter, type TextValue } from '../../src/pg/text-format.ts';

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
    let formatters: TextFormatter[] | undefined;
    const values: TextValue[] = new Array<TextValue>(rows.columns.length);
    for await (const batch of rows.batches) {
      if (target.signal.aborted) throw target.signal.reason as Error;
      formatters ??= batch.schema.fields.map((field: Field) => makeTextFormatter(field, target.textOptions));
      const columns = batch.data.children;
      for (let row = 0; row < batch.numRows; row++) {
        for (let c = 0; c < values.length; c++) values[c] = formatters[c](columns[c], row);
        writeCopyData(writer, encoder.encode(values));
        sent++;
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
