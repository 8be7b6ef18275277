/**
 * NATS subjects of one pondgate cluster. Everything lives under
 * `pondgate.<cluster>.`, so several clusters can share one NATS server.
 */
const CLUSTER_NAME = /^[A-Za-z0-9_-]+$/;

export interface ClusterSubjects {
  /** Tasks; workers subscribe in the queue group below, so each task reaches one worker. */
  readonly task: string;
  readonly workerQueue: string;
  /** Workers announce themselves here every few seconds. */
  readonly heartbeat: string;
  /** A gateway asks every worker for a heartbeat now (when it starts). */
  readonly ping: string;
  /** Broadcast: stop every task of a query. */
  readonly cancel: string;
  /** Per task attempt: result stream from the worker to the gateway. */
  result(taskKey: string): string;
  /** Per task attempt: flow-control credits from the gateway to the worker. */
  credit(taskKey: string): string;
}

export function clusterSubjects(cluster: string): ClusterSubjects {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new Error(`cluster name ${JSON.stringify(cluster)} may only contain letters, digits, '_' and '-'`);
  }
  const prefix = `pondgate.${cluster}`;
  return {
    task: `${prefix}.task`,
    workerQueue: `${prefix}.workers`,
    heartbeat: `${prefix}.heartbeat`,
    ping: `${prefix}.ping`,
    cancel: `${prefix}.cancel`,
    result: (taskKey) => `${prefix}.result.${taskKey}`,
    credit: (taskKey) => `${prefix}.credit.${taskKey}`,
  };
}
