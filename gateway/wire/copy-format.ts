/**
 * COPY TO's row encodings, byte for byte as PostgreSQL's copyto.c writes them:
 *
 *   text  fields joined by the delimiter, NULL as the null string (\N), and in
 *         values a backslash before backslash and the delimiter, and \b \f \n
 *         \r \t \v for those control characters;
 *   csv   fields joined by the delimiter, NULL as the null string (empty), a
 *         value quoted when it contains the delimiter, the quote, CR or LF,
 *         equals the null string, is "\." alone in a one-column row, or is in
 *         FORCE_QUOTE; inside quotes the quote and escape characters are
 *         preceded by the escape character.
 *
 * Values are the text output of the DataRow formatters (string or UTF-8 bytes),
 * or the cells of DataRows the column-wise row encoder wrote (writeDataRows).
 * Every special character is ASCII, so scanning UTF-8 bytes is safe.
 */
import type { CopyOptions } from '../sql/copy-statement.ts';
import type { TextValue } from '../../src/pg/text-format.ts';
import { writeCopyData, type MessageWriter } from './backend.ts';

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const TEXT_CONTROL_ESCAPES: Readonly<Record<number, number>> = { 0x08: 0x62, 0x0c: 0x66, 0x0a: 0x6e, 0x0d: 0x72, 0x09: 0x74, 0x0b: 0x76 };
const encoder = new TextEncoder();

export class CopyRowEncoder {
  private buffer = new Uint8Array(1024);
  private length = 0;
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly nullBytes: Uint8Array;
  private readonly forceQuote: readonly boolean[];

  constructor(
    private readonly options: CopyOptions,
    private readonly columnNames: readonly string[],
  ) {
    this.delimiter = options.delimiter.charCodeAt(0);
    this.quote = options.quote.charCodeAt(0);
    this.escape = options.escape.charCodeAt(0);
    this.nullBytes = encoder.encode(options.null);
    const forced = options.forceQuote;
    this.forceQuote = columnNames.map((name) => forced === 'all' || forced.includes(name));
  }

  /** Names of forced-quote columns the result does not have (PostgreSQL rejects these). */
  unknownForceQuoteColumns(): string[] {
    const forced = this.options.forceQuote;
    return forced === 'all' ? [] : forced.filter((name) => !this.columnNames.includes(name));
  }

  /** The header line, or undefined when HEADER is off. The view is valid until the next call. */
  header(): Uint8Array | undefined {
    if (!this.options.header) return undefined;
    // PostgreSQL writes the names as values of the row, never as NULL and never force-quoted.
    return this.row(this.columnNames, false);
  }

  /** One data row including its newline. The view is valid until the next call. */
  encode(values: readonly TextValue[]): Uint8Array {
    return this.row(values, true);
  }

  /**
   * COPY lines for consecutive DataRow messages in text format (as the row
   * encoder writes them: `length` bytes of `dataRows`), each written to `out`
   * as one CopyData message; returns how many rows it wrote.
   */
  writeDataRows(dataRows: Uint8Array, length: number, out: MessageWriter): number {
    const view = new DataView(dataRows.buffer, dataRows.byteOffset, dataRows.byteLength);
    const csv = this.options.format === 'csv';
    let pos = 0;
    let rows = 0;
    while (pos < length) {
      const end = pos + 1 + view.getInt32(pos + 1);
      const columns = view.getInt16(pos + 5);
      const single = columns === 1;
      let p = pos + 7;
      this.length = 0;
      for (let i = 0; i < columns; i++) {
        if (i > 0) this.push(this.delimiter);
        const n = view.getInt32(p);
        p += 4;
        if (n < 0) {
          this.append(this.nullBytes, 0, this.nullBytes.length);
          continue;
        }
        if (csv) this.csvValue(dataRows, p, p + n, this.forceQuote[i], single);
        else this.textValue(dataRows, p, p + n);
        p += n;
      }
      this.push(NEWLINE);
      writeCopyData(out, this.buffer.subarray(0, this.length));
      pos = end;
      rows++;
    }
    return rows;
  }

  private row(values: readonly (TextValue | string)[], forceQuote: boolean): Uint8Array {
    this.length = 0;
    const csv = this.options.format === 'csv';
    const single = values.length === 1;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.push(this.delimiter);
      const value = values[i];
      if (value === null) {
        this.append(this.nullBytes, 0, this.nullBytes.length);
        continue;
      }
      const bytes = typeof value === 'string' ? encoder.encode(value) : value;
      if (csv) this.csvValue(bytes, 0, bytes.length, forceQuote && this.forceQuote[i], single);
      else this.textValue(bytes, 0, bytes.length);
    }
    this.push(NEWLINE);
    return this.buffer.subarray(0, this.length);
  }

  /** Bytes `from`..`to` of `bytes` as a text-format value. */
  private textValue(bytes: Uint8Array, from: number, to: number): void {
    const delimiter = this.delimiter;
    let start = from;
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c < 0x20) {
        const letter = TEXT_CONTROL_ESCAPES[c];
        if (letter === undefined && c !== delimiter) continue;
        this.append(bytes, start, i);
        this.push(BACKSLASH);
        this.push(letter ?? c);
        start = i + 1;
      } else if (c === BACKSLASH || c === delimiter) {
        this.append(bytes, start, i);
        this.push(BACKSLASH);
        this.push(c);
        start = i + 1;
      }
    }
    this.append(bytes, start, to);
  }

  /** Bytes `from`..`to` of `bytes` as a CSV value. */
  private csvValue(bytes: Uint8Array, from: number, to: number, forced: boolean, single: boolean): void {
    let quote = forced || equalBytes(bytes, from, to, this.nullBytes) || (single && to - from === 2 && bytes[from] === BACKSLASH && bytes[from + 1] === 0x2e);
    if (!quote) {
      for (let i = from; i < to; i++) {
        const c = bytes[i];
        if (c === this.delimiter || c === this.quote || c === NEWLINE || c === CARRIAGE_RETURN) {
          quote = true;
          break;
        }
      }
    }
    if (!quote) {
      this.append(bytes, from, to);
      return;
    }
    this.push(this.quote);
    let start = from;
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c === this.quote || c === this.escape) {
        this.append(bytes, start, i);
        this.push(this.escape);
        start = i;
      }
    }
    this.append(bytes, start, to);
    this.push(this.quote);
  }

  private push(byte: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = byte;
  }

  private append(bytes: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.length + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let at = this.length;
    // Values are short: a loop beats the native call of set() on a subarray.
    if (n < 64) for (let i = from; i < to; i++) buffer[at++] = bytes[i];
    else buffer.set(bytes.subarray(from, to), at);
    this.length += n;
  }

  private grow(extra: number): void {
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

function equalBytes(a: Uint8Array, from: number, to: number, b: Uint8Array): boolean {
  if (to - from !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[from + i] !== b[i]) return false;
  return true;
}
