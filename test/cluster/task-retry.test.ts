/**
 * Task retry on a real cluster (nats-server, worker processes, a gateway): a
 * worker killed (SIGKILL) in the middle of a task has that task run again on
 * another worker, and the query returns exactly the rows in-process DuckDB
 * computes over the same files — for partial rows loaded into the gateway, for
 * exchange files in scratch. A SQL error is never run again; a forwarded result
 * that already sent rows, or a query whose every worker dies, fails with a
 * clear error.
 *
 * The workers run with PONDGATE_TEST_TASK_END_DELAY_MS: each task has sent its
 * rows (or written its files) and then waits before reporting its end, so the
 * worker is killed while it holds a task whose output the gateway already has
 * part of (with PONDGATE_TEST_TASK_START_DELAY_MS instead, before it sent
 * anything). Which attempt each result message belongs to is read from its
 * subject (`….<query>.<stage>.<task>.<attempt>.<random>`), by listening on NATS.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { decodeJson, type HeartbeatMessage } from '../../src/cluster/messages.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { makeTempDir, runPondgate, startPondgate, type ProcessHandle } from '../support/cluster.ts';

const CLUSTER = 'retry';
/** Longer than the heartbeat interval (2 s), so a heartbeat reports the task running. */
const DELAY_MS = 4000;

const BY_FLAG = 'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS q FROM lineitem GROUP BY 1 ORDER BY 1';
// Partial aggregates of ~75,000 groups per task: several messages each, loaded into the gateway.
const BY_COMMENT = 'SELECT l_comment, count(*) AS n FROM lineitem GROUP BY 1 ORDER BY 1';
// One task (median does not split), its row forwarded to the client.
const ONE_TASK = 'SELECT count(*)::VARCHAR AS n, sum(length(l_comment))::VARCHAR AS len, median(l_orderkey)::VARCHAR AS m FROM lineitem';
// Two exchange stages (files in scratch), then partial aggregates to the gateway.
const SHUFFLED_JOIN = 'SELECT o_orderpriority, count(*) AS n FROM orders JOIN lineitem ON o_orderkey = l_orderkey GROUP BY 1 ORDER BY 1';

type Row = Record<string, unknown>;

