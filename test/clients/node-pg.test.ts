/**
 * Node.js drivers against a real cluster: node-postgres (`pg`) in text and
 * binary result format, named prepared statements reused, and pg-cursor
 * (Execute with a row limit: PortalSuspended, then more Execute calls on the
 * same portal); postgres.js (`postgres`), which reads pg_type's array types
 * when it connects, with parameters, sql.unsafe and `.cursor(n)`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import postgres from 'postgres';
import { startTpchCluster, type TpchCluster } from '../support/clients.ts';

const rawText = { getTypeParser: () => (value: string) => value };

/** One row of every common type; DuckDB's types map to int4, int8, numeric, text, date, timestamp, bool, float8, int4[], text[]. */
const TYPES_QUERY = `SELECT 1::INTEGER AS i, 9007199254740993::BIGINT AS b, 12.34::DECIMAL(10,2) AS n, 'x y'::VARCHAR AS s,
  DATE '2020-01-02' AS d, TIMESTAMP '2020-01-02 03:04:05' AS ts, true AS t, 1.5::DOUBLE AS f,
  [1, 2, 3]::INTEGER[] AS ia, ['a', 'b c']::VARCHAR[] AS sa`;

interface CodedError {
  code?: string;
}

const hasCode = (code: string) => (error: CodedError) => error.code === code;

