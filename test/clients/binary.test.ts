/**
 * Binary result and parameter formats, and PostgreSQL arrays / JSON for
 * nested values, through real clients against a real cluster:
 *  - pgjdbc with forced binary transfer, compared value by value with a
 *    text-only pgjdbc connection (typed literals, parameters, distributed
 *    queries over lineitem);
 *  - node-postgres with `binary: true` (binary results for every column,
 *    Buffer parameters sent in binary);
 *  - postgres.js and node-postgres (text), which parse PostgreSQL array and
 *    JSON text into JS values.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import postgres from 'postgres';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';
import { parseBackend, type ParsedMessage } from '../../gateway/wire/test-support.ts';

const PROBE = fileURLToPath(new URL('./jdbc/BinaryProbe.java', import.meta.url));
// Where Debian's libpostgresql-jdbc-java puts the driver (scripts/setup.sh installs it).
const PGJDBC = process.env.PONDGATE_PGJDBC_JAR ?? '/usr/share/java/postgresql.jar';

interface ProbeValue {
  query: number;
  row: number;
  column: number;
  type: string;
  format: number;
  binary: string | null;
  text: string | null;
}

/** Runs BinaryProbe.java over pgjdbc; each line of `queries` is SQL then tab-separated kind:value parameters. */
async function probe(port: number, queries: readonly string[]): Promise<ProbeValue[]> {
  const child = spawn('java', ['-cp', PGJDBC, PROBE, `jdbc:postgresql://127.0.0.1:${port}/pondgate`, 'analyst'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdin.end(queries.join('\n') + '\n');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `BinaryProbe failed:\n${stderr}`);
  const unescape = (s: string): string | null => (s === '\\N' ? null : s.replace(/\\(.)/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c)));
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('V\t'))
    .map((l) => {
      const [, query, row, column, type, format, binary, text] = l.split('\t');
      return { query: Number(query), row: Number(row), column: Number(column), type, format: Number(format), binary: unescape(binary), text: unescape(text) };
    });
}

/** Frontend message: type byte, int32 length, body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string) => Buffer.from(s + '\0', 'utf8');
const i16 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(2); b.writeInt16BE(x); return b; }));
const i32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeInt32BE(x); return b; }));
const value = (b: Buffer | null) => (b === null ? i32(-1) : Buffer.concat([i32(b.length), b]));

/**
 * One raw session: startup, then `messages` and Sync; resolves with the backend
 * messages (decoded by pg-protocol) up to the ReadyForQuery after the Sync.
 */
async function rawSession(port: number, messages: Buffer[]): Promise<ParsedMessage[]> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let ready = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // Count ReadyForQuery messages ('Z', length 5) at message boundaries.
      const all = Buffer.concat(chunks);
      let p = 0;
      let seen = 0;
      while (p + 5 <= all.length) {
        const len = all.readInt32BE(p + 1);
        if (p + 1 + len > all.length) break;
        if (all[p] === 0x5a) seen++;
        p += 1 + len;
      }
      if (seen > ready) {
        ready = seen;
        if (ready === 1) socket.write(Buffer.concat([...messages, message('S')]));
        if (ready === 2) resolve();
      }
    });
    socket.on('error', reject);
  });
  const startup = Buffer.concat([i32(196608), cstr('user'), cstr('analyst'), cstr('database'), cstr('pondgate'), Buffer.from([0])]);
  socket.write(Buffer.concat([i32(startup.length + 4), startup]));
  await done;
  socket.end(message('X'));
  return parseBackend(Buffer.concat(chunks));
}

