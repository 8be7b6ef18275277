/**
 * The worker registry's choices for a task that runs again: never the worker
 * it was lost on, and no live worker left when only that one is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeartbeatMessage } from '../../src/cluster/messages.ts';
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
