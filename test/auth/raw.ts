/** Raw-socket PostgreSQL frontend bits for the auth tests: what no client library lets a test send. */
import net from 'node:net';

export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

export function startupPacket(params: Record<string, string>, minor = 0, major = 3): Buffer {
  const pairs = Object.entries(params).flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`, 'utf8')]);
  const body = Buffer.concat([...pairs, Buffer.from([0])]);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE((major << 16) | minor, 4);
  return Buffer.concat([header, body]);
}

export function sslRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(80877103, 4);
  return b;
}

export function cancelRequest(processId: number, secretKey: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(80877102, 4);
  b.writeInt32BE(processId, 8);
  b.writeInt32BE(secretKey, 12);
  return b;
}

/** A loopback connection that collects backend messages (after `rawPrefix` single bytes, e.g. an SSLRequest answer). */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawConnection(socket);
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  end(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitFor(bytes: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < bytes) {
      if (this.closed || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return true;
  }

  /** One raw byte (the answer to SSLRequest), or undefined if the server closed. */
  async byte(timeoutMs = 10_000): Promise<string | undefined> {
    if (!(await this.waitFor(1, timeoutMs))) return undefined;
    const b = this.buffer.subarray(0, 1).toString('latin1');
    this.buffer = this.buffer.subarray(1);
    return b;
  }

  /** Next backend message, or undefined if the server closed first. */
  async message(timeoutMs = 10_000): Promise<BackendMessage | undefined> {
    if (!(await this.waitFor(5, timeoutMs))) return undefined;
    const length = this.buffer.readInt32BE(1);
    if (!(await this.waitFor(1 + length, timeoutMs))) return undefined;
    const message = { type: this.buffer.subarray(0, 1).toString('latin1'), body: Buffer.from(this.buffer.subarray(5, 1 + length)) };
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }

  /** Messages up to and including the first of type `last` (or until the server closes). */
  async messagesUntil(last: string, timeoutMs = 10_000): Promise<BackendMessage[]> {
    const out: BackendMessage[] = [];
    for (;;) {
      const m = await this.message(timeoutMs);
      if (!m) return out;
      out.push(m);
      if (m.type === last) return out;
    }
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.closed;
  }
}

/** ErrorResponse fields by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let p = 0;
  while (p < body.length && body[p] !== 0) {
    const code = String.fromCharCode(body[p]);
    const end = body.indexOf(0, p + 1);
    fields[code] = body.subarray(p + 1, end).toString('utf8');
    p = end + 1;
  }
  return fields;
}
