/**
 * A raw PostgreSQL-protocol client for robustness tests: writes arbitrary
 * bytes on a TCP socket and decodes what the server sends back with
 * pg-protocol's own parser, so the server's output is checked by an
 * independent implementation.
 */
import net from 'node:net';
import { parse, serialize, type DatabaseError } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages';

export type { BackendMessage };

export class RawClient {
  readonly messages: BackendMessage[] = [];
  closed = false;
  /** Set when the server sent something pg-protocol cannot parse. */
  parseFailure: unknown;
  private waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.on('error', () => undefined); // ECONNRESET after a FATAL is an ordinary way to end
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    parse(socket, (message) => {
      this.messages.push(message);
      this.wake();
    }).catch((error: unknown) => {
      this.parseFailure = error;
      this.wake();
    });
  }

  static connect(port: number, timeoutMs = 5000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timed out'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Connects and completes a startup, returning once ReadyForQuery arrived. */
  static async started(port: number, params: Record<string, string> = { user: 'fuzzer', database: 'pondgate' }): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.write(serialize.startup(params));
    await client.until((m) => m.some((x) => x.name === 'readyForQuery'), 10_000, 'startup');
    client.messages.length = 0;
    return client;
  }

  write(data: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Resolves when `done(messages)` holds or the socket closed; rejects after timeoutMs. */
  async until(done: (messages: readonly BackendMessage[]) => boolean, timeoutMs: number, what: string): Promise<'done' | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.parseFailure !== undefined) throw new Error(`${what}: the server sent bytes pg-protocol cannot parse: ${String(this.parseFailure)}`);
      if (done(this.messages)) return 'done';
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: no answer and no close within ${timeoutMs} ms; got ${describe(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the server to close the connection. */
  async closedBy(timeoutMs: number, what: string): Promise<void> {
    const r = await this.until(() => false, timeoutMs, what);
    if (r !== 'closed') throw new Error(`${what}: expected a close`);
  }

  /** Waits for the n-th ReadyForQuery counted from now (or a close). */
  readyCount(): number {
    return this.messages.filter((m) => m.name === 'readyForQuery').length;
  }

  errors(): DatabaseError[] {
    return this.messages.filter((m): m is DatabaseError => m.name === 'error');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

export function describe(messages: readonly BackendMessage[]): string {
  return JSON.stringify(
    messages.map((m) => (m.name === 'error' ? `error ${(m as DatabaseError).severity} ${(m as DatabaseError).code} ${(m as DatabaseError).message}` : m.name)),
  );
}

/** One framed frontend message: type byte, int32 length (as given, or the real one), body. */
export function frame(type: number, body: Uint8Array, length = body.length + 4): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b[0] = type;
  b.writeInt32BE(length | 0, 1);
  b.set(body, 5);
  return b;
}

/** A startup-phase packet: int32 length (as given, or the real one), body. */
export function startupPacket(body: Uint8Array, length = body.length + 4): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(length | 0, 0);
  b.set(body, 4);
  return b;
}

export const cstr = (s: string | Uint8Array): Buffer => Buffer.concat([typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s), Buffer.from([0])]);
