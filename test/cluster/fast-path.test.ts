/**
 * The fast path on a real cluster: results forwarded from the workers without a merge on the
 * gateway, prepared statements that keep a generic plan, and a slow client whose unread rows
 * go to the gateway's spool instead of holding the workers' task slots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

async function planText(client: pg.Client, sql: string, values: unknown[] = []): Promise<string> {
  const result = await client.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN ANALYZE ${sql}`, values });
  return result.rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('fast path on a real cluster', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let client: pg.Client;

  before(async () => {
    temp = await makeTempDir('fastpath');
    await runPondgate(['generate', 'tpch', '--sf', '0.05', '--partitions', '2', '--into', temp.dir]);
    // One worker with two slots: a query that holds both blocks every other query.
    cluster = await startTestCluster(temp.dir, { workers: 1, workerArgs: ['--slots', '2'] });
    client = new pg.Client(cluster.connectionString);
    await client.connect();
    await client.query('SET pondgate.result_cache = off');
  });

  after(async () => {
    await client?.end();
    await cluster?.stop();
    await temp?.remove();
  });

  it('forwards a one-task query with its ORDER BY and LIMIT, and a scan of many tasks, without a merge', async () => {
    const top = 'SELECT n_name, n_nationkey FROM nation ORDER BY n_name DESC LIMIT 3';
    assert.match(await planText(client, top), /Merge: none/);
    assert.deepEqual((await client.query(top)).rows.map((r) => r.n_name), ['VIETNAM', 'UNITED STATES', 'UNITED KINGDOM']);
    const scan = 'SELECT l_orderkey, l_linenumber FROM lineitem WHERE l_quantity > 10';
    const plan = await planText(client, scan);
    assert.match(plan, /Merge: none/);
    assert.match(plan, /2 tasks run/);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM lineitem WHERE l_quantity > 10');
    const forwarded = await client.query(scan);
    assert.equal(String(forwarded.rowCount), rows[0].n);
    // Every row once: no task's rows lost or doubled on the way.
    assert.equal(new Set(forwarded.rows.map((r) => `${r.l_orderkey}/${r.l_linenumber}`)).size, forwarded.rowCount);
  });

  it('keeps a generic plan for a prepared statement whose values do not change the plan', async () => {
    const sql = 'SELECT count(*) AS n, min(c_custkey) AS first FROM customer WHERE c_mktsegment = $1';
    const segments = ['BUILDING', 'AUTOMOBILE', 'MACHINERY', 'HOUSEHOLD', 'FURNITURE', 'NONE', "it's"];
    for (const segment of segments) {
      const prepared = await client.query({ name: 'by-segment', text: sql, values: [segment] });
      // The reference: the same statement with the value written in, planned for itself.
      const literal = await client.query(`SELECT count(*) AS n, min(c_custkey) AS first FROM customer WHERE c_mktsegment = '${segment.replace(/'/g, "''")}'`);
      assert.deepEqual(prepared.rows, literal.rows, segment);
    }
    assert.match(await planText(client, sql, ['BUILDING']), /Plan: kept from an earlier execution \(generic; parameter values put in\)/);
  });

  it('plans per execution when the values prune partitions, and answers right', async () => {
    const sql = 'SELECT c_name FROM customer WHERE c_custkey = $1';
    for (const key of [1, 7499, 7500]) {
      const { rows } = await client.query({ name: 'by-key', text: sql, values: [key] });
      assert.deepEqual(rows, [{ c_name: `Customer#${String(key).padStart(9, '0')}` }]);
    }
    const plan = await planText(client, sql, [3]);
    assert.match(plan, /Plan: planned for this execution \(the parameter values change the plan\)/);
    assert.match(plan, /1 of 2 partitions/);
  });

  it('carries what is larger than a NATS message: a value of several MB, and a query text of 1.5 MB', async () => {
    // One value larger than a NATS message goes from the worker in pieces.
    const { rows: big } = await client.query<{ s: string }>("SELECT string_agg(l_comment, '|' ORDER BY l_orderkey, l_linenumber) AS s FROM lineitem");
    const { rows: parts } = await client.query<{ n: string; chars: string }>('SELECT count(*) AS n, sum(length(l_comment)) AS chars FROM lineitem');
    const expectedLength = Number(parts[0].chars) + Number(parts[0].n) - 1;
    assert.ok(expectedLength > 2 * 1024 * 1024, 'the value must be larger than a NATS message');
    assert.equal(big[0].s.length, expectedLength, 'the joined value has every comment and separator');
    assert.equal(big[0].s.split('|').length, Number(parts[0].n), 'one piece per row');
    // A task whose SQL is larger than a NATS message goes through the scratch directory.
    const keys = Array.from({ length: 250_000 }, (_, i) => i * 3 + 1);
    const sql = `SELECT count(*) AS n FROM orders WHERE o_orderkey IN (${keys.join(',')})`;
    assert.ok(sql.length > 1024 * 1024, 'the query text must be larger than a NATS message');
    const { rows: counted } = await client.query<{ n: string }>(sql);
    const { rows: reference } = await client.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE o_orderkey % 3 = 1 AND o_orderkey < 750000');
    assert.equal(counted[0].n, reference[0].n);
    assert.ok(Number(counted[0].n) > 0, 'some keys match');
  });

  it('refuses a text parameter holding NUL, as PostgreSQL does', async () => {
    await assert.rejects(client.query('SELECT $1::VARCHAR AS v', ['a\u0000b']), (error: { code?: string }) => error.code === '22021');
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('spools what a slow client has not read, so the workers\' slots are free for other queries', async () => {
    const reader = new pg.Client(cluster.connectionString);
    await reader.connect();
    try {
      await reader.query('SET pondgate.result_cache = off');
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM lineitem');
      // Far more than the credit window of both tasks: without the spool, both slots stay taken until the client reads.
      const cursor = reader.query(new Cursor('SELECT * FROM lineitem'));
      let read = (await cursor.read(10)).length;
      assert.equal(read, 10);
      // Two tasks, so it needs both slots of the only worker; several times over.
      for (let i = 0; i < 3; i++) {
        const other = await client.query<{ n: string }>('SELECT count(DISTINCT l_suppkey) AS n FROM lineitem');
        assert.ok(Number(other.rows[0].n) > 0);
      }
      for (let batch = await cursor.read(50_000); batch.length > 0; batch = await cursor.read(50_000)) read += batch.length;
      assert.equal(String(read), rows[0].n);
      await cursor.close();
    } finally {
      await reader.end();
    }
  });

  it('merges the sorted streams of an ORDER BY over many tasks on the gateway, and cuts after the merge', async () => {
    const top = 'SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 20 OFFSET 5';
    const plan = await planText(client, top);
    assert.match(plan, /Merge: ordered \(2 streams by "l_extendedprice" DESC NULLS LAST, "l_orderkey" ASC NULLS LAST, "l_linenumber" ASC NULLS LAST\) LIMIT 20 OFFSET 5/);
    assert.match(plan, /Ordered merge: \d+ rows merged from 2 sorted streams, 20 rows passed on/);
    const full = 'SELECT l_shipdate, l_orderkey, l_linenumber FROM lineitem WHERE l_quantity < 5 ORDER BY l_shipdate DESC, l_orderkey, l_linenumber';
    assert.match(await planText(client, full), /Merge: ordered/);
    const merged = [(await client.query(top)).rows, (await client.query(full)).rows];
    // The reference: the same queries as one task (no merge at all).
    await client.query('SET pondgate.distributed = off');
    try {
      assert.doesNotMatch(await planText(client, top), /Merge: ordered/);
      assert.deepEqual(merged, [(await client.query(top)).rows, (await client.query(full)).rows]);
    } finally {
      await client.query('RESET pondgate.distributed');
    }
    assert.ok(merged[1].length > 1000);
  });

  it('stops the tasks of an ordered merge whose reader closes early, and keeps the session usable after a task fails', async () => {
    const reader = new pg.Client(cluster.connectionString);
    await reader.connect();
    try {
      await reader.query('SET pondgate.result_cache = off');
      const cursor = reader.query(new Cursor('SELECT * FROM lineitem ORDER BY l_comment DESC'));
      const first = await cursor.read(5);
      assert.equal(first.length, 5);
      assert.ok(first[0].l_comment >= first[4].l_comment);
      await cursor.close();
      // Both slots of the only worker are free again: a two-task query runs.
      const other = await client.query<{ n: string }>('SELECT count(DISTINCT l_suppkey) AS n FROM lineitem');
      assert.ok(Number(other.rows[0].n) > 0);
      const failing = "SELECT l_orderkey, CAST(CASE WHEN l_orderkey = 7 THEN 'x' ELSE '1' END AS INTEGER) AS v FROM lineitem ORDER BY l_orderkey";
      await assert.rejects(reader.query(failing), (error: { code?: string; message: string }) => error.code === '22P02' && /Could not convert/.test(error.message));
      assert.deepEqual((await reader.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await reader.end();
    }
  });

  it("runs a one-task query over small files in the gateway's own lane; many tasks go to the workers", async () => {
    const lookup = 'SELECT n_name, n_regionkey FROM nation WHERE n_nationkey = 7';
    assert.match(await planText(client, lookup), /1 task run on 1 worker \(gateway\)/);
    assert.deepEqual((await client.query(lookup)).rows, [{ n_name: 'GERMANY', n_regionkey: 3 }]);
    // Prepared, as pgbench -M prepared and JDBC run lookups: the kept plan runs there too.
    for (const key of [0, 24, 99]) {
      const { rows } = await client.query({ name: 'nation-by-key', text: 'SELECT n_name FROM nation WHERE n_nationkey = $1', values: [key] });
      assert.deepEqual(rows.map((r) => r.n_name), key === 0 ? ['ALGERIA'] : key === 24 ? ['UNITED STATES'] : []);
    }
    const many = await planText(client, 'SELECT count(*) FROM lineitem');
    assert.match(many, /2 tasks run on 1 worker \((?!gateway)[^)]+\)/);
  });

  it("stops a query in the gateway's lane at its statement_timeout, and the session goes on", async () => {
    const c = new pg.Client(cluster.connectionString);
    await c.connect();
    try {
      await c.query('SET pondgate.result_cache = off');
      await c.query("SET statement_timeout = '1s'");
      const slow = 'SELECT count(*) FROM nation, range(3000000000) AS r(i) WHERE md5(n_name || i) < \'0\'';
      await assert.rejects(c.query(slow), (error: { code?: string }) => error.code === '57014');
      assert.deepEqual((await c.query('SELECT count(*)::INTEGER AS n FROM region')).rows, [{ n: 5 }]);
    } finally {
      await c.end();
    }
  });

  it('a forwarded result that loses its worker fails with an error, never with part of the rows', async () => {
    const victim = new pg.Client(cluster.connectionString);
    await victim.connect();
    victim.on('error', () => undefined);
    try {
      await victim.query('SET pondgate.result_cache = off');
      await victim.query("SET statement_timeout = '20s'");
      // Slow per row inside the worker, so the worker dies while it streams.
      // Settled at once: a stopping worker reports its tasks' failure while it stops.
      const running = victim.query("SELECT l_orderkey FROM lineitem WHERE md5(repeat(l_comment, 2000)) <> ''").then(
        () => assert.fail('the query returned rows although its only worker stopped'),
        (error: { code?: string; message: string }) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await cluster.workers[0].stop();
      const error = await running;
      // 57P01: the worker said it is shutting down, and no other worker is left to run its task.
      assert.ok(/^(58000|57014|57P01|57P03|XX000)$/.test(error.code ?? '') || /worker/.test(error.message), `${error.code}: ${error.message}`);
    } finally {
      await victim.end().catch(() => undefined);
    }
  });
});
