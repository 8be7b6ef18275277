/**
 * A stateless DuckDB worker. It takes tasks from its cluster's queue group,
 * runs each fragment over one partition's Parquet files in a sandboxed DuckDB,
 * and streams the result back as Arrow IPC messages under credit-based flow
 * control. Any worker can run any task; it keeps nothing between tasks.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { DuckDBConnection, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { encodeBatch, pieces } from '../src/arrow/ipc.ts';
import { columnsOf, resultBatches } from '../src/arrow/read-result.ts';
import { transportSql } from '../src/arrow/transport-sql.ts';
import {
  BUCKET_COLUMN,
  decodeJson,
  encodeJson,
  resultHeaders,
  type AckMessage,
  type CancelMessage,
  type CreditMessage,
  type EndMessage,
  type HeartbeatMessage,
  type InputColumn,
  type TaskErrorMessage,
  type TaskInput,
  type TaskMessage,
  type WrittenFile,
} from '../src/cluster/messages.ts';
import { clusterSubjects, workerToken, type ClusterSubjects } from '../src/cluster/subjects.ts';
import type { DuckDBResources } from '../src/duckdb/resources.ts';
import { toSqlError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import { resolveIn, writeOutput } from './task-io.ts';
import { bindInputsOn, ConnectionPool, setTimeZone } from './connections.ts';
import { FileCache, type CacheLease } from './file-cache.ts';
import { CreditGate } from './credits.ts';
import { openSandboxedDuckDB } from './sandbox.ts';
import { Semaphore } from './semaphore.ts';

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
const TEST_START_DELAY_MS = Number(process.env.PONDGATE_TEST_TASK_START_DELAY_MS ?? 0);
const TEST_END_DELAY_MS = Number(process.env.PONDGATE_TEST_TASK_END_DELAY_MS ?? 0);

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

/** A task from its acceptance on: queued for a slot, then running. */
interface TaskRecord {
  readonly queryId: string;
  readonly credits: CreditGate;
  /** Set once the task runs. */
  connection?: DuckDBConnection;
  cancelled: boolean;
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

  private constructor(
    private readonly nc: NatsConnection,
    private readonly duckdb: DuckDBInstance,
    private readonly options: WorkerOptions,
    private readonly cache: FileCache | undefined,
  ) {
    this.id = options.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.subjects = clusterSubjects(options.cluster);
    this.slots = new Semaphore(options.slots);
    this.smallSlot = new Semaphore(1);
    this.connections = new ConnectionPool(duckdb, options.slots);
    this.creditsBase = `${this.subjects.creditsPrefix}.${workerToken(this.id)}`;
  }

