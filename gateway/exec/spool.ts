/**
 * A result spool: a FIFO of byte messages (the workers' Arrow IPC messages)
 * between a producer that appends as fast as the workers send and one consumer
 * (the client connection) that reads in order at its own pace.
 *
 * Why: a slow client (a JDBC fetchSize reader, two portals read in turns) must
 * not hold the workers' task slots while it thinks. The gateway drains the
 * workers into the spool and the client reads from there.
 *
 * Messages stay in memory while the shared `MemoryBudget` allows; a message the
 * budget cannot take is appended to a temporary file (length-prefixed records)
 * and read back in its turn. The queue keeps memory messages and runs of disk
 * records in arrival order, so order holds across the boundary in both
 * directions. The file is capped (`spillLimitBytes`); exceeding it fails the
 * query (SQLSTATE 53100) rather than dropping rows. The file is emptied when the
 * reader catches up and removed when the spool is closed, fails, or is read to
 * its end.
 */
import { nextQueryId } from './query-ids.ts';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SqlError } from '../../src/errors.ts';

/** An in-memory byte budget, shared by the spools of concurrent queries. */
export class MemoryBudget {
  private usedBytes = 0;

  constructor(readonly limitBytes: number) {
    if (!(limitBytes >= 0)) throw new RangeError(`memory budget must be >= 0 bytes, got ${limitBytes}`);
  }

  get used(): number {
    return this.usedBytes;
  }

  /** Takes `bytes` if they fit; a caller that gets false must do without (spill). */
  tryReserve(bytes: number): boolean {
    if (this.usedBytes + bytes > this.limitBytes) return false;
    this.usedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
  }
}

/** Where and how much a spool may spill; the gateway's settings, handed to the executor. */
export interface SpoolSettings {
  readonly budget: MemoryBudget;
  /** Directory for spill files (the gateway's temp directory). */
  readonly directory: string;
  /** Largest spill file of one spool, bytes (record headers included). */
  readonly spillLimitBytes: number;
}

export interface SpoolStats {
  /** Bytes of messages held in memory now. */
  readonly memoryBytes: number;
  readonly peakMemoryBytes: number;
  /** Message bytes written to the spill file so far, over the spool's life. */
  readonly spilledBytes: number;
  readonly spilledMessages: number;
  /** Size of the spill file now (what the spill limit applies to). */
  readonly diskBytes: number;
  readonly messages: number;
}

/** What `append` rejects with once the consumer has closed the spool: stop producing. */
export class SpoolClosedError extends Error {
  constructor() {
    super('result spool closed');
    this.name = 'SpoolClosedError';
  }
}

const HEADER_BYTES = 4;

type Entry = { readonly kind: 'memory'; readonly message: Uint8Array } | { readonly kind: 'disk'; count: number };

export class ResultSpool implements AsyncIterable<Uint8Array> {
  /** Entries before `head` are read; their slots are cleared so the messages can be freed at once. */
  private readonly queue: (Entry | undefined)[] = [];
  private head = 0;
  private memoryBytes = 0;
  private peakMemoryBytes = 0;
  private spilledBytes = 0;
  private spilledMessages = 0;
  private messages = 0;

  private file: Promise<FileHandle> | undefined;
  private readonly filePath: string;
  /** Next record's position (assigned when appended). */
  private writeOffset = 0;
  /** Everything below this has been written. */
  private writtenOffset = 0;
  /** Next record to read. */
  private readOffset = 0;
  /** Writes (and truncations) run one after another, in offset order. */
  private writes: Promise<void> = Promise.resolve();
  private reading: Promise<unknown> | undefined;

