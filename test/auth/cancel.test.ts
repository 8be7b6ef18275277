/**
 * CancelRequest end to end: a client's running statement is interrupted by a
 * CancelRequest on a second connection carrying the BackendKeyData pid/key,
 * fails with 57014, and the session stays usable. For a distributed query the
 * cancel must also reach the workers: the test watches NATS for the
 * gateway's cancel broadcast and for the workers' 57014 task errors.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { decodeJson, readResultHeaders, type TaskErrorMessage } from '../../src/cluster/messages.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';
import { RawConnection, cancelRequest } from './raw.ts';

interface Keys {
  processID: number;
  secretKey: number;
}

async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const raw = await RawConnection.open(port);
  raw.write(cancelRequest(processId, secretKey));
  assert.ok(await raw.waitClosed(), 'the gateway closes a CancelRequest connection');
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value, at: Date.now() }),
    (error: { code?: string; message: string }) => ({ error, at: Date.now() }),
  );

describe('CancelRequest', { timeout: 3 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let nc: NatsConnection;
  let client: pg.Client;

  before(async () => {
    temp = await makeTempDir('cancel');
    const data = path.join(temp.dir, 'data');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '2', '--into', data]);
    // The gateway's own lane off: the second test watches a query's tasks reach the workers over NATS,
    // and at this size the planner may run that query as one task, which the lane would take.
    cluster = await startTestCluster(data, { workers: 1, gatewayArgs: ['--local-lane-mb', '0'] });
    nc = await connect({ servers: cluster.natsUrl });
    client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'tester', database: 'pondgate' });
    await client.connect();
  });

  after(async () => {
    await client?.end().catch(() => undefined);
    await nc?.close();
    await cluster?.stop();
    await temp?.remove();
  });

  it('cancels a long statement with 57014 only for the right key, and the session stays usable', async () => {
    const keys = client as unknown as Keys;
    // Hours uncancelled: DuckDB counts 10^10 range rows in about 2 s, which a quiet machine finished
    // within this test's waits.
    const running = settle(client.query('SELECT count(*) FROM range(10000000000000)'));
    await new Promise((r) => setTimeout(r, 1000));
    await sendCancel(cluster.port, keys.processID, keys.secretKey ^ 1);
    const early = await Promise.race([running, new Promise((r) => setTimeout(() => r('still running'), 1000))]);
    assert.equal(early, 'still running', 'a CancelRequest with the wrong key must not cancel');
    const sent = Date.now();
    await sendCancel(cluster.port, keys.processID, keys.secretKey);
    const outcome = await running;
    assert.ok('error' in outcome, 'the statement was cancelled');
    assert.equal(outcome.error.code, '57014');
    assert.equal(outcome.error.message, 'canceling statement due to user request');
    assert.ok(outcome.at - sent < 5000, `cancelled ${outcome.at - sent} ms after the request`);
    assert.deepEqual((await client.query('SELECT 42 AS answer')).rows, [{ answer: 42 }]);
  });

  it('cancels a distributed query on the workers too', async () => {
    const subjects = clusterSubjects('test');
    const cancels: string[] = [];
    const taskErrors: TaskErrorMessage[] = [];
    const cancelSub = nc.subscribe(subjects.cancel, { callback: (_e, msg) => cancels.push(decodeJson<{ queryId: string }>(msg.data).queryId) });
    const resultSub = nc.subscribe(`${subjects.resultsPrefix}.>`, {
      callback: (_e, msg) => {
        if (readResultHeaders(msg.headers)?.kind === 'error') taskErrors.push(decodeJson<TaskErrorMessage>(msg.data));
      },
    });
    try {
      const keys = client as unknown as Keys;
      // Heavy per-row work inside each worker task (the aggregate is pushed down): tens of
      // seconds uncancelled. The cancel goes out once the tasks were handed to the workers.
      // Tasks go to the queue group's subject, or to one worker's (`<task>.to.<worker>`).
      const tasksSeen = new Promise<void>((resolve) => {
        for (const subject of [subjects.task, `${subjects.task}.>`]) {
          const taskSub = nc.subscribe(subject, { max: 1, callback: () => resolve() });
          void taskSub.closed;
        }
      });
      const running = settle(client.query('SELECT max(md5(repeat(l_comment, 2000))) FROM lineitem'));
      await tasksSeen;
      await new Promise((r) => setTimeout(r, 500));
      await sendCancel(cluster.port, keys.processID, keys.secretKey);
      const outcome = await running;
      assert.ok('error' in outcome, 'the statement was cancelled');
      assert.equal(outcome.error.code, '57014');
      const deadline = Date.now() + 10_000;
      while (taskErrors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(cancels.length >= 1, 'the gateway broadcast a cancel for the query');
      assert.ok(taskErrors.length > 0, 'a worker stopped its task');
      assert.ok(taskErrors.every((e) => e.sqlstate === '57014'), JSON.stringify(taskErrors));
      assert.deepEqual((await client.query('SELECT count(*)::INTEGER AS n FROM nation')).rows, [{ n: 25 }]);
    } finally {
      cancelSub.unsubscribe();
      resultSub.unsubscribe();
    }
  });
});
