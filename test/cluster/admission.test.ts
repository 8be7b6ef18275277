/**
 * Admission control on a real cluster (--max-running-queries 1): while a long
 * distributed query holds the only slot, another distributed query waits and
 * fails with 53300 after --queue-timeout-ms, a single-task query still runs
 * in its own lane, a query cancelled while queued (statement_timeout or a
 * CancelRequest) fails at once with 57014 and leaves its session usable, and
 * a slot freed by a cancel goes to the query waiting for it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { RawConnection, cancelRequest } from '../auth/raw.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const QUEUE_TIMEOUT_MS = 4000;
// Heavy per-row work in each worker task: tens of seconds unless cancelled.
const LONG = 'SELECT max(md5(repeat(l_comment, 2000))) AS m FROM lineitem';
// lineitem is large enough (> 4 MB) to be split over tasks: the large lane.
const LARGE = 'SELECT count(*)::INTEGER AS n FROM lineitem';
// Merged on the gateway, so its slot is held until its rows are read or closed: an ORDER BY over
// several tasks is an ordered merge of their streams, except on a key the merge does not take
// (an INTERVAL), which is sorted again on the gateway.
const GATEWAY_MERGED = 'SELECT l_orderkey, to_days(l_linenumber) AS iv FROM lineitem ORDER BY iv, l_orderkey';
// One partition, one stage of one task: the small lane.
const SMALL = 'SELECT count(*)::INTEGER AS n FROM nation';

interface Keys {
  processID: number;
  secretKey: number;
}

interface Failure {
  code?: string;
  message: string;
}

type Outcome<T> = { value: T; error?: undefined } | { error: Failure; value?: undefined };

const settle = <T>(promise: Promise<T>): Promise<Outcome<T>> =>
  promise.then(
    (value) => ({ value }),
    (error: Failure) => ({ error }),
  );

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(marker), ms))])) === marker;
}

async function sendCancel(port: number, client: pg.Client): Promise<void> {
  const keys = client as unknown as Keys;
  const raw = await RawConnection.open(port);
  raw.write(cancelRequest(keys.processID, keys.secretKey));
  assert.ok(await raw.waitClosed(), 'the gateway closes a CancelRequest connection');
}

describe('admission control for distributed queries', { timeout: 4 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let nc: NatsConnection;
  const clients: pg.Client[] = [];
  /** LARGE's answer, from a run without contention. */
  let largeRows: unknown[];

  before(async () => {
    temp = await makeTempDir('admission');
    const data = path.join(temp.dir, 'data');
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '4', '--into', data]);
    cluster = await startTestCluster(data, {
      workers: 1,
      // Worker slots to spare: the small query must not wait for the long one's tasks on the worker.
      workerArgs: ['--slots', '6'],
      gatewayArgs: ['--max-running-queries', '1', '--queue-timeout-ms', String(QUEUE_TIMEOUT_MS)],
    });
    nc = await connect({ servers: cluster.natsUrl });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await nc?.close();
    await cluster?.stop();
    await temp?.remove();
  });

  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'tester', database: 'pondgate' });
    await c.connect();
    // Every query here must run: a result-cache hit would take no slot.
    await c.query('SET pondgate.result_cache = off');
    clients.push(c);
    return c;
  };

  /** Starts LONG on `c` and resolves once its tasks went to the workers, i.e. once it holds the slot. */
  const startLong = async (c: pg.Client): Promise<{ running: Promise<Outcome<pg.QueryResult>> }> => {
    const subjects = clusterSubjects('test');
    const tasksSeen = new Promise<void>((resolve) => {
      for (const subject of [subjects.task, `${subjects.task}.>`]) nc.subscribe(subject, { max: 1, callback: () => resolve() });
    });
    const running = settle(c.query(LONG));
    const seen = await Promise.race([tasksSeen.then(() => true), running.then(() => false)]);
    assert.ok(seen, 'the long query sent tasks to the workers');
    return { running };
  };

  const planOf = async (c: pg.Client, sql: string): Promise<string> => (await c.query(`EXPLAIN ${sql}`)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');

  it('uses plans of the lanes it means to test', async () => {
    const c = await client();
    for (const sql of [LONG, LARGE]) {
      const plan = await planOf(c, sql);
      assert.match(plan, /^Distributed plan/, plan);
      const tasks = Number(/Stage 0: [^\n]*, (\d+) tasks/.exec(plan)?.[1]);
      assert.ok(tasks >= 2, plan);
    }
    largeRows = (await c.query(LARGE)).rows;
    assert.ok((largeRows[0] as { n: number }).n > 0);
    const small = await planOf(c, SMALL);
    assert.match(small, /^Distributed plan/, small);
    assert.match(small, /Stage 0: [^\n]*, 1 task ->/, small);
    assert.doesNotMatch(small, /Stage 1:/, small);
    // The slot holder below must be merged on the gateway, not forwarded.
    assert.match(await planOf(c, GATEWAY_MERGED), /Merge on the gateway/);
  });

  /**
   * Holds the only slot without using the workers: a query merged on the gateway holds its slot
   * until its rows are closed, and a cursor keeps them open (its stages are done; the workers are
   * idle, so a small query is not slowed down by a busy worker on a small test machine). A plain
   * scan or an ORDER BY the ordered merge takes would be forwarded through spools, which give the
   * slot back when their stages end (tested below).
   */
  const holdSlot = async (c: pg.Client, sql = GATEWAY_MERGED): Promise<{ release: () => Promise<void> }> => {
    await c.query('BEGIN');
    await c.query(`DECLARE held NO SCROLL CURSOR FOR ${sql}`);
    assert.equal((await c.query('FETCH 1 FROM held')).rowCount, 1);
    let open = true;
    return {
      release: async () => {
        if (open) await c.query('COMMIT');
        open = false;
      },
    };
  };

  it('an open cursor over a forwarded scan does not hold the slot: its rows are in the spool', async (t) => {
    const [holder, other] = [await client(), await client()];
    assert.match(await planOf(holder, 'SELECT l_orderkey FROM lineitem'), /Merge: none/);
    const held = await holdSlot(holder, 'SELECT l_orderkey FROM lineitem');
    t.after(() => held.release().catch(() => undefined));
    // Forwarded plans give the slot back when their stages end, which follows the first rows closely.
    let outcome: Outcome<pg.QueryResult> | undefined;
    for (let i = 0; i < 20 && !outcome?.value; i++) {
      outcome = await settle(other.query(LARGE));
      if (outcome.error) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(outcome?.value, `the large query did not run while the forwarded cursor was open: ${outcome?.error?.code} ${outcome?.error?.message}`);
    await held.release();
  });

  it('a second distributed query waits and fails with 53300; single-task and local queries still run', async (t) => {
    const [holder, other, third] = [await client(), await client(), await client()];
    const held = await holdSlot(holder);
    t.after(() => held.release().catch(() => undefined));
    const started = Date.now();
    const waiting = settle(other.query(LARGE)).then((outcome) => ({ ...outcome, at: Date.now() }));
    // While the large query waits in the queue, the small lane and local plans answer.
    assert.deepEqual((await third.query(SMALL)).rows, [{ n: 25 }]);
    assert.deepEqual((await third.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    assert.ok(await pendingAfter(waiting, 0), 'the large query is still waiting');
    const outcome = await waiting;
    assert.ok(outcome.error, 'the queued query failed');
    assert.equal(outcome.error.code, '53300', outcome.error.message);
    const waited = Number(/^too many queries running: waited (\d+) ms for one of 1 slots/.exec(outcome.error.message)?.[1]);
    assert.ok(waited >= QUEUE_TIMEOUT_MS - 50, outcome.error.message);
    assert.ok(outcome.at - started < QUEUE_TIMEOUT_MS + 20_000, `failed ${outcome.at - started} ms after it was sent`);
    // Closing the cursor's rows gives the slot back; the session that failed works.
    await held.release();
    assert.deepEqual((await other.query(LARGE)).rows, largeRows);
  });

  it('a query cancelled while queued fails at once with 57014 and takes no slot; the session stays usable', async (t) => {
    const [holder, other] = [await client(), await client()];
    const held = await holdSlot(holder);
    t.after(() => held.release().catch(() => undefined));

    await other.query("SET statement_timeout = '1000'");
    const timedOut = await settle(other.query(LARGE));
    assert.equal(timedOut.error?.code, '57014', timedOut.error?.message ?? 'it succeeded');
    assert.match(timedOut.error?.message ?? '', /statement timeout/);
    await other.query('RESET statement_timeout');

    const queued = settle(other.query(LARGE));
    assert.ok(await pendingAfter(queued, 1000), 'the query waits in the queue');
    await sendCancel(cluster.port, other);
    const cancelled = await queued;
    assert.equal(cancelled.error?.code, '57014', cancelled.error?.message ?? 'it succeeded');
    assert.equal(cancelled.error?.message, 'canceling statement due to user request');
    assert.deepEqual((await other.query(SMALL)).rows, [{ n: 25 }]);
    assert.deepEqual((await other.query('SELECT 2 AS two')).rows, [{ two: 2 }]);

    // No slot leaked by the timeout or the cancel: with one slot, large queries run one after another.
    await held.release();
    assert.deepEqual((await other.query(LARGE)).rows, largeRows);
    assert.deepEqual((await holder.query(LARGE)).rows, largeRows);
  });

  it('the slot of a cancelled running query goes to the query waiting for it; EXPLAIN ANALYZE shows the wait', async () => {
    const [long, other] = [await client(), await client()];
    const { running } = await startLong(long);
    const analyzed = settle(other.query(`EXPLAIN ANALYZE ${LARGE}`));
    assert.ok(await pendingAfter(analyzed, 500), 'EXPLAIN ANALYZE waits for the slot too');
    await sendCancel(cluster.port, long);
    assert.equal((await running).error?.code, '57014');
    const explained = await analyzed;
    assert.ok(explained.value, explained.error?.message ?? '');
    const text = explained.value.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Queued: \d+ ms waiting for a running-query slot/, text);
    assert.deepEqual((await long.query(LARGE)).rows, largeRows);
  });
});
