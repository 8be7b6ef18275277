/**
 * Admission control for distributed queries (--max-running-queries,
 * --queue-timeout-ms). Not to be confused with gateway/wire/admission.ts,
 * which limits client connections.
 *
 * A distributed query takes a running-query slot before its first task is
 * sent and holds it until its RowStream is closed: the merge that streams the
 * rows runs in the gateway's DuckDB, so a query whose rows are still being
 * read still costs the gateway memory and CPU. Queries that find no free slot
 * wait in a FIFO queue, for at most the queue timeout.
 *
 * Two lanes, each with its own limit and its own queue:
 * - `small`: plans of one stage with one task (a lookup, a small table, a
 *   filter on one partition). Their cost is one worker slot for a short time,
 *   and they are what interactive clients send; behind a queue of scans of
 *   the whole fact table they would wait for minutes. A lane of their own,
 *   bounded too, because thousands of small queries still take the workers'
 *   slots and the gateway's connections.
 * - `large`: every other distributed plan.
 * Local plans (no catalog table: `SELECT 1`, catalog queries, DESCRIBE) never
 * reach the queue: they use no worker, and a client's connection check must
 * not wait for a slot.
 *
 * Errors: a query that waited the whole queue timeout fails with 53300
 * (insufficient resources, as PostgreSQL reports too many connections), so a
 * client can tell "the gateway is busy, retry later" from a cancel. A query
 * whose AbortSignal fires while it waits (CancelRequest, statement_timeout,
 * client gone) leaves the queue at once with the signal's reason (57014) and
 * never takes a slot.
 *
 * Pure: no I/O, no logging; the clock is injectable for tests.
 */
import { SqlError } from '../../src/errors.ts';
import { abortError } from './interrupt.ts';
import type { DistributedPlan } from '../plan/plan.ts';

export type Lane = 'small' | 'large';

export interface AdmissionLimits {
  /** Distributed queries of the large lane running at once. */
  readonly maxRunning: number;
  /** Single-task queries running at once, in their own lane. */
  readonly maxRunningSmall: number;
  /** Longest wait in the queue before 53300; 0 waits without limit (cancel and statement_timeout still apply). */
  readonly queueTimeoutMs: number;
}

/** A held running-query slot. */
export interface QuerySlot {
  readonly lane: Lane;
  /** Time spent in the queue (0 when a slot was free). */
  readonly waitedMs: number;
  /** Gives the slot back; later calls do nothing, so every exit path may call it. */
  release(): void;
}

export interface AdmissionSnapshot {
  readonly running: Readonly<Record<Lane, number>>;
  readonly queued: Readonly<Record<Lane, number>>;
}

export const UNLIMITED_ADMISSION: AdmissionLimits = { maxRunning: Infinity, maxRunningSmall: Infinity, queueTimeoutMs: 0 };

/** The lane of a distributed plan: one stage of one task is small. */
export function laneOf(plan: Pick<DistributedPlan, 'stages'>): Lane {
  return plan.stages.length === 1 && plan.stages[0].tasks === 1 ? 'small' : 'large';
}

interface Waiter {
  readonly grant: () => void;
}

class LaneState {
  running = 0;
  /** Insertion-ordered: the first waiter is the oldest, and leaving from the middle is O(1). */
  readonly waiters = new Set<Waiter>();

  constructor(readonly limit: number) {}
}

export class AdmissionQueue {
  private readonly lanes: Record<Lane, LaneState>;

  constructor(
    readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, value] of [['maxRunning', limits.maxRunning], ['maxRunningSmall', limits.maxRunningSmall]] as const) {
      if (!(value >= 1)) throw new RangeError(`${name} must be at least 1, not ${value}`);
    }
    if (!(limits.queueTimeoutMs >= 0)) throw new RangeError(`queueTimeoutMs must be 0 or more, not ${limits.queueTimeoutMs}`);
    this.lanes = { small: new LaneState(limits.maxRunningSmall), large: new LaneState(limits.maxRunning) };
  }

  /**
   * A slot of `lane`, at once when one is free and nobody waits for it, else
   * after the queries queued before this one. Rejects with 53300 after the queue
   * timeout, or with the signal's reason (57014) when it aborts first.
   */
  acquire(lane: Lane, signal?: AbortSignal): Promise<QuerySlot> {
    const state = this.lanes[lane];
    if (signal?.aborted) return Promise.reject(abortError(signal));
    // Releases hand free slots to waiters synchronously, so a free slot and a queue never
    // coexist here; the second test only keeps a newcomer from overtaking should that change.
    if (state.running < state.limit && state.waiters.size === 0) {
      state.running++;
      return Promise.resolve(this.slot(state, lane, 0));
    }
    return new Promise<QuerySlot>((resolve, reject) => {
      const enqueuedAt = this.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = () => {
        state.waiters.delete(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(abortError(signal!));
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          state.running++;
          resolve(this.slot(state, lane, this.now() - enqueuedAt));
        },
      };
      state.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.limits.queueTimeoutMs > 0) {
        timer = setTimeout(() => {
          leave();
          reject(queueTimeoutError(lane, state.limit, this.now() - enqueuedAt));
        }, this.limits.queueTimeoutMs);
      }
    });
  }

  snapshot(): AdmissionSnapshot {
    return {
      running: { small: this.lanes.small.running, large: this.lanes.large.running },
      queued: { small: this.lanes.small.waiters.size, large: this.lanes.large.waiters.size },
    };
  }

  private slot(state: LaneState, lane: Lane, waitedMs: number): QuerySlot {
    let released = false;
    return {
      lane,
      waitedMs,
      release: () => {
        if (released) return;
        released = true;
        state.running--;
        this.grantFree(state);
      },
    };
  }

  /** Hands free slots to the oldest waiters. */
  private grantFree(state: LaneState): void {
    while (state.running < state.limit) {
      const first = state.waiters.values().next();
      if (first.done) return;
      first.value.grant();
    }
  }
}


function queueTimeoutError(lane: Lane, limit: number, waitedMs: number): SqlError {
  const what = lane === 'small' ? 'single-task queries' : 'distributed queries';
  return new SqlError(
    '53300',
    `too many queries running: waited ${waitedMs} ms for one of ${limit} slots for ${what}`,
    undefined,
    lane === 'small'
      ? 'Retry later, or raise the gateway\'s --max-running-small-queries or --queue-timeout-ms.'
      : 'Retry later, or raise the gateway\'s --max-running-queries or --queue-timeout-ms.',
  );
}