describe('binary formats and nested values through real clients', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;

  before(async () => {
    temp = await makeTempDir('binary');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '3', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir);
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  it('raw protocol: per-column result formats, binary parameters of declared and inferred types, format count errors', async () => {
    const parse = message('P', cstr(''), cstr('SELECT $1::BIGINT + 1 AS a, $2::DATE AS b, 258::INTEGER AS c, [1, 2] AS d'), i16(2), i32(20, 0));
    // Parameter formats: both binary; $2 is unspecified, so it is read as the type DuckDB infers
    // (DATE: 7306 days after 2000-01-01).
    const bind = message('B', cstr(''), cstr(''), i16(1, 1), i16(2), value(Buffer.from('00000000000000ff', 'hex')), value(i32(7306)), i16(4, 1, 0, 1, 0));
    const messages = await rawSession(cluster.port, [parse, bind, message('D', Buffer.from('P'), cstr('')), message('E', cstr(''), i32(0))]);
    assert.ok(!messages.some((m) => m.name === 'error'), JSON.stringify(messages.filter((m) => m.name === 'error').map((m) => [m.code, m.message])));
    const description = messages.find((m) => m.name === 'rowDescription') as unknown as { fields: Array<{ format: string; dataTypeID: number }> };
    assert.deepEqual(description.fields.map((f) => [f.dataTypeID, f.format]), [[20, 'binary'], [1082, 'text'], [23, 'binary'], [1007, 'text']]);
    const row = messages.find((m) => m.name === 'dataRow') as unknown as { fields: string[] };
    assert.ok(row, JSON.stringify(messages.map((m) => m.name)));
    // pg-protocol hands fields over as UTF-8 strings: fine for these bytes.
    assert.deepEqual(row.fields, ['\0\0\0\0\0\0\x01\0', '2020-01-02', '\0\0\x01\x02', '{1,2}']);

    const wrong = await rawSession(cluster.port, [
      message('P', cstr(''), cstr('SELECT 1 AS a'), i16(0)),
      message('B', cstr(''), cstr(''), i16(0), i16(0), i16(2, 1, 1)),
      message('E', cstr(''), i32(0)),
    ]);
    const error = wrong.find((m) => m.name === 'error') as unknown as { code: string; message: string };
    assert.equal(error?.code, '08P01');
    assert.match(error.message, /2 result formats but query has 1 columns/);

    const unknown = await rawSession(cluster.port, [
      message('P', cstr(''), cstr('SELECT $1 AS p'), i16(1), i32(600)), // point: no binary decoder
      message('B', cstr(''), cstr(''), i16(1, 1), i16(1), value(Buffer.alloc(16)), i16(0)),
    ]);
    const refused = unknown.find((m) => m.name === 'error') as unknown as { code: string; message: string };
    assert.equal(refused?.code, '0A000');
    assert.match(refused.message, /parameter \$1 of type OID 600/);
  });

  it('pgjdbc reads typed values in binary exactly as in text, and sends binary parameters', async () => {
    const values = await probe(cluster.port, [
      // 0: literals of every common type (no JDBC escapes: no braces in the SQL)
      "SELECT 1::SMALLINT AS a, 2::INTEGER AS b, 3::BIGINT AS c, 1.5::DOUBLE AS d, 12.34::DECIMAL(10,2) AS e, 'x' AS f, DATE '2020-01-02' AS g, " +
        "TIMESTAMP '2020-01-02 03:04:05.678' AS h, INTERVAL 1 DAY AS i, [1, 2, NULL] AS j, struct_pack(a := 1) AS k, " +
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS l, true AS m, '\\xDE'::BLOB AS n, (-0.05)::DECIMAL(38,4) AS o, 0.1::FLOAT AS p, " +
        "TIME '03:04:05.5' AS q, TIMESTAMPTZ '2020-01-02 03:04:05+00' AS r, 255::UTINYINT AS s, 18446744073709551615::UBIGINT AS t, " +
        "['a b', '', NULL, 'x\"y'] AS u, [[1.5, 2.5], [NULL, 4]]::DOUBLE[][] AS v, 'infinity'::DATE AS w, NULL::INTEGER AS x",
      // 1: parameters, several of them sent in binary by pgjdbc (int, long, double, bytea, uuid)
      'SELECT ?::INTEGER + 1 AS a, ?::BIGINT AS b, ?::DOUBLE AS c, ?::VARCHAR AS d, ?::BLOB AS e, ?::UUID AS f, ?::DECIMAL(10,3) AS g, ?::DATE AS h, ?::TIMESTAMP AS i, ?::BOOLEAN AS j' +
        '\tint:41\tlong:-5\tdouble:2.5\tstring:hé\tbytes:de00ff\tuuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\tdecimal:-12.340\tdate:2020-01-02\ttimestamp:2020-01-02 03:04:05.678\tbool:true',
      // 2: a distributed scan
      'SELECT l_orderkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_shipdate, l_returnflag, l_comment FROM lineitem WHERE l_orderkey < 100 ORDER BY l_orderkey, l_linenumber',
      // 3: a distributed aggregate with a list, with binary parameters
      'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS q, avg(l_discount) AS d, min(l_shipdate) AS s, list(DISTINCT l_linestatus ORDER BY l_linestatus) AS st FROM lineitem WHERE l_orderkey < ? AND l_linenumber <= ? GROUP BY 1 ORDER BY 1' +
        '\tlong:60000\tint:7',
    ]);
    assert.ok(values.length > 0);
    for (const v of values) assert.equal(v.binary, v.text, `query ${v.query} row ${v.row} column ${v.column} (${v.type}, format ${v.format})`);
    const byColumn = (query: number, row = 0) => new Map(values.filter((v) => v.query === query && v.row === row).map((v) => [v.column, v]));

    const typed = byColumn(0);
    const expected: Array<[number, string, number, string | null]> = [
      [1, 'int2', 1, '1'], [2, 'int4', 1, '2'], [3, 'int8', 1, '3'], [4, 'float8', 1, '1.5'], [5, 'numeric', 1, '12.34'], [6, 'text', 0, 'x'],
      [7, 'date', 1, '2020-01-02'], [8, 'timestamp', 1, '2020-01-02 03:04:05.678'], [9, 'interval', 0, '1 day'], [10, '_int4', 1, '[1, 2, null]'],
      [11, 'json', 0, '{"a":1}'], [12, 'uuid', 1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], [14, 'bytea', 1, 'de'], [15, 'numeric', 1, '-0.0500'],
      [17, 'time', 1, '03:04:05.5'], [19, 'int2', 1, '255'], [20, 'numeric', 1, '18446744073709551615'], [21, '_text', 1, '[a b, , null, x"y]'],
      [22, '_float8', 1, '[[1.5, 2.5], [null, 4.0]]'], [24, 'int4', 1, null],
    ];
    for (const [column, type, format, value] of expected) {
      const v = typed.get(column);
      assert.ok(v, `column ${column}`);
      assert.deepEqual([v.type, v.format, v.binary], [type, format, value], `column ${column}`);
    }
    assert.equal(typed.get(16)?.type, 'float4');

    const params = byColumn(1);
    assert.deepEqual(
      [...params.values()].map((v) => v.binary),
      ['42', '-5', '2.5', 'hé', 'de00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '-12.340', '2020-01-02', '2020-01-02 03:04:05.678', 't'],
    );

    const scan = values.filter((v) => v.query === 2);
    assert.ok(scan.length > 8 * 100, `expected lineitem rows, got ${scan.length / 8}`);
    assert.ok(scan.filter((v) => v.type === 'numeric' || v.type === 'date' || v.type === 'int4' || v.type === 'int8').every((v) => v.format === 1));
    const aggregate = values.filter((v) => v.query === 3);
    assert.deepEqual(aggregate.filter((v) => v.column === 1).map((v) => v.binary), ['A', 'N', 'R']);
    assert.ok(aggregate.filter((v) => v.column === 6).every((v) => v.type === '_text' && /^\[[FO](, [FO])?\]$/.test(v.binary ?? '')));
  });

  it('node-postgres with binary: true reads binary results and sends Buffer parameters in binary', async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString, binary: true } as pg.ClientConfig);
    await client.connect();
    try {
      // node-postgres decodes binary fields as UTF-8 strings before parsing them, so only
      // values whose bytes are all below 0x80 survive on its side; those are compared exactly.
      const r = await client.query('SELECT 1::SMALLINT AS a, 2::INTEGER AS b, 3::BIGINT AS c, true AS d, $1::VARCHAR AS e, [1, 2, 3] AS f, {\'a\': 1} AS g, $2::BLOB AS h, $2::BLOB = \'\\x01\\x02\'::BLOB AS i', ['x', Buffer.from([1, 2])]);
      assert.deepEqual(r.fields.map((f) => f.format), Array(9).fill('binary'));
      assert.deepEqual({ ...r.rows[0], h: Buffer.from(r.rows[0].h as string, 'latin1').toString('hex') }, { a: 1, b: 2, c: '3', d: true, e: 'x', f: [1, 2, 3], g: '{"a":1}', h: '0102', i: true });
      // Every other type encodes in binary without error, from a distributed query too.
      const all = await client.query(
        "SELECT l_orderkey, l_quantity, l_shipdate, l_comment, INTERVAL 1 DAY AS i, [[1, 2], [3, 4]] AS l, MAP {'k': l_orderkey} AS m, TIMESTAMPTZ '2020-01-01 00:00:00+00' AS t, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u, '03:04:05+02'::TIMETZ AS z FROM lineitem WHERE l_orderkey < 50",
      );
      assert.ok(all.rows.length > 10);
    } finally {
      await client.end();
    }
  });

  it('postgres.js and node-postgres read LIST as PostgreSQL arrays and STRUCT/MAP as JSON', async () => {
    const query =
      "SELECT [1, 2, NULL] AS a, [['a b', ''], ['NULL', 'x\"y\\z']] AS b, {'a': 1, 'b': [1.5]} AS c, MAP {'k': 2} AS d, [DATE '2020-01-02'] AS e, " +
      "[true, false] AS f, [12.30::DECIMAL(10,2)] AS g, []::INTEGER[] AS h, [{'x': 1}] AS i, [TIMESTAMP '2020-01-02 03:04:05'] AS j";
    // postgres.js reads the array types from pg_catalog.pg_type on connect and then parses
    // arrays itself. Its int4[] parser turns an unquoted NULL element into NaN — it does the
    // same against PostgreSQL 15 itself, so that is the PostgreSQL-compatible outcome.
    const sql = postgres(cluster.connectionString, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await sql.unsafe(query);
      assert.deepEqual(
        [row.a, row.b, row.f, row.g, row.h, row.i],
        [[1, 2, NaN], [['a b', ''], ['NULL', 'x"y\\z']], [true, false], ['12.30'], [], [{ x: 1 }]],
      );
      assert.deepEqual((row.e as Date[]).map((d) => d.getTime()), [new Date('2020-01-02').getTime()]);
      assert.deepEqual((row.j as Date[]).map((d) => d.getTime()), [new Date('2020-01-02 03:04:05').getTime()]);
      assert.deepEqual(row.c, { a: 1, b: [1.5] });
      assert.deepEqual(row.d, { k: 2 });
      // Extended protocol with a parameter, on a distributed query.
      const rows = await sql`SELECT l_orderkey, list(l_linenumber ORDER BY l_linenumber) AS lines FROM lineitem WHERE l_orderkey < ${5} GROUP BY 1 ORDER BY 1`;
      assert.ok(rows.length > 0);
      for (const r of rows) assert.deepEqual(r.lines, Array.from({ length: (r.lines as number[]).length }, (_, i) => i + 1));
    } finally {
      await sql.end();
    }
    // node-postgres (text) parses the arrays with its own array parser by the announced OIDs.
    const client = new pg.Client({ connectionString: cluster.connectionString });
    await client.connect();
    try {
      const { rows: [row] } = await client.query(query);
      assert.deepEqual(row.a, [1, 2, null]);
      assert.deepEqual(row.b, [['a b', ''], ['NULL', 'x"y\\z']]);
      assert.deepEqual(row.c, { a: 1, b: [1.5] });
      assert.deepEqual(row.d, { k: 2 });
      assert.deepEqual(row.f, [true, false]);
      assert.deepEqual(row.g, [12.3]); // pg-types parses numeric[] elements as floats
      assert.deepEqual(row.h, []);
      assert.deepEqual(row.i, [{ x: 1 }]);
    } finally {
      await client.end();
    }
  });
});
