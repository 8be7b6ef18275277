/**
 * The result spool: order across the memory/disk boundary, memory within its
 * budget under a slow consumer, the spill limit as SQLSTATE 53100, and the spill
 * file gone however the spool ends (end, fail, close).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { SqlError } from '../../src/errors.ts';
import { MemoryBudget, ResultSpool, SpoolClosedError, type SpoolSettings } from './spool.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-spool-test-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (budgetBytes: number, spillLimitBytes = 1 << 30): SpoolSettings => ({ budget: new MemoryBudget(budgetBytes), directory: dir, spillLimitBytes });

/** A message whose bytes say which one it is (index in the first 4 bytes, then a pattern). */
function message(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(4, size));
  new DataView(bytes.buffer).setUint32(0, index, true);
  for (let i = 4; i < bytes.length; i++) bytes[i] = (index + i) & 0xff;
  return bytes;
}

function indexOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

async function spillFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('spool-'));
}

async function drain(spool: ResultSpool, delayEvery = 0): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of spool) {
    out.push(m);
    if (delayEvery > 0 && out.length % delayEvery === 0) await sleep(1);
  }
  return out;
}

describe('result spool', () => {
  it('keeps order across the memory/disk boundary (random sizes and budgets)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 0, max: 20 }),
        async (sizes, budgetBytes, consumerDelayEvery) => {
          const spool = new ResultSpool(settings(budgetBytes));
          const consumed = drain(spool, consumerDelayEvery);
          const sent = sizes.map((size, i) => message(i, size));
          for (const m of sent) await spool.append(m);
          spool.end();
          const received = await consumed;
          assert.equal(received.length, sent.length);
          received.forEach((m, i) => assert.deepEqual(m, sent[i], `message ${i}`));
          assert.equal(spool.stats.memoryBytes, 0);
          assert.deepEqual(await spillFiles(), []);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a consumer slower than the producer keeps memory within the budget; the rest spills', async () => {
    const budget = new MemoryBudget(64 * 1024);
    const spool = new ResultSpool({ budget, directory: dir, spillLimitBytes: 1 << 30 });
    let peakUsed = 0;
    const consumed = (async () => {
      let n = 0;
      for await (const m of spool) {
        assert.equal(indexOf(m), n++);
        peakUsed = Math.max(peakUsed, budget.used);
        await sleep(2);
      }
      return n;
    })();
    const count = 300;
    for (let i = 0; i < count; i++) {
      await spool.append(message(i, 1000 + ((i * 7919) % 9000)));
      peakUsed = Math.max(peakUsed, budget.used);
    }
    // The producer is done long before the consumer: the workers' slots would be free.
    assert.ok(spool.stats.spilledMessages > 0, 'expected some messages to spill');
    spool.end();
    assert.equal(await consumed, count);
    assert.ok(peakUsed <= budget.limitBytes, `memory ${peakUsed} above budget ${budget.limitBytes}`);
    assert.ok(spool.stats.peakMemoryBytes <= budget.limitBytes);
    assert.equal(budget.used, 0);
    assert.deepEqual(await spillFiles(), []);
  });

  it('concurrent spools share one budget and give it back', async () => {
    const budget = new MemoryBudget(10_000);
    const spools = [new ResultSpool({ budget, directory: dir, spillLimitBytes: 1 << 20 }), new ResultSpool({ budget, directory: dir, spillLimitBytes: 1 << 20 })];
    for (let i = 0; i < 20; i++) for (const spool of spools) await spool.append(message(i, 1000));
    assert.ok(budget.used <= 10_000);
    assert.equal(spools[0].stats.memoryBytes + spools[1].stats.memoryBytes, budget.used);
    for (const spool of spools) spool.end();
    const results = await Promise.all(spools.map((s) => drain(s)));
    for (const result of results) assert.deepEqual(result.map(indexOf), Array.from({ length: 20 }, (_, i) => i));
    assert.equal(budget.used, 0);
  });

  it('exceeding the spill limit fails the query with 53100, for producer and consumer, and removes the file', async () => {
    const spool = new ResultSpool(settings(0, 2 * 1024 * 1024));
    let appendError: unknown;
    try {
      for (let i = 0; i < 100; i++) await spool.append(message(i, 64 * 1024));
    } catch (error) {
      appendError = error;
    }
    assert.ok(appendError instanceof SqlError);
    assert.equal(appendError.sqlstate, '53100');
    assert.match(appendError.message, /could not write to temporary file: result spill limit of 2 MB exceeded/);
    // No partial result: the consumer gets the error, not the messages that fitted.
    await assert.rejects(drain(spool), (error: unknown) => error instanceof SqlError && error.sqlstate === '53100');
    await spool.close();
    assert.deepEqual(await spillFiles(), []);
  });

  it('fail() reaches a waiting consumer and removes the spill file', async () => {
    const spool = new ResultSpool(settings(0));
    await spool.append(message(0, 100));
    await spool.append(message(1, 100));
    assert.equal((await spillFiles()).length, 1);
    const iterator = spool[Symbol.asyncIterator]();
    assert.equal(indexOf((await iterator.next()).value as Uint8Array), 0);
    spool.fail(new SqlError('XX000', 'worker died'));
    await assert.rejects(iterator.next(), /worker died/);
    await assert.rejects(spool.append(message(2, 10)), /worker died/);
    await spool.close();
    assert.deepEqual(await spillFiles(), []);
  });

  it('fail() while the consumer waits for the next message', async () => {
    const spool = new ResultSpool(settings(1 << 20));
    const consumed = drain(spool);
    await spool.append(message(0, 10));
    await sleep(5);
    spool.fail(new Error('task failed'));
    await assert.rejects(consumed, /task failed/);
    assert.equal(spool.stats.memoryBytes, 0);
  });

  it('close() while producing: append rejects with SpoolClosedError, memory and file are released', async () => {
    const budget = new MemoryBudget(4096);
    const spool = new ResultSpool({ budget, directory: dir, spillLimitBytes: 1 << 30 });
    // Settled into a value at once: the rejection happens while close() is still awaited.
    const stopped = (async () => {
      for (let i = 0; ; i++) await spool.append(message(i, 1500));
    })().catch((error: unknown) => error);
    await sleep(20);
    await spool.close();
    assert.ok((await stopped) instanceof SpoolClosedError);
    await spool.close(); // idempotent
    assert.equal(budget.used, 0);
    assert.deepEqual(await spillFiles(), []);
  });

  it('close() by someone else is not a complete result for a waiting consumer', async () => {
    const spool = new ResultSpool(settings(1 << 20));
    const consumed = drain(spool);
    await spool.append(message(0, 10));
    await sleep(5);
    await spool.close();
    await assert.rejects(consumed, SpoolClosedError);
  });

  it('a consumer that stops early closes the spool', async () => {
    const budget = new MemoryBudget(1000);
    const spool = new ResultSpool({ budget, directory: dir, spillLimitBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) await spool.append(message(i, 400));
    spool.end();
    for await (const m of spool) {
      assert.equal(indexOf(m), 0);
      break;
    }
    await spool.close();
    assert.equal(budget.used, 0);
    assert.deepEqual(await spillFiles(), []);
    await assert.rejects(spool.append(message(99, 1)), SpoolClosedError);
  });

  it('frees each message once it is read, before the result ends (a long result is never held whole)', async () => {
    v8.setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const spool = new ResultSpool(settings(1 << 30));
    const reader = spool[Symbol.asyncIterator]();
    const mib = 1024 * 1024;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i++) {
      await spool.append(new Uint8Array(mib).fill(i));
      const next = await reader.next();
      assert.equal((next.value as Uint8Array)[0], i);
    }
    // Array buffers are freed by V8's sweeper after a collection, which a loaded machine may delay:
    // collect until nothing more is freed (a spool that held the messages would hold them still).
    let held = Infinity;
    for (let round = 0; round < 10; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = process.memoryUsage().arrayBuffers - baseline;
      if (now >= held) break;
      held = now;
    }
    // The spool is still open (not ended): 64 MiB went through it, at most a message or two may remain.
    assert.ok(held < 8 * mib, `${(held / mib).toFixed(1)} MiB still held after reading 64 MiB`);
    spool.end();
    assert.equal((await reader.next()).done, true);
  });

  it('the spill file starts over once the reader has caught up', async () => {
    const spool = new ResultSpool(settings(0, 64 * 1024));
    const iterator = spool[Symbol.asyncIterator]();
    // 10 rounds of 40 KB each: more than the 64 KB limit in total, never at once.
    for (let round = 0; round < 10; round++) {
      await spool.append(message(round, 40 * 1024));
      assert.equal(indexOf((await iterator.next()).value as Uint8Array), round);
      assert.equal(spool.stats.diskBytes, 0);
    }
    assert.equal(spool.stats.spilledMessages, 10);
    spool.end();
    assert.equal((await iterator.next()).done, true);
    assert.deepEqual(await spillFiles(), []);
  });

  it('empty and zero-length messages', async () => {
    const spool = new ResultSpool(settings(0));
    await spool.append(new Uint8Array(0));
    await spool.append(message(1, 4));
    spool.end();
    const out = await drain(spool);
    assert.deepEqual(out.map((m) => m.byteLength), [0, 4]);
    const empty = new ResultSpool(settings(0));
    empty.end();
    assert.deepEqual(await drain(empty), []);
  });
});