describe('task retry after a lost worker', { timeout: 10 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let nats: RunningNatsServer;
  let gateway: ProcessHandle;
  const workers: ProcessHandle[] = [];
  let connectionString: string;
  let nc: NatsConnection;
  let duckdb: DuckDBInstance;
  /** Running tasks by worker, from heartbeats received since the last reset. */
  const running = new Map<string, number>();
  /** Highest attempt number seen per task (`query.stage.task`), from result subjects. */
  const attempts = new Map<string, number>();

  const startWorker = async (delay: 'START' | 'END' = 'END'): Promise<ProcessHandle> => {
    const worker = await startPondgate(['worker', '--nats', nats.url, '--data', temp.dir, '--cluster', CLUSTER, '--processes', '4'], /ready/, undefined, {
      [`PONDGATE_TEST_TASK_${delay}_DELAY_MS`]: String(DELAY_MS),
    });
    workers.push(worker);
    return worker;
  };

  const alive = (w: ProcessHandle) => w.process.exitCode === null && w.process.signalCode === null;

  /** SIGKILL: no goodbye to anyone. Resolves once the process is gone (so `alive` says so). */
  const kill = async (w: ProcessHandle): Promise<void> => {
    if (!alive(w)) return;
    const exited = new Promise((resolve) => w.process.once('exit', resolve));
    w.process.kill('SIGKILL');
    await exited;
  };

  /** Replaces killed workers, so that a test starts with `n` of them. */
  const ensureLiveWorkers = async (n: number): Promise<void> => {
    const missing = n - workers.filter(alive).length;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => startWorker()));
  };

  /** Waits until a worker reports a running task, and kills it. */
  const killBusyWorker = async (): Promise<ProcessHandle> => {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const busy = [...running.entries()].filter(([, n]) => n > 0).map(([id]) => workers.find((w) => w.readyLine.includes(id) && alive(w)));
      const victim = busy.find((w) => w !== undefined);
      if (victim) {
        await kill(victim);
        return victim;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no worker reported a running task');
  };

  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client(connectionString);
    await c.connect();
    c.on('error', () => undefined);
    await c.query('SET pondgate.result_cache = off');
    return c;
  };

  /** The same query in-process over the data directory's files, every value as text (as pg returns them). */
  const expected = async (sql: string): Promise<Row[]> => {
    const connection = await duckdb.connect();
    try {
      for (const table of ['lineitem', 'orders']) {
        await connection.run(`CREATE OR REPLACE VIEW ${table} AS SELECT * FROM read_parquet('${temp.dir}/${table}/*/*.parquet')`);
      }
      const reader = await connection.runAndReadAll(sql);
      const names = reader.columnNames();
      return reader.getRows().map((row) => Object.fromEntries(row.map((value, i) => [names[i], value === null ? null : String(value)])));
    } finally {
      connection.closeSync();
    }
  };

  const retried = (): number => [...attempts.values()].filter((a) => a > 1).length;

  before(async () => {
    temp = await makeTempDir('task-retry');
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '4', '--into', temp.dir]);
    duckdb = await DuckDBInstance.create(':memory:');
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const subjects = clusterSubjects(CLUSTER);
    nc.subscribe(subjects.heartbeat, {
      callback: (error, msg) => {
        if (error) return;
        const beat = decodeJson<HeartbeatMessage>(msg.data);
        running.set(beat.workerId, beat.running);
      },
    });
    nc.subscribe(`${subjects.resultsPrefix}.>`, {
      callback: (error, msg) => {
        if (error) return;
        const tokens = msg.subject.split('.');
        const task = tokens.slice(-5, -2).join('.');
        attempts.set(task, Math.max(attempts.get(task) ?? 0, Number(tokens.at(-2))));
      },
    });
    await Promise.all([startWorker(), startWorker()]);
    // The gateway's own lane off: these tests lose workers under one-task queries, which it would run itself.
    gateway = await startPondgate(['gateway', '--nats', nats.url, '--data', temp.dir, '--cluster', CLUSTER, '--processes', '4', '--port', '0', '--result-cache-mb', '0', '--local-lane-mb', '0'], /^ready on /);
    connectionString = `postgresql://tester@127.0.0.1:${Number(/:(\d+)$/.exec(gateway.readyLine)?.[1])}/pondgate`;
  });

  after(async () => {
    await nc?.close();
    await Promise.all([gateway, ...workers].map((p) => p?.stop()));
    await nats?.stop();
    duckdb?.closeSync();
    await temp?.remove();
  });

  beforeEach(async () => {
    await ensureLiveWorkers(2);
    running.clear();
    attempts.clear();
  });

  it('does not run a task again that failed with a SQL error', async () => {
    const c = await client();
    try {
      await assert.rejects(c.query('SELECT sum(CAST(l_comment AS INTEGER)) AS s FROM lineitem'), (error: { code?: string }) => error.code === '22P02');
      await nc.flush();
      assert.ok(attempts.size > 0, 'no result message was seen');
      assert.equal(retried(), 0, 'a task that failed with a SQL error was run again');
    } finally {
      await c.end();
    }
  });

  it('runs the tasks of a killed worker again: partial aggregates loaded into the gateway', async () => {
    const c = await client();
    try {
      const query = c.query(BY_FLAG);
      await killBusyWorker();
      const { rows } = await query;
      assert.deepEqual(rows, await expected(BY_FLAG));
      assert.ok(retried() > 0, 'no task was run again');
    } finally {
      await c.end();
    }
  });

  it('drops the rows a lost attempt had loaded before its task runs again (several messages per task)', async () => {
    const c = await client();
    try {
      const query = c.query(BY_COMMENT);
      await killBusyWorker();
      const { rows } = await query;
      const want = await expected(BY_COMMENT);
      assert.equal(rows.length, want.length);
      assert.deepEqual(rows, want);
      assert.ok(retried() > 0, 'no task was run again');
    } finally {
      await c.end();
    }
  });

  it('runs exchange tasks again: only the files of the attempt that ended are read, and EXPLAIN ANALYZE counts the retries', async () => {
    const c = await client();
    try {
      await c.query('SET pondgate.join_strategy = shuffle');
      const query = c.query(`EXPLAIN ANALYZE ${SHUFFLED_JOIN}`);
      await killBusyWorker();
      const plan = (await query).rows.map((r: Row) => Object.values(r)[0]).join('\n');
      assert.match(plan, /exchange/);
      assert.match(plan, /retried \(another attempt after a lost worker\)/);
      assert.ok(retried() > 0, 'no task was run again');
      await ensureLiveWorkers(2);
      running.clear();
      const again = c.query(SHUFFLED_JOIN);
      await killBusyWorker();
      assert.deepEqual((await again).rows, await expected(SHUFFLED_JOIN));
    } finally {
      await c.end();
    }
  });

  it('runs a forwarded task again when its worker dies before any of its rows reached the spool', async () => {
    // Workers whose tasks wait before they start: the task is lost before it sent anything.
    const previous = workers.filter(alive);
    await Promise.all([startWorker('START'), startWorker('START')]);
    await Promise.all(previous.map(kill));
    running.clear();
    const c = await client();
    try {
      const plan = (await c.query(`EXPLAIN ${ONE_TASK}`)).rows.map((r: Row) => Object.values(r)[0]).join('\n');
      assert.match(plan, /Merge: none/, plan);
      assert.match(plan, /Stage 0: [^\n]*, 1 task ->/, plan);
      attempts.clear();
      const query = c.query(ONE_TASK);
      await killBusyWorker();
      assert.deepEqual((await query).rows, await expected(ONE_TASK));
      assert.ok(retried() > 0, 'no task was run again');
    } finally {
      await c.end();
    }
    // The tests below use workers that delay their tasks' end.
    await Promise.all(workers.map(kill));
  });

  it('fails a forwarded result that already sent rows when its worker dies, never returning part of them as complete', async () => {
    const c = await client();
    try {
      const cursor = c.query(new Cursor('SELECT l_orderkey, l_comment FROM lineitem'));
      const first = await cursor.read(10);
      assert.equal(first.length, 10);
      await killBusyWorker();
      const error = await (async () => {
        for (;;) if ((await cursor.read(10_000)).length === 0) return undefined;
      })().then(
        () => undefined,
        (e: { code?: string; message: string; detail?: string }) => e,
      );
      assert.ok(error, 'the cursor read to its end without an error');
      assert.equal(error.code, '58000');
      // Found by the gateway's probe (NATS dropped the dead process's connection), not by missed heartbeats.
      assert.match(error.message, /stopped responding \(its connection to NATS closed\)/);
      assert.match(error.detail ?? '', /already been sent to the client/);
    } finally {
      await c.end();
    }
    // The gateway goes on with the worker that is left.
    const other = await client();
    try {
      assert.deepEqual((await other.query(BY_FLAG)).rows, await expected(BY_FLAG));
    } finally {
      await other.end();
    }
  });

  it('fails with a clear error when every worker holding the tasks dies and none is left', async () => {
    const c = await client();
    try {
      const query = c.query(BY_FLAG).then(
        () => undefined,
        (e: { code?: string; message: string }) => e,
      );
      // Every live worker, one after the other as each reports a running task.
      const first = await killBusyWorker();
      await Promise.all(workers.filter((w) => w !== first).map(kill));
      const error = await query;
      assert.ok(error, 'the query must fail, not return rows computed without the dead workers');
      assert.equal(error.code, '58000');
      assert.match(error.message, /stopped responding/);
    } finally {
      await c.end();
    }
  });
});
