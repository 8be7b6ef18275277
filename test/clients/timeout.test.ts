/**
 * statement_timeout and client cancel across a real cluster. A statement that
 * runs too long fails with 57014 whether it is in the workers' tasks (gather),
 * in the gateway's DuckDB (merge) or sending rows; the workers really stop
 * (their heartbeats report no running task soon after, long before the task
 * would have ended) and the session stays usable.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { parse, serialize } from 'pg-protocol';
import { decodeJson, type HeartbeatMessage } from '../../src/cluster/messages.ts';
import { clusterSubjects } from '../../src/cluster/subjects.ts';
import { psql } from '../support/clients.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

// Busy in the workers: a partial aggregate whose filter costs ~0.4 s per 2048-row vector (DuckDB
// notices an interrupt between vectors), about 30 s in all when nothing stops it.
const SLOW_IN_WORKERS = "SELECT count(*) AS n FROM lineitem WHERE md5(repeat(l_comment, 1000)) <> ''";
// Busy in the gateway: a query that also reads a catalog relation runs on the gateway (the catalog
// lives there), so the workers send two columns and the gateway's DuckDB joins 9e10 pairs (minutes).
const SLOW_IN_GATEWAY = 'SELECT sum((a.l_orderkey * b.l_partkey) % 7) AS n FROM lineitem a, lineitem b, pg_catalog.pg_database d WHERE a.l_orderkey <> b.l_orderkey';
// Rows that the gateway's DuckDB produces (and streams) from the start, for minutes.
const STREAMING_FROM_GATEWAY = 'SELECT a.l_orderkey, b.l_orderkey FROM lineitem a, lineitem b, pg_catalog.pg_database d';
const TIMEOUT_MESSAGE = 'canceling statement due to statement timeout';

/** The latest heartbeat of every worker. */
class Heartbeats {
  private readonly latest = new Map<string, { running: number; at: number }>();
  maxRunning = 0;

  constructor(nc: NatsConnection, cluster: string) {
    nc.subscribe(clusterSubjects(cluster).heartbeat, {
      callback: (error, msg) => {
        if (error) return;
        const beat = decodeJson<HeartbeatMessage>(msg.data);
        this.latest.set(beat.workerId, { running: beat.running, at: Date.now() });
        this.maxRunning = Math.max(this.maxRunning, beat.running);
      },
    });
  }

