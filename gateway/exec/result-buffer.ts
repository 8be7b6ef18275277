/**
 * The buffer between the workers' result streams and the client of a forwarded query: tasks
 * append Arrow IPC messages as they arrive, the connection reads them in order at its pace.
 */
import { SqlError } from '../../src/errors.ts';

export interface ResultBuffer extends AsyncIterable<Uint8Array> {
  /** Resolves when the buffer can take more (the producer's backpressure). */
  append(message: Uint8Array): Promise<void>;
  /** No more messages: the reader ends after the ones it has. */
  end(): void;
  /** The reader fails with `error` once it reaches the end of what was appended. */
  fail(error: unknown): void;
  /** Releases what is held; idempotent. */
  close(): Promise<void>;
}

/**
 * In memory, up to `maxBytes`: beyond that, append waits until the reader caught up, which
 * holds the workers' credits (and so their slots) while a client is slow.
 */
export class MemoryResultBuffer implements ResultBuffer {
  private readonly queue: Uint8Array[] = [];
  private bytes = 0;
  private done = false;
  private failure: unknown;
  private wakeReader: (() => void) | undefined;
  private readonly wakeWriters: (() => void)[] = [];

  constructor(private readonly maxBytes = 8 * 1024 * 1024) {}

  async append(message: Uint8Array): Promise<void> {
    if (this.done) throw this.failure ?? new SqlError('57014', 'the result was closed before its end');
    this.queue.push(message);
    this.bytes += message.byteLength;
    this.wake();
    while (this.bytes > this.maxBytes && !this.done) await new Promise<void>((resolve) => this.wakeWriters.push(resolve));
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    if (this.done && this.failure === undefined && this.queue.length === 0) return;
    this.failure ??= error;
    this.done = true;
    this.wake();
  }

  async close(): Promise<void> {
    this.queue.length = 0;
    this.bytes = 0;
    this.done = true;
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const message = this.queue.shift();
      if (message !== undefined) {
        this.bytes -= message.byteLength;
        this.releaseWriters();
        yield message;
        continue;
      }
      if (this.done) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  private wake(): void {
    const reader = this.wakeReader;
    this.wakeReader = undefined;
    reader?.();
    if (this.done) this.releaseWriters();
  }

  private releaseWriters(): void {
    if (this.bytes > this.maxBytes && !this.done) return;
    for (const writer of this.wakeWriters.splice(0)) writer();
  }
}
