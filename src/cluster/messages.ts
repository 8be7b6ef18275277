/**
 * Message schemas between gateway and workers. Tasks and control messages are
 * JSON; result batches are Arrow IPC bytes. The kind of a result message is in
 * a NATS header so a batch needs no envelope (and no copy).
 */
import { headers as natsHeaders, type MsgHdrs } from 'nats';

/** Where a task's files live: the shared data directory, or the shared scratch directory. */
export type StorageRoot = 'data' | 'scratch';

export interface InputColumn {
  readonly name: string;
  /** DuckDB type string. */
  readonly type: string;
}

/**
 * A relation the task SQL reads by `name`: the union of `files` (Parquet, relative to
 * `root`). With no files (an empty bucket of an exchange) the worker creates an empty
 * relation with `columns`, so the SQL still binds.
 */
export interface TaskInput {
  readonly name: string;
  readonly root: StorageRoot;
  readonly files: readonly string[];
  readonly columns: readonly InputColumn[];
  /**
   * The task's result does not depend on the order of this input's rows: its stage has
   * several tasks, whose rows reach the next step in no particular order. Without it the
   * rows must come in file order (a POSITIONAL JOIN, an unordered list() in one task).
   */
  readonly anyOrder?: boolean;
}

/**
 * Where a task's rows go:
 * - `stream`: Arrow batches to the gateway over NATS, under credit-based flow control;
 * - `buckets`: Parquet files in the shared scratch directory, split by the value of the
 *   SQL's last column (the bucket number, 0..buckets-1, computed by planner-rendered SQL),
 *   which is not written to the files;
 * - `files`: one Parquet file set with all rows (also when there are none: the file then
 *   still carries the schema).
 * File outputs go to a directory the worker derives from the task's identity
 * (query, stage, task, attempt) under `scratchPrefix`: never a path chosen by SQL.
 */
export type TaskOutput =
  /**
   * Arrow batches on the result subject; `client`: the rows go to a client as they are (nested
   * values as JSON text, see transportSql); `batchFiles`: large batches go through the scratch
   * directory instead of NATS (see BatchFiles).
   */
  | { readonly kind: 'stream'; readonly client?: boolean; readonly batchFiles?: BatchFiles }
  | { readonly kind: 'buckets'; readonly scratchPrefix: string; readonly buckets: number }
  | { readonly kind: 'files'; readonly scratchPrefix: string };

/**
 * A streamed task's batches of at least `minBytes` are written by the worker as files of the
 * attempt's scratch directory (under `scratchPrefix`, see batchFilePath) and announced by a
 * small `file` message (FileBatchMessage) in their place in the stream; the gateway reads each
 * once and removes it. One batch through NATS is copied by the worker's client, the server and
 * the gateway's client (which gathers it from 64 KB socket reads into buffers it regrows); a
 * file is written once and read once, and the message bus carries only its name.
 */
export interface BatchFiles {
  readonly scratchPrefix: string;
  readonly minBytes: number;
}

/** A batch in a file: its scratch-relative path and size (the Arrow IPC message, as a `batch` carries it). */
export interface FileBatchMessage {
  readonly file: string;
  readonly bytes: number;
}

/** Name of the last column of a `buckets` task's SQL. */
export const BUCKET_COLUMN = '__pondgate_bucket';

