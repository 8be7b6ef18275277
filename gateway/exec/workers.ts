/**
 * The gateway's view of the cluster's workers, from their heartbeats: who is
 * alive, how many task slots they offer (the planner sizes stages by it), and
 * when a worker that holds a task has gone quiet for too long — then the task,
 * and its query, fail within seconds instead of waiting forever. A worker whose
 * process died is found sooner by a probe: NATS drops a dead process's
 * connection at once, so a request to the worker's probe subject finds no
 * responder (503), while heartbeats would take several intervals to be missed.
 */
import type { NatsConnection, Subscription } from 'nats';
import { decodeJson, type HeartbeatMessage } from '../../src/cluster/messages.ts';
import type { ClusterSubjects } from '../../src/cluster/subjects.ts';
import { requestFailure } from '../../src/cluster/nats-connect.ts';

const DEFAULT_SLOTS = 4;

/** Heartbeats a worker may miss before it is presumed dead. */
const MISSED_HEARTBEATS = 3;
/** A probe that gets no answer in this time says nothing (a busy worker, a slow network). */
const PROBE_TIMEOUT_MS = 2000;
/** Tasks on the same worker share a probe's answer for this long. */
const PROBE_REUSE_MS = 500;

interface WorkerState {
  readonly heartbeat: HeartbeatMessage;
  readonly lastSeen: number;
}

/** What a probe found: `gone` only when NATS said no one subscribes to the worker's probe subject. */
export type ProbeResult = 'gone' | 'present' | 'unknown';

export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerState>();
  /** Tasks this gateway placed on each worker that have not finished. */
  private readonly placed = new Map<string, number>();
  private turn = 0;
  private subscription: Subscription | undefined;
  private nc: NatsConnection | undefined;
  private subjects: ClusterSubjects | undefined;
  /** Workers a probe found gone: their connection to NATS closed. */
  private readonly gone = new Set<string>();
  private readonly probes = new Map<string, { readonly at: number; readonly result: Promise<ProbeResult> }>();

  constructor(private readonly now: () => number = Date.now) {}

  listen(nc: NatsConnection, subjects: ClusterSubjects): void {
    this.nc = nc;
    this.subjects = subjects;
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
    if (this.gone.has(workerId)) return false;
    const state = this.workers.get(workerId);
    return !state || this.now() - state.lastSeen <= this.deadline(workerId);
  }

  /** Whether a probe found the worker's connection to NATS closed. */
  disconnected(workerId: string): boolean {
    return this.gone.has(workerId);
  }

  /**
   * Asks NATS whether the worker is still connected (see the module comment). `unknown` for a
   * worker that does not answer probes (an older version) or when the answer takes too long;
   * only `gone` is proof. Tasks on the same worker share one probe at a time.
   */
  probe(workerId: string): Promise<ProbeResult> {
    if (this.gone.has(workerId)) return Promise.resolve('gone');
    const nc = this.nc;
    const subjects = this.subjects;
    if (!nc || !subjects || this.workers.get(workerId)?.heartbeat.answersProbes !== true) return Promise.resolve('unknown');
    const recent = this.probes.get(workerId);
    if (recent && this.now() - recent.at < PROBE_REUSE_MS) return recent.result;
    const result = nc.request(subjects.probeFor(workerId), undefined, { timeout: PROBE_TIMEOUT_MS }).then(
      (): ProbeResult => 'present',
      (error: unknown): ProbeResult => {
        if (requestFailure(error) !== 'no responders') return 'unknown';
        this.gone.add(workerId);
        return 'gone';
      },
    );
    for (const [id, old] of this.probes) if (this.now() - old.at >= PROBE_REUSE_MS) this.probes.delete(id);
    this.probes.set(workerId, { at: this.now(), result });
    return result;
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
