/**
 * A stateless DuckDB worker. It takes tasks from its cluster's queue group,
 * runs each fragment over one partition's Parquet files in a sandboxed DuckDB,
 * and streams the result back as Arrow IPC messages under credit-based flow
 * control. Any worker can run any task; it keeps nothing between tasks.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  decodeJson,
  encodeJson,
  resultHeaders,
  type AckMessage,
  type CancelMessage,
  type CreditMessage,
  type HeartbeatMessage,
  type TaskMessage,
} from '../src/cluster/messages.ts';
import { clusterSubjects, workerToken, type ClusterSubjects } from '../src/cluster/subjects.ts';
import type { DuckDBResources } from '../src/duckdb/resources.ts';
import type { Logger } from '../src/log.ts';
import { ConnectionPool } from './connections.ts';
import { FileCache } from './file-cache.ts';
import { CreditGate } from './credits.ts';
import { openSandboxedDuckDB } from './sandbox.ts';
import { Semaphore } from './semaphore.ts';
import { TopNGuard } from '../src/duckdb/top-n-guard.ts';
import { BatchFileWriter } from './batch-files.ts';
import { cancelApplies, runTask, stopTask, type TaskEnvironment, type TaskRecord } from './task-runner.ts';

export const PONDGATE_VERSION = '0.1.0';
const HEARTBEAT_INTERVAL_MS = 2000;
/**
 * How long a task's acknowledgement may wait to travel with its first result message: a small
 * task's ack, results and end then leave in one socket write. A longer task is acknowledged
 * after this long, well within the gateway's wait for it.
 */
const ACK_DELAY_MS = 20;
/**
 * Tests only, off unless set: each task waits this long before it starts, or after its rows
 * before it reports its end, so that a test can stop the worker in the middle of a task
 * (test/cluster/task-retry.test.ts).
 */
const TEST_DELAYS = {
  startMs: Number(process.env.PONDGATE_TEST_TASK_START_DELAY_MS ?? 0),
  endMs: Number(process.env.PONDGATE_TEST_TASK_END_DELAY_MS ?? 0),
};

export interface WorkerOptions {
  readonly dataDir: string;
  /** Shared scratch directory for exchanges between stages. */
  readonly scratchDir: string;
  readonly cluster: string;
  readonly slots: number;
  readonly resources: DuckDBResources;
  readonly log: Logger;
  readonly workerId?: string;
  /** Memory for data files kept decoded between tasks (file-cache.ts); 0 turns the cache off. */
  readonly cacheBytes?: number;
}

export class Worker {
  readonly id: string;
  private readonly subjects: ClusterSubjects;
  private readonly slots: Semaphore;
  /** One more task at a time, for one-task queries only (see accept). */
  private readonly smallSlot: Semaphore;
  /** Accepted tasks, queued or running: a cancel must reach both. */
  private readonly accepted = new Set<TaskRecord>();
  private readonly running = new Set<TaskRecord>();
  private readonly subscriptions: Subscription[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private readonly connections: ConnectionPool;
  /** Credits for every task come on one subscription (`<credits prefix>.<worker token>.>`), routed by subject. */
  private readonly creditGates = new Map<string, CreditGate>();
  private readonly creditsBase: string;
  /** Set by stop(): the tasks it interrupts fail as the worker's fault, so the gateway runs them elsewhere. */
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Kept until stop() has let its tasks report: until then the worker is not gone. */
  private probe: Subscription | undefined;
  private readonly environment: TaskEnvironment;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly duckdb: DuckDBInstance,
    private readonly options: WorkerOptions,
    private readonly cache: FileCache | undefined,
    topNGuard: TopNGuard,
  ) {
    this.id = options.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.subjects = clusterSubjects(options.cluster);
    this.slots = new Semaphore(options.slots);
    this.smallSlot = new Semaphore(1);
    this.connections = new ConnectionPool(duckdb, options.slots);
    this.creditsBase = `${this.subjects.creditsPrefix}.${workerToken(this.id)}`;
    this.environment = {
      workerId: this.id,
      dataDir: options.dataDir,
      scratchDir: options.scratchDir,
      connections: this.connections,
      cache,
      topNGuard,
      log: options.log,
      stopping: () => this.stopping,
      testDelays: TEST_DELAYS,
    };
  }

  static async start(nc: NatsConnection, options: WorkerOptions): Promise<Worker> {
    const duckdb = await openSandboxedDuckDB([options.dataDir, options.scratchDir], options.resources);
    const cacheBytes = options.cacheBytes ?? 0;
    const cache = cacheBytes > 0 ? await FileCache.open(await duckdb.connect(), cacheBytes, options.log) : undefined;
    const worker = new Worker(nc, duckdb, options, cache, new TopNGuard(await duckdb.connect()));
    worker.listen();
    await nc.flush();
    return worker;
  }

