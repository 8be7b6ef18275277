/**
 * The PostgreSQL-compatibility functions are installed on the workers too, so
 * that any fragment of a rewritten query runs anywhere: a worker's sandboxed
 * DuckDB (worker/sandbox.ts) answers every call exactly as the gateway's does,
 * and the answers are PostgreSQL 15's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDBInstance as Instance } from '@duckdb/node-api';
import { openSandboxedDuckDB } from '../../worker/sandbox.ts';
import { installPgCompat } from '../../gateway/catalog/pg-compat.ts';
import { PG_COMPAT_FUNCTIONS } from '../../src/pg/compat-functions.ts';
import { makeTempDir } from '../support/cluster.ts';

const F = 'memory.pg_compat';

/** Calls with PostgreSQL 15's answers (text output; arrays as DuckDB lists). */
const CASES: ReadonlyArray<readonly [call: string, expected: unknown]> = [
  [`${F}.quote_ident('flights')`, 'flights'],
  [`${F}.quote_ident('Cost Total $')`, '"Cost Total $"'],
  [`${F}.quote_ident('select')`, '"select"'],
  [`${F}.quote_ident('abort')`, 'abort'], // unreserved keywords stay bare
  [`${F}.quote_ident('a"b')`, '"a""b"'],
  [`${F}.quote_literal('O''Brien')`, "'O''Brien'"],
  [`${F}.quote_literal('a\\b')`, "E'a\\\\b'"],
  [`${F}.quote_literal(42)`, "'42'"],
  [`${F}.quote_nullable(NULL)`, 'NULL'],
  [`${F}.parse_ident('"SomeSchema".someTable')`, ['SomeSchema', 'sometable']],
  [`${F}.string_to_array('a,b,,c', ',')`, ['a', 'b', '', 'c']],
  [`${F}.string_to_array('abc', NULL)`, ['a', 'b', 'c']],
  [`${F}.string_to_array('a,*,c', ',', '*')`, ['a', null, 'c']],
  [`${F}.string_to_array('', ',')`, []],
  [`${F}.array_upper([3, 4, 5], 1)`, 3],
  [`${F}.array_lower([3, 4, 5], 1)`, 1],
  [`${F}.array_upper(CAST([] AS INTEGER[]), 1)`, null],
  [`${F}.array_length([3, 4], 1)`, 2],
  [`${F}.format_type(1700, 983046)`, 'numeric(15,2)'],
  [`${F}.format_type(1184, 3)`, 'timestamp(3) with time zone'],
  [`${F}.format_type(1015, 14)`, 'character varying(10)[]'],
  [`${F}.pg_encoding_to_char(6)`, 'UTF8'],
  [`${F}.has_table_privilege('flights', 'SELECT')`, true],
  [`${F}.has_table_privilege('alice', 'flights', 'INSERT, UPDATE')`, false],
  [`${F}.has_schema_privilege('public', 'USAGE')`, true],
  [`${F}.pg_column_is_updatable(1, 1, false)`, false],
  [`${F}.pg_size_pretty(CAST(123456789 AS BIGINT))`, '118 MB'],
  [`${F}.pg_size_pretty(CAST(9999 AS BIGINT))`, '9999 bytes'],
  [`${F}.pg_size_pretty(CAST(10240 AS BIGINT))`, '10 kB'],
];

async function answer(connection: DuckDBConnection, call: string): Promise<unknown> {
  const rows = (await connection.runAndReadAll(`SELECT ${call}`)).getRowsJS();
  return rows[0][0];
}

describe('PostgreSQL-compatibility functions on the workers', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let worker: DuckDBInstance;
  let gateway: DuckDBInstance;
  let onWorker: DuckDBConnection;
  let onGateway: DuckDBConnection;

  before(async () => {
    temp = await makeTempDir('compat-functions');
    worker = await openSandboxedDuckDB([temp.dir], { threads: 1, memoryLimitMb: 256 });
    gateway = await Instance.create(':memory:', { threads: '1', memory_limit: '256MB' });
    await installPgCompat(gateway);
    onWorker = await worker.connect();
    onGateway = await gateway.connect();
  });

  after(async () => {
    onWorker?.closeSync();
    onGateway?.closeSync();
    worker?.closeSync();
    gateway?.closeSync();
    await temp?.remove();
  });

  it("answers each call as PostgreSQL 15 does, on a worker's sandboxed DuckDB and the gateway's alike", async () => {
    for (const [call, expected] of CASES) {
      const fromWorker = await answer(onWorker, call);
      assert.deepEqual(fromWorker, expected, call);
      assert.deepEqual(await answer(onGateway, call), fromWorker, `gateway: ${call}`);
    }
  });

  it('has every shared function on the worker, with every overload', async () => {
    const reader = await onWorker.runAndReadAll(
      "SELECT function_name, count(*) FROM duckdb_functions() WHERE database_name = 'memory' AND schema_name = 'pg_compat' GROUP BY 1",
    );
    const installed = new Map(reader.getRowsJS().map(([name, n]) => [String(name), Number(n)]));
    for (const [name, overloads] of Object.entries(PG_COMPAT_FUNCTIONS)) assert.equal(installed.get(name), overloads.length, name);
  });

  it('keeps the sandbox: the worker still refuses to read outside its data directory', async () => {
    await assert.rejects(onWorker.run("SELECT * FROM read_csv('/etc/passwd')"), /Permission|disabled|not allowed/i);
  });
});
