/**
 * Sends tasks to the workers and receives their result streams.
 *
 * A task is offered on NATS with its result subject as the reply subject: the
 * worker that takes it acknowledges there (with its first result when that is
 * ready soon), so "no worker is listening" is known immediately (NATS reports
 * no responders) and a lost task is retried on another worker. After the ack,
 * the worker streams Arrow IPC batches on the task's result subject (large ones
 * as files of the shared scratch directory, announced there: BatchFiles); each
 * consumed batch returns one credit to the worker. A small one-task query's
 * task runs in the gateway's own lane instead when it has a free slot
 * (local-lane.ts), with the same messages.
 *
 * A task whose worker fails it through no fault of the query (the worker died
 * or is shutting down, a result message was lost: task-faults.ts) runs again as
 * a new attempt on another live worker, up to `maxAttempts` attempts in all,
 * if its caller can take back what the failed attempt delivered (TaskAttempts).
 * Each attempt has its own result subject and scratch directory, so a late
 * message or file of a superseded attempt is never read.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { joinPieces } from '../../src/arrow/ipc.ts';
import {
  decodeJson,
  encodeJson,
  readResultHeaders,
  type AckMessage,
  type CancelMessage,
  type CreditMessage,
  type EndMessage,
  type FileBatchMessage,
  type TaskErrorMessage,
  type TaskInput,
  type TaskMessage,
  type TaskOutput,
} from '../../src/cluster/messages.ts';
import type { ClusterSubjects } from '../../src/cluster/subjects.ts';
import { SqlError } from '../../src/errors.ts';
import { abortError } from './interrupt.ts';
import type { Logger } from '../../src/log.ts';
import type { LocalLane } from './local-lane.ts';
import type { WorkerRegistry } from './workers.ts';
import { ResultRouter, type ResultChannel } from './result-router.ts';
import { isWorkerFault, unrecoverable, WorkerFaultError } from './task-faults.ts';

export interface TaskSpec {
  readonly queryId: string;
  readonly stageId: number;
  readonly task: number;
  readonly sql: string;
  readonly inputs: readonly TaskInput[];
  readonly output: TaskOutput;
  readonly timeZone: string;
  readonly deadline: number;
  readonly lane?: 'small';
  readonly withoutTopN?: boolean;
}

export interface DispatcherOptions {
  readonly initialCredits: number;
  readonly maxMessageBytes: number;
  /** How long a worker may take to acknowledge a task before it is offered again. */
  readonly ackTimeoutMs: number;
  /** Attempts of one task in all: offers not acknowledged in time and re-runs after a worker fault (--task-attempts). */
  readonly maxAttempts: number;
}

/** A task that sent nothing for this long has its worker probed (and the heartbeats checked). */
const QUIET_BEFORE_PROBE_MS = 1000;
const DISCONNECTED = 'its connection to NATS closed';

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  initialCredits: 4,
  maxMessageBytes: 1024 * 1024 - 16 * 1024,
  ackTimeoutMs: 10_000,
  maxAttempts: 3,
};

/** Where a task's SQL goes when it is too large for a NATS message (the shared scratch directory). */
export interface TaskSqlStore {
  /** Stores `sql` under `name` (dot-separated safe tokens); returns the scratch-relative path workers read. */
  putTaskSql(name: string, sql: string): Promise<string>;
  removeTaskSql(relative: string): Promise<void>;
}

/** Where result batches that workers send as files are read (the gateway's scratch space). */
export interface BatchFileStore {
  /** A task of the query goes to a worker that may write batch files: its directory must be removed at the end. */
  expectBatchFiles(queryId: string): void;
  /** The batch's bytes; the file is removed. */
  readBatchFile(message: FileBatchMessage): Promise<Uint8Array>;
}

/** One message of a task's result stream, in order. */
export type TaskEvent =
  /** `viaFile`: the batch came as a file of the scratch directory (BatchFiles). */
  | { readonly kind: 'batch'; readonly data: Uint8Array; readonly viaFile?: boolean }
  | { readonly kind: 'end'; readonly end: EndMessage };

/** What the caller of `run` decides and learns about a task's attempts. */
export interface TaskAttempts {
  /**
   * The current attempt failed through its worker's fault and may run again: take back the
   * batches it yielded and resolve true, or resolve false when they cannot be taken back (they
   * may have reached a client), and the task fails instead.
   */
  discardFailedAttempt(): Promise<boolean>;
  /** The task is offered again as `attempt` (for logs and EXPLAIN ANALYZE). */
  retrying(attempt: number): void;
}