  private ended = false;
  private error: unknown;
  private closed = false;
  private iterating = false;
  private cleanup: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly settings: SpoolSettings) {
    this.filePath = path.join(settings.directory, `spool-${nextQueryId()}.bin`);
  }

  get stats(): SpoolStats {
    return {
      memoryBytes: this.memoryBytes,
      peakMemoryBytes: this.peakMemoryBytes,
      spilledBytes: this.spilledBytes,
      spilledMessages: this.spilledMessages,
      diskBytes: this.writeOffset,
      messages: this.messages,
    };
  }

  /**
   * Adds a message at the end. Resolves at once when it stays in memory, after
   * its write when it spills. Rejects with the spool's failure once it failed
   * (the spill limit included) and with SpoolClosedError once it was closed.
   * The spool keeps `message` as it is: the caller must not reuse its buffer.
   */
  async append(message: Uint8Array): Promise<void> {
    if (this.error !== undefined) throw this.error;
    if (this.closed) throw new SpoolClosedError();
    if (this.ended) throw new Error('append after end() of a result spool');
    this.messages++;
    if (this.settings.budget.tryReserve(message.byteLength)) {
      this.queue.push({ kind: 'memory', message });
      this.memoryBytes += message.byteLength;
      this.peakMemoryBytes = Math.max(this.peakMemoryBytes, this.memoryBytes);
      this.notify();
      return;
    }
    await this.spill(message);
  }

  /** No more messages: the consumer finishes once it has read what is queued. */
  end(): void {
    if (this.ended || this.closed || this.error !== undefined) return;
    this.ended = true;
    this.notify();
  }

  /** The query failed: the consumer's next read throws `error`; queued messages are dropped. */
  fail(error: unknown): void {
    if (this.error !== undefined || this.closed) return;
    this.error = error ?? new Error('result spool failed');
    this.startCleanup();
    this.notify();
  }

  /**
   * Releases the memory and removes the spill file; idempotent. A consumer still
   * waiting for messages (the spool neither ended nor failed) gets SpoolClosedError:
   * a closed spool never looks like a complete result.
   */
  close(): Promise<void> {
    this.closed = true;
    this.startCleanup();
    this.notify();
    return this.cleanup!;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.iterating) throw new Error('a result spool has one consumer');
    this.iterating = true;
    try {
      while (true) {
        if (this.error !== undefined) throw this.error;
        const entry = this.queue[this.head];
        if (entry?.kind === 'memory') {
          this.shift();
          this.memoryBytes -= entry.message.byteLength;
          this.settings.budget.release(entry.message.byteLength);
          yield entry.message;
        } else if (entry?.kind === 'disk') {
          const message = await this.readRecord();
          if (this.error !== undefined) throw this.error;
          if (this.closed) throw new SpoolClosedError();
          if (--entry.count === 0) this.shift();
          this.truncateWhenDrained();
          yield message;
        } else if (this.closed) {
          // Closed by someone else before the end was read: not a complete result.
          throw new SpoolClosedError();
        } else if (this.ended) {
          // Read to the end: nothing more will come, so the file can go now.
          await this.close();
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } finally {
      // A consumer that stops early (break, a thrown error) is done with the spool.
      if (!this.closed) await this.close();
    }
  }

  private async spill(message: Uint8Array): Promise<void> {
    const recordBytes = HEADER_BYTES + message.byteLength;
    if (this.writeOffset + recordBytes > this.settings.spillLimitBytes) {
      const limitMb = Math.round(this.settings.spillLimitBytes / (1024 * 1024));
      const error = new SqlError(
        '53100',
        `could not write to temporary file: result spill limit of ${limitMb} MB exceeded`,
        `The client read the result slower than the workers sent it, and the part not yet read outgrew the limit.`,
        'Read the result faster (or with a larger fetch size), or raise the gateway\'s --spill-limit-mb.',
      );
      this.fail(error);
      throw error;
    }
    const position = this.writeOffset;
    this.writeOffset += recordBytes;
    // Queued before the write completes, so a later memory message cannot overtake it;
    // the reader waits for writtenOffset before reading it.
    const last = this.queue.length > this.head ? this.queue[this.queue.length - 1] : undefined;
    if (last?.kind === 'disk') last.count++;
    else this.queue.push({ kind: 'disk', count: 1 });
    this.spilledBytes += message.byteLength;
    this.spilledMessages++;
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(message.byteLength, 0);
    const file = (this.file ??= open(this.filePath, 'w+'));
    const write = this.writes.then(async () => {
      await writeFully(await file, [header, message], position);
      this.writtenOffset = position + recordBytes;
      this.notify();
    });
    this.writes = write.catch(() => undefined);
    try {
      await write;
    } catch (cause) {
      const error = new SqlError('53100', `could not write to temporary file: ${(cause as Error).message}`);
      this.fail(error);
      throw error;
    }
  }

  private async readRecord(): Promise<Uint8Array> {
    while (this.writtenOffset <= this.readOffset) {
      if (this.error !== undefined) throw this.error;
      if (this.closed) throw new SpoolClosedError();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const read = (async () => {
      const file = await this.file!;
      const header = await readFully(file, HEADER_BYTES, this.readOffset);
      const length = Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES).readUInt32LE(0);
      const message = await readFully(file, length, this.readOffset + HEADER_BYTES);
      this.readOffset += HEADER_BYTES + length;
      return message;
    })();
    this.reading = read.catch(() => undefined);
    try {
      return await read;
    } catch (cause) {
      if (this.error !== undefined) throw this.error;
      if (this.closed) throw new SpoolClosedError();
      const error = new SqlError('58030', `could not read from temporary file: ${(cause as Error).message}`);
      this.fail(error);
      throw error;
    } finally {
      this.reading = undefined;
    }
  }

  /** Once every spilled record has been read, the file starts over: it holds only what is unread. */
  private truncateWhenDrained(): void {
    if (this.readOffset !== this.writeOffset || this.writtenOffset !== this.writeOffset || !this.file) return;
    this.readOffset = this.writeOffset = this.writtenOffset = 0;
    const file = this.file;
    this.writes = this.writes.then(async () => (await file).truncate(0)).catch(() => undefined);
  }

  private shift(): void {
    // A read message must not stay reachable from here: messages are up to a MiB each, and
    // compaction below comes only every thousand messages.
    this.queue[this.head] = undefined;
    this.head++;
    // Compact now and then instead of Array.shift() per message.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private startCleanup(): void {
    if (this.cleanup) return;
    for (let i = this.head; i < this.queue.length; i++) {
      const entry = this.queue[i];
      if (entry?.kind === 'memory') this.settings.budget.release(entry.message.byteLength);
    }
    this.queue.length = 0;
    this.head = 0;
    this.memoryBytes = 0;
    const file = this.file;
    this.cleanup = (async () => {
      if (!file) return;
      // Pending writes and a read in progress finish (or fail) before the handle goes.
      await Promise.all([this.writes, this.reading]);
      await (await file.catch(() => undefined))?.close().catch(() => undefined);
      await unlink(this.filePath).catch(() => undefined);
    })();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

async function writeFully(file: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let offset = position;
  let pending = buffers.filter((b) => b.byteLength > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev(pending, offset);
    offset += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) skip -= buffer.byteLength;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function readFully(file: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`spill file ended ${length - done} bytes early`);
    done += bytesRead;
  }
  return buffer;
}
