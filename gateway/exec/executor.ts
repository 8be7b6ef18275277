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
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch, Schema } from 'apache-arrow';
import { decodeMessage } from '../../src/arrow/ipc.ts';
import { resultBatches } from '../../src/arrow/read-result.ts';
import { ArrowToDuckDBLoader, restoreViewSql, stagingTableSql } from '../../src/arrow/to-duckdb.ts';
import { transportSql } from '../../src/arrow/transport-sql.ts';
import { SqlError, toSqlError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import { partitionPaths } from '../../src/storage/manifest.ts';
import { CATALOG_SCHEMA } from '../catalog/catalog.ts';
import type { ColumnSpec, Fragment, QueryPlan } from '../plan/plan.ts';
import type { TaskDispatcher } from './dispatcher.ts';
import { interruptOnAbort } from './interrupt.ts';

export interface ExecutionOptions {
  readonly timeZone: string;
  /** Epoch milliseconds; 0 for none. */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

export interface FragmentStats {
  readonly fragmentId: number;
  tasks: number;
  rows: number;
  batches: number;
  bytes: number;
  workers: Set<string>;
  elapsedMs: number;
}

/** Rows of a statement, as Arrow batches whose field metadata carries the DuckDB types. */
export interface RowStream {
  readonly columns: readonly ColumnSpec[];
  readonly batches: AsyncIterable<RecordBatch>;
  readonly stats: FragmentStats[];
  /** Releases the query's resources; call it whether or not the batches were read to the end. */
  close(): Promise<void>;
}

type DistributedPlan = Extract<QueryPlan, { kind: 'distributed' }>;

export class QueryExecutor {
  constructor(
    private readonly duckdb: DuckDBInstance,
    private readonly dispatcher: TaskDispatcher,
    private readonly log: Logger,
  ) {}

  /**
   * Runs SQL that needs no worker (no catalog table) on the session's own connection.
   * An abort of `signal` interrupts it, until the rows are closed.
   */
  async runLocal(connection: DuckDBConnection, sql: string, columns: readonly ColumnSpec[], signal?: AbortSignal): Promise<RowStream> {
    const stopInterrupting = interruptOnAbort(connection, signal);
    try {
      const result = await connection.stream(transportSql(sql, columns, 'client'));
      const batches = resultBatches(result, { columns });
      return { columns, batches: signal ? untilAborted(batches, signal) : batches, stats: [], close: async () => stopInterrupting() };
    } catch (error) {
      stopInterrupting();
      throw signal?.aborted ? abortReason(signal) : error;
    }
  }

  /** runLocal on a connection of its own, for rows that stay open across statements (cursors). */
  async runLocalIsolated(sql: string, columns: readonly ColumnSpec[], options: { readonly timeZone: string; readonly signal: AbortSignal }): Promise<RowStream> {
    const connection = await this.duckdb.connect();
    try {
      await connection.run(`USE memory.${CATALOG_SCHEMA}`);
      await connection.run(`SET SESSION TimeZone = '${options.timeZone.replace(/'/g, "''")}'`);
      const rows = await this.runLocal(connection, sql, columns, options.signal);
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
    const queryId = randomBytes(8).toString('hex');
    const database = `pondgate_q_${queryId}`;
    const connection = await this.duckdb.connect();
    const log = this.log.child({ queryId });
    // Cancel and statement_timeout must also stop the merge, which runs in the gateway's DuckDB.
    const stopInterrupting = interruptOnAbort(connection, options.signal);
    let cleanedUp = false;
    const cleanup = async () => {
      if (cleanedUp) return;
      cleanedUp = true;
      stopInterrupting();
      try {
        await connection.run(`USE memory.${CATALOG_SCHEMA}`);
        await connection.run(`DETACH DATABASE IF EXISTS ${database}`);
      } finally {
        connection.closeSync();
      }
    };
    try {
      await connection.run(`ATTACH ':memory:' AS ${database}`);
      await connection.run(`CREATE SCHEMA ${database}.${CATALOG_SCHEMA}`);
      await connection.run(`USE ${database}.${CATALOG_SCHEMA}`);
      await connection.run(`SET SESSION TimeZone = '${options.timeZone.replace(/'/g, "''")}'`);
      const started = Date.now();
      const stats = await this.gather(plan, queryId, database, connection, options, log);
      log.debug({ ms: Date.now() - started, fragments: stats.map((s) => ({ ...s, workers: [...s.workers] })) }, 'fragments gathered');
      const result = await connection.stream(transportSql(plan.mergeSql, plan.columns, 'client'));
      const batches = untilAborted(resultBatches(result, { columns: plan.columns }), options.signal);
      return { columns: plan.columns, batches, stats, close: cleanup };
    } catch (error) {
      await cleanup();
      throw options.signal.aborted ? abortReason(options.signal) : toSqlError(error);
    }
  }

  /** Runs every task of every fragment concurrently; loads each batch as it arrives. */
  private async gather(
    plan: DistributedPlan,
    queryId: string,
    database: string,
    connection: DuckDBConnection,
    options: ExecutionOptions,
    log: Logger,
  ): Promise<FragmentStats[]> {
    const abort = new AbortController();
    // One listener per running task; a query may have many.
    setMaxListeners(0, abort.signal);
    const onAbort = () => abort.abort(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    // Tell the workers at once: waiting for every task to notice first could take as long as the task.
    abort.signal.addEventListener('abort', () => this.dispatcher.cancel(queryId), { once: true });
    if (options.signal.aborted) onAbort();
    // A DuckDB connection runs one statement at a time: every fragment's DDL and appends take turns.
    const serial = new SerialQueue();
    const sinks = plan.fragments.map((fragment) => new FragmentSink(fragment, database, connection, serial));
    const deadline = options.deadline || Date.now() + 24 * 3600_000;
    try {
      const tasks = plan.fragments.flatMap((fragment, f) =>
        fragment.partitions.map(async (partition) => {
          const stream = this.dispatcher.run(
            {
              queryId,
              fragmentId: fragment.id,
              partition,
              sql: fragment.sql,
              files: partitionPaths(fragment.table.partitions[partition]),
              timeZone: options.timeZone,
              deadline,
            },
            abort.signal,
          );
          for await (const event of stream) {
            if (event.kind === 'batch') await sinks[f].load(event.data);
            else sinks[f].finishTask(event.end.rows, event.end.workerId, event.end.elapsedMs);
          }
        }),
      );
      const outcomes = await Promise.allSettled(tasks.map((t) => t.catch((error: unknown) => {
        // The first failure stops the whole query: other tasks' rows would be useless.
        if (!abort.signal.aborted) abort.abort(toSqlError(error));
        throw error;
      })));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) {
        const reason: unknown = abort.signal.reason;
        throw reason instanceof SqlError ? reason : toSqlError(failed.reason);
      }
      for (const sink of sinks) await sink.complete();
      return sinks.map((s) => s.stats);
    } catch (error) {
      // Aborting is what tells the workers (the listener above), once per query.
      if (!abort.signal.aborted) abort.abort(toSqlError(error));
      for (const sink of sinks) sink.abandon();
      log.info({ err: (error as Error).message }, 'query failed while gathering');
      throw error;
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** Receives the batches of one fragment's tasks into one relation of the query's database. */
class FragmentSink {
  readonly stats: FragmentStats;
  private loader: Promise<{ loader: ArrowToDuckDBLoader; schema: Schema }> | undefined;

  constructor(
    private readonly fragment: Fragment,
    private readonly database: string,
    private readonly connection: DuckDBConnection,
    private readonly serial: SerialQueue,
  ) {
    this.stats = { fragmentId: fragment.id, tasks: 0, rows: 0, batches: 0, bytes: 0, workers: new Set(), elapsedMs: 0 };
  }

  async load(message: Uint8Array): Promise<void> {
    const decoded = decodeMessage(message);
    this.loader ??= this.serial.run(() => this.create(decoded.schema));
    const { loader } = await this.loader;
    await this.serial.run(async () => {
      for (const batch of decoded.batches) {
        if (batch.numRows > 0) loader.append(batch);
      }
    });
    this.stats.batches++;
    this.stats.bytes += message.byteLength;
  }

  finishTask(rows: number, workerId: string, elapsedMs: number): void {
    this.stats.tasks++;
    this.stats.rows += rows;
    this.stats.workers.add(workerId);
    this.stats.elapsedMs = Math.max(this.stats.elapsedMs, elapsedMs);
  }

  async complete(): Promise<void> {
    if (!this.loader) throw new SqlError('XX000', `fragment ${this.fragment.id} received no result schema`);
    const { loader } = await this.loader;
    await this.serial.run(async () => loader.close());
  }

  abandon(): void {
    void this.loader?.then(({ loader }) => loader.close()).catch(() => undefined);
  }

  private async create(schema: Schema): Promise<{ loader: ArrowToDuckDBLoader; schema: Schema }> {
    const staging = { catalog: this.database, schema: CATALOG_SCHEMA, name: `__staging_${this.fragment.id}` };
    const view = { catalog: this.database, schema: CATALOG_SCHEMA, name: this.fragment.relation };
    await this.connection.run(stagingTableSql(schema, staging));
    await this.connection.run(restoreViewSql(schema, view, staging));
    return { loader: await ArrowToDuckDBLoader.create(this.connection, staging, schema), schema };
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
      if (signal.aborted) throw abortReason(signal);
      yield batch;
    }
  } catch (error) {
    throw signal.aborted ? abortReason(signal) : error;
  }
  if (signal.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): SqlError {
  const reason: unknown = signal.reason;
  return reason instanceof SqlError ? reason : new SqlError('57014', 'canceling statement due to user request');
}
