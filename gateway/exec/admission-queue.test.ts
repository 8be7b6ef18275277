import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../src/errors.ts';
import { AdmissionQueue, laneOf, type QuerySlot, type AdmissionLimits } from './admission-queue.ts';

const limits = (overrides: Partial<AdmissionLimits> = {}): AdmissionLimits => ({ maxRunning: 1, maxRunningSmall: 1, queueTimeoutMs: 0, ...overrides });

/** Whether the promise settled by the time queued callbacks (microtasks and a macrotask) have run. */
async function settled<T>(promise: Promise<T>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const neverAborted = new AbortController().signal;

describe('AdmissionQueue', () => {
  it('admits up to the limit at once, with no wait', async () => {
    const queue = new AdmissionQueue(limits({ maxRunning: 2 }));
    const a = await queue.acquire('large', neverAborted);
    const b = await queue.acquire('large', neverAborted);
    assert.equal(a.waitedMs, 0);
    assert.equal(b.waitedMs, 0);
    assert.deepEqual(queue.snapshot(), { running: { small: 0, large: 2 }, queued: { small: 0, large: 0 } });
    const third = queue.acquire('large', neverAborted);
    assert.equal(await settled(third), false, 'the third query waits');
    assert.equal(queue.snapshot().queued.large, 1);
    a.release();
    await third;
  });

  it('grants slots in FIFO order', async () => {
    const queue = new AdmissionQueue(limits());
    const first = await queue.acquire('large', neverAborted);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      queue.acquire('large', neverAborted).then((slot) => {
        order.push(n);
        return slot;
      }),
    );
    await settled(waiting[0]);
    assert.deepEqual(order, []);
    first.release();
    const one = await waiting[0];
    assert.equal(await settled(waiting[1]), false, 'one slot: the second waits for the first to finish');
    one.release();
    (await waiting[1]).release();
    (await waiting[2]).release();
    assert.deepEqual(order, [1, 2, 3]);
    assert.deepEqual(queue.snapshot(), { running: { small: 0, large: 0 }, queued: { small: 0, large: 0 } });
  });

  it('a newcomer does not overtake waiters when a slot frees up', async () => {
    const queue = new AdmissionQueue(limits());
    const first = await queue.acquire('large', neverAborted);
    const waiter = queue.acquire('large', neverAborted);
    first.release();
    const newcomer = queue.acquire('large', neverAborted);
    const granted = await waiter;
    assert.equal(await settled(newcomer), false);
    granted.release();
    (await newcomer).release();
  });

  it('fails with 53300 after the queue timeout, saying how long it waited, and takes no slot', async () => {
    let clock = 1000;
    const queue = new AdmissionQueue(limits({ queueTimeoutMs: 20 }), () => clock);
    const held = await queue.acquire('large', neverAborted);
    const waiting = queue.acquire('large', neverAborted);
    clock += 20;
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof SqlError);
      assert.equal(error.sqlstate, '53300');
      assert.match(error.message, /^too many queries running: waited 20 ms for one of 1 slots/);
      assert.match(error.hint ?? '', /--max-running-queries/);
      return true;
    });
    assert.deepEqual(queue.snapshot(), { running: { small: 0, large: 1 }, queued: { small: 0, large: 0 } });
    held.release();
    const next = await queue.acquire('large', neverAborted);
    assert.equal(next.waitedMs, 0, 'the timed-out waiter left no ghost in the queue');
    next.release();
  });

  it('a cancel while queued leaves the queue at once with the signal reason (57014) and takes no slot', async () => {
    const queue = new AdmissionQueue(limits({ queueTimeoutMs: 60_000 }));
    const held = await queue.acquire('large', neverAborted);
    const cancel = new AbortController();
    const cancelled = queue.acquire('large', cancel.signal);
    const behind = queue.acquire('large', neverAborted);
    cancel.abort(new SqlError('57014', 'canceling statement due to statement timeout'));
    await assert.rejects(cancelled, (error: unknown) => error instanceof SqlError && error.sqlstate === '57014' && /statement timeout/.test(error.message));
    assert.equal(queue.snapshot().queued.large, 1);
    held.release();
    const next = await behind;
    assert.deepEqual(queue.snapshot().running, { small: 0, large: 1 }, 'the cancelled query took no slot');
    next.release();
  });

  it('a cancel without a SqlError reason is reported as 57014', async () => {
    const queue = new AdmissionQueue(limits());
    const held = await queue.acquire('large', neverAborted);
    const cancel = new AbortController();
    const waiting = queue.acquire('large', cancel.signal);
    cancel.abort();
    await assert.rejects(waiting, (error: unknown) => error instanceof SqlError && error.sqlstate === '57014');
    held.release();
  });

  it('an already aborted signal is refused without queueing, even with free slots', async () => {
    const queue = new AdmissionQueue(limits());
    const cancel = new AbortController();
    cancel.abort(new SqlError('57014', 'canceling statement due to user request'));
    await assert.rejects(queue.acquire('large', cancel.signal), (error: unknown) => error instanceof SqlError && error.sqlstate === '57014');
    assert.deepEqual(queue.snapshot(), { running: { small: 0, large: 0 }, queued: { small: 0, large: 0 } });
  });

  it('release is idempotent: a second call frees no one else\'s slot', async () => {
    const queue = new AdmissionQueue(limits({ maxRunning: 2 }));
    const a = await queue.acquire('large', neverAborted);
    const b = await queue.acquire('large', neverAborted);
    a.release();
    a.release();
    a.release();
    assert.equal(queue.snapshot().running.large, 1);
    const c = await queue.acquire('large', neverAborted);
    const d = queue.acquire('large', neverAborted);
    assert.equal(await settled(d), false, 'b and c hold both slots');
    b.release();
    c.release();
    (await d).release();
    assert.equal(queue.snapshot().running.large, 0);
  });

  it('small queries have their own lane: never behind large ones, and bounded too', async () => {
    const queue = new AdmissionQueue(limits({ maxRunning: 1, maxRunningSmall: 1, queueTimeoutMs: 60_000 }));
    const large = await queue.acquire('large', neverAborted);
    const largeWaiting = queue.acquire('large', neverAborted);
    const small = queue.acquire('small', neverAborted);
    assert.equal(await settled(small), true, 'a small query runs while the large lane is full and has a queue');
    const smallSlot = await small;
    assert.equal(smallSlot.lane, 'small');
    const secondSmall = queue.acquire('small', neverAborted);
    assert.equal(await settled(secondSmall), false, 'the small lane has a limit of its own');
    smallSlot.release();
    (await secondSmall).release();
    assert.equal(await settled(largeWaiting), false, 'small releases do not free large slots');
    large.release();
    (await largeWaiting).release();
    assert.deepEqual(queue.snapshot(), { running: { small: 0, large: 0 }, queued: { small: 0, large: 0 } });
  });

  it('reports the time a granted query waited', async () => {
    let clock = 0;
    const queue = new AdmissionQueue(limits(), () => clock);
    const held = await queue.acquire('large', neverAborted);
    const waiting = queue.acquire('large', neverAborted);
    clock = 1234;
    held.release();
    const slot: QuerySlot = await waiting;
    assert.equal(slot.waitedMs, 1234);
    slot.release();
  });

  it('refuses nonsensical limits', () => {
    assert.throws(() => new AdmissionQueue(limits({ maxRunning: 0 })), RangeError);
    assert.throws(() => new AdmissionQueue(limits({ maxRunningSmall: Number.NaN })), RangeError);
    assert.throws(() => new AdmissionQueue(limits({ queueTimeoutMs: -1 })), RangeError);
  });
});

describe('laneOf', () => {
  const stage = (tasks: number) => ({ id: 0, role: 'scan', sql: '', inputs: [], tasks, output: { kind: 'gateway' as const, relation: 't' }, dependsOn: [], skipEmptyTasks: false });
  it('one stage of one task is small; more tasks or more stages are large', () => {
    assert.equal(laneOf({ stages: [stage(1)] }), 'small');
    assert.equal(laneOf({ stages: [stage(2)] }), 'large');
    assert.equal(laneOf({ stages: [stage(1), { ...stage(1), id: 1 }] }), 'large');
  });
});