  private listen(): void {
    const tasks = this.nc.subscribe(this.subjects.task, {
      queue: this.subjects.workerQueue,
      callback: (error, msg) => {
        if (error) return this.options.log.error({ err: error }, 'task subscription failed');
        this.track(this.accept(msg));
      },
    });
    const cancels = this.nc.subscribe(this.subjects.cancel, {
      callback: (error, msg) => {
        if (!error) this.cancel(decodeJson<CancelMessage>(msg.data));
      },
    });
    const pings = this.nc.subscribe(this.subjects.ping, { callback: () => this.heartbeat() });
    const credits = this.nc.subscribe(`${this.creditsBase}.>`, {
      callback: (error, msg) => {
        if (!error) this.creditGates.get(msg.subject)?.grant(decodeJson<CreditMessage>(msg.data).credits);
      },
    });
    // Tasks the gateway placed on this worker (where it saw free slots).
    const direct = this.nc.subscribe(this.subjects.taskFor(this.id), {
      callback: (error, msg) => {
        if (error) return this.options.log.error({ err: error }, 'task subscription failed');
        this.track(this.accept(msg));
      },
    });
    // Answered while this process is connected: gateways ask when a task of theirs has gone quiet.
    this.probe = this.nc.subscribe(this.subjects.probeFor(this.id), { callback: (error, msg) => !error && msg.respond() });
    this.subscriptions.push(tasks, cancels, pings, direct, credits);
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
  }

  private heartbeat(): void {
    const message: HeartbeatMessage = {
      workerId: this.id,
      slots: this.options.slots,
      running: this.running.size,
      version: PONDGATE_VERSION,
      startedAt: this.startedAt,
      intervalMs: HEARTBEAT_INTERVAL_MS,
      answersProbes: true,
    };
    this.nc.publish(this.subjects.heartbeat, encodeJson(message));
  }

  private async accept(msg: Msg): Promise<void> {
    let task: TaskMessage;
    try {
      task = decodeJson<TaskMessage>(msg.data);
    } catch (error) {
      this.options.log.warn({ err: error }, 'dropped a malformed task message');
      return;
    }
    const credits = new CreditGate(task.initialCredits);
    // Registered before any await, so a cancel that arrives from now on finds it.
    const record: TaskRecord = { queryId: task.queryId, resultSubject: task.resultSubject, credits, cancelled: false };
    this.accepted.add(record);
    // Registered before the ack: credits the gateway sends once it has the ack find their gate.
    const creditSubject = `${this.creditsBase}.${randomUUID().slice(0, 12)}`;
    this.creditGates.set(creditSubject, credits);
    const ack: AckMessage = { workerId: this.id, creditSubject };
    let acknowledged = false;
    const acknowledge = () => {
      if (acknowledged) return;
      acknowledged = true;
      clearTimeout(ackTimer);
      msg.respond(encodeJson(ack));
    };
    const ackTimer = setTimeout(acknowledge, ACK_DELAY_MS);
    // A one-task query (a lookup, a dashboard tile) must not wait behind a big query's tasks:
    // it takes a free slot, else the small-task slot, else waits for whichever frees first.
    const release = task.lane === 'small' ? (this.slots.tryAcquire() ?? (await this.smallSlot.acquire())) : await this.slots.acquire();
    try {
      await this.run(task, record, acknowledge);
    } finally {
      // Every offer is answered, even by a task that ended without a message of its own.
      acknowledge();
      release();
      this.accepted.delete(record);
      credits.close();
      this.creditGates.delete(creditSubject);
    }
  }

  private async run(task: TaskMessage, record: TaskRecord, acknowledge: () => void): Promise<void> {
    let sequence = 0;
    let files = BatchFileWriter.forTask(this.environment.scratchDir, task);
    // A batch sent in pieces ends with a `batch` message that the gateway joins to them: never a file.
    let afterPart = false;
    this.running.add(record);
    try {
      // The acknowledgement goes first, in the same write as the first result when it is still due.
      await runTask(this.environment, task, record, (kind, data) => {
        acknowledge();
        const seq = sequence++;
        const asFile = files !== undefined && kind === 'batch' && !afterPart && files.wants(data);
        afterPart = kind === 'part';
        if (asFile) {
          try {
            this.nc.publish(task.resultSubject, encodeJson(files!.write(data, seq)), { headers: resultHeaders('file', seq) });
            return;
          } catch (error) {
            // A scratch directory that cannot take the file (full, read-only): the batches go through NATS.
            this.options.log.warn({ err: error, queryId: task.queryId }, 'could not write a result batch file; sending the results through NATS');
            files = undefined;
          }
        }
        this.nc.publish(task.resultSubject, data, { headers: resultHeaders(kind, seq) });
      });
    } finally {
      this.running.delete(record);
    }
  }

  private cancel(message: CancelMessage): void {
    for (const task of this.accepted) if (cancelApplies(task, message)) stopTask(task);
  }

  /** Keeps a task's promise until it settles, so that stop() can let interrupted tasks report. */
  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const task of this.accepted) stopTask(task);
    // Interrupted tasks tell their gateway that the worker stopped (it runs them elsewhere at
    // once instead of after missed heartbeats); DuckDB notices an interrupt within a vector.
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.probe?.unsubscribe();
    this.connections.closeAll();
    await this.cache?.close().catch(() => undefined);
    this.duckdb.closeSync();
  }
}
