/**
 * The gateway's own task lane: a one-task query over small data files (a
 * lookup, a dashboard tile over a dimension table) runs in a sandboxed DuckDB
 * inside the gateway, with the workers' own task runner (worker/task-runner.ts)
 * and file cache, instead of going to a worker over NATS.
 *
 * Why: such a task's DuckDB statement costs well under a millisecond, but the
 * trip around it — encoding the task, NATS both ways, the worker's message
 * handling, the acknowledgement and the result stream's bookkeeping on the
 * gateway — cost three to four times that in CPU (docs/architecture.md ›
 * Where a lookup's CPU goes). Run here, the gateway spends less CPU on the
 * task than it spent sending it away.
 *
 * What qualifies: a task of a one-task plan (the small lane), streaming its
 * rows to the gateway, reading only data files (never scratch files of other
 * stages) of at most `maxInputBytes` in all. A task runs here only when one
 * of the lane's slots is free at once; otherwise it goes to the workers as
 * before, so the lane never makes a query wait. The lane reads the same files
 * with the same SQL and DuckDB as a worker would: the rows are the same.
 */
import { stat } from 'node:fs/promises';
import type { DuckDBInstance } from '@duckdb/node-api';
import { joinPieces } from '../../src/arrow/ipc.ts';
import { decodeJson, type EndMessage, type TaskErrorMessage, type TaskMessage } from '../../src/cluster/messages.ts';
import { TopNGuard } from '../../src/duckdb/top-n-guard.ts';
import { SqlError } from '../../src/errors.ts';
import { abortError } from './interrupt.ts';
import { KeyIndex } from './key-index.ts';
import type { Logger } from '../../src/log.ts';
import { ConnectionPool } from '../../worker/connections.ts';
import { CreditGate } from '../../worker/credits.ts';
import { FileCache } from '../../worker/file-cache.ts';
import { openSandboxedDuckDB } from '../../worker/sandbox.ts';
import { Semaphore } from '../../worker/semaphore.ts';
import { resolveIn } from '../../worker/task-io.ts';
import { runTask, stopTask, type TaskEnvironment, type TaskRecord } from '../../worker/task-runner.ts';
import type { TaskEvent, TaskSpec } from './dispatcher.ts';

/** Named as the worker of the lane's tasks in EXPLAIN ANALYZE and the logs. */
export const LOCAL_LANE_WORKER_ID = 'gateway';

export interface LocalLaneOptions {
  readonly dataDir: string;
  readonly scratchDir: string;
  /** The lane's DuckDB memory_limit, MB; half of it keeps data files decoded between tasks. */
  readonly memoryMb: number;
  /** Tasks run at once; one more goes to the workers. */
  readonly slots: number;
  /** Largest total size of a task's data files (Parquet bytes) that runs here. */
  readonly maxInputBytes: number;
  /** The most bytes of one result message (as for the workers). */
  readonly maxMessageBytes: number;
  readonly log: Logger;
}

/** Data file sizes remembered; beyond this many the memory starts afresh. */
const MAX_REMEMBERED_SIZES = 10_000;

/** Result messages a task may have ahead of its reader: the lane's rows wait in DuckDB, not in memory. */
const CREDITS = 4;

interface Message {
  readonly kind: 'part' | 'batch' | 'end' | 'error';
  readonly data: Uint8Array;
}

export class LocalLane {
  private readonly slots: Semaphore;
  private readonly tasks = new Set<TaskRecord>();
  private readonly environment: TaskEnvironment;
  private closed = false;
  private readonly sizes = new Map<string, number>();

  private constructor(
    private readonly duckdb: DuckDBInstance,
    private readonly options: LocalLaneOptions,
    private readonly cache: FileCache,
    topNGuard: TopNGuard,
    /** Key lookups over the same small files, answered without a DuckDB statement (key-index.ts). */
    readonly keyIndex: KeyIndex,
  ) {
    this.slots = new Semaphore(options.slots);
    this.environment = {
      workerId: LOCAL_LANE_WORKER_ID,
      dataDir: options.dataDir,
      scratchDir: options.scratchDir,
      connections: new ConnectionPool(duckdb, options.slots),
      cache,
      topNGuard,
      log: options.log,
      stopping: () => this.closed,
    };
  }

  static async open(options: LocalLaneOptions): Promise<LocalLane> {
    // One thread: the lane's statements are small, and the gateway's other work shares the cores.
    // Three quarters of the lane's memory are its DuckDB's (half of it the file cache), a quarter the key index's.
    const bytes = options.memoryMb * 1024 * 1024;
    const duckdb = await openSandboxedDuckDB([options.dataDir, options.scratchDir], { threads: 1, memoryLimitMb: Math.max(1, Math.floor((options.memoryMb * 3) / 4)) });
    try {
      const cache = await FileCache.open(await duckdb.connect(), Math.floor(bytes / 2), options.log);
      const keyIndex = new KeyIndex(await duckdb.connect(), { budgetBytes: Math.floor(bytes / 4), maxFileBytes: options.maxInputBytes, log: options.log });
      return new LocalLane(duckdb, options, cache, new TopNGuard(await duckdb.connect()), keyIndex);
    } catch (error) {
      duckdb.closeSync();
      throw error;
    }
  }

