/**
 * The worker registry's choices for a task that runs again: never the worker
 * it was lost on, and no live worker left when only that one is; and its probe
 * of a worker's connection, against a real nats-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectNats } from '../../src/cluster/nats-connect.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import type { HeartbeatMessage } from '../../src/cluster/messages.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { WorkerRegistry } from './workers.ts';

const beat = (workerId: string, slots = 2): HeartbeatMessage => ({ workerId, slots, running: 0, version: 'test', startedAt: 0, intervalMs: 2000 });

describe('WorkerRegistry', () => {
  it('picks around the workers a task was lost on, and counts the live ones besides them', () => {
    let now = 0;
    const registry = new WorkerRegistry(() => now);
    registry.record(beat('a', 8));
    registry.record(beat('b', 1));
    assert.equal(registry.pickWorker(), 'a');
    assert.equal(registry.pickWorker(new Set(['a'])), 'b');
    assert.equal(registry.pickWorker(new Set(['a', 'b'])), undefined);
    assert.equal(registry.liveWorkers(new Set(['a'])), 1);
    // b falls silent: only a is alive, and a task lost on a has nowhere else to go.
    now = 5000;
    registry.record(beat('a', 8));
    now = 8500;
    assert.equal(registry.isAlive('b'), false);
    assert.equal(registry.liveWorkers(), 1);
    assert.equal(registry.liveWorkers(new Set(['a'])), 0);
    assert.equal(registry.pickWorker(new Set(['a'])), undefined);
  });
});

describe('WorkerRegistry.probe', () => {
  let nats: RunningNatsServer;
  before(async () => {
    nats = await startNatsServer();
  });
  after(async () => {
    await nats?.stop();
  });

  it('finds a worker gone once its connection closed, and only then', async () => {
    const subjects = clusterSubjects('probe-test');
    const gateway = await connectNats(nats.url, 'gateway');
    const worker = await connectNats(nats.url, 'worker');
    try {
      let answered = 0;
      worker.subscribe(subjects.probeFor('w.1'), {
        callback: (error, msg) => {
          answered++;
          if (!error) msg.respond();
        },
      });
      await worker.flush();
      const registry = new WorkerRegistry();
      registry.listen(gateway, subjects);
      registry.record({ ...beat('w.1'), answersProbes: true });
      // A worker of a version without probes is never asked: no answer proves nothing there.
      registry.record(beat('old'));
      assert.equal(await registry.probe('old'), 'unknown');

      assert.equal(await registry.probe('w.1'), 'present');
      assert.equal(answered, 1);
      assert.equal(registry.isAlive('w.1'), true);

      await worker.close();
      // Past the time tasks share an answer: a new probe goes out and finds no responder.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(await registry.probe('w.1'), 'gone');
      assert.equal(registry.disconnected('w.1'), true);
      assert.equal(registry.isAlive('w.1'), false, 'a worker found gone is not alive, whatever its last heartbeat said');
      assert.equal(registry.pickWorker(), 'old');
      registry.stop();
    } finally {
      await gateway.close();
      if (!worker.isClosed()) await worker.close();
    }
  });
});
