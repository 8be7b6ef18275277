/**
 * The dispatcher's offer of a task, against a real nats-server and stand-in workers: the
 * acknowledgement travels on the task's result subject (with its first results when the worker
 * has them), an offer nobody takes fails at once, and an offer can be abandoned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { decodeJson, encodeJson, resultHeaders, type AckMessage, type CancelMessage, type EndMessage, type ResultKind, type TaskMessage } from '../../src/cluster/messages.ts';
import { connectNats } from '../../src/cluster/nats-connect.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { SqlError } from '../../src/errors.ts';
import { DEFAULT_DISPATCHER_OPTIONS, TaskDispatcher, type TaskEvent, type TaskSpec, type TaskSqlStore } from './dispatcher.ts';

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

  type Connection = Awaited<ReturnType<typeof connectNats>>;
  type Options = Partial<typeof DEFAULT_DISPATCHER_OPTIONS>;

  /** A dispatcher (and a connection for a stand-in worker) on cluster `cluster`. */
  async function withDispatcher(cluster: string, body: (dispatcher: TaskDispatcher, worker: Connection) => Promise<void>, options: Options = {}, store?: TaskSqlStore): Promise<void> {
    const gateway = await connectNats(nats.url, 'gateway');
    const worker = await connectNats(nats.url, 'worker');
    // Long enough that a missed "no responders" or a missed abort would show as the wrong error.
    const dispatcher = new TaskDispatcher(gateway, clusterSubjects(cluster), pino({ level: 'silent' }), { ...DEFAULT_DISPATCHER_OPTIONS, ackTimeoutMs: 3000, maxAttempts: 1, ...options }, undefined, store);
    try {
      await body(dispatcher, worker);
    } finally {
      dispatcher.close();
      await gateway.close();
      await worker.close();
    }
  }

  /**
   * A stand-in worker: takes each offer, acknowledges it with credit subject `<credits>.c1` and,
   * in the same tick (as a worker does for a small task), publishes `messages` on its result subject.
   */
  async function standIn(worker: Connection, cluster: string, messages: (task: TaskMessage) => Array<[ResultKind, Uint8Array]>): Promise<void> {
    const subjects = clusterSubjects(cluster);
    worker.subscribe(subjects.task, {
      callback: (error, msg) => {
        if (error) return;
        const task = decodeJson<TaskMessage>(msg.data);
        msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
        messages(task).forEach(([kind, data], sequence) => worker.publish(task.resultSubject, data, { headers: resultHeaders(kind, sequence) }));
      },
    });
    await worker.flush();
  }

  const end = (rows: number, batches: number): Uint8Array =>
    encodeJson({ rows, batches, elapsedMs: 0, workerId: 'w1', columns: [], files: [], bytesWritten: 0 } satisfies EndMessage);

  it('takes the acknowledgement that arrives in one write with the results', async () => {
    await withDispatcher('offer-ack', async (dispatcher, worker) => {
      await standIn(worker, 'offer-ack', () => [
        ['batch', new Uint8Array([1, 2, 3])],
        ['end', end(1, 1)],
      ]);
      const events = await collect(dispatcher.run(spec, new AbortController().signal));
      assert.deepEqual(events.map((e) => e.kind), ['batch', 'end']);
      assert.deepEqual([...(events[0] as { data: Uint8Array }).data], [1, 2, 3]);
    });
  });

  it('joins a batch sent in pieces (a value larger than a NATS message), returning credits for each piece', async () => {
    await withDispatcher('offer-parts', async (dispatcher, worker) => {
      let credits = 0;
      worker.subscribe(`${clusterSubjects('offer-parts').creditsPrefix}.c1`, { callback: (error, msg) => !error && (credits += decodeJson<{ credits: number }>(msg.data).credits) });
      await standIn(worker, 'offer-parts', () => [
        ['part', new Uint8Array([1, 2])],
        ['part', new Uint8Array([3, 4])],
        ['batch', new Uint8Array([5])],
        ['batch', new Uint8Array([6])],
        ['end', end(2, 2)],
      ]);
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
      await standIn(worker, 'offer-cut', () => [
        ['part', new Uint8Array([1, 2])],
        ['end', end(1, 0)],
      ]);
      await assert.rejects(collect(dispatcher.run(spec, new AbortController().signal)), /ended inside a batch sent in pieces/);
    });
  });

  it('sends SQL too large for a NATS message through the store, and removes it when the attempt ends', async () => {
    const stored = new Map<string, string>();
    const store: TaskSqlStore = {
      putTaskSql: async (name, sql) => {
        stored.set(`tasks/${name}.sql`, sql);
        return `tasks/${name}.sql`;
      },
      removeTaskSql: async (relative) => void stored.delete(relative),
    };
    const large = `SELECT 1 WHERE 1 IN (${'1,'.repeat(5000)}1)`;
    const seen: Array<{ sql: string; file: string | undefined; stored: string | undefined }> = [];
    const answer = (task: TaskMessage): Array<[ResultKind, Uint8Array]> => {
      seen.push({ sql: task.sql, file: task.sqlFile, stored: task.sqlFile === undefined ? undefined : stored.get(task.sqlFile) });
      return [['end', end(0, 0)]];
    };
    await withDispatcher(
      'offer-large',
      async (dispatcher, worker) => {
        await standIn(worker, 'offer-large', answer);
        await collect(dispatcher.run({ ...spec, sql: large }, new AbortController().signal));
        await collect(dispatcher.run(spec, new AbortController().signal));
      },
      { maxMessageBytes: 4096 },
      store,
    );
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.sql, '');
    assert.equal(seen[0]!.stored, large, 'the worker finds the whole SQL in the file the message names');
    assert.deepEqual(seen[1], { sql: spec.sql, file: undefined, stored: undefined }, 'SQL that fits travels in the message');
    assert.equal(stored.size, 0, 'the file is removed when the attempt ends');
    await withDispatcher(
      'offer-large-plain',
      async (plain) => {
        await assert.rejects(collect(plain.run({ ...spec, sql: large }, new AbortController().signal)), (error: unknown) => error instanceof SqlError && error.sqlstate === '54000');
      },
      { maxMessageBytes: 4096 },
    );
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

  it('stops an attempt it gives up on while its worker lives (a lost message), and runs the task again', async () => {
    await withDispatcher(
      'offer-lost',
      async (dispatcher, worker) => {
        const subjects = clusterSubjects('offer-lost');
        const cancels: CancelMessage[] = [];
        const attempts: string[] = [];
        worker.subscribe(subjects.cancel, { callback: (error, msg) => !error && cancels.push(decodeJson<CancelMessage>(msg.data)) });
        worker.subscribe(subjects.task, {
          callback: (error, msg) => {
            if (error) return;
            const task = decodeJson<TaskMessage>(msg.data);
            attempts.push(task.resultSubject);
            msg.respond(encodeJson({ workerId: 'w1', creditSubject: `${subjects.creditsPrefix}.c1` } satisfies AckMessage));
            // The first attempt's second message is lost on the way: its third arrives as number 2.
            const sequences = task.attempt === 1 ? [0, 2] : [0, 1];
            const kinds: ResultKind[] = ['batch', 'end'];
            sequences.forEach((sequence, i) => worker.publish(task.resultSubject, kinds[i] === 'end' ? end(1, 1) : new Uint8Array([task.attempt]), { headers: resultHeaders(kinds[i], sequence) }));
          },
        });
        await worker.flush();
        const taken: number[] = [];
        const events = await collect(
          dispatcher.run(spec, new AbortController().signal, {
            discardFailedAttempt: async () => true,
            retrying: (attempt) => void taken.push(attempt),
          }),
        );
        assert.deepEqual(events.map((e) => (e.kind === 'batch' ? [...e.data] : e.kind)), [[1], [2], 'end'], 'the caller discards the first attempt\'s batch itself');
        assert.deepEqual(taken, [2]);
        await worker.flush();
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(attempts.length, 2);
        assert.deepEqual(cancels, [{ queryId: spec.queryId, resultSubject: attempts[0] }], 'only the abandoned attempt is stopped');
      },
      { maxAttempts: 2 },
    );
  });
});
