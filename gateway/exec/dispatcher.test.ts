/**
 * The dispatcher's offer of a task, against a real nats-server and stand-in workers: the
 * acknowledgement travels on the task's result subject (with its first results when the worker
 * has them), an offer nobody takes fails at once, and an offer can be abandoned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { decodeJson, encodeJson, resultHeaders, type AckMessage, type EndMessage, type TaskMessage } from '../../src/cluster/messages.ts';
import { connectNats } from '../../src/cluster/nats-connect.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { SqlError } from '../../src/errors.ts';
import { DEFAULT_DISPATCHER_OPTIONS, TaskDispatcher, type TaskEvent, type TaskSpec } from './dispatcher.ts';

const spec: TaskSpec = {
  queryId: 'q1',
  stageId: 0,
  task: 0,
  sql: 'SELECT 1',
  inputs: [],
  output: { kind: 'stream' },
  timeZone: 'UTC',
  deadline: Date.now() + 600_000,
};

async function collect(events: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('TaskDispatcher offers', () => {
  let nats: RunningNatsServer;
  before(async () => {
    nats = await startNatsServer();
  });
  after(async () => {
    await nats?.stop();
  });

  async function withDispatcher(cluster: string, body: (dispatcher: TaskDispatcher, worker: Awaited<ReturnType<typeof connectNats>>) => Promise<void>): Promise<void> {
    const gateway = await connectNats(nats.url, 'gateway');
    const worker = await connectNats(nats.url, 'worker');
    // Long enough that a missed "no responders" or a missed abort would show as the wrong error.
    const dispatcher = new TaskDispatcher(gateway, clusterSubjects(cluster), pino({ level: 'silent' }), { ...DEFAULT_DISPATCHER_OPTIONS, ackTimeoutMs: 3000, maxAttempts: 1 });
    try {
      await body(dispatcher, worker);
    } finally {
      dispatcher.close();
      await gateway.close();
      await worker.close();
    }
  }

  it('takes the acknowledgement that arrives in one write with the results', async () => {
    await withDispatcher('offer-ack', async (dispatcher, worker) => {
      const subjects = clusterSubjects('offer-ack');
      worker.subscribe(subjects.task, {
        callback: (error, msg) => {
          if (error) return;
          const task = decodeJson<TaskMessage>(msg.data);
          // As a worker does for a small task: ack, batch and end published in one tick.
          msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
          worker.publish(task.resultSubject, new Uint8Array([1, 2, 3]), { headers: resultHeaders('batch', 0) });
          const end: EndMessage = { rows: 1, batches: 1, elapsedMs: 0, workerId: 'w1', columns: [], files: [], bytesWritten: 0 };
          worker.publish(task.resultSubject, encodeJson(end), { headers: resultHeaders('end', 1) });
        },
      });
      await worker.flush();
      const events = await collect(dispatcher.run(spec, new AbortController().signal));
      assert.deepEqual(events.map((e) => e.kind), ['batch', 'end']);
      assert.deepEqual([...(events[0] as { data: Uint8Array }).data], [1, 2, 3]);
    });
  });

  it('joins a batch sent in pieces (a value larger than a NATS message), returning credits for each piece', async () => {
    await withDispatcher('offer-parts', async (dispatcher, worker) => {
      const subjects = clusterSubjects('offer-parts');
      let credits = 0;
      worker.subscribe(`${subjects.creditsPrefix}.c1`, { callback: (error, msg) => !error && (credits += decodeJson<{ credits: number }>(msg.data).credits) });
      worker.subscribe(subjects.task, {
        callback: (error, msg) => {
          if (error) return;
          const task = decodeJson<TaskMessage>(msg.data);
          msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
          worker.publish(task.resultSubject, new Uint8Array([1, 2]), { headers: resultHeaders('part', 0) });
          worker.publish(task.resultSubject, new Uint8Array([3, 4]), { headers: resultHeaders('part', 1) });
          worker.publish(task.resultSubject, new Uint8Array([5]), { headers: resultHeaders('batch', 2) });
          worker.publish(task.resultSubject, new Uint8Array([6]), { headers: resultHeaders('batch', 3) });
          const end: EndMessage = { rows: 2, batches: 2, elapsedMs: 0, workerId: 'w1', columns: [], files: [], bytesWritten: 0 };
          worker.publish(task.resultSubject, encodeJson(end), { headers: resultHeaders('end', 4) });
        },
      });
      await worker.flush();
      const events = await collect(dispatcher.run(spec, new AbortController().signal));
      assert.deepEqual(
        events.map((e) => (e.kind === 'batch' ? [...e.data] : e.kind)),
        [[1, 2, 3, 4, 5], [6], 'end'],
      );
      await worker.flush();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(credits, 4, 'the four messages before the end are each a credit back (in pairs)');
    });
  });

  it('fails a result stream that ends in the middle of a batch sent in pieces', async () => {
    await withDispatcher('offer-cut', async (dispatcher, worker) => {
      const subjects = clusterSubjects('offer-cut');
      worker.subscribe(subjects.task, {
        callback: (error, msg) => {
          if (error) return;
          const task = decodeJson<TaskMessage>(msg.data);
          msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
          worker.publish(task.resultSubject, new Uint8Array([1, 2]), { headers: resultHeaders('part', 0) });
          const end: EndMessage = { rows: 1, batches: 0, elapsedMs: 0, workerId: 'w1', columns: [], files: [], bytesWritten: 0 };
          worker.publish(task.resultSubject, encodeJson(end), { headers: resultHeaders('end', 1) });
        },
      });
      await worker.flush();
      await assert.rejects(collect(dispatcher.run(spec, new AbortController().signal)), /ended inside a batch sent in pieces/);
    });
  });

  it('sends SQL too large for a NATS message through the store, and removes it when the attempt ends', async () => {
    const gateway = await connectNats(nats.url, 'gateway');
    const worker = await connectNats(nats.url, 'worker');
    const subjects = clusterSubjects('offer-large');
    const stored = new Map<string, string>();
    const store = {
      putTaskSql: async (name: string, sql: string) => {
        stored.set(`tasks/${name}.sql`, sql);
        return `tasks/${name}.sql`;
      },
      removeTaskSql: async (relative: string) => void stored.delete(relative),
    };
    const dispatcher = new TaskDispatcher(gateway, subjects, pino({ level: 'silent' }), { ...DEFAULT_DISPATCHER_OPTIONS, maxMessageBytes: 4096, ackTimeoutMs: 3000, maxAttempts: 1 }, undefined, store);
    const plain = new TaskDispatcher(gateway, subjects, pino({ level: 'silent' }), { ...DEFAULT_DISPATCHER_OPTIONS, maxMessageBytes: 4096, ackTimeoutMs: 3000, maxAttempts: 1 });
    try {
      const seen: Array<{ sql: string; file: string | undefined; stored: string | undefined }> = [];
      worker.subscribe(subjects.task, {
        callback: (error, msg) => {
          if (error) return;
          const task = decodeJson<TaskMessage>(msg.data);
          seen.push({ sql: task.sql, file: task.sqlFile, stored: task.sqlFile === undefined ? undefined : stored.get(task.sqlFile) });
          msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
          const end: EndMessage = { rows: 0, batches: 0, elapsedMs: 0, workerId: 'w1', columns: [], files: [], bytesWritten: 0 };
          worker.publish(task.resultSubject, encodeJson(end), { headers: resultHeaders('end', 0) });
        },
      });
      await worker.flush();
      const large = `SELECT 1 WHERE 1 IN (${'1,'.repeat(5000)}1)`;
      await collect(dispatcher.run({ ...spec, sql: large }, new AbortController().signal));
      await collect(dispatcher.run(spec, new AbortController().signal));
      assert.equal(seen.length, 2);
      assert.equal(seen[0]!.sql, '');
      assert.equal(seen[0]!.stored, large, 'the worker finds the whole SQL in the file the message names');
      assert.deepEqual(seen[1], { sql: spec.sql, file: undefined, stored: undefined }, 'SQL that fits travels in the message');
      assert.equal(stored.size, 0, 'the file is removed when the attempt ends');
      await assert.rejects(collect(plain.run({ ...spec, sql: large }, new AbortController().signal)), (error: unknown) => error instanceof SqlError && error.sqlstate === '54000');
    } finally {
      dispatcher.close();
      plain.close();
      await gateway.close();
      await worker.close();
    }
  });

  it('fails at once with 57P03 when no worker subscribes (NATS answers "no responders")', async () => {
    await withDispatcher('offer-none', async (dispatcher) => {
      await assert.rejects(collect(dispatcher.run(spec, new AbortController().signal)), (error: unknown) => {
        assert.ok(error instanceof SqlError, String(error));
        assert.equal(error.sqlstate, '57P03', error.message);
        return true;
      });
    });
  });

  it('gives up an offer that is cancelled before any worker answers it', async () => {
    await withDispatcher('offer-cancel', async (dispatcher, worker) => {
      let offered = 0;
      worker.subscribe(clusterSubjects('offer-cancel').task, { callback: () => offered++ });
      await worker.flush();
      const controller = new AbortController();
      setTimeout(() => controller.abort(new SqlError('57014', 'canceling statement due to user request')), 200);
      await assert.rejects(collect(dispatcher.run(spec, controller.signal)), (error: unknown) => {
        assert.ok(error instanceof SqlError, String(error));
        assert.equal(error.sqlstate, '57014', error.message);
        return true;
      });
      assert.equal(offered, 1);
    });
  });
});
