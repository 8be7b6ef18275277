/**
 * Runs a distributed plan: fans each fragment's tasks out to the workers,
 * loads their Arrow batches into a private in-memory database of the gateway's
 * DuckDB (one per query, so concurrent queries never see each other's rows),
 * then runs the merge SQL there and streams its result.
 *
 * The private database has a schema `public` holding one relation per
 * fragment under the catalog table's own name, so the merge SQL of a gathered
 * query is the original query, resolved exactly as single-node DuckDB would.
 */
import { setMaxListeners } from 'node:events';
import { nextQueryId } from './query-ids.ts';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch, Schema } from 'apache-arrow';
import { decodeMessage } from '../../src/arrow/ipc.ts';
import { resultBatches } from '../../src/arrow/read-result.ts';
import { ArrowToDuckDBLoader, ATTEMPT_TAG_COLUMN, restoreViewSql, stagingTableSql } from '../../src/arrow/to-duckdb.ts';
import { transportSql } from '../../src/arrow/transport-sql.ts';
import { qualifiedName, quoteIdent, type TableRef } from '../../src/arrow/sql.ts';
import { SqlError, toSqlError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import { CATALOG_SCHEMA } from '../catalog/catalog.ts';
import type { InputColumn, TaskInput, TaskOutput } from '../../src/cluster/messages.ts';
import type { ColumnSpec, DistributedPlan, KeyLookup, Stage, StageInput } from '../plan/plan.ts';
import { resolveDataPath } from '../../src/storage/manifest.ts';
import type { KeyIndex } from './key-index.ts';
import { indexKey } from '../plan/key-lookup.ts';
import { partitionFilePaths } from '../plan/stats.ts';
import type { TaskAttempts, TaskDispatcher } from './dispatcher.ts';
import { TopNGuard } from '../../src/duckdb/top-n-guard.ts';
import type { ScratchSpace } from './scratch.ts';
import type { VersionPins } from '../../src/storage/pins.ts';
import { abortError, interruptOnAbort } from './interrupt.ts';
import { ResultSpool, type SpoolSettings } from './spool.ts';
import { SortedTaskStreams } from './sorted-streams.ts';
import type { MergeProgress } from './ordered-merge.ts';
import { AdmissionQueue, laneOf, UNLIMITED_ADMISSION, type QuerySlot } from './admission-queue.ts';

export interface ExecutionOptions {
  readonly timeZone: string;
  /** Epoch milliseconds; 0 for none. */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

export interface StageStats {
  readonly stageId: number;
  tasks: number;
  /** Tasks not run because every split input of theirs was empty. */
  skipped: number;
  rows: number;
  batches: number;
  /** Bytes received by the gateway (Arrow). */
  bytes: number;
  /** Batches of those that came as files of the scratch directory (BatchFiles), not through NATS. */
  batchFiles: number;
  /** Bytes of Parquet written to scratch storage. */
  bytesWritten: number;
  workers: Set<string>;
  /** Longest task, as its worker measured it. */
  elapsedMs: number;
  /** From the stage's start (its inputs complete) to its last task's end, on the gateway. */
  wallMs: number;
  /** Task attempts run again: after their worker was lost, or offered again when no worker acknowledged them. */
  retries: number;
  /** A forwarded ORDER BY's merge of the stage's sorted task streams (sorted-streams.ts). */
  merge?: MergeProgress;
}

/** Rows of a statement, as Arrow batches whose field metadata carries the DuckDB types. */
export interface RowStream {
  readonly columns: readonly ColumnSpec[];
  readonly batches: AsyncIterable<RecordBatch>;
  readonly stats: StageStats[];
  /** Time a distributed query waited for a running-query slot (admission-queue.ts). */
  readonly queuedMs?: number;
  /** Releases the query's resources; call it whether or not the batches were read to the end. */
  close(): Promise<void>;
}


export interface QueryExecutorOptions {
  /** Memory budget, directory and cap for the spools of forwarded results. */
  readonly spool: SpoolSettings;
  /** Running-query slots of distributed queries; unlimited when absent. */
  readonly admission?: AdmissionQueue;
  /** Answers key lookups from memory (key-index.ts); with the data directory its files are in. */
  readonly keyIndex?: KeyIndex;
  readonly dataDir?: string;
  /** Result batches of at least this many bytes come from workers as files (BatchFiles); 0 or absent: all through NATS. */
  readonly batchFileMinBytes?: number;
}

/** Named as the worker of a lookup the key index answered, in EXPLAIN ANALYZE. */
export const KEY_INDEX_WORKER_ID = 'gateway (key index)';

export class QueryExecutor {
  constructor(
    private readonly duckdb: DuckDBInstance,
    private readonly dispatcher: TaskDispatcher,
    private readonly log: Logger,
    private readonly scratch: ScratchSpace,
    private readonly pins: VersionPins,
    readonly options: QueryExecutorOptions,
  ) {
    this.admission = options.admission ?? new AdmissionQueue(UNLIMITED_ADMISSION);
  }

  private readonly admission: AdmissionQueue;
  private topN: Promise<TopNGuard> | undefined;

  /** The gateway DuckDB's guard against its top-N bug (src/duckdb/top-n-guard.ts), on a connection of its own. */
  private topNGuard(): Promise<TopNGuard> {
    return (this.topN ??= this.duckdb.connect().then((connection) => new TopNGuard(connection)));
  }

  /**
   * Runs SQL that needs no worker (no catalog table) on the session's own connection.
   * An abort of `signal` interrupts it, until the rows are closed.
   */
  async runLocal(connection: DuckDBConnection, sql: string, columns: readonly ColumnSpec[], signal?: AbortSignal, withoutTopN = false): Promise<RowStream> {
    const topN = withoutTopN ? await (await this.topNGuard()).hold() : undefined;
    const stopInterrupting = interruptOnAbort(connection, signal);
    try {
      const result = await connection.stream(transportSql(sql, columns, 'client'));
      const batches = resultBatches(result, { columns });
      const close = async () => {
        stopInterrupting();
        topN?.();
      };
      return { columns, batches: signal ? untilAborted(batches, signal) : batches, stats: [], close };
    } catch (error) {
      stopInterrupting();
      topN?.();
      throw signal?.aborted ? abortError(signal) : error;
    }
  }

  /** runLocal on a connection of its own, for rows that stay open across statements (cursors). */
  async runLocalIsolated(sql: string, columns: readonly ColumnSpec[], options: { readonly timeZone: string; readonly signal: AbortSignal; readonly withoutTopN?: boolean }): Promise<RowStream> {
    const connection = await this.duckdb.connect();
    try {
      await connection.run(`USE memory.${CATALOG_SCHEMA}`);
      await connection.run(`SET SESSION TimeZone = '${options.timeZone.replace(/'/g, "''")}'`);
      const rows = await this.runLocal(connection, sql, columns, options.signal, options.withoutTopN);
      return {
        ...rows,
        close: async () => {
          await rows.close();
          connection.closeSync();
        },
      };
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  async runDistributed(plan: DistributedPlan, options: ExecutionOptions): Promise<RowStream> {
    const indexed = plan.keyLookup ? this.fromKeyIndex(plan, plan.keyLookup) : undefined;
    if (indexed) return indexed;
    if (plan.forward !== undefined) return this.runForwarded(plan, plan.forward.stageId, options);
    const queryId = nextQueryId();
    const database = `pondgate_q_${queryId}`;
    const log = this.log.child({ queryId });
    // Before any task is sent; held until the rows are closed (cleanup), since the merge streams them.
    const slot = await this.admit(plan, options.signal, log);
    // The merge may meet DuckDB's top-N bug as the tasks may: held until the rows are closed.
    const topN = plan.withoutTopN ? await (await this.topNGuard()).hold() : undefined;
    const connection = await this.duckdb.connect().catch((error: unknown) => {
      slot.release();
      topN?.();
      throw error;
    });
    // Cancel and statement_timeout must also stop the merge, which runs in the gateway's DuckDB.
    const stopInterrupting = interruptOnAbort(connection, options.signal);
    // The files of the manifest version the plan reads stay until the result is closed.
    const pin = this.pins.pinVersion(plan.manifestVersion);
    let cleanedUp = false;
    const cleanup = async () => {
      if (cleanedUp) return;
      cleanedUp = true;
      slot.release();
      topN?.();
      stopInterrupting();
      pin.release();
      try {
        await connection.run(`USE memory.${CATALOG_SCHEMA}`);
        await connection.run(`DETACH DATABASE IF EXISTS ${database}`);
      } finally {
        connection.closeSync();
        await this.scratch.release(queryId);
      }
    };
    try {
      await connection.run(`ATTACH ':memory:' AS ${database}`);
      await connection.run(`CREATE SCHEMA ${database}.${CATALOG_SCHEMA}`);
      await connection.run(`USE ${database}.${CATALOG_SCHEMA}`);
      await connection.run(`SET SESSION TimeZone = '${options.timeZone.replace(/'/g, "''")}'`);
      const started = Date.now();
      const stats = await this.runStages(
        plan,
        queryId,
        (stage, stat, serial) => (stage.output.kind === 'gateway' ? new StageSink(stage, stage.output.relation, database, connection, serial, stat) : undefined),
        options,
        log,
      );
      log.debug({ ms: Date.now() - started, stages: stats.map((s) => ({ ...s, workers: [...s.workers] })) }, 'stages done');
      const result = await connection.stream(transportSql(plan.mergeSql, plan.columns, 'client'));
      const batches = untilAborted(resultBatches(result, { columns: plan.columns }), options.signal);
      return { columns: plan.columns, batches, stats, queuedMs: slot.waitedMs, close: cleanup };
    } catch (error) {
      await cleanup();
      throw options.signal.aborted ? abortError(options.signal) : toSqlError(error);
    }
  }

  /**
   * A plan whose merge runs in its last stage's tasks: their rows go to the client as they
   * arrive, through a buffer that drains the workers at their pace (the client reads at its own),
   * and the gateway's DuckDB is not involved. Returns once the first rows (or the end) arrived,
   * so a query that fails before its first row fails here, as any other.
   */
  private async runForwarded(plan: DistributedPlan, stageId: number, options: ExecutionOptions): Promise<RowStream> {
    const queryId = nextQueryId();
    const log = this.log.child({ queryId });
    // Held while the stages run, not until the client has read the rows: they are in the spool
    // by then, and a slow reader (or an open cursor) must not keep other queries waiting.
    const slot = await this.admit(plan, options.signal, log);
    const pin = this.pins.pinVersion(plan.manifestVersion);
    const stats = emptyStats(plan);
    // The spool drains the workers whatever the client's pace: a slow client never holds their slots.
    // An ordered merge has one per task and merges them as the client reads (sorted-streams.ts).
    const ordered = plan.forward?.ordered;
    const sorted = ordered ? new SortedTaskStreams(this.options.spool, plan.stages.find((s) => s.id === stageId)!.tasks, ordered, stats[stageId]) : undefined;
    const spool = sorted ? undefined : new ResultSpool(this.options.spool);
    const buffer = sorted ?? spool!;
    let finished = false;
    // The reader's close stops the tasks too (a client that stops reading early, a cancel).
    // The statement's own signal is forwarded by hand: AbortSignal.any() cost more per query.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const forwardAbort = () => stop.abort(options.signal.reason);
    if (options.signal.aborted) forwardAbort();
    else options.signal.addEventListener('abort', forwardAbort, { once: true });
    const signal = stop.signal;
    const usesScratch = plan.stages.some((s) => s.output.kind !== 'gateway');
    const started = Date.now();
    const running = this.runStages(
      plan,
      queryId,
      (stage, stat) => (stage.id === stageId ? (sorted ?? new ForwardSink(spool!, stat)) : undefined),
      { ...options, signal },
      log,
      stats,
    ).then(
      (stats) => {
        log.debug({ ms: Date.now() - started, stages: stats.map((s) => ({ ...s, workers: [...s.workers] })) }, 'stages done (forwarded)');
        finished = true;
        slot.release();
        buffer.end();
      },
      (error: unknown) => {
        finished = true;
        slot.release();
        buffer.fail(signal.aborted ? abortError(signal) : toSqlError(error));
      },
    );
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      if (!finished) stop.abort(new SqlError('57014', 'canceling statement: the result was closed before its end'));
      // Closed first: a task waiting for room in the buffer must see the end.
      await buffer.close();
      await running;
      options.signal.removeEventListener('abort', forwardAbort);
      pin.release();
      await this.scratch.release(queryId, usesScratch);
    };
    const batches = sorted ? sorted.merged() : decodedBatches(spool!);
    try {
      const first = await batches.next();
      return { columns: plan.columns, batches: prepend(first, batches), stats, queuedMs: slot.waitedMs, close };
    } catch (error) {
      await close();
      throw options.signal.aborted ? abortError(options.signal) : toSqlError(error);
    }
  }

  /**
   * The key lookup's rows from the gateway's key index, when it holds the plan's one task's files
   * (gateway/exec/key-index.ts); undefined: run the plan. No slot, no task, no DuckDB statement.
   */
  private fromKeyIndex(plan: DistributedPlan, lookup: KeyLookup): RowStream | undefined {
    const { keyIndex, dataDir } = this.options;
    const input = plan.stages[0]?.inputs[0];
    if (!keyIndex || dataDir === undefined || input?.source.kind !== 'table') return undefined;
    // Every task's files: the table's files left after pruning, each read by one task.
    const stage = plan.stages[0];
    const files = Array.from({ length: stage.tasks }, (_, task) => bindInput(input, task, new Map(), 1).files)
      .flat()
      .map((file) => resolveDataPath(dataDir, file));
    if (new Set(files).size !== files.length) return undefined;
    // Pruning left no file to read: no rows, once the key is one DuckDB compares as it is (no cast to fail).
    const keyType = input.source.table.columns[lookup.keyColumn]?.type;
    const batches = files.length > 0 ? keyIndex.lookup(files, lookup, plan.columns) : keyType !== undefined && indexKey(keyType, lookup.key) !== undefined ? [] : undefined;
    if (!batches) return undefined;
    const stats = emptyStats(plan);
    const stat = stats[0];
    stat.tasks = 1;
    stat.batches = batches.length;
    stat.rows = batches.reduce((n, b) => n + b.numRows, 0);
    stat.workers.add(KEY_INDEX_WORKER_ID);
    return { columns: plan.columns, batches: fromArray(batches), stats, close: async () => undefined };
  }

  /** A running-query slot for the plan's lane; rejects with 53300 (queue timeout) or 57014 (cancelled while queued). */
  private async admit(plan: DistributedPlan, signal: AbortSignal, log: Logger): Promise<QuerySlot> {
    const lane = laneOf(plan);
    const before = this.admission.snapshot();
    const full = before.running[lane] >= (lane === 'small' ? this.admission.limits.maxRunningSmall : this.admission.limits.maxRunning);
    if (full) log.debug({ lane, running: before.running[lane], queued: before.queued[lane] }, 'query queued for a running-query slot');
    try {
      const slot = await this.admission.acquire(lane, signal);
      if (slot.waitedMs > 0) log.info({ lane, waitedMs: slot.waitedMs }, 'query waited for a running-query slot');
      return slot;
    } catch (error) {
      log.info({ lane, err: (error as Error).message }, 'query left the running-query queue without a slot');
      throw error;
    }
  }

  /** Runs the plan's stages, each as soon as the stages it reads are complete; loads gateway-bound rows as they arrive. */
  private async runStages(
    plan: DistributedPlan,
    queryId: string,
    sinkFor: (stage: Stage, stat: StageStats, serial: SerialQueue) => BatchSink | undefined,
    options: ExecutionOptions,
    log: Logger,
    stats: StageStats[] = emptyStats(plan),
  ): Promise<StageStats[]> {
    const abort = new AbortController();
    // One listener per running task; a query may have many.
    setMaxListeners(0, abort.signal);
    const onAbort = () => abort.abort(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    // Tell the workers at once: waiting for every task to notice first could take as long as the task.
    abort.signal.addEventListener('abort', () => this.dispatcher.cancel(queryId), { once: true });
    if (options.signal.aborted) onAbort();
    // A DuckDB connection runs one statement at a time: every stage's DDL and appends take turns.
    const serial = new SerialQueue();
    const sinks = new Map<number, BatchSink>();
    const results = new Map<number, Promise<StageResult>>();
    const deadline = options.deadline || Date.now() + 24 * 3600_000;
    const prefix = this.scratch.prefix(queryId);
    const minBytes = this.options.batchFileMinBytes ?? 0;
    const batchFiles = minBytes > 0 ? { batchFiles: { scratchPrefix: prefix, minBytes } } : {};
    const small = laneOf(plan) === 'small';
    const fail = (error: unknown) => {
      // The first failure stops the whole query: other tasks' rows would be useless.
      if (!abort.signal.aborted) abort.abort(toSqlError(error));
    };
    const runStage = async (stage: Stage): Promise<StageResult> => {
      const inputsOf = await Promise.all(stage.dependsOn.map(async (id) => [id, await results.get(id)!] as const));
      const upstream = new Map(inputsOf);
      const started = Date.now();
      const stat = stats[stage.id];
      const files = new Map<number, string[]>();
      let columns: readonly InputColumn[] | undefined;
      const sink = stage.output.kind === 'gateway' ? sinkFor(stage, stat, serial) : undefined;
      if (sink) sinks.set(stage.id, sink);
      const taskInputs = Array.from({ length: stage.tasks }, (_, t) => stage.inputs.map((input) => bindInput(input, t, upstream, stage.tasks)));
      const runnable = taskInputs.map((inputs) => !stage.skipEmptyTasks || stage.inputs.some((input, i) => input.split && inputs[i].files.length > 0));
      // Every task skipped would leave the next stage (or the merge) without the columns: run one.
      if (!runnable.includes(true)) runnable[0] = true;
      stat.skipped = runnable.filter((r) => !r).length;
      const output: TaskOutput =
        stage.output.kind === 'gateway' ? { kind: 'stream', ...(plan.forward?.stageId === stage.id ? { client: true } : {}), ...batchFiles }
        : stage.output.kind === 'buckets' ? { kind: 'buckets', scratchPrefix: prefix, buckets: stage.output.buckets }
        : { kind: 'files', scratchPrefix: prefix };
      await Promise.all(
        taskInputs.map(async (inputs, task) => {
          if (!runnable[task]) {
            sink?.taskEnded?.(task);
            return;
          }
          // A failed attempt's files are never read (only an attempt's end names its files); its
          // rows bound for the gateway are dropped by the sink, if they can be.
          const attempts: TaskAttempts = {
            discardFailedAttempt: async () => (sink ? sink.discard(task) : true),
            retrying: () => void stat.retries++,
          };
          try {
            const spec = { queryId, stageId: stage.id, task, sql: stage.sql, inputs, output, timeZone: options.timeZone, deadline, ...(small ? { lane: 'small' as const } : {}), ...(plan.withoutTopN ? { withoutTopN: true } : {}) };
            const stream = this.dispatcher.run(spec, abort.signal, attempts);
            for await (const event of stream) {
              if (event.kind === 'batch') {
                if (event.viaFile === true) stat.batchFiles++;
                await sink!.load(event.data, task);
              }
              else {
                const end = event.end;
                sink?.taskEnded?.(task);
                stat.tasks++;
                stat.rows += end.rows;
                stat.bytesWritten += end.bytesWritten;
                stat.workers.add(end.workerId);
                stat.elapsedMs = Math.max(stat.elapsedMs, end.elapsedMs);
                columns ??= end.columns;
                for (const file of end.files) {
                  const list = files.get(file.bucket) ?? [];
                  list.push(file.path);
                  files.set(file.bucket, list);
                }
              }
            }
          } catch (error) {
            fail(error);
            throw error;
          }
        }),
      );
      if (sink) await sink.complete();
      stat.wallMs = Date.now() - started;
      log.debug({ stage: stage.id, ms: Date.now() - started, rows: stat.rows, tasks: stat.tasks, skipped: stat.skipped }, 'stage done');
      return { files, columns: columns ?? [] };
    };
    try {
      for (const stage of plan.stages) {
        const result = runStage(stage);
        // Rejections surface through the Promise.allSettled below (and through dependent stages).
        result.catch(() => undefined);
        results.set(stage.id, result);
      }
      const outcomes = await Promise.allSettled([...results.values()]);
      // A superseded attempt may still run on a worker that was slow rather than dead: every task
      // of the query has ended, so stop whatever of it still runs.
      if (!abort.signal.aborted && stats.some((s) => s.retries > 0)) this.dispatcher.cancel(queryId);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) {
        const reason: unknown = abort.signal.reason;
        throw reason instanceof SqlError ? reason : toSqlError(failed.reason);
      }
      return stats;
    } catch (error) {
      // Aborting is what tells the workers (the listener above), once per query.
      if (!abort.signal.aborted) abort.abort(toSqlError(error));
      for (const sink of sinks.values()) sink.abandon();
      log.info({ err: (error as Error).message }, 'query failed while running its stages');
      throw error;
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }
}

function emptyStats(plan: DistributedPlan): StageStats[] {
  return plan.stages.map((stage) => ({ stageId: stage.id, tasks: 0, skipped: 0, rows: 0, batches: 0, bytes: 0, batchFiles: 0, bytesWritten: 0, workers: new Set<string>(), elapsedMs: 0, wallMs: 0, retries: 0 }));
}

/** Forwards a stage's result messages into the buffer the client reads. */
class ForwardSink implements BatchSink {
  constructor(
    private readonly buffer: ResultSpool,
    private readonly stats: StageStats,
  ) {}

  async load(message: Uint8Array): Promise<void> {
    this.stats.batches++;
    this.stats.bytes += message.byteLength;
    await this.buffer.append(message);
  }

  /** Only while the spool is empty: then no row of the result (the failed attempt's included) reached it or the client. */
  async discard(): Promise<boolean> {
    return this.buffer.stats.messages === 0;
  }

  async complete(): Promise<void> {}

  abandon(): void {}
}

/** The record batches of the buffer's Arrow IPC messages, in order. */
async function* decodedBatches(buffer: AsyncIterable<Uint8Array>): AsyncGenerator<RecordBatch> {
  for await (const message of buffer) {
    for (const batch of decodeMessage(message).batches) if (batch.numRows > 0) yield batch;
  }
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** `first` (an already-taken step of `rest`), then the rest of the iteration. */
async function* prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  if (first.done) return;
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

interface StageResult {
  /** Files written, by bucket (files outputs use bucket 0). */
  readonly files: ReadonlyMap<number, readonly string[]>;
  readonly columns: readonly InputColumn[];
}

/** The files task `task` (of `tasks`) reads for `input`. */
function bindInput(input: StageInput, task: number, upstream: ReadonlyMap<number, StageResult>, tasks: number): TaskInput {
  const source = input.source;
  if (source.kind === 'table') {
    const partitions = source.tasks[task] ?? [];
    return {
      name: input.name,
      root: 'data',
      files: partitions.flatMap((p) => partitionFilePaths(source.table.partitions[p])),
      columns: input.columns ?? source.table.columns,
      ...(tasks > 1 ? { anyOrder: true } : {}),
    };
  }
  const result = upstream.get(source.stageId);
  if (!result) throw new SqlError('XX000', `stage ${source.stageId} has no result`);
  const files = source.mode === 'bucket' ? [...(result.files.get(task) ?? [])] : [...result.files.values()].flat();
  return { name: input.name, root: 'scratch', files, columns: result.columns };
}

/** Where a gateway-bound stage's result messages go. */
interface BatchSink {
  /** A message of task `task`'s current attempt. */
  load(message: Uint8Array, task: number): Promise<void>;
  /** Task `task` sent its end (or was skipped): its stream is complete. */
  taskEnded?(task: number): void;
  /**
   * Task `task`'s current attempt failed and may run again: drop what it loaded and resolve true,
   * or resolve false if that cannot be done exactly (its rows may have reached the client).
   */
  discard(task: number): Promise<boolean>;
  /** Every task of the stage has ended. */
  complete(): Promise<void>;
  /** The query failed: drop what was received. */
  abandon(): void;
}

/**
 * Receives the batches of one gateway-bound stage's tasks into one relation of the query's
 * database. Each row is tagged with its task attempt, so a failed attempt's rows can be deleted
 * before the task runs again.
 */
class StageSink implements BatchSink {
  private loader: Promise<{ loader: ArrowToDuckDBLoader; schema: Schema }> | undefined;
  /** The tag of each task's current attempt; a task without one gets the next number. */
  private readonly tags = new Map<number, number>();
  private nextTag = 0;

  constructor(
    private readonly stage: Stage,
    private readonly relation: string,
    private readonly database: string,
    private readonly connection: DuckDBConnection,
    private readonly serial: SerialQueue,
    private readonly stats: StageStats,
  ) {}

  async load(message: Uint8Array, task: number): Promise<void> {
    const decoded = decodeMessage(message);
    this.loader ??= this.serial.run(() => this.create(decoded.schema));
    const { loader } = await this.loader;
    const tag = this.tagOf(task);
    await this.serial.run(async () => {
      for (const batch of decoded.batches) {
        if (batch.numRows > 0) loader.append(batch, tag);
      }
    });
    this.stats.batches++;
    this.stats.bytes += message.byteLength;
  }

  async discard(task: number): Promise<boolean> {
    const tag = this.tags.get(task);
    // The next attempt loads under a new tag, whatever happens below.
    this.tags.delete(task);
    if (tag === undefined || !this.loader) return true;
    const { loader } = await this.loader;
    await this.serial.run(async () => {
      // Appended rows reach the table only when the appender flushes.
      loader.flush();
      await this.connection.run(`DELETE FROM ${qualifiedName(this.staging())} WHERE ${quoteIdent(ATTEMPT_TAG_COLUMN)} = ${tag}`);
    });
    return true;
  }

  private tagOf(task: number): number {
    let tag = this.tags.get(task);
    if (tag === undefined) this.tags.set(task, (tag = this.nextTag++));
    return tag;
  }

  private staging(): TableRef {
    return { catalog: this.database, schema: CATALOG_SCHEMA, name: `__staging_${this.stage.id}` };
  }

  async complete(): Promise<void> {
    if (!this.loader) throw new SqlError('XX000', `stage ${this.stage.id} sent no result schema`);
    const { loader } = await this.loader;
    await this.serial.run(async () => loader.close());
  }

  abandon(): void {
    void this.loader?.then(({ loader }) => loader.close()).catch(() => undefined);
  }

  private async create(schema: Schema): Promise<{ loader: ArrowToDuckDBLoader; schema: Schema }> {
    const staging = this.staging();
    const view = { catalog: this.database, schema: CATALOG_SCHEMA, name: this.relation };
    await this.connection.run(stagingTableSql(schema, staging, { tagged: true }));
    await this.connection.run(restoreViewSql(schema, view, staging));
    return { loader: await ArrowToDuckDBLoader.create(this.connection, staging, schema, { tagged: true }), schema };
  }
}

/** Runs async actions one after another, in the order they were queued. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(action: () => Promise<T>): Promise<T> {
    const result = this.tail.then(action);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The batches, failing with the abort reason once `signal` aborted: an
 * interrupted DuckDB stream may report an error of its own or simply end early,
 * which must not look like a complete result.
 */
async function* untilAborted(batches: AsyncIterable<RecordBatch>, signal: AbortSignal): AsyncGenerator<RecordBatch> {
  try {
    for await (const batch of batches) {
      if (signal.aborted) throw abortError(signal);
      yield batch;
    }
  } catch (error) {
    throw signal.aborted ? abortError(signal) : error;
  }
  if (signal.aborted) throw abortError(signal);
}