describe('node-postgres and postgres.js', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;
  let url: string;

  before(async () => {
    tpch = await startTpchCluster('node-pg');
    url = tpch.cluster.connectionString;
  });

  after(async () => {
    await tpch?.stop();
  });

  // `binary` is read by pg's ConnectionParameters; @types/pg lists it only in pg.Defaults.
  const withClient = async <T>(config: pg.ClientConfig & Pick<pg.Defaults, 'binary'>, action: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url, ...config });
    await client.connect();
    try {
      return await action(client);
    } finally {
      await client.end();
    }
  };

  it('pg: extended protocol with parameters, errors, then reuse of the session', async () => {
    await withClient({ types: rawText }, async (client) => {
      const counted = await client.query('SELECT count(*) AS n FROM lineitem WHERE l_quantity > $1 AND l_returnflag = $2', [40, 'R']);
      const literal = await client.query("SELECT count(*) AS n FROM lineitem WHERE l_quantity > 40 AND l_returnflag = 'R'");
      assert.equal(counted.rows[0].n, literal.rows[0].n);
      assert.ok(Number(counted.rows[0].n) > 0);
      assert.equal(counted.fields[0].dataTypeID, 20);
      await assert.rejects(client.query('SELECT nosuch FROM orders WHERE o_orderkey = $1', [1]), hasCode('42703'));
      await assert.rejects(client.query('SELEC 1'), hasCode('42601'));
      await assert.rejects(client.query('SELECT * FROM no_such_table'), hasCode('42P01'));
      const again = await client.query('SELECT o_orderkey FROM orders ORDER BY o_orderkey LIMIT 2');
      assert.deepEqual(again.rows.map((r: { o_orderkey: string }) => r.o_orderkey), ['1', '2']);
    });
  });

  it('pg: an untyped parameter is text and keeps its column alias', async () => {
    await withClient({}, async (client) => {
      const result = await client.query('SELECT $1 AS s, $2::INTEGER + 1 AS i', ['abc', 41]);
      assert.deepEqual(result.rows, [{ s: 'abc', i: 42 }]);
      assert.deepEqual(result.fields.map((f) => [f.name, f.dataTypeID]), [['s', 25], ['i', 23]]);
    });
  });

  it('pg: text results of the common types, including arrays in PostgreSQL array syntax', async () => {
    await withClient({}, async (client) => {
      const result = await client.query(TYPES_QUERY);
      assert.deepEqual(result.fields.map((f) => f.dataTypeID), [23, 20, 1700, 25, 1082, 1114, 16, 701, 1007, 1009]);
      const row = result.rows[0] as Record<string, unknown>;
      assert.equal(row.i, 1);
      assert.equal(row.b, '9007199254740993');
      assert.equal(row.n, '12.34');
      assert.equal(row.s, 'x y');
      assert.equal((row.d as Date).getTime(), new Date(2020, 0, 2).getTime());
      assert.equal((row.ts as Date).getTime(), new Date(2020, 0, 2, 3, 4, 5).getTime());
      assert.equal(row.t, true);
      assert.equal(row.f, 1.5);
      assert.deepEqual(row.ia, [1, 2, 3]);
      assert.deepEqual(row.sa, ['a', 'b c']);
    });
  });

  it('pg: binary result format (binary: true) over the extended protocol', async () => {
    // node-postgres's binary mode decodes each field through a UTF-8 string, so any byte
    // >= 0x80 is corrupted on the client side — against PostgreSQL 15 itself 200::int4 reads
    // as 239 and TIMESTAMP '2020-01-02 03:04:05' as 03:04:05.044. So this test checks that
    // every column arrives in binary and the values whose bytes stay below 0x80; the
    // byte-exact binary checks are pgjdbc's (binary.test.ts) and the PostgreSQL 15 vectors.
    await withClient({ binary: true }, async (client) => {
      // Parameters make node-postgres use Parse/Bind/Execute, where `binary` asks for binary results.
      const result = await client.query(`${TYPES_QUERY}, $1::INTEGER AS p`, [7]);
      assert.deepEqual(result.fields.map((f) => f.format), new Array(11).fill('binary'));
      const row = result.rows[0] as Record<string, unknown>;
      assert.equal(row.i, 1);
      assert.equal(row.b, '9007199254740993');
      assert.equal(row.n, 12.34);
      assert.equal(row.s, 'x y');
      assert.equal(row.t, true);
      assert.deepEqual(row.ia, [1, 2, 3]);
      assert.deepEqual(row.sa, ['a', 'b c']);
      assert.equal(row.p, 7);
      const orders = await client.query('SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderkey < $1 ORDER BY 1', [4]);
      assert.deepEqual(orders.rows.map((r: { o_orderkey: string }) => r.o_orderkey), ['1', '2', '3']);
    });
  });

  it('pg: named prepared statements are parsed once and reused with new parameters', async () => {
    await withClient({ types: rawText }, async (client) => {
      for (let round = 1; round <= 6; round++) {
        const bound = round * 500;
        const prepared = await client.query({ name: 'orders_below', text: 'SELECT count(*) AS n FROM orders WHERE o_orderkey < $1', values: [bound] });
        const status = await client.query({ name: 'status_of', text: 'SELECT o_orderstatus FROM orders WHERE o_orderkey = $1', values: [round] });
        const literal = await client.query(`SELECT count(*) AS n FROM orders WHERE o_orderkey < ${bound}`);
        assert.equal(prepared.rows[0].n, literal.rows[0].n);
        assert.match(String(status.rows[0].o_orderstatus), /^[FOP]$/);
      }
    });
  });

  it('pg-cursor: Execute with a row limit suspends the portal and resumes it', async () => {
    await withClient({ types: rawText }, async (client) => {
      const query = 'SELECT l_orderkey, l_linenumber FROM lineitem ORDER BY l_orderkey, l_linenumber LIMIT 250';
      const all = (await client.query(query)).rows;
      const cursor = client.query(new Cursor(query));
      const batches: number[] = [];
      const rows: unknown[] = [];
      for (;;) {
        const batch = await cursor.read(100);
        if (batch.length === 0) break;
        batches.push(batch.length);
        rows.push(...batch);
      }
      await cursor.close();
      assert.deepEqual(batches, [100, 100, 50]);
      assert.deepEqual(rows, all);
      // A cursor closed early, then the session goes on.
      const early = client.query(new Cursor('SELECT l_orderkey FROM lineitem'));
      assert.equal((await early.read(10)).length, 10);
      await early.close();
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: '1' }]);
    });
  });

  it('pg-cursor: reads all lineitem rows in batches of 1000, as many as count(*)', async () => {
    await withClient({ types: rawText }, async (client) => {
      const expected = Number((await client.query('SELECT count(*) AS n FROM lineitem')).rows[0].n);
      const cursor = client.query(new Cursor('SELECT l_orderkey, l_comment FROM lineitem'));
      let total = 0;
      for (let batch = await cursor.read(1000); batch.length > 0; batch = await cursor.read(1000)) total += batch.length;
      await cursor.close();
      assert.equal(total, expected);
    });
  });

  it('postgres.js: connects (reading pg_type), parameters, sql.unsafe, errors then reuse', async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => undefined });
    try {
      const [typed] = await sql<{ n: string; s: string; x: number }[]>`SELECT count(*) AS n, ${'abc'} AS s, ${5}::INTEGER + 1 AS x FROM orders WHERE o_orderkey < ${1000}`;
      const [literal] = await sql.unsafe<{ n: string }[]>('SELECT count(*) AS n FROM orders WHERE o_orderkey < 1000');
      assert.equal(typed.n, literal.n);
      assert.equal(typed.s, 'abc');
      assert.equal(typed.x, 6);
      const [unsafeParams] = await sql.unsafe<{ n: string }[]>('SELECT count(*) AS n FROM orders WHERE o_orderkey < $1', [1000]);
      assert.equal(unsafeParams.n, literal.n);
      await assert.rejects(sql`SELECT * FROM no_such_table`, hasCode('42P01'));
      const [after] = await sql<{ one: number }[]>`SELECT 1::INTEGER AS one`;
      assert.equal(after.one, 1);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('postgres.js: arrays come back as JavaScript arrays', async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 10 });
    try {
      const [row] = await sql<{ ia: number[]; sa: string[] }[]>`SELECT [1, 2, 3]::INTEGER[] AS ia, ['a', 'b c']::VARCHAR[] AS sa`;
      assert.deepEqual(row.ia, [1, 2, 3]);
      assert.deepEqual(row.sa, ['a', 'b c']);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('postgres.js: .cursor(100) reads rows in batches through Execute with a row limit', async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 10 });
    try {
      const batches: number[] = [];
      const keys: number[] = [];
      for await (const rows of sql<{ k: number }[]>`SELECT o_orderkey::INTEGER AS k FROM orders ORDER BY o_orderkey LIMIT ${1050}`.cursor(100)) {
        batches.push(rows.length);
        keys.push(...rows.map((r) => r.k));
      }
      assert.deepEqual(batches, [...new Array(10).fill(100), 50]);
      const [first] = await sql<{ k: number }[]>`SELECT min(o_orderkey)::INTEGER AS k FROM orders`;
      assert.equal(keys[0], first.k);
      assert.equal(new Set(keys).size, 1050);
      assert.deepEqual(keys, [...keys].sort((a, b) => a - b));
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