  /**
   * Claims the task for this lane when it qualifies and a slot is free; the returned run must then
   * be iterated (to the end, or returned early), which releases the slot. Undefined: send it to a worker.
   */
  async claim(spec: TaskSpec): Promise<((signal: AbortSignal) => AsyncGenerator<TaskEvent>) | undefined> {
    if (this.closed || spec.lane !== 'small' || spec.output.kind !== 'stream') return undefined;
    if (spec.inputs.some((input) => input.root !== 'data')) return undefined;
    if (!(await this.small(spec))) return undefined;
    const release = this.slots.tryAcquire();
    if (!release) return undefined;
    return (signal) => this.run(spec, signal, release);
  }

  /** Stops the running tasks of a query (its cancel, or another task of it failed). */
  cancel(queryId: string): void {
    for (const task of this.tasks) if (task.queryId === queryId) stopTask(task);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.tasks) stopTask(task);
    while (this.tasks.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    this.environment.connections.closeAll();
    await this.keyIndex.close().catch(() => undefined);
    await this.cache.close().catch(() => undefined);
    this.duckdb.closeSync();
  }

  /** Whether the task's data files together are at most maxInputBytes (a file that cannot be read disqualifies). */
  private async small(spec: TaskSpec): Promise<boolean> {
    let total = 0;
    for (const input of spec.inputs) {
      for (const file of input.files) {
        const size = this.sizes.get(file) ?? (await this.sizeOf(file));
        if (size === undefined) return false;
        total += size;
        if (total > this.options.maxInputBytes) return false;
      }
    }
    return true;
  }

  /**
   * A data file's size, remembered: a path never gets other contents (a table write publishes new
   * files), and the files of the manifest version a query reads stay while it runs.
   */
  private async sizeOf(file: string): Promise<number | undefined> {
    const size = await stat(resolveIn({ data: this.options.dataDir, scratch: this.options.scratchDir }, 'data', file)).then(
      (s) => s.size,
      () => undefined,
    );
    if (size !== undefined) {
      if (this.sizes.size >= MAX_REMEMBERED_SIZES) this.sizes.clear();
      this.sizes.set(file, size);
    }
    return size;
  }

  private async *run(spec: TaskSpec, signal: AbortSignal, release: () => void): AsyncGenerator<TaskEvent> {
    const record: TaskRecord = { queryId: spec.queryId, credits: new CreditGate(CREDITS), cancelled: false };
    this.tasks.add(record);
    const task: TaskMessage = { ...spec, attempt: 1, resultSubject: '', initialCredits: CREDITS, maxMessageBytes: this.options.maxMessageBytes };
    const inbox = new Inbox();
    let finished = false;
    const running = runTask(this.environment, task, record, (kind, data) => inbox.push({ kind, data })).finally(() => {
      finished = true;
      inbox.close();
    });
    const abort = () => stopTask(record);
    signal.addEventListener('abort', abort, { once: true });
    if (signal.aborted) abort();
    // Pieces of a batch larger than one message, joined when its last piece (a `batch`) comes.
    let parts: Uint8Array[] = [];
    try {
      for (;;) {
        const message = await inbox.next();
        if (message === undefined) break;
        switch (message.kind) {
          case 'part':
            parts.push(message.data);
            record.credits.grant(1);
            break;
          case 'batch': {
            const data = joinPieces(parts, message.data);
            parts = [];
            yield { kind: 'batch', data };
            record.credits.grant(1);
            break;
          }
          case 'end':
            yield { kind: 'end', end: decodeJson<EndMessage>(message.data) };
            return;
          case 'error': {
            const failure = decodeJson<TaskErrorMessage>(message.data);
            throw new SqlError(failure.sqlstate, failure.message);
          }
        }
      }
      throw signal.aborted ? abortError(signal) : new SqlError('XX000', `task ${spec.queryId}.${spec.stageId}.${spec.task} in the gateway's lane ended without a result`);
    } finally {
      // A reader that stops early (a LIMIT reached, a cancel) stops the task too.
      if (!finished) stopTask(record);
      signal.removeEventListener('abort', abort);
      await running;
      this.tasks.delete(record);
      release();
    }
  }
}

/** The task's result messages in order, for one reader. */
class Inbox {
  private readonly queue: Message[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  push(message: Message): void {
    this.queue.push(message);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  async next(): Promise<Message | undefined> {
    while (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.queue.shift();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