  static async start(nc: NatsConnection, options: WorkerOptions): Promise<Worker> {
    const duckdb = await openSandboxedDuckDB([options.dataDir, options.scratchDir], options.resources);
    const cacheBytes = options.cacheBytes ?? 0;
    const cache = cacheBytes > 0 ? await FileCache.open(await duckdb.connect(), cacheBytes, options.log) : undefined;
    const worker = new Worker(nc, duckdb, options, cache);
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
        if (!error) this.cancel(decodeJson<CancelMessage>(msg.data).queryId);
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
    const record: TaskRecord = { queryId: task.queryId, credits, cancelled: false };
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
    const credits = record.credits;
    const started = Date.now();
    const log = this.options.log.child({ queryId: task.queryId, stage: task.stageId, task: task.task, attempt: task.attempt });
    let sequence = 0;
    // The acknowledgement goes first, in the same write as the first result when it is still due.
    const publish = (kind: 'part' | 'batch' | 'end' | 'error', data: Uint8Array) => {
      acknowledge();
      this.nc.publish(task.resultSubject, data, { headers: resultHeaders(kind, sequence++) });
    };
    const running = record;
    const pooled = await this.connections.acquire();
    const connection = pooled.connection;
    running.connection = connection;
    this.running.add(running);
    let reusable = false;
    const interrupted = () => new Error('INTERRUPT Error: task cancelled');
    // The statement's deadline (statement_timeout), also when the gateway's own cancel gets lost.
    const deadline = setTimeout(() => stopTask(running), Math.max(0, Math.min(task.deadline - Date.now(), 2 ** 31 - 1)));
    const dirs = { data: this.options.dataDir, scratch: this.options.scratchDir };
    const leases: CacheLease[] = [];
    const cachedSql = new Map<string, string>();
    try {
      if (TEST_START_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, TEST_START_DELAY_MS));
      // Cancelled while it waited for a slot (or its deadline passed): do not start it.
      if (running.cancelled) throw interrupted();
      await setTimeZone(pooled, task.timeZone);
      // SQL too large for a NATS message comes through the scratch directory.
      const sql = task.sqlFile === undefined ? task.sql : await readFile(resolveIn(dirs, 'scratch', task.sqlFile), 'utf8');
      const filesOf = (input: TaskInput) => input.files.map((file) => resolveIn(dirs, input.root, file));
      // Data files read from the cache where all of an input's files are in it; scratch files never
      // are. Several cached files are read in no fixed order: only where the rows' order is free.
      for (const input of task.inputs) {
        if (this.cache && input.root === 'data' && (input.files.length === 1 || (input.files.length > 1 && input.anyOrder === true))) {
          const lease = await this.cache.lease(filesOf(input));
          leases.push(lease);
          if (lease.sql !== undefined) cachedSql.set(input.name, lease.sql);
        }
      }
      await bindInputsOn(pooled, task.inputs, filesOf, (input) => cachedSql.get(input.name));
      let rows = 0;
      let batches = 0;
      let files: WrittenFile[] = [];
      let bytesWritten = 0;
      let columns: InputColumn[];
      if (task.output.kind === 'stream') {
        // The result's own columns say whether it needs the transport wrapper (rarely): no separate prepare.
        let result = await streamOne(connection, sql);
        const allColumns = columnsOf(result);
        columns = allColumns;
        const wrapped = transportSql(sql, allColumns, task.output.client === true ? 'client' : 'transport');
        if (wrapped !== sql) result = await streamOne(connection, wrapped);
        // Each message is held until the next one (or the end) is ready and published with it: NATS
        // writes what is published in one tick together, and a small result's batch and end then
        // cost one socket write instead of two.
        // A message larger than NATS takes (one row with a large value) goes in pieces: `part`s and a
        // last `batch`, each under the task's credits like any message.
        // (The last message is published inline, not through a helper that is awaited: the end
        // must follow it in the same tick to share its socket write.)
        let held: { kind: 'part' | 'batch'; data: Uint8Array } | undefined;
        for await (const batch of resultBatches(result, { columns: allColumns, targetBytes: Math.floor(task.maxMessageBytes * 0.75) })) {
          for (const message of encodeBatch(batch, { maxBytes: task.maxMessageBytes })) {
            const split = pieces(message, task.maxMessageBytes);
            for (let i = 0; i < split.length; i++) {
              if (held) {
                await credits.take();
                if (running.cancelled) throw interrupted();
                publish(held.kind, held.data);
                if (held.kind === 'batch') batches++;
              }
              held = { kind: i === split.length - 1 ? 'batch' : 'part', data: split[i]! };
            }
          }
          rows += batch.numRows;
        }
        if (held) {
          await credits.take();
          if (running.cancelled) throw interrupted();
          publish(held.kind, held.data);
          batches++;
        }
      } else {
        const prepared = await connection.prepare(sql);
        const allColumns = columnsOf(prepared);
        prepared.destroySync();
        columns = allColumns;
        if (task.output.kind === 'buckets') {
          if (allColumns.at(-1)?.name !== BUCKET_COLUMN) throw new Error(`Internal Error: a bucketed task must end with ${BUCKET_COLUMN}`);
          columns = allColumns.slice(0, -1);
        }
        const written = await writeOutput(connection, { ...task, sql }, dirs.scratch);
        rows = written.rows;
        files = written.files;
        bytesWritten = written.bytes;
      }
      if (TEST_END_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, TEST_END_DELAY_MS));
      // An interrupted DuckDB statement may just end early: never report a cut result as complete.
      if (running.cancelled) throw interrupted();
      const end: EndMessage = { rows, batches, elapsedMs: Date.now() - started, workerId: this.id, columns, files, bytesWritten };
      publish('end', encodeJson(end));
      log.debug({ rows, batches, files: files.length, ms: end.elapsedMs }, 'task done');
      reusable = true;
    } catch (error) {
      const sqlError = toSqlError(error);
      const cancelled = running.cancelled;
      const message: TaskErrorMessage =
        cancelled && this.stopping
          ? { sqlstate: '57P01', message: `worker ${this.id} is shutting down`, workerId: this.id, workerFault: true }
          : {
              sqlstate: cancelled ? '57014' : sqlError.sqlstate,
              message: cancelled ? 'canceling statement due to user request or timeout' : sqlError.message,
              workerId: this.id,
            };
      publish('error', encodeJson(message));
      log.info({ sqlstate: message.sqlstate, message: message.message }, 'task failed');
    } finally {
      clearTimeout(deadline);
      for (const lease of leases) lease.release();
      this.running.delete(running);
      this.connections.release(pooled, reusable && !running.cancelled);
    }
  }

  private cancel(queryId: string): void {
    for (const task of this.accepted) if (task.queryId === queryId) stopTask(task);
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

/**
 * Streams one statement. connection.stream() first splits the text into statements (a round trip
 * to DuckDB's thread of its own, then one more per statement); a task is one statement by
 * construction, so it is prepared directly — a text of several fails to prepare.
 */
async function streamOne(connection: DuckDBConnection, sql: string): Promise<DuckDBResult> {
  const prepared = await connection.prepare(sql);
  try {
    return await prepared.stream();
  } finally {
    prepared.destroySync();
  }
}

/** Stops a task wherever it is: waiting for a slot, running in DuckDB, or waiting for credits. */
function stopTask(task: TaskRecord): void {
  task.cancelled = true;
  task.credits.close();
  task.connection?.interrupt();
}
