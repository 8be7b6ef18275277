/**
 * DuckDB error → PostgreSQL SQLSTATE and position, on the messages of real
 * statements run in an in-process DuckDB, so a change in DuckDB's wording (or
 * in how it renders its "LINE n:" context) fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SqlCodec } from '../gateway/sql/codec.ts';
import { classify } from '../gateway/sql/classify.ts';
import { splitStatements } from '../gateway/sql/split.ts';
import { withPosition } from '../gateway/wire/error-position.ts';
import { locateInSql, pgPosition } from './error-position.ts';
import { SqlError, sqlstateForDuckDBMessage, toSqlError } from './errors.ts';

/** PostgreSQL's position of the first occurrence of `marker` in `text`: code points before it, plus 1. */
function expectedPosition(text: string, marker: string, from = 0): number {
  const at = text.indexOf(marker, from);
  assert.ok(at >= 0, `${marker} not in ${text}`);
  return [...text.slice(0, at)].length + 1;
}

describe('DuckDB errors as PostgreSQL errors', () => {
  let db: DuckDBInstance;
  let connection: DuckDBConnection;

  before(async () => {
    db = await DuckDBInstance.create(':memory:');
    connection = await db.connect();
    await connection.run('CREATE TABLE t (a INTEGER, b VARCHAR)');
  });
  after(() => {
    connection.closeSync();
    db.closeSync();
  });

  async function errorOf(sql: string, on: DuckDBConnection = connection): Promise<SqlError> {
    try {
      await on.run(sql);
    } catch (error) {
      return toSqlError(error);
    }
    assert.fail(`${sql} did not fail`);
  }

  const cases: ReadonlyArray<readonly [string, string]> = [
    ['SELECT * FROM nosuch', '42P01'],
    ['SELECT * FROM nosch.t', '42P01'],
    ['SELECT x.a FROM t', '42P01'],
    ['SELECT nocol FROM t', '42703'],
    ['SELEC 1', '42601'],
    ['SELECT a FROM t UNION SELECT 1, 2', '42601'],
    ["SELECT 'abc'::int", '22P02'],
    ["SELECT 1 WHERE 'x'", '22P02'],
    ['SELECT nofunc(1)', '42883'],
    ['SELECT sum(b) FROM t', '42883'],
    ['SELECT * FROM t WHERE b > 1', '42883'],
    ['SELECT * FROM nosuch_table_function()', '42883'],
    ["SELECT abs('x')", '42725'],
    ["SELECT CASE WHEN true THEN 1 ELSE DATE '2020-01-01' END", '42804'],
    ["SELECT COALESCE(1, DATE '2020-01-01')", '42804'],
    ['SELECT 2147483647::INTEGER + 1', '22003'],
    ['SELECT 300::TINYINT', '22003'],
    ['SELECT 1e400::INTEGER', '22003'],
    ["SELECT '2020-01-01 25:00'::TIMESTAMP", '22008'],
    ["SELECT DATE '2020-13-01'", '22008'],
    ["SELECT 'abc'::DATE", '22007'],
    ["SELECT 'x'::BLOB::INTEGER", '42846'],
    ['SELECT 1 ORDER BY 5', '42P10'],
    ['SELECT 1 GROUP BY 3', '42P10'],
    ['SELECT a, count(*) FROM t GROUP BY b', '42803'],
    ['SELECT a FROM t WHERE sum(a) > 1', '42803'],
    ['SELECT sum(sum(a)) FROM t', '42803'],
    ['SELECT * FROM t t1, t t2 WHERE a = 1', '42702'],
    ['SELECT 1::notype', '42704'],
    ['CREATE TABLE nosch.t2 (a INTEGER)', '3F000'],
    ['SELECT ln(0)', '2201E'],
    ['SELECT sqrt(-1)', '2201F'],
  ];
  for (const [sql, sqlstate] of cases) {
    it(`${sql} → ${sqlstate}`, async () => {
      const error = await errorOf(sql);
      assert.equal(error.sqlstate, sqlstate, error.message);
      assert.doesNotMatch(error.message, /LINE \d+:|\n/);
      assert.doesNotMatch(error.hint ?? '', /LINE \d+:/);
    });
  }

  it('out of memory → 53200', async () => {
    const small = await db.connect();
    try {
      await small.run("SET memory_limit = '20MB'");
      await small.run('SET threads = 1');
      const error = await errorOf('SELECT list(range) FROM range(50000000)', small);
      assert.equal(error.sqlstate, '53200', error.message);
      assert.match(error.hint ?? '', /Possible solutions/);
    } finally {
      small.closeSync();
    }
  });

  it('interrupted → 57014', async () => {
    const busy = await db.connect();
    try {
      const running = busy.run('SELECT count(*) FROM range(1000000000000) a');
      setTimeout(() => busy.interrupt(), 100);
      const error = await running.then(
        () => assert.fail('not interrupted'),
        (e: unknown) => toSqlError(e),
      );
      assert.equal(error.sqlstate, '57014', error.message);
    } finally {
      busy.closeSync();
    }
  });

  it('division by zero → 22012 (DuckDB answers x / 0 without an error, so only the message rule can be checked)', async () => {
    for (const sql of ['SELECT 1 / 0', 'SELECT 1 // 0', 'SELECT 1 % 0', 'SELECT 1::DECIMAL(10, 2) / 0']) {
      assert.equal((await connection.runAndReadAll(sql)).getRows().length, 1, sql);
    }
    assert.equal(sqlstateForDuckDBMessage('Out of Range Error: Division by zero!'), '22012');
  });

  it('anything unknown → XX000', () => {
    assert.equal(sqlstateForDuckDBMessage('Something new: never seen'), 'XX000');
  });

  // ---------------------------------------------------------------- positions

  async function positionOf(sql: string): Promise<number | undefined> {
    const error = await errorOf(sql);
    assert.ok(error.location, `no location for ${sql}: ${error.message}`);
    const index = locateInSql(error.location, sql);
    return index === undefined ? undefined : pgPosition(sql, index);
  }

  const positioned: ReadonlyArray<readonly [string, string]> = [
    ['SELECT nocol FROM t', 'nocol'],
    ['SELECT * FROM nosuch', 'nosuch'],
    // DuckDB points at the cast where PostgreSQL points at the literal; we pass on DuckDB's location.
    ["SELECT 'abc'::int", '::int'],
    ['SELECT nofunc(1)', 'nofunc'],
    ['SELECT\n  a,\n  nocol\nFROM t', 'nocol'],
    ['SELECT 1,\r\n nocol FROM t', 'nocol'],
    ['SELECT 1,\r nocol FROM t', 'nocol'],
    ["SELECT 'é€', nocol FROM t", 'nocol'],
    ["SELECT 'e\u0301', nocol FROM t", 'nocol'],
    ["SELECT '漢字', nocol FROM t", 'nocol'],
    ["SELECT '😀😀', nocol FROM t", 'nocol'],
    ['SELECT\tnocol FROM t', 'nocol'],
    [`SELECT ${'a, '.repeat(40)}nocol, ${'b, '.repeat(40)}1 FROM t`, 'nocol'],
    [`SELECT 'ü${'x'.repeat(100)}', ${'a, '.repeat(30)}nocol, ${'b, '.repeat(40)}1 FROM t`, 'nocol'],
    [`SELECT nocol, ${'b, '.repeat(40)}1 FROM t`, 'nocol'],
    ['SELEC 1', 'SELEC'],
  ];
  for (const [sql, marker] of positioned) {
    it(`position of ${marker} in ${JSON.stringify(sql.length > 60 ? `${sql.slice(0, 57)}...` : sql)}`, async () => {
      assert.equal(await positionOf(sql), expectedPosition(sql, marker));
    });
  }

  it('no position when the rendered line is not the text we hold (SQL the gateway rewrote)', async () => {
    const error = await errorOf('SELECT nocol FROM t');
    assert.ok(error.location);
    assert.equal(locateInSql(error.location, 'SELECT nocol FROM u'), undefined);
    assert.equal(locateInSql(error.location, 'SELECT  nocol FROM t'), undefined);
  });

  it('syntax errors through json_serialize_sql carry a character offset (end of input too)', async () => {
    const codec = new SqlCodec(connection);
    for (const [sql, marker] of [['SELECT 1 FROM', ''], ["SELECT '漢字' 1 2", '1 2'], ['SELECT (1', '']] as const) {
      const parsed = await codec.parse(sql);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      const error = toSqlError(new Error(`Parser Error: ${parsed.message}`), parsed.position);
      assert.equal(error.sqlstate, '42601');
      assert.ok(error.location);
      const index = locateInSql(error.location, sql);
      // PostgreSQL points one past the end for "at end of input".
      assert.equal(index === undefined ? undefined : pgPosition(sql, index), marker === '' ? [...sql].length + 1 : expectedPosition(sql, marker));
    }
  });

  it('positions are relative to the whole simple-query string, as PostgreSQL reports them', async () => {
    // PostgreSQL 15 gives 20 for "SELECT 1;   SELECT nocol FROM pg_class" and 29 for the commented one.
    for (const text of ['SELECT 1;   SELECT nocol FROM t', '/* c */ SELECT 1;\n  SELECT\n nocol FROM t  ', "SELECT 'é';\n-- note\n  /* x */ SELECT nocol FROM t;"]) {
      let from = 0;
      let reported: number | undefined;
      for (const slice of splitStatements(text)) {
        const at = text.indexOf(slice, from);
        from = at + slice.length;
        const statement = classify(slice);
        if (!('sql' in statement)) continue;
        try {
          await connection.run(statement.sql);
        } catch (error) {
          reported = withPosition(toSqlError(error), text, at, slice, statement).position;
        }
      }
      assert.equal(reported, expectedPosition(text, 'nocol'), text);
    }
  });
});
