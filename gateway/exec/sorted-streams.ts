/**
 * The receiving end of a forwarded ORDER BY over many tasks (plan.forward.ordered): one result
 * spool per task, so each task's sorted stream drains at the worker's pace into its own FIFO
 * (memory within the spools' shared budget, a file beyond it) while the ordered merge
 * (ordered-merge.ts) reads from each one only when the merge needs its next rows.
 */
import type { RecordBatch } from 'apache-arrow';
import { decodeMessage } from '../../src/arrow/ipc.ts';
import type { OrderedForward } from '../plan/plan.ts';
import { orderedMerge, type MergeProgress } from './ordered-merge.ts';
import { ResultSpool, type SpoolSettings } from './spool.ts';

/** What the merge reports to EXPLAIN ANALYZE, and the stage's received messages. */
export interface SortedStreamStats {
  batches: number;
  bytes: number;
  merge?: MergeProgress;
}

export class SortedTaskStreams {
  private readonly spools: ResultSpool[];
  private readonly progress: MergeProgress = { rowsMerged: 0, rowsOut: 0 };

  constructor(
    settings: SpoolSettings,
    tasks: number,
    private readonly ordered: OrderedForward,
    private readonly stats: SortedStreamStats,
  ) {
    // One cap for the query, as one spool would have: each task's file gets its share.
    const share: SpoolSettings = { ...settings, spillLimitBytes: Math.floor(settings.spillLimitBytes / Math.max(1, tasks)) };
    this.spools = Array.from({ length: tasks }, () => new ResultSpool(share));
    stats.merge = this.progress;
  }

  /** A message of task `task`'s stream. */
  async load(message: Uint8Array, task: number): Promise<void> {
    this.stats.batches++;
    this.stats.bytes += message.byteLength;
    await this.spoolOf(task).append(message);
  }

  /** A failed attempt may run again only if it sent nothing: the merge may have used its rows. */
  async discard(task: number): Promise<boolean> {
    return this.spoolOf(task).stats.messages === 0;
  }

  /** Task `task` sent its last message (or was skipped: it has no rows). */
  taskEnded(task: number): void {
    this.spoolOf(task).end();
  }

  async complete(): Promise<void> {}

  abandon(): void {}

  /** Every task has ended. */
  end(): void {
    for (const spool of this.spools) spool.end();
  }

  /** The query failed: the merge's next read throws `error`. */
  fail(error: unknown): void {
    for (const spool of this.spools) spool.fail(error);
  }

  async close(): Promise<void> {
    await Promise.all(this.spools.map((s) => s.close()));
  }

  /** The client's rows: the merged streams, without the sort key, OFFSET and LIMIT applied. */
  merged(): AsyncGenerator<RecordBatch> {
    const { limit, offset } = this.ordered;
    return orderedMerge(this.spools.map(decoded), { offset, ...(limit !== undefined ? { limit } : {}), progress: this.progress });
  }

  private spoolOf(task: number): ResultSpool {
    const spool = this.spools[task];
    if (!spool) throw new Error(`sorted stream of task ${task} does not exist`);
    return spool;
  }
}

async function* decoded(spool: ResultSpool): AsyncGenerator<RecordBatch> {
  for await (const message of spool) {
    for (const batch of decodeMessage(message).batches) if (batch.numRows > 0) yield batch;
  }
}