export interface TaskMessage {
  readonly queryId: string;
  readonly stageId: number;
  /** Task index within the stage (a partition group or a bucket). */
  readonly task: number;
  /** Attempt number; results and files of a superseded attempt are never read. */
  readonly attempt: number;
  /** A DuckDB SELECT rendered by the planner; reads only the relations named in `inputs`. */
  readonly sql: string;
  /**
   * Set when the SQL is too large for a NATS message (a client's list of a million literals):
   * then `sql` is empty and the SQL is in this scratch-relative file, which the gateway removes
   * when the attempt ends.
   */
  readonly sqlFile?: string;
  readonly inputs: readonly TaskInput[];
  readonly output: TaskOutput;
  /** `small`: the only task of a one-task plan (a lookup): it may use the worker's small-task slot when every other slot is busy. */
  readonly lane?: 'small';
  /** Run with DuckDB's top-N optimizer off: the statement meets its wrong-results bug (src/duckdb/top-n-guard.ts). */
  readonly withoutTopN?: boolean;
  /** Where the worker publishes this attempt's results (under ClusterSubjects.resultsPrefix). */
  readonly resultSubject: string;
  /** How many batches the worker may send before it waits for more credit. */
  readonly initialCredits: number;
  /** Upper bound on one NATS message (the server's max_payload minus headroom). */
  readonly maxMessageBytes: number;
  /** Session TimeZone; timestamptz functions must agree with the gateway's. */
  readonly timeZone: string;
  /** Epoch milliseconds after which the worker abandons the task. */
  readonly deadline: number;
}

/** A file a task wrote, relative to the scratch directory. */
export interface WrittenFile {
  /** Bucket number for `buckets` outputs; 0 for `files`. */
  readonly bucket: number;
  readonly path: string;
}

export interface CreditMessage {
  readonly credits: number;
}

export interface CancelMessage {
  readonly queryId: string;
  /**
   * Only the attempt that publishes on this result subject: one the gateway gave up on while its
   * worker may still run it (its rows are no longer read; the task runs again elsewhere). Without
   * it, every task of the query. (A worker that predates the field stops the whole query: the
   * query then fails with 57014 rather than waiting.)
   */
  readonly resultSubject?: string;
}

export interface HeartbeatMessage {
  readonly workerId: string;
  readonly slots: number;
  readonly running: number;
  readonly version: string;
  readonly startedAt: number;
  /** How often the worker sends heartbeats: a gateway that misses several presumes it dead. */
  readonly intervalMs: number;
  /** The worker answers on ClusterSubjects.probeFor(workerId); a gateway probes only workers that say so. */
  readonly answersProbes?: boolean;
}

/**
 * `part`: a piece of a batch message larger than a NATS message; the pieces up to the next
 * `batch` join into one. `file`: a batch written to a file (FileBatchMessage, never after parts).
 */
export type ResultKind = 'ack' | 'part' | 'batch' | 'file' | 'end' | 'error';

export interface AckMessage {
  readonly workerId: string;
  /** Where the gateway sends this attempt's flow-control credits (under ClusterSubjects.creditsPrefix). */
  readonly creditSubject: string;
}

export interface EndMessage {
  readonly rows: number;
  readonly batches: number;
  readonly elapsedMs: number;
  readonly workerId: string;
  /** Columns of the task's result (without the bucket column). */
  readonly columns: readonly InputColumn[];
  /** Files written, for `buckets` and `files` outputs. */
  readonly files: readonly WrittenFile[];
  /** Bytes of the files written. */
  readonly bytesWritten: number;
}

export interface TaskErrorMessage {
  readonly sqlstate: string;
  readonly message: string;
  readonly workerId: string;
  /** The failure is the worker's, not the query's (it is shutting down): the task may run again on another worker. */
  readonly workerFault?: boolean;
}

const KIND_HEADER = 'Pondgate-Kind';
const SEQUENCE_HEADER = 'Pondgate-Seq';

export function resultHeaders(kind: ResultKind, sequence: number): MsgHdrs {
  const h = natsHeaders();
  h.set(KIND_HEADER, kind);
  h.set(SEQUENCE_HEADER, String(sequence));
  return h;
}

export function readResultHeaders(h: MsgHdrs | undefined): { kind: ResultKind; sequence: number } | undefined {
  const kind = h?.get(KIND_HEADER);
  const sequence = Number(h?.get(SEQUENCE_HEADER));
  if (kind !== 'ack' && kind !== 'part' && kind !== 'batch' && kind !== 'file' && kind !== 'end' && kind !== 'error') return undefined;
  if (!Number.isInteger(sequence)) return undefined;
  return { kind, sequence };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
