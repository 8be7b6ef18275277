/**
 * The gateway's view of the cluster's workers, from their heartbeats: who is
 * alive, how many task slots they offer (the planner sizes stages by it), and
 * when a worker that holds a task has gone quiet for too long — then the task,
 * and its query, fail within seconds instead of waiting forever.
 */
import type { NatsConnection, Subscription } from 'nats';
import { decodeJson, type HeartbeatMessage } from '../../src/cluster/messages.ts';
import type { ClusterSubjects } from '../../src/cluster/subjects.ts';

const DEFAULT_SLOTS = 4;

/** Heartbeats a worker may miss before it is presumed dead. */
const MISSED_HEARTBEATS = 3;

interface WorkerState {
  readonly heartbeat: HeartbeatMessage;
  readonly lastSeen: number;
}

export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerState>();
  /** Tasks this gateway placed on each worker that have not finished. */
  private readonly placed = new Map<string, number>();
  private turn = 0;
  private subscription: Subscription | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  listen(nc: NatsConnection, subjects: ClusterSubjects): void {
    this.subscription = nc.subscribe(subjects.heartbeat, {
      callback: (error, msg) => {
        if (error) return;
        try {
          this.record(decodeJson<HeartbeatMessage>(msg.data));
        } catch {
          // A malformed heartbeat says nothing about any worker.
        }
      },
    });
    // Workers that started before this gateway answer at once instead of at their next beat.
    nc.publish(subjects.ping);
  }

  /** Resolves once a worker has been heard from, or after `timeoutMs`. */
  async waitForWorkers(timeoutMs: number): Promise<void> {
    const until = this.now() + timeoutMs;
    while (this.workers.size === 0 && this.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  record(heartbeat: HeartbeatMessage): void {
    this.workers.set(heartbeat.workerId, { heartbeat, lastSeen: this.now() });
  }

  /** Milliseconds after which a silent worker is presumed dead. */
  deadline(workerId: string): number {
    const interval = this.workers.get(workerId)?.heartbeat.intervalMs ?? 2000;
    return MISSED_HEARTBEATS * interval + 1000;
  }

  /** Unknown workers count as alive: their first heartbeat may still be on its way. */
  isAlive(workerId: string): boolean {
    const state = this.workers.get(workerId);
    return !state || this.now() - state.lastSeen <= this.deadline(workerId);
  }

  /** Seconds since the worker's last heartbeat. */
  silentFor(workerId: string): number {
    const state = this.workers.get(workerId);
    return state ? (this.now() - state.lastSeen) / 1000 : 0;
  }

  /**
   * Task slots of the workers alive now. Before any worker was heard from, the default
   * cluster's (2 workers × 2 slots): a query then waits for workers, or fails with 57P03.
   */
  liveSlots(): number {
    if (this.workers.size === 0) return DEFAULT_SLOTS;
    let slots = 0;
    for (const [id, state] of this.workers) if (this.isAlive(id)) slots += state.heartbeat.slots;
    return Math.max(1, slots);
  }

  /**
   * The live worker with the most free task slots by this gateway's own count of the tasks it
   * placed there (ties in turn), other than those in `avoid` (a task's re-run goes elsewhere);
   * undefined when no such worker has been heard from.
   */
  pickWorker(avoid?: ReadonlySet<string>): string | undefined {
    let best: string | undefined;
    let bestFree = Number.NEGATIVE_INFINITY;
    const ids = [...this.workers.keys()].filter((id) => this.isAlive(id) && !avoid?.has(id));
    if (ids.length === 0) return undefined;
    // Start after the last pick, so equal workers take turns.
    const start = (this.turn = (this.turn + 1) % ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[(start + i) % ids.length];
      const free = this.workers.get(id)!.heartbeat.slots - (this.placed.get(id) ?? 0);
      if (free > bestFree) {
        best = id;
        bestFree = free;
      }
    }
    return best;
  }

  /** Counts a task placed on a worker until `release` is called. */
  place(workerId: string): () => void {
    this.placed.set(workerId, (this.placed.get(workerId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.placed.get(workerId) ?? 1) - 1;
      if (left <= 0) this.placed.delete(workerId);
      else this.placed.set(workerId, left);
    };
  }

  /** Workers alive now, not counting those in `besides`. */
  liveWorkers(besides?: ReadonlySet<string>): number {
    return [...this.workers.keys()].filter((id) => this.isAlive(id) && !besides?.has(id)).length;
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