/** A caller that cannot take back a failed attempt's batches: only unacknowledged offers are repeated. */
const NO_RERUN: TaskAttempts = { discardFailedAttempt: async () => false, retrying: () => undefined };

export class TaskDispatcher {
  private readonly results: ResultRouter;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: ClusterSubjects,
    private readonly log: Logger,
    private readonly options: DispatcherOptions = DEFAULT_DISPATCHER_OPTIONS,
    private readonly workers?: WorkerRegistry,
    private readonly largeSql?: TaskSqlStore,
    /** The gateway's own lane: small one-task queries run there when it has a free slot. */
    private readonly local?: LocalLane,
    /** Without it, tasks are told to send every batch through NATS. */
    private readonly batchFiles?: BatchFileStore,
  ) {
    this.results = new ResultRouter(nc, subjects.resultsPrefix);
  }

  /** Stops receiving results (the gateway is shutting down). */
  close(): void {
    this.results.close();
  }

  /**
   * Runs one task and yields its result messages. The caller must finish
   * processing each batch before asking for the next: that is when the credit
   * goes back to the worker.
   */
  async *run(spec: TaskSpec, signal: AbortSignal, attempts: TaskAttempts = NO_RERUN): AsyncGenerator<TaskEvent> {
    const here = await this.local?.claim(spec);
    if (here) {
      yield* here(signal);
      return;
    }
    // Batch files are for workers: the local lane hands its batches over in memory.
    if (spec.output.kind === 'stream' && spec.output.batchFiles !== undefined) {
      if (this.batchFiles) this.batchFiles.expectBatchFiles(spec.queryId);
      else spec = { ...spec, output: { ...spec.output, batchFiles: undefined } };
    }
    // Workers this task was lost on: a re-run goes elsewhere.
    const lostOn = new Set<string>();
    let fault: WorkerFaultError | undefined;
    for (let attempt = 1; ; attempt++) {
      const key = `${spec.queryId}.${spec.stageId}.${spec.task}.${attempt}.${randomUUID().slice(0, 8)}`;
      const channel = this.results.open(key);
      let sqlFile: string | undefined;
      try {
        const task: TaskMessage = {
          ...spec,
          attempt,
          resultSubject: channel.subject,
          initialCredits: this.options.initialCredits,
          maxMessageBytes: this.options.maxMessageBytes,
        };
        let body = encodeJson(task);
        if (body.byteLength > this.options.maxMessageBytes) {
          if (!this.largeSql) throw new SqlError('54000', `the task's SQL (${spec.sql.length} characters) is too large for a NATS message of ${this.options.maxMessageBytes} bytes`);
          sqlFile = await this.largeSql.putTaskSql(key, spec.sql);
          body = encodeJson({ ...task, sql: '', sqlFile } satisfies TaskMessage);
        }
        const ack = await this.submit(body, channel, signal, lostOn, fault);
        if (ack === 'timeout') {
          if (attempt >= this.options.maxAttempts) {
            throw new SqlError('58000', `no worker accepted task ${key} after ${attempt} attempts`);
          }
          this.log.warn({ task: key }, 'task not acknowledged in time; offering it again');
          attempts.retrying(attempt + 1);
          continue;
        }
        const release = this.workers?.place(ack.workerId);
        try {
          yield* this.receive(channel, ack.creditSubject, signal, ack.workerId, key);
          return;
        } catch (error) {
          if (!isWorkerFault(error) || signal.aborted) throw error;
          if (error.workerGone) lostOn.add(error.workerId);
          // A worker still alive may still run the abandoned attempt, holding a slot while it waits
          // for credits that will never come: stop that attempt (not the query's other tasks).
          else this.nc.publish(this.subjects.cancel, encodeJson({ queryId: spec.queryId, resultSubject: channel.subject } satisfies CancelMessage));
          fault = error;
          await this.mayRunAgain(error, attempt, lostOn, attempts);
          this.log.warn({ task: key, workerId: error.workerId, attempt, err: error.message }, 'task lost through its worker; running it again on another worker');
          attempts.retrying(attempt + 1);
        } finally {
          release?.();
        }
      } finally {
        channel.close();
        if (sqlFile !== undefined) await this.largeSql!.removeTaskSql(sqlFile);
      }
    }
  }

  /** Resolves when a task whose attempt failed through its worker may run again; otherwise throws the query's error. */
  private async mayRunAgain(fault: WorkerFaultError, attempt: number, lostOn: ReadonlySet<string>, attempts: TaskAttempts): Promise<void> {
    if (attempt >= this.options.maxAttempts) {
      throw unrecoverable(fault, `the task failed ${attempt} time${attempt === 1 ? '' : 's'}, as many as its attempts allow (--task-attempts ${this.options.maxAttempts})`);
    }
    if (this.workers && this.workers.liveWorkers(lostOn) === 0) throw unrecoverable(fault, 'no other live worker is left to run the task again');
    if (!(await attempts.discardFailedAttempt())) {
      throw unrecoverable(fault, 'rows of the result had already been sent to the client, so the task could not be run again without losing or repeating rows');
    }
  }

  /**
   * Offers a task to the live worker with the most free slots (NATS queue groups pick at random,
   * which leaves one worker with a queue and the other idle); to the queue group when no worker
   * is known or the chosen one has gone.
   *
   * The offer's reply subject is the task's own result subject: the worker's acknowledgement
   * arrives there, ahead of the results, and a worker sends it together with the first result (one
   * socket write and one message less for a small task) or after a few milliseconds when the
   * result takes longer. NATS answers an offer nobody subscribes to with a "no responders" status
   * message on the same subject.
   */
  private async submit(
    task: Uint8Array,
    channel: ResultChannel,
    signal: AbortSignal,
    avoid: ReadonlySet<string>,
    fault: WorkerFaultError | undefined,
  ): Promise<AckMessage | 'timeout'> {
    if (signal.aborted) throw abortError(signal);
    const target = this.workers?.pickWorker(avoid);
    if (target !== undefined) {
      // Counted at once: tasks submitted together must not all see the same free slots.
      const release = this.workers!.place(target);
      try {
        const reply = await this.offer(this.subjects.taskFor(target), task, channel, signal);
        if (reply !== 'no responders') return reply;
        // That worker is gone: any worker will do.
      } finally {
        release();
      }
    }
    const reply = await this.offer(this.subjects.task, task, channel, signal);
    if (reply !== 'no responders') return reply;
    // A re-run that finds no worker left fails with what lost the task.
    if (fault) throw unrecoverable(fault, 'no other worker is connected to run the task again');
    throw new SqlError(
      '57P03',
      'no pondgate worker is connected to this cluster',
      `tasks are published on ${this.subjects.task}`,
      'start workers with: pondgate worker --data DIR --nats URL',
    );
  }

  /** Publishes the offer and waits for the worker's acknowledgement on the task's result subject. */
  private async offer(subject: string, task: Uint8Array, channel: ResultChannel, signal: AbortSignal): Promise<AckMessage | 'timeout' | 'no responders'> {
    this.nc.publish(subject, task, { reply: channel.subject });
    const abort = () => channel.close();
    signal.addEventListener('abort', abort, { once: true });
    try {
      const msg = await channel.next(this.options.ackTimeoutMs);
      if (signal.aborted) throw abortError(signal);
      if (msg === undefined) return 'timeout';
      if (msg.data.length === 0 && msg.headers?.code === 503) return 'no responders';
      // The acknowledgement is a plain reply; a result message first would break the protocol.
      if (readResultHeaders(msg.headers) !== undefined) {
        throw new SqlError('XX000', `worker sent results of task ${channel.subject} before accepting it`);
      }
      return decodeJson<AckMessage>(msg.data);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private async *receive(subscription: ResultChannel, creditSubject: string, signal: AbortSignal, workerId: string, key: string): AsyncGenerator<TaskEvent> {
    // Aborted while the task was being submitted: the listener below would never fire.
    if (signal.aborted) throw abortError(signal);
    const abort = () => subscription.close();
    signal.addEventListener('abort', abort, { once: true });
    // A worker that stops sending heartbeats while it holds the task has died (or is cut off); one
    // whose process died is found sooner: while the task is quiet, a probe asks NATS whether the
    // worker is still connected (WorkerRegistry.probe).
    let lost: WorkerFaultError | undefined;
    let lastHeard = Date.now();
    let probing = false;
    let done = false;
    const workers = this.workers;
    const loseWorker = (why: string) => {
      if (lost || done) return;
      lost = new WorkerFaultError('58000', `worker ${workerId} stopped responding (${why}) while running task ${key}`, workerId, true, 'the query was stopped; run it again (the task will go to a live worker)');
      subscription.close();
    };
    const watch = workers
      ? setInterval(() => {
          if (!workers.isAlive(workerId)) {
            return loseWorker(workers.disconnected(workerId) ? DISCONNECTED : `no heartbeat for ${workers.silentFor(workerId).toFixed(0)} s`);
          }
          if (probing || Date.now() - lastHeard < QUIET_BEFORE_PROBE_MS) return;
          probing = true;
          void workers.probe(workerId).then((found) => {
            probing = false;
            if (found === 'gone') loseWorker(DISCONNECTED);
          });
        }, QUIET_BEFORE_PROBE_MS)
      : undefined;
    let expected = 0;
    let consumed = 0;
    const creditBatch = Math.max(1, Math.floor(this.options.initialCredits / 2));
    // Pieces of a batch larger than a NATS message, joined when its last piece (a `batch`) comes.
    let parts: Uint8Array[] = [];
    const consume = () => {
      // Credits go back in halves of the window: a result of one or two batches (most small
      // queries) needs no credit message at all.
      if (++consumed >= creditBatch) {
        this.nc.publish(creditSubject, encodeJson({ credits: consumed } satisfies CreditMessage));
        consumed = 0;
      }
    };
    try {
      for await (const msg of subscription) {
        lastHeard = Date.now();
        const header = readResultHeaders(msg.headers);
        if (!header) continue;
        if (header.sequence !== expected) {
          // A message lost on the way (NATS delivers at most once): the worker is fine, the attempt is not.
          throw new WorkerFaultError('XX000', `result stream of task ${key} out of order: expected message ${expected}, got ${header.sequence}`, workerId, false);
        }
        expected++;
        switch (header.kind) {
          case 'part':
            parts.push(msg.data);
            consume();
            break;
          case 'batch': {
            const data = joinPieces(parts, msg.data);
            parts = [];
            yield { kind: 'batch', data };
            consume();
            break;
          }
          case 'file': {
            if (parts.length > 0) throw new WorkerFaultError('XX000', `result stream of task ${key} announced a batch file inside a batch sent in pieces`, workerId, false);
            yield { kind: 'batch', data: await this.readBatchFile(decodeJson<FileBatchMessage>(msg.data), workerId, key), viaFile: true };
            consume();
            break;
          }
          case 'end':
            if (parts.length > 0) throw new WorkerFaultError('XX000', `result stream of task ${key} ended inside a batch sent in pieces`, workerId, false);
            yield { kind: 'end', end: decodeJson<EndMessage>(msg.data) };
            return;
          case 'error': {
            const failure = decodeJson<TaskErrorMessage>(msg.data);
            if (failure.workerFault === true) throw new WorkerFaultError(failure.sqlstate, failure.message, workerId, true);
            throw new SqlError(failure.sqlstate, failure.message);
          }
          case 'ack':
            break;
        }
      }
      if (lost) throw lost;
      throw abortError(signal);
    } finally {
      done = true;
      clearInterval(watch);
      signal.removeEventListener('abort', abort);
    }
  }

  private async readBatchFile(message: FileBatchMessage, workerId: string, key: string): Promise<Uint8Array> {
    if (!this.batchFiles) throw new SqlError('XX000', `worker ${workerId} sent a batch file for task ${key}, which asked for none`);
    try {
      return await this.batchFiles.readBatchFile(message);
    } catch (error) {
      // Most likely a scratch directory that this gateway and the worker do not share: a setup
      // error that another attempt would meet again, so the query fails at once (and its tasks stop).
      throw new SqlError('58030', `could not read result batch file ${message.file} of task ${key} from worker ${workerId}: ${(error as Error).message}`, undefined, 'the gateway and the workers must share one scratch directory (--scratch)');
    }
  }

  /** Tells every worker to stop the tasks of a query. */
  cancel(queryId: string): void {
    this.local?.cancel(queryId);
    this.nc.publish(this.subjects.cancel, encodeJson({ queryId } satisfies CancelMessage));
  }
}