  /** Milliseconds from `since` until every worker has reported no running task in a heartbeat after `since`. */
  async idleAfter(since: number, limitMs: number): Promise<number> {
    for (;;) {
      const beats = [...this.latest.values()];
      if (beats.length >= 2 && beats.every((b) => b.at > since && b.running === 0)) return Date.now() - since;
      if (Date.now() - since > limitMs) {
        throw new Error(`workers still busy ${limitMs} ms after the statement ended: ${JSON.stringify([...this.latest.entries()])}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A PostgreSQL CancelRequest, as libpq sends it from a new connection. */
async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processId, 8);
  message.writeInt32BE(secretKey, 12);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(message));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; result?: T; error?: { code?: string; message: string } }> {
  const started = Date.now();
  try {
    const result = await action();
    return { ms: Date.now() - started, result };
  } catch (error) {
    return { ms: Date.now() - started, error: error as { code?: string; message: string } };
  }
}

describe('statement_timeout and cancel', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let nc: NatsConnection;
  let heartbeats: Heartbeats;
  let lineitemRows = '';

  const newClient = async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString });
    await client.connect();
    return client;
  };

  /** A quick distributed query must answer soon: nothing is still busy in the workers or the gateway. */
  const assertResponsive = async (client: pg.Client) => {
    const quick = await timed(() => client.query('SELECT count(*) AS n FROM lineitem'));
    assert.equal(quick.error, undefined);
    assert.equal(quick.result?.rows[0].n, lineitemRows);
    assert.ok(quick.ms < 5000, `a quick query took ${quick.ms} ms after the cancelled one`);
  };

  before(async () => {
    temp = await makeTempDir('timeout');
    // More partitions than the workers' slots: some tasks wait in a worker's queue, and a cancel must reach them too.
    // SF 0.05 (300k lineitem rows, still a few MB) gives the slow query enough 2048-row vectors, DuckDB's unit of interruption.
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '8', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir);
    nc = await connect({ servers: cluster.natsUrl });
    heartbeats = new Heartbeats(nc, 'test');
    const client = await newClient();
    lineitemRows = (await client.query('SELECT count(*) AS n FROM lineitem')).rows[0].n;
    await client.end();
  });

  after(async () => {
    await nc?.close();
    await cluster?.stop();
    await temp?.remove();
  });

  it('times out a statement busy in the workers, and the workers stop', async () => {
    const client = await newClient();
    try {
      await client.query("SET statement_timeout = '2500ms'");
      heartbeats.maxRunning = 0;
      const slow = await timed(() => client.query(SLOW_IN_WORKERS));
      assert.equal(slow.error?.code, '57014');
      assert.equal(slow.error?.message, TIMEOUT_MESSAGE);
      assert.ok(slow.ms >= 2400 && slow.ms < 6000, `timed out after ${slow.ms} ms`);
      assert.ok(heartbeats.maxRunning > 0, 'the workers never reported the running tasks');
      const idle = await heartbeats.idleAfter(Date.now(), 8000);
      assert.ok(idle < 8000);
      await client.query('SET statement_timeout = 0');
      await assertResponsive(client);
    } finally {
      await client.end();
    }
  });

  it('times out a statement busy in the gateway merge; the startup option works too', async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString, options: '-c statement_timeout=2000' });
    await client.connect();
    try {
      const slow = await timed(() => client.query(SLOW_IN_GATEWAY));
      assert.equal(slow.error?.code, '57014');
      assert.equal(slow.error?.message, TIMEOUT_MESSAGE);
      assert.ok(slow.ms < 6000, `timed out after ${slow.ms} ms`);
      await assertResponsive(client);
    } finally {
      await client.end();
    }
  });

  it('psql: the timeout counts while rows are being sent, and the session goes on', async () => {
    // Rows stream out of the gateway's join from the start: the statement ends mid-result.
    const result = await psql(cluster.port, [
      '-v', 'VERBOSITY=verbose',
      '-c', "SET statement_timeout = '1s'",
      '-c', STREAMING_FROM_GATEWAY,
      '-c', 'SELECT 42 AS after',
      '-A', '-t',
    ]);
    assert.match(result.stderr, /57014: canceling statement due to statement timeout/);
    assert.match(result.stdout, /^SET\n42\n$/);
  });

  it('raw protocol: DataRows, then the 57014 ErrorResponse, then ReadyForQuery', async () => {
    const socket = net.connect(cluster.port, '127.0.0.1');
    const messages: Array<{ name: string; code?: string }> = [];
    let dataRows = 0;
    let ready = 0;
    let onReady: (() => void) | undefined;
    void parse(socket, (message) => {
      const m = message as unknown as { name: string; code?: string };
      if (m.name === 'dataRow') dataRows++;
      else messages.push({ name: m.name, code: m.code });
      if (m.name === 'readyForQuery') {
        ready++;
        onReady?.();
      }
    });
    const untilReady = (count: number) =>
      new Promise<void>((resolve) => {
        onReady = () => ready >= count && resolve();
        onReady();
      });
    socket.write(serialize.startup({ user: 'analyst', database: 'pondgate', options: '-c statement_timeout=1000' }));
    await untilReady(1);
    socket.write(serialize.query(STREAMING_FROM_GATEWAY));
    await untilReady(2);
    const rowsBeforeError = dataRows;
    socket.write(serialize.query('SELECT 1'));
    await untilReady(3);
    socket.end();
    assert.ok(rowsBeforeError > 1000, `only ${rowsBeforeError} rows arrived before the timeout`);
    const names = messages.map((m) => m.name);
    const error = messages.find((m) => m.name === 'error');
    assert.equal(error?.code, '57014');
    assert.deepEqual(names.slice(names.indexOf('rowDescription')), ['rowDescription', 'error', 'readyForQuery', 'rowDescription', 'commandComplete', 'readyForQuery']);
    assert.equal(dataRows, rowsBeforeError + 1);
  });

  it('a timeout while FETCH reads a cursor stops it and drops the cursor', async () => {
    // The join streams: DECLARE returns at once and the FETCH does the work.
    const result = await psql(cluster.port, [
      '-v', 'VERBOSITY=verbose',
      '-c', `DECLARE slow CURSOR WITH HOLD FOR ${STREAMING_FROM_GATEWAY}`,
      '-c', "SET statement_timeout = '1500ms'",
      '-c', 'FETCH FORWARD 2000000000 FROM slow',
      '-c', 'FETCH 1 FROM slow',
      '-c', 'SELECT 42 AS after',
      '-A', '-t',
    ]);
    assert.match(result.stderr, /57014: canceling statement due to statement timeout/);
    assert.match(result.stderr, /34000: cursor "slow" does not exist/);
    assert.match(result.stdout, /^DECLARE CURSOR\nSET\n42\n$/);
  });

  it('a CancelRequest while the workers run the tasks cancels them', async () => {
    const client = await newClient();
    const processId = (client as unknown as { processID: number }).processID;
    const secretKey = (client as unknown as { secretKey: number }).secretKey;
    try {
      heartbeats.maxRunning = 0;
      const running = timed(() => client.query(SLOW_IN_WORKERS));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await sendCancel(cluster.port, processId, secretKey);
      const slow = await running;
      assert.equal(slow.error?.code, '57014');
      assert.equal(slow.error?.message, 'canceling statement due to user request');
      assert.ok(slow.ms < 6000, `cancelled after ${slow.ms} ms`);
      assert.ok(heartbeats.maxRunning > 0, 'the workers never reported the running tasks');
      await heartbeats.idleAfter(Date.now(), 8000);
      await assertResponsive(client);
    } finally {
      await client.end();
    }
  });

  it('a CancelRequest during the merge interrupts the gateway DuckDB', async () => {
    const client = await newClient();
    const processId = (client as unknown as { processID: number }).processID;
    const secretKey = (client as unknown as { secretKey: number }).secretKey;
    try {
      const running = timed(() => client.query(SLOW_IN_GATEWAY));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await sendCancel(cluster.port, processId, secretKey);
      const slow = await running;
      assert.equal(slow.error?.code, '57014');
      assert.ok(slow.ms < 6000, `cancelled after ${slow.ms} ms`);
      await assertResponsive(client);
    } finally {
      await client.end();
    }
  });
});
