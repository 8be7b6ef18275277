/**
 * NATS subjects of one pondgate cluster. Everything lives under
 * `pondgate.<cluster>.`, so several clusters can share one NATS server.
 */
const CLUSTER_NAME = /^[A-Za-z0-9_-]+$/;

export interface ClusterSubjects {
  /** Tasks; workers subscribe in the queue group below, so each task reaches one worker. */
  readonly task: string;
  readonly workerQueue: string;
  /** Tasks for one worker: the gateway places tasks where slots are free, the queue group is the fallback. */
  taskFor(workerId: string): string;
  /** Workers announce themselves here every few seconds. */
  readonly heartbeat: string;
  /** A gateway asks every worker for a heartbeat now (when it starts). */
  readonly ping: string;
  /**
   * One worker answers requests here while it is connected: a request that finds no responder
   * (NATS' 503) means the worker's connection is gone, which NATS knows at once when its process dies.
   */
  probeFor(workerId: string): string;
  /** Broadcast: stop every task of a query. */
  readonly cancel: string;
  /** Result streams from workers to gateways: `<prefix>.<gateway token>.<task attempt>` (one subscription per gateway). */
  readonly resultsPrefix: string;
  /** Flow-control credits from gateways to workers: `<prefix>.<worker token>.<task attempt>` (one subscription per worker). */
  readonly creditsPrefix: string;
}

/** A worker id holds a host name (dots and all): as one subject token, its other characters become `_`. */
export function workerToken(workerId: string): string {
  return workerId.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function clusterSubjects(cluster: string): ClusterSubjects {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new Error(`cluster name ${JSON.stringify(cluster)} may only contain letters, digits, '_' and '-'`);
  }
  const prefix = `pondgate.${cluster}`;
  return {
    task: `${prefix}.task`,
    workerQueue: `${prefix}.workers`,
    taskFor: (workerId) => `${prefix}.task.to.${workerToken(workerId)}`,
    heartbeat: `${prefix}.heartbeat`,
    ping: `${prefix}.ping`,
    probeFor: (workerId) => `${prefix}.probe.${workerToken(workerId)}`,
    cancel: `${prefix}.cancel`,
    resultsPrefix: `${prefix}.result`,
    creditsPrefix: `${prefix}.credit`,
  };
}
