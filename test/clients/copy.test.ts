/**
 * COPY … TO STDOUT against a real cluster: psql -c, psql's \copy to a file
 * (which sends COPY … TO STDOUT and writes what comes back), psycopg2's
 * copy_expert and node-postgres for the errors and the command tag.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { psql, python } from '../support/clients.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

const SPECIAL = "SELECT 1 AS a, NULL::varchar AS b, E'tab\\there\\\\back\\nline' AS c, 'say \"hi\", ok' AS d, '' AS e, DATE '2024-02-29' AS f, 1.5::double AS g";

describe('COPY TO STDOUT', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;

  before(async () => {
    temp = await makeTempDir('copy');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '3', '--into', temp.dir]);
    cluster = await startTestCluster(temp.dir);
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  it('psql -c: text and CSV with PostgreSQL escaping and quoting', async () => {
    const text = await psql(cluster.port, ['-c', `COPY (${SPECIAL}) TO STDOUT`]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, '1\t\\N\ttab\\there\\\\back\\nline\tsay "hi", ok\t\t2024-02-29\t1.5\n');
    const csv = await psql(cluster.port, ['-c', `COPY (${SPECIAL}) TO STDOUT WITH (FORMAT csv, HEADER)`]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, 'a,b,c,d,e,f,g\n1,,"tab\there\\back\nline","say ""hi"", ok","",2024-02-29,1.5\n');
    const options = await psql(cluster.port, ['-c', `COPY (${SPECIAL}) TO STDOUT (FORMAT csv, DELIMITER '|', NULL 'NULL', FORCE_QUOTE (a))`]);
    assert.equal(options.code, 0, options.stderr);
    assert.equal(options.stdout, '"1"|NULL|"tab\there\\back\nline"|"say ""hi"", ok"||2024-02-29|1.5\n');
  });

  it('COPY of a distributed query gives the same values as its DataRows', async () => {
    const sql = 'SELECT o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate, o_comment FROM orders ORDER BY o_orderkey';
    const copied = await psql(cluster.port, ['-c', `COPY (${sql}) TO STDOUT`]);
    assert.equal(copied.code, 0, copied.stderr);
    const selected = await psql(cluster.port, ['-A', '-t', '-F', '\t', '-c', sql]);
    assert.equal(selected.code, 0, selected.stderr);
    assert.equal(copied.stdout.split('\n').length, 15001);
    assert.equal(copied.stdout, selected.stdout);
  });

  it('COPY table and COPY table (columns) read the whole table', async () => {
    const whole = await psql(cluster.port, ['-c', 'COPY orders TO STDOUT WITH CSV HEADER']);
    assert.equal(whole.code, 0, whole.stderr);
    const lines = whole.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 15001);
    assert.match(lines[0], /^o_orderkey,o_custkey,o_orderstatus,o_totalprice,o_orderdate,/);
    const columns = await psql(cluster.port, ['-c', 'COPY nation (n_nationkey, n_name) TO STDOUT']);
    assert.equal(columns.code, 0, columns.stderr);
    const rows = columns.stdout.trimEnd().split('\n').sort((x, y) => Number(x.split('\t')[0]) - Number(y.split('\t')[0]));
    assert.equal(rows.length, 25);
    assert.equal(rows[0], '0\tALGERIA');
  });

  it("psql \\copy (select …) to 'file' with csv header writes the file", async () => {
    const file = path.join(temp.dir, 'lineitem.csv');
    const result = await psql(cluster.port, ['-c', `\\copy (select l_orderkey, l_linenumber, l_returnflag, l_comment from lineitem order by 1, 2) to '${file}' with csv header`]);
    assert.equal(result.code, 0, result.stderr);
    const count = await psql(cluster.port, ['-A', '-t', '-c', 'SELECT count(*) FROM lineitem']);
    assert.match(result.stdout, new RegExp(`^COPY ${count.stdout.trim()}\\n$`));
    const content = await readFile(file, 'utf8');
    const lines = content.trimEnd().split('\n');
    assert.equal(lines[0], 'l_orderkey,l_linenumber,l_returnflag,l_comment');
    assert.equal(lines.length, Number(count.stdout.trim()) + 1);
    const expected = await psql(cluster.port, ['-A', '-t', '-F', ',', '-c', 'SELECT l_orderkey, l_linenumber, l_returnflag, l_comment FROM lineitem ORDER BY 1, 2 LIMIT 3']);
    assert.deepEqual(lines.slice(1, 4), expected.stdout.trimEnd().split('\n'));
  });

  it('psycopg2 copy_expert receives the CSV', async () => {
    const script = `
import io, sys, psycopg2
conn = psycopg2.connect(sys.argv[1])
out = io.StringIO()
conn.cursor().copy_expert("COPY (SELECT r_regionkey, r_name FROM region ORDER BY 1) TO STDOUT WITH CSV HEADER", out)
sys.stdout.write(out.getvalue())
`;
    const result = await python(temp.dir, 'copy.py', script, `host=127.0.0.1 port=${cluster.port} dbname=pondgate user=analyst`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'r_regionkey,r_name\n0,AFRICA\n1,AMERICA\n2,ASIA\n3,EUROPE\n4,MIDDLE EAST\n');
  });

  it('node-postgres: the COPY n tag, and COPY FROM / to a file refused', async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString });
    await client.connect();
    try {
      const result = await client.query('COPY (SELECT * FROM region) TO STDOUT');
      assert.equal(result.command, 'COPY');
      assert.equal(result.rowCount, 5);
      const refused = async (sql: string, code: string) =>
        assert.rejects(client.query(sql), (error: { code?: string }) => error.code === code, `${sql} should fail with ${code}`);
      await refused('COPY orders FROM STDIN', '25006');
      await refused("COPY orders TO '/tmp/orders.txt'", '42501');
      await refused("COPY (SELECT 1) TO PROGRAM 'cat'", '42501');
      await refused('COPY (SELECT 1) TO STDOUT (FORMAT binary)', '0A000');
      await refused('COPY (SELECT nosuch FROM orders) TO STDOUT', '42703');
      await refused('COPY (SELECT 1 AS a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))', '42703');
      // The session is still usable after the errors.
      assert.equal((await client.query('SELECT count(*)::int AS n FROM nation')).rows[0].n, 25);
    } finally {
      await client.end();
    }
  });
});
