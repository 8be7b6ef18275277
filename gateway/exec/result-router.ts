/**
 * One NATS subscription for every task result a gateway receives. A subscription per task
 * attempt cost a SUB and an UNSUB on the wire, and the server's bookkeeping, for every task —
 * a noticeable part of a small query's time. The gateway subscribes once to
 * `<results prefix>.<router id>.>` and hands each message to its task's channel by subject.
 */
import { randomBytes } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from 'nats';

/** The messages of one task attempt, in arrival order. */
export interface ResultChannel extends AsyncIterable<Msg> {
  /** The subject the worker publishes this task's results on. */
  readonly subject: string;
  /**
   * The next message, taken out of the stream (iteration goes on after it); undefined when none
   * came within `timeoutMs` or the channel was closed.
   */
  next(timeoutMs: number): Promise<Msg | undefined>;
  /** Ends the iteration (abort, a lost worker) and forgets the channel; later messages are dropped. */
  close(): void;
}

export class ResultRouter {
  private readonly channels = new Map<string, Channel>();
  private readonly subscription: Subscription;
  private readonly base: string;

  constructor(nc: NatsConnection, resultsPrefix: string) {
    this.base = `${resultsPrefix}.${randomBytes(6).toString('hex')}`;
    this.subscription = nc.subscribe(`${this.base}.>`, {
      callback: (error, msg) => {
        if (!error) this.channels.get(msg.subject)?.push(msg);
      },
    });
  }

  /** A channel for task attempt `key` (dot-separated tokens of safe characters). */
  open(key: string): ResultChannel {
    const subject = `${this.base}.${key}`;
    const channel = new Channel(subject, () => this.channels.delete(subject));
    this.channels.set(subject, channel);
    return channel;
  }

  close(): void {
    this.subscription.unsubscribe();
    for (const channel of [...this.channels.values()]) channel.close();
  }
}

class Channel implements ResultChannel {
  private readonly queue: Msg[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly subject: string,
    private readonly forget: () => void,
  ) {}

  push(msg: Msg): void {
    if (this.closed) return;
    this.queue.push(msg);
    this.notify();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    this.notify();
  }

  async next(timeoutMs: number): Promise<Msg | undefined> {
    const ready = this.queue.shift();
    if (ready !== undefined || this.closed) return ready;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), timedOut]);
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
    }
    return this.queue.shift();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Msg> {
    try {
      for (;;) {
        const msg = this.queue.shift();
        if (msg !== undefined) {
          yield msg;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
