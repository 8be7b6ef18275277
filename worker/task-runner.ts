/**
 * Runs one task in a sandboxed DuckDB and hands its result messages to a
 * publisher, in order: Arrow IPC `part`s and `batch`es under the task's
 * credits, then its `end` (or an `error`). The worker publishes them on NATS;
 * the gateway's own task lane (gateway/exec/local-lane.ts) reads them in
 * process. Either way the messages, the SQL run and so the rows are the same.
 */
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import { encodeBatch, pieces } from '../src/arrow/ipc.ts';
import { columnsOf, resultBatches } from '../src/arrow/read-result.ts';
import { transportSql } from '../src/arrow/transport-sql.ts';
import {
  BUCKET_COLUMN,
  encodeJson,
  type CancelMessage,
  type EndMessage,
  type InputColumn,
  type TaskErrorMessage,
  type TaskInput,
  type TaskMessage,
  type WrittenFile,
} from '../src/cluster/messages.ts';
import { toSqlError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import { bindInputsOn, setTimeZone, type ConnectionPool } from './connections.ts';
import type { CreditGate } from './credits.ts';
import type { CacheLease, FileCache } from './file-cache.ts';
import type { TopNGuard } from '../src/duckdb/top-n-guard.ts';
import { resolveIn, writeOutput } from './task-io.ts';

/** What runs tasks: a worker process, or the gateway's own lane. */
export interface TaskEnvironment {
  /** Named in every end and error message (EXPLAIN ANALYZE shows it). */
  readonly workerId: string;
  readonly dataDir: string;
  readonly scratchDir: string;
  readonly connections: ConnectionPool;
  readonly cache: FileCache | undefined;
  /** Turns DuckDB's top-N optimizer off for the tasks that need it (task.withoutTopN). */
  readonly topNGuard: TopNGuard;
  readonly log: Logger;
  /** True once the runner is stopping: the tasks it interrupts fail as its fault, so they run again elsewhere. */
  stopping(): boolean;
  /** Tests only: a wait before each task starts and after its rows (test/cluster/task-retry.test.ts). */
  readonly testDelays?: { readonly startMs: number; readonly endMs: number };
}

/** A task from its acceptance on: queued for a slot, then running. */
export interface TaskRecord {
  readonly queryId: string;
  /** The attempt's result subject: a cancel may name it to stop this attempt only. */
  readonly resultSubject?: string;
  readonly credits: CreditGate;
  /** Set once the task runs. */
  connection?: DuckDBConnection;
  cancelled: boolean;
}

export type PublishResult = (kind: 'part' | 'batch' | 'end' | 'error', data: Uint8Array) => void;

export async function runTask(env: TaskEnvironment, task: TaskMessage, record: TaskRecord, publish: PublishResult): Promise<void> {
  const credits = record.credits;
  const started = Date.now();
  const log = env.log.child({ queryId: task.queryId, stage: task.stageId, task: task.task, attempt: task.attempt });
  const pooled = await env.connections.acquire();
  const connection = pooled.connection;
  record.connection = connection;
  let reusable = false;
  const interrupted = () => new Error('INTERRUPT Error: task cancelled');
  // The statement's deadline (statement_timeout), also when the gateway's own cancel gets lost.
  const deadline = setTimeout(() => stopTask(record), Math.max(0, Math.min(task.deadline - Date.now(), 2 ** 31 - 1)));
  const dirs = { data: env.dataDir, scratch: env.scratchDir };
  const leases: CacheLease[] = [];
  const cachedSql = new Map<string, string>();
  let topN: (() => void) | undefined;
  try {
    // Held until the task ends: its statements are planned and run with the optimizer off.
    if (task.withoutTopN === true) topN = await env.topNGuard.hold();
    if (env.testDelays && env.testDelays.startMs > 0) await new Promise((resolve) => setTimeout(resolve, env.testDelays!.startMs));
    // Cancelled while it waited for a slot (or its deadline passed): do not start it.
    if (record.cancelled) throw interrupted();
    await setTimeZone(pooled, task.timeZone);
    // SQL too large for a NATS message comes through the scratch directory.
    const sql = task.sqlFile === undefined ? task.sql : await readFile(resolveIn(dirs, 'scratch', task.sqlFile), 'utf8');
    const filesOf = (input: TaskInput) => input.files.map((file) => resolveIn(dirs, input.root, file));
    // Data files read from the cache where all of an input's files are in it; scratch files never
    // are. Several cached files are read in no fixed order: only where the rows' order is free.
    for (const input of task.inputs) {
      if (env.cache && input.root === 'data' && (input.files.length === 1 || (input.files.length > 1 && input.anyOrder === true))) {
        const lease = await env.cache.lease(filesOf(input));
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
              if (record.cancelled) throw interrupted();
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
        if (record.cancelled) throw interrupted();
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
    if (env.testDelays && env.testDelays.endMs > 0) await new Promise((resolve) => setTimeout(resolve, env.testDelays!.endMs));
    // An interrupted DuckDB statement may just end early: never report a cut result as complete.
    if (record.cancelled) throw interrupted();
    const end: EndMessage = { rows, batches, elapsedMs: Date.now() - started, workerId: env.workerId, columns, files, bytesWritten };
    publish('end', encodeJson(end));
    log.debug({ rows, batches, files: files.length, ms: end.elapsedMs }, 'task done');
    reusable = true;
  } catch (error) {
    const sqlError = toSqlError(error);
    const cancelled = record.cancelled;
    const message: TaskErrorMessage =
      cancelled && env.stopping()
        ? { sqlstate: '57P01', message: `worker ${env.workerId} is shutting down`, workerId: env.workerId, workerFault: true }
        : {
            sqlstate: cancelled ? '57014' : sqlError.sqlstate,
            message: cancelled ? 'canceling statement due to user request or timeout' : sqlError.message,
            workerId: env.workerId,
          };
    publish('error', encodeJson(message));
    log.info({ sqlstate: message.sqlstate, message: message.message }, 'task failed');
  } finally {
    clearTimeout(deadline);
    topN?.();
    for (const lease of leases) lease.release();
    env.connections.release(pooled, reusable && !record.cancelled);
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

/** Whether a cancel message is for this task: every task of its query, or the one attempt it names. */
export function cancelApplies(task: TaskRecord, message: CancelMessage): boolean {
  return task.queryId === message.queryId && (message.resultSubject === undefined || task.resultSubject === message.resultSubject);
}

/** Stops a task wherever it is: waiting for a slot, running in DuckDB, or waiting for credits. */
export function stopTask(task: TaskRecord): void {
  task.cancelled = true;
  task.credits.close();
  task.connection?.interrupt();
}
