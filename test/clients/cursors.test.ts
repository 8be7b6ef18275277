/**
 * SQL cursors against a real cluster: node-postgres (simple and extended
 * protocol), psql's FETCH_COUNT (which runs every query through DECLARE /
 * FETCH FORWARD n / CLOSE) and psycopg2's named (server-side) cursors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { psql, python } from '../support/clients.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const rawText = { getTypeParser: () => (value: string) => value };

describe('cursors', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let client: pg.Client;
  let lineitemRows = 0;

  const query = (text: string, values?: unknown[]) => client.query(text, values);
  const rejects = (text: string, code: string) => assert.rejects(query(text), (error: { code?: string }) => error.code === code, `${text} should fail with ${code}`);

  before(async () => {
    temp = await makeTempDir('cursors');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '3', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir);
    client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    lineitemRows = Number((await query('SELECT count(*) AS n FROM lineitem')).rows[0].n);
    assert.ok(lineitemRows > 50_000);
  });

  after(async () => {
    await client?.end();
    await cluster?.stop();
    await temp?.remove();
  });

  it('FETCH and MOVE walk a distributed result forward, and the pieces add up to the whole', async () => {
    const sql = 'SELECT o_orderkey, o_orderdate, o_totalprice FROM orders ORDER BY o_orderkey';
    const whole = (await query(sql)).rows as Array<Record<string, string>>;
    await query('BEGIN');
    const declared = await query(`DECLARE c NO SCROLL CURSOR FOR ${sql}`);
    assert.equal(declared.command, 'DECLARE');
    const first = await query('FETCH 5 FROM c');
    assert.equal(first.command, 'FETCH');
    assert.equal(first.rowCount, 5);
    assert.deepEqual(first.fields.map((f) => f.name), ['o_orderkey', 'o_orderdate', 'o_totalprice']);
    assert.equal(first.fields[1].dataTypeID, 1082);
    const moved = await query('MOVE FORWARD 10 IN c');
    assert.equal(moved.command, 'MOVE');
    assert.equal(moved.rowCount, 10);
    const next = await query('FETCH NEXT FROM c');
    const current = await query('FETCH RELATIVE 0 FROM c');
    const ahead = await query('FETCH ABSOLUTE 20 FROM c');
    const rest = await query('FETCH FORWARD ALL FROM c');
    const after = await query('FETCH c');
    assert.equal(after.rowCount, 0);
    assert.deepEqual(after.fields.map((f) => f.name), ['o_orderkey', 'o_orderdate', 'o_totalprice']);
    assert.deepEqual(first.rows, whole.slice(0, 5));
    assert.deepEqual(next.rows, [whole[15]]);
    assert.deepEqual(current.rows, [whole[15]]);
    assert.deepEqual(ahead.rows, [whole[19]]);
    assert.equal(rest.rowCount, whole.length - 20);
    assert.deepEqual(rest.rows, whole.slice(20));
    await rejects('FETCH BACKWARD 1 FROM c', '55000');
    await query('ROLLBACK');
  });

  it('follows PostgreSQL rules for transactions, names and errors', async () => {
    await rejects('DECLARE c CURSOR FOR SELECT 1', '25P01');
    await rejects('FETCH 1 FROM nope', '34000');
    await rejects('CLOSE nope', '34000');
    await query('BEGIN');
    await query('DECLARE a CURSOR FOR SELECT l_orderkey FROM lineitem');
    await rejects('DECLARE a CURSOR FOR SELECT 1', '42P03');
    await query('ROLLBACK');
    // A cursor without HOLD ends with its transaction; WITH HOLD survives COMMIT.
    await query('BEGIN');
    await query('DECLARE plain CURSOR FOR SELECT n_name FROM nation ORDER BY n_nationkey');
    await query('DECLARE held CURSOR WITH HOLD FOR SELECT n_name FROM nation ORDER BY n_nationkey');
    assert.equal((await query('FETCH 2 FROM held')).rowCount, 2);
    await query('COMMIT');
    await rejects('FETCH 1 FROM plain', '34000');
    const held = await query('FETCH ALL FROM held');
    assert.equal(held.rowCount, 23);
    assert.equal((held.rows[0] as { n_name: string }).n_name, 'BRAZIL');
    // ROLLBACK drops the WITH HOLD cursors its own transaction declared, not older ones.
    await query('BEGIN');
    await query('DECLARE young CURSOR WITH HOLD FOR SELECT 1 AS x');
    await query('ROLLBACK');
    await rejects('FETCH 1 FROM young', '34000');
    assert.equal((await query('FETCH 1 FROM held')).rowCount, 0);
    const closed = await query('CLOSE held');
    assert.equal(closed.command, 'CLOSE');
    await rejects('FETCH 1 FROM held', '34000');
    // DECLARE of a non-query is refused like the statement itself.
    await rejects('DECLARE w CURSOR WITH HOLD FOR DELETE FROM orders', '25006');
    await query('DECLARE x CURSOR WITH HOLD FOR SELECT 1');
    await query('DECLARE y CURSOR WITH HOLD FOR SELECT 2');
    await query('CLOSE ALL');
    await rejects('FETCH 1 FROM x', '34000');
  });

  it('a multi-statement query runs in an implicit block: DECLARE works and the cursor ends with it', async () => {
    const results = (await query('DECLARE m CURSOR FOR SELECT n_name FROM nation ORDER BY n_nationkey; FETCH 2 FROM m')) as unknown as pg.QueryResult[];
    assert.equal(results.length, 2);
    assert.deepEqual(results[1].rows.map((r: { n_name: string }) => r.n_name), ['ALGERIA', 'ARGENTINA']);
    await rejects('FETCH 1 FROM m', '34000');
  });

  it('extended protocol: DECLARE with parameters, FETCH described by the cursor columns', async () => {
    await query('BEGIN');
    await query('DECLARE p CURSOR FOR SELECT o_orderkey, o_orderstatus FROM orders WHERE o_orderkey <= $1 ORDER BY o_orderkey', [5]);
    const fetched = await client.query({ name: 'fetch-two', text: 'FETCH 2 FROM p' });
    assert.deepEqual(fetched.fields.map((f) => f.name), ['o_orderkey', 'o_orderstatus']);
    assert.deepEqual(fetched.rows.map((r: { o_orderkey: string }) => r.o_orderkey), ['1', '2']);
    const again = await client.query({ name: 'fetch-two', text: 'FETCH 2 FROM p' });
    assert.deepEqual(again.rows.map((r: { o_orderkey: string }) => r.o_orderkey), ['3', '4']);
    await query('COMMIT');
  });

  it('a cursor over a gateway-local query keeps its rows while other statements run', async () => {
    await query('BEGIN');
    await query('DECLARE g CURSOR FOR SELECT range AS i FROM range(100000)');
    const first = await query('FETCH 3 FROM g');
    await query('SELECT 42 AS answer');
    await query('SHOW TimeZone');
    const local = await query('SELECT count(*) AS n FROM range(1000)');
    assert.equal(local.rows[0].n, '1000');
    const second = await query('FETCH 3 FROM g');
    const rest = await query('MOVE ALL FROM g');
    await query('COMMIT');
    assert.deepEqual(first.rows.map((r: { i: string }) => r.i), ['0', '1', '2']);
    assert.deepEqual(second.rows.map((r: { i: string }) => r.i), ['3', '4', '5']);
    assert.equal(rest.rowCount, 100000 - 6);
  });

  it('psql FETCH_COUNT returns every row of a large result', async () => {
    const sql = 'SELECT l_orderkey, l_linenumber, l_comment FROM lineitem ORDER BY l_orderkey, l_linenumber';
    const plain = await psql(cluster.port, ['-A', '-t', '-c', sql]);
    assert.equal(plain.code, 0, plain.stderr);
    const fetched = await psql(cluster.port, ['-A', '-t', '-v', 'FETCH_COUNT=100', '-c', sql]);
    assert.equal(fetched.code, 0, fetched.stderr);
    const lines = fetched.stdout.trimEnd().split('\n');
    assert.equal(lines.length, lineitemRows);
    assert.equal(fetched.stdout, plain.stdout);
    // \set FETCH_COUNT in a script, as a user types it.
    const scripted = await psql(cluster.port, ['-A', '-t', '-c', '\\set FETCH_COUNT 1000', '-c', 'SELECT o_orderkey FROM orders']);
    assert.equal(scripted.code, 0, scripted.stderr);
    assert.equal(scripted.stdout.trimEnd().split('\n').length, 15000);
  });

  it('psycopg2 named cursors stream a result with fetchmany and iteration', async () => {
    const script = `
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
cur.execute("SELECT count(*) FROM lineitem")
expected = cur.fetchone()[0]
cur.execute("SELECT max(o_orderkey) FROM orders")
max_key = cur.fetchone()[0]
named = conn.cursor("big_scan")
named.execute("SELECT l_orderkey, l_partkey, l_shipdate, l_comment FROM lineitem")
total = 0
batches = 0
while True:
    rows = named.fetchmany(2000)
    if not rows:
        break
    total += len(rows)
    batches += 1
named.close()
conn.commit()
iterated = conn.cursor("iterated")
iterated.itersize = 500
iterated.execute("SELECT o_orderkey FROM orders ORDER BY o_orderkey")
keys = [row[0] for row in iterated]
iterated.close()
conn.rollback()
held = conn.cursor("held", withhold=True)
held.execute("SELECT n_name FROM nation ORDER BY n_nationkey")
conn.commit()
names = [row[0] for row in held.fetchall()]
held.close()
print(expected, total, batches, len(keys), keys[0], keys[-1] == max_key and keys == sorted(keys), len(names), names[0])
`;
    const result = await python(temp.dir, 'named_cursor.py', script, `host=127.0.0.1 port=${cluster.port} dbname=pondgate user=analyst`);
    assert.equal(result.code, 0, result.stderr);
    const [expected, total, batches, keys, firstKey, ordered, names, firstName] = result.stdout.trim().split(' ');
    assert.equal(Number(expected), lineitemRows);
    assert.equal(Number(total), lineitemRows);
    assert.equal(Number(batches), Math.ceil(lineitemRows / 2000));
    assert.equal(keys, '15000');
    assert.equal(firstKey, '1');
    assert.equal(ordered, 'True');
    assert.equal(names, '25');
    assert.equal(firstName, 'ALGERIA');
  });
});
