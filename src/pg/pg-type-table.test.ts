/**
 * pg_type must agree with the OIDs the gateway announces: every PgOid has a
 * row, every type pgTypeOf maps to has the row's name and length, and array
 * rows and their elements point at each other.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { pgTypeOf } from './pg-types.ts';
import { PG_TYPE_ROWS } from './pg-type-table.ts';

const byOid = new Map(PG_TYPE_ROWS.map((row) => [row.oid, row]));

/** PgOid is a const enum (no runtime object to iterate), so its members are read from the source. */
async function pgOidMembers(): Promise<Array<[string, number]>> {
  const source = await readFile(new URL('./pg-types.ts', import.meta.url), 'utf8');
  const body = /export const enum PgOid \{([\s\S]*?)\}/.exec(source)?.[1];
  assert.ok(body, 'PgOid enum not found in pg-types.ts');
  const members = [...body.matchAll(/(\w+)\s*=\s*(\d+)/g)].map((m): [string, number] => [m[1], Number(m[2])]);
  assert.ok(members.length > 20, 'too few PgOid members parsed');
  return members;
}

// Every DuckDB type spelling pg-types.ts maps, plus arrays of them.
const DUCKDB_TYPES = [
  'BOOLEAN', 'TINYINT', 'UTINYINT', 'SMALLINT', 'USMALLINT', 'INTEGER', 'UINTEGER', 'BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT',
  'FLOAT', 'DOUBLE', 'DECIMAL(15,2)', 'VARCHAR', 'BLOB', 'DATE', 'TIME', 'TIME WITH TIME ZONE', 'TIMESTAMP', 'TIMESTAMP_S',
  'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP WITH TIME ZONE', 'INTERVAL', 'UUID', 'JSON', 'BIT', 'STRUCT(a INTEGER)',
  'MAP(VARCHAR, INTEGER)', "ENUM('a', 'b')", 'NULL', 'GEOMETRY',
];

describe('pg_type rows', () => {
  it('have one row per OID, sorted', () => {
    assert.equal(byOid.size, PG_TYPE_ROWS.length);
    assert.deepEqual(PG_TYPE_ROWS.map((r) => r.oid), [...byOid.keys()].sort((a, b) => a - b));
  });

  it('contain every OID in PgOid', async () => {
    for (const [member, oid] of await pgOidMembers()) assert.ok(byOid.has(oid), `PgOid.${member} (${oid}) is missing from pg_type`);
  });

  it('agree with pgTypeOf on name and length for every announced type and its array', () => {
    for (const duck of DUCKDB_TYPES) {
      for (const spelling of [duck, `${duck}[]`]) {
        const announced = pgTypeOf(spelling);
        const row = byOid.get(announced.oid);
        assert.ok(row, `${spelling} is announced as OID ${announced.oid}, which pg_type lacks`);
        assert.equal(row.typname, announced.name, spelling);
        assert.equal(row.typlen, announced.typlen, spelling);
      }
      const element = byOid.get(pgTypeOf(duck).oid);
      const array = byOid.get(pgTypeOf(`${duck}[]`).oid);
      assert.equal(element?.typarray, array?.oid, `${duck}: typarray of the element is the announced array OID`);
      assert.equal(array?.typelem, element?.oid, `${duck}[]: typelem of the array is the element's OID`);
    }
  });

  it('have symmetric typarray / typelem, arrays in category A with array I/O', () => {
    for (const row of PG_TYPE_ROWS) {
      if (row.typcategory === 'A') {
        const element = byOid.get(row.typelem);
        assert.ok(element, `${row.typname}: element ${row.typelem} missing`);
        assert.equal(element.typarray, row.oid, `${row.typname}: element's typarray`);
        assert.equal(row.typname, `_${element.typname}`);
        assert.equal(row.typlen, -1);
        assert.equal(row.typarray, 0);
        assert.equal(row.typinput, 'array_in');
        assert.equal(row.typreceive, 'array_recv');
      } else if (row.typarray !== 0) {
        const array = byOid.get(row.typarray);
        assert.ok(array, `${row.typname}: array ${row.typarray} missing`);
        assert.equal(array.typelem, row.oid, `${row.typname}: array's typelem`);
        assert.equal(array.typcategory, 'A');
      }
    }
  });

  it('match PostgreSQL 15 for a few well-known rows', () => {
    // Spot checks copied from PostgreSQL 15's pg_type.
    assert.deepEqual(
      [23, 1043, 1700, 1184, 705].map((oid) => {
        const r = byOid.get(oid);
        return r && [r.typname, r.typlen, r.typbyval, r.typtype, r.typcategory, r.typarray, r.typinput, r.typreceive, r.typalign, r.typstorage];
      }),
      [
        ['int4', 4, true, 'b', 'N', 1007, 'int4in', 'int4recv', 'i', 'p'],
        ['varchar', -1, false, 'b', 'S', 1015, 'varcharin', 'varcharrecv', 'i', 'x'],
        ['numeric', -1, false, 'b', 'N', 1231, 'numeric_in', 'numeric_recv', 'i', 'm'],
        ['timestamptz', 8, true, 'b', 'D', 1185, 'timestamptz_in', 'timestamptz_recv', 'd', 'p'],
        ['unknown', -2, false, 'p', 'X', 0, 'unknownin', 'unknownrecv', 'c', 'p'],
      ],
    );
  });
});
