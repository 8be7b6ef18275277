import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgTypeOf, numericTypmod } from './pg-types.ts';
import { connectOracle } from '../../gateway/wire/test-support.ts';

// [DuckDB type string as DuckDB prints it, oid, typlen, typmod, typname]
const CASES: Array<[string, number, number, number, string]> = [
  ['BOOLEAN', 16, 1, -1, 'bool'],
  ['TINYINT', 21, 2, -1, 'int2'],
  ['UTINYINT', 21, 2, -1, 'int2'],
  ['SMALLINT', 21, 2, -1, 'int2'],
  ['USMALLINT', 23, 4, -1, 'int4'],
  ['INTEGER', 23, 4, -1, 'int4'],
  ['UINTEGER', 20, 8, -1, 'int8'],
  ['BIGINT', 20, 8, -1, 'int8'],
  ['UBIGINT', 1700, -1, -1, 'numeric'],
  ['HUGEINT', 1700, -1, -1, 'numeric'],
  ['UHUGEINT', 1700, -1, -1, 'numeric'],
  ['VARINT', 1700, -1, -1, 'numeric'],
  ['BIGNUM', 1700, -1, -1, 'numeric'],
  ['DECIMAL(10,2)', 1700, -1, 655366, 'numeric'],
  ['DECIMAL(38,0)', 1700, -1, (38 << 16) + 4, 'numeric'],
  ['DECIMAL(4,1)', 1700, -1, (4 << 16 | 1) + 4, 'numeric'],
  ['FLOAT', 700, 4, -1, 'float4'],
  ['DOUBLE', 701, 8, -1, 'float8'],
  ['VARCHAR', 25, -1, -1, 'text'],
  ["ENUM('a', 'b')", 25, -1, -1, 'text'],
  ['BLOB', 17, -1, -1, 'bytea'],
  ['DATE', 1082, 4, -1, 'date'],
  ['TIME', 1083, 8, -1, 'time'],
  ['TIME WITH TIME ZONE', 1266, 12, -1, 'timetz'],
  ['TIMESTAMP', 1114, 8, -1, 'timestamp'],
  ['TIMESTAMP_S', 1114, 8, 0, 'timestamp'],
  ['TIMESTAMP_MS', 1114, 8, 3, 'timestamp'],
  ['TIMESTAMP_NS', 1114, 8, -1, 'timestamp'],
  ['TIMESTAMP WITH TIME ZONE', 1184, 8, -1, 'timestamptz'],
  ['INTERVAL', 1186, 16, -1, 'interval'],
  ['UUID', 2950, 16, -1, 'uuid'],
  ['JSON', 114, -1, -1, 'json'],
  ['STRUCT("a" INTEGER, "b c" VARCHAR)', 114, -1, -1, 'json'],
  ['MAP(VARCHAR, INTEGER)', 114, -1, -1, 'json'],
  ['UNION("k" INTEGER)', 114, -1, -1, 'json'],
  ['BIT', 1562, -1, -1, 'varbit'],
  ['"NULL"', 25, -1, -1, 'text'],
  ['NULL', 25, -1, -1, 'text'],
  ['GEOMETRY', 25, -1, -1, 'text'],
  // Arrays: one array OID whatever the nesting, element typmod kept (as PG reports numeric(5,2)[]).
  ['INTEGER[]', 1007, -1, -1, '_int4'],
  ['INTEGER[][]', 1007, -1, -1, '_int4'],
  ['INTEGER[3]', 1007, -1, -1, '_int4'],
  ['INTEGER[3][]', 1007, -1, -1, '_int4'],
  ['BIGINT[]', 1016, -1, -1, '_int8'],
  ['VARCHAR[]', 1009, -1, -1, '_text'],
  ['VARCHAR[][]', 1009, -1, -1, '_text'],
  ['DOUBLE[]', 1022, -1, -1, '_float8'],
  ['FLOAT[]', 1021, -1, -1, '_float4'],
  ['BOOLEAN[]', 1000, -1, -1, '_bool'],
  ['DECIMAL(5,2)[]', 1231, -1, 327686, '_numeric'],
  ['HUGEINT[]', 1231, -1, -1, '_numeric'],
  ['DATE[]', 1182, -1, -1, '_date'],
  ['TIME[]', 1183, -1, -1, '_time'],
  ['TIMESTAMP[]', 1115, -1, -1, '_timestamp'],
  ['TIMESTAMP WITH TIME ZONE[]', 1185, -1, -1, '_timestamptz'],
  ['SMALLINT[]', 1005, -1, -1, '_int2'],
  ['TINYINT[]', 1005, -1, -1, '_int2'],
  ['UUID[]', 2951, -1, -1, '_uuid'],
  ['JSON[]', 199, -1, -1, '_json'],
  ['STRUCT("a" INTEGER)[]', 199, -1, -1, '_json'],
  ['STRUCT("x[]" INTEGER)', 114, -1, -1, 'json'],
  ['BLOB[]', 1001, -1, -1, '_bytea'],
  ['INTERVAL[]', 1187, -1, -1, '_interval'],
  ["ENUM('a', 'b')[]", 1009, -1, -1, '_text'],
];

test('DuckDB -> PostgreSQL type map', () => {
  for (const [duck, oid, typlen, typmod, name] of CASES) {
    assert.deepEqual(pgTypeOf(duck), { oid, typlen, typmod, name }, duck);
  }
  // Cached results are stable.
  assert.equal(pgTypeOf('INTEGER'), pgTypeOf('INTEGER'));
});

test('numeric typmod matches PostgreSQL (numeric(10,2) -> 655366)', () => {
  assert.equal(numericTypmod(10, 2), 655366);
  assert.equal(numericTypmod(5, 2), 327686);
});

test('OIDs, typlen and typnames agree with the live PostgreSQL catalog when reachable', async (t) => {
  const pg = await connectOracle();
  if (pg === undefined) {
    // The table above was itself recorded from pg_type of PostgreSQL 15.
    t.diagnostic('PostgreSQL not reachable: checked against recorded pg_type values only');
    return;
  }
  try {
    const { rows } = await pg.query<{ oid: string; typname: string; typlen: string; typarray: string }>(
      'select oid::int8::text as oid, typname, typlen::text as typlen, typarray::int8::text as typarray from pg_type where typnamespace = \'pg_catalog\'::regnamespace',
    );
    const byName = new Map(rows.map((r) => [r.typname, r]));
    for (const [duck, oid, typlen, , name] of CASES) {
      const row = byName.get(name);
      assert.ok(row, `pg_type has ${name}`);
      assert.equal(Number(row.oid), oid, duck);
      assert.equal(Number(row.typlen), typlen, duck);
      if (!name.startsWith('_')) assert.equal(Number(row.typarray), pgTypeOf(duck + '[]').oid, `${duck}[]`);
    }
    const { rows: tm } = await pg.query<{ t: string }>('select format_type(1700, $1::int) as t', [numericTypmod(10, 2)]);
    assert.equal(tm[0].t, 'numeric(10,2)');
  } finally {
    await pg.end();
  }
});
