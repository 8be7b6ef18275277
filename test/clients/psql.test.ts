/**
 * psql against a real cluster started through the command line: -c, -f with
 * several statements, errors and ON_ERROR_STOP, \copy to a CSV file, \timing,
 * \x, \conninfo, \dt and \d (psql's pg_catalog queries), statement_timeout,
 * and FETCH_COUNT (which makes psql read through a cursor: DECLARE … CURSOR /
 * FETCH FORWARD 50 / CLOSE).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram, startTpchCluster, type ProgramResult, type TpchCluster } from '../support/clients.ts';

const TPCH_TABLES = ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier'];

/** lineitem's columns as `name type`, DuckDB's types under their PostgreSQL names (format_type). */
const LINEITEM_COLUMNS = [
  'l_orderkey bigint', 'l_partkey integer', 'l_suppkey integer', 'l_linenumber integer',
  'l_quantity numeric(15,2)', 'l_extendedprice numeric(15,2)', 'l_discount numeric(15,2)', 'l_tax numeric(15,2)',
  'l_returnflag text', 'l_linestatus text', 'l_shipdate date', 'l_commitdate date', 'l_receiptdate date',
  'l_shipinstruct text', 'l_shipmode text', 'l_comment text',
];

describe('psql', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;

  const psql = (args: readonly string[], input?: string): Promise<ProgramResult> =>
    runProgram('psql', ['-h', '127.0.0.1', '-p', String(tpch.cluster.port), '-U', 'analyst', '-X', ...args, 'pondgate'], {
      input,
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGPASSWORD: undefined, PGOPTIONS: undefined },
      timeoutMs: 30_000,
    });

  /** One value per line, as `psql -A -t` prints them. */
  const lines = (text: string): string[] => text.trim().split('\n');

  before(async () => {
    tpch = await startTpchCluster('psql');
  });

  after(async () => {
    await tpch?.stop();
  });

  it('-c runs a distributed aggregate with the README query', async () => {
    const result = await psql(['-A', '-t', '-c', 'SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1 ORDER BY 1']);
    assert.equal(result.code, 0, result.stderr);
    const rows = lines(result.stdout);
    assert.deepEqual(rows.map((l) => l.split('|')[0]), ['A', 'N', 'R']);
    const total = rows.reduce((sum, l) => sum + Number(l.split('|')[1]), 0);
    const count = await psql(['-A', '-t', '-c', 'SELECT count(*) FROM lineitem']);
    assert.equal(total, Number(count.stdout.trim()));
    assert.ok(total > 50_000, `expected SF 0.01 lineitem rows, got ${total}`);
  });

  it('-f runs several statements, SET/SHOW and a transaction', async () => {
    const file = path.join(tpch.dir, 'script.sql');
    await writeFile(
      file,
      [
        "SET TimeZone TO 'America/New_York';",
        'SHOW TimeZone;',
        'BEGIN;',
        "SELECT count(*) AS n FROM orders WHERE o_orderdate < DATE '1995-01-01';",
        'COMMIT;',
        'SELECT 5/2 AS half;',
      ].join('\n'),
    );
    const result = await psql(['-A', '-t', '-f', file]);
    assert.equal(result.code, 0, result.stderr);
    const out = lines(result.stdout);
    assert.equal(out[0], 'SET');
    assert.equal(out[1], 'America/New_York');
    assert.equal(out[2], 'BEGIN');
    assert.match(out[3], /^\d+$/);
    assert.equal(out[4], 'COMMIT');
    assert.equal(out[5], '2.5');
  });

  it('reports errors with their SQLSTATE; ON_ERROR_STOP stops the script with exit code 3', async () => {
    const missing = await psql(['-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-c', 'SELECT * FROM no_such_table']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /42P01/);
    const file = path.join(tpch.dir, 'stop.sql');
    await writeFile(file, "SELECT 1/0::int AS a;\nSELECT nosuchcolumn FROM lineitem;\nSELECT 'not reached';\n");
    const stopped = await psql(['-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-A', '-t', '-f', file]);
    assert.equal(stopped.code, 3);
    assert.match(stopped.stderr, /42703/);
    assert.doesNotMatch(stopped.stdout, /not reached/);
    // Without ON_ERROR_STOP the script goes on past the error and psql exits 0.
    const goesOn = await psql(['-A', '-t', '-f', file]);
    assert.equal(goesOn.code, 0);
    assert.match(goesOn.stdout, /not reached/);
  });

  it('refuses an unknown database with 3D000, writes with 25006 and file access with 42501', async () => {
    const wrongDb = await runProgram('psql', ['-h', '127.0.0.1', '-p', String(tpch.cluster.port), '-U', 'analyst', '-X', '-c', 'SELECT 1', 'otherdb']);
    assert.notEqual(wrongDb.code, 0);
    assert.match(wrongDb.stderr, /database "otherdb" does not exist/);
    const write = await psql(['-v', 'VERBOSITY=verbose', '-c', 'DELETE FROM lineitem']);
    assert.match(write.stderr, /25006/);
    const file = await psql(['-v', 'VERBOSITY=verbose', '-c', "SELECT * FROM read_csv('/etc/passwd')"]);
    assert.match(file.stderr, /42501/);
  });

  it('EXPLAIN shows the distributed plan', async () => {
    const result = await psql(['-A', '-t', '-c', 'EXPLAIN SELECT l_returnflag, sum(l_quantity) FROM lineitem GROUP BY 1']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Distributed plan: distributed/);
    assert.match(result.stdout, /Stage 0: .*, \d tasks? -> gateway \(__pondgate_r0\)/);
    assert.match(result.stdout, /input __pondgate_in0: lineitem \((split|broadcast), 3 of 3 partitions\)/);
    assert.match(result.stdout, /Merge on the gateway:|Merge: none; stage 0 runs it/);
  });

  it('\\copy (SELECT …) TO a file WITH CSV HEADER writes the rows (COPY … TO STDOUT)', async () => {
    const file = path.join(tpch.dir, 'orders.csv');
    const query = 'SELECT o_orderkey, o_orderstatus, o_totalprice, o_comment FROM orders ORDER BY o_orderkey LIMIT 5';
    const copied = await psql(['-v', 'ON_ERROR_STOP=1', '-c', `\\copy (${query}) to '${file}' with csv header`]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /^COPY 5$/m);
    const csv = (await readFile(file, 'utf8')).trimEnd().split('\n');
    assert.equal(csv[0], 'o_orderkey,o_orderstatus,o_totalprice,o_comment');
    assert.equal(csv.length, 6);
    // Each data line is the same row as psql's own CSV output of the query.
    const expected = await psql(['--csv', '-c', query]);
    assert.equal(expected.code, 0, expected.stderr);
    assert.deepEqual(csv, expected.stdout.trimEnd().split('\n'));
  });

  it('\\timing prints the time of each statement', async () => {
    const result = await psql(['-v', 'ON_ERROR_STOP=1'], '\\timing on\nSELECT count(*) FROM orders;\n');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Timing is on\./);
    assert.match(result.stdout, /^Time: \d+\.\d+ ms/m);
    assert.match(result.stdout, /15000/);
  });

  it('\\x prints expanded records', async () => {
    const result = await psql(
      ['-v', 'ON_ERROR_STOP=1'],
      "\\x on\nSELECT o_orderkey, o_orderstatus FROM orders ORDER BY o_orderkey LIMIT 2;\n",
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Expanded display is on\./);
    assert.match(result.stdout, /-\[ RECORD 1 \]-*\+?-*\no_orderkey\s+\| 1\no_orderstatus\s+\| [FOP]\n/);
    assert.match(result.stdout, /-\[ RECORD 2 \]-*\+?-*\no_orderkey\s+\| 2\n/);
  });

  it('\\conninfo names the database, user, host and port', async () => {
    const result = await psql(['-c', '\\conninfo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`You are connected to database "pondgate" as user "analyst" on host "127\\.0\\.0\\.1" at port "${tpch.cluster.port}"`),
    );
  });

  it('\\dt lists the catalog tables in schema public (pg_catalog queries)', async () => {
    const result = await psql(['-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', '\\dt']);
    assert.equal(result.code, 0, result.stderr);
    const tables = lines(result.stdout).map((l) => l.split('|').slice(0, 3).join('|'));
    assert.deepEqual(tables.sort(), TPCH_TABLES.map((t) => `public|${t}|table`).sort());
  });

  it('\\d lineitem describes its columns with PostgreSQL type names', async () => {
    const result = await psql(['-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', '\\d lineitem']);
    assert.equal(result.code, 0, result.stderr);
    const columns = lines(result.stdout).filter((l) => l.startsWith('l_')).map((l) => l.split('|').slice(0, 2).join(' '));
    assert.deepEqual(columns, LINEITEM_COLUMNS);
  });

  it('\\set FETCH_COUNT 50 reads more than 1000 rows through a cursor, the same rows as without it', async () => {
    const query = 'SELECT l_orderkey, l_linenumber, l_shipdate FROM lineitem ORDER BY l_orderkey, l_linenumber LIMIT 1234';
    const plain = await psql(['-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', query]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(lines(plain.stdout).length, 1234);
    const fetched = await psql(['-A', '-t', '-v', 'ON_ERROR_STOP=1'], `\\set FETCH_COUNT 50\n${query};\nSELECT 'after';\n`);
    assert.equal(fetched.code, 0, fetched.stderr);
    const out = lines(fetched.stdout);
    assert.equal(out.pop(), 'after');
    assert.deepEqual(out, lines(plain.stdout));
  });

  it('statement_timeout stops a long query with 57014, set by SET or by PGOPTIONS', async () => {
    const started = Date.now();
    // Without the timeout these run for minutes: psql is stopped after 8 s (the gateway then interrupts the query).
    const local = await runProgram(
      'psql',
      ['-h', '127.0.0.1', '-p', String(tpch.cluster.port), '-U', 'analyst', '-X', '-v', 'VERBOSITY=verbose', '-c', "SET statement_timeout = '500ms'", '-c', 'SELECT count(*) FROM range(100000000000)', 'pondgate'],
      { timeoutMs: 8_000 },
    );
    assert.match(local.stderr, /57014.*canceling statement due to statement timeout/);
    const distributed = await runProgram(
      'psql',
      ['-h', '127.0.0.1', '-p', String(tpch.cluster.port), '-U', 'analyst', '-X', '-v', 'VERBOSITY=verbose', '-c', 'SELECT count(*) FROM lineitem a, lineitem b WHERE a.l_orderkey < b.l_orderkey', 'pondgate'],
      { env: { ...process.env, PGOPTIONS: '-c statement_timeout=500' }, timeoutMs: 8_000 },
    );
    assert.match(distributed.stderr, /57014.*canceling statement due to statement timeout/);
    assert.ok(Date.now() - started < 15_000, `the timeouts took ${Date.now() - started} ms`);
  });
});
