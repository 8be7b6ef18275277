/**
 * Real clients against a real cluster started through the command line:
 * psql (-c, -f, errors, ON_ERROR_STOP) and node-postgres (simple and
 * extended protocol, parameters, errors then reuse of the session).
 * The data set is made by `pondgate generate tpch`, as a user would.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const execFileAsync = promisify(execFile);
const rawText = { getTypeParser: () => (value: string) => value };

interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('clients', { timeout: 10 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;

  const psql = async (args: string[]): Promise<PsqlResult> => {
    try {
      const { stdout, stderr } = await execFileAsync('psql', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'analyst', '-X', ...args], {
        env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failure = error as { code: number; stdout: string; stderr: string };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
    }
  };

  before(async () => {
    temp = await makeTempDir('clients');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '3', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir);
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  it('psql -c runs a distributed aggregate with the README query', async () => {
    const result = await psql(['-A', '-t', '-c', 'SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1 ORDER BY 1', 'pondgate']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split('|')[0]), ['A', 'N', 'R']);
    const total = lines.reduce((sum, l) => sum + Number(l.split('|')[1]), 0);
    const count = await psql(['-A', '-t', '-c', 'SELECT count(*) FROM lineitem', 'pondgate']);
    assert.equal(total, Number(count.stdout.trim()));
    assert.ok(total > 50_000, `expected SF 0.01 lineitem rows, got ${total}`);
  });

  it('psql -f runs several statements, SET/SHOW and a transaction', async () => {
    const file = path.join(temp.dir, 'script.sql');
    await writeFile(
      file,
      [
        'SET TimeZone TO \'America/New_York\';',
        'SHOW TimeZone;',
        'BEGIN;',
        "SELECT count(*) AS n FROM orders WHERE o_orderdate < DATE '1995-01-01';",
        'COMMIT;',
        'SELECT 5/2 AS half;',
      ].join('\n'),
    );
    const result = await psql(['-A', '-t', '-f', file, 'pondgate']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], 'SET');
    assert.equal(lines[1], 'America/New_York');
    assert.equal(lines[2], 'BEGIN');
    assert.match(lines[3], /^\d+$/);
    assert.equal(lines[4], 'COMMIT');
    assert.equal(lines[5], '2.5');
  });

  it('psql reports errors with their SQLSTATE and ON_ERROR_STOP stops the script', async () => {
    const missing = await psql(['-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-c', 'SELECT * FROM no_such_table', 'pondgate']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /42P01/);
    const file = path.join(temp.dir, 'stop.sql');
    await writeFile(file, "SELECT 1/0::int AS a;\nSELECT nosuchcolumn FROM lineitem;\nSELECT 'not reached';\n");
    const stopped = await psql(['-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-A', '-t', '-f', file, 'pondgate']);
    assert.equal(stopped.code, 3);
    assert.match(stopped.stderr, /42703/);
    assert.doesNotMatch(stopped.stdout, /not reached/);
  });

  it('refuses an unknown database with 3D000 and writes with 25006', async () => {
    const wrongDb = await psql(['-c', 'SELECT 1', 'otherdb']);
    assert.notEqual(wrongDb.code, 0);
    assert.match(wrongDb.stderr, /database "otherdb" does not exist/);
    const write = await psql(['-v', 'VERBOSITY=verbose', '-c', 'DELETE FROM lineitem', 'pondgate']);
    assert.match(write.stderr, /25006/);
    const file = await psql(['-v', 'VERBOSITY=verbose', '-c', "SELECT * FROM read_csv('/etc/passwd')", 'pondgate']);
    assert.match(file.stderr, /42501/);
  });

  it('EXPLAIN shows the distributed plan', async () => {
    const result = await psql(['-A', '-t', '-c', 'EXPLAIN SELECT l_returnflag, sum(l_quantity) FROM lineitem GROUP BY 1', 'pondgate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Distributed plan: partial-aggregate/);
    assert.match(result.stdout, /Fragment 0: table lineitem, 3 of 3 partitions/);
  });

  it('node-postgres: extended protocol with parameters, errors, then reuse of the session', async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    try {
      const counted = await client.query('SELECT count(*) AS n FROM lineitem WHERE l_quantity > $1 AND l_returnflag = $2', [40, 'R']);
      const literal = await client.query("SELECT count(*) AS n FROM lineitem WHERE l_quantity > 40 AND l_returnflag = 'R'");
      assert.equal(counted.rows[0].n, literal.rows[0].n);
      assert.ok(Number(counted.rows[0].n) > 0);
      assert.equal(counted.fields[0].dataTypeID, 20);
      await assert.rejects(client.query('SELECT nosuch FROM orders WHERE o_orderkey = $1', [1]), (error: { code?: string }) => error.code === '42703');
      await assert.rejects(client.query('SELEC 1'), (error: { code?: string }) => error.code === '42601');
      const after = await client.query('SELECT o_orderkey FROM orders ORDER BY o_orderkey LIMIT 2');
      assert.deepEqual(after.rows.map((r: { o_orderkey: string }) => r.o_orderkey), ['1', '2']);
    } finally {
      await client.end();
    }
  });
});
