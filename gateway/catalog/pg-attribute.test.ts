/**
 * pg_attribute for the catalog tables: its rows follow pgTypeOf (the OIDs and
 * typmods RowDescription announces), join pg_class by the table's OID, and
 * follow the manifest when it changes — over the gateway's real DuckDB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import type { ColumnDef, TableEntry } from '../../src/storage/manifest.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { PgOid, pgTypeOf } from '../../src/pg/pg-types.ts';
import { SqlCodec } from '../sql/codec.ts';
import { Catalog } from './catalog.ts';
import { PG_ATTRIBUTE_COLUMNS, pgAttributeRows } from './pg-attribute.ts';
import { installPgCompat } from './pg-compat.ts';
import { rewriteCatalogQuery, sessionViewSql, type CatalogSession } from './pg-rewrite.ts';

const COLUMNS: ColumnDef[] = [
  { name: 'k', type: 'BIGINT' },
  { name: 'price', type: 'DECIMAL(15,2)' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'at', type: 'TIMESTAMP' },
  { name: 'tags', type: 'INTEGER[]' },
  { name: 'flag', type: 'BOOLEAN' },
];

function table(name: string, columns: ColumnDef[]): TableEntry {
  return fixtureTable({ name, columns, rowsPerFile: 1 });
}

const session: CatalogSession = {
  user: 'alice', database: 'pondgate', processId: 1, searchPath: '"$user", public', serverVersion: '15.0', setting: () => undefined, sessionJson: () => JSON.stringify({ user: 'alice', database: 'pondgate', settings: {}, activity: [] }),
};

const column = (name: string) => PG_ATTRIBUTE_COLUMNS.findIndex((c) => c.name === name);

describe('pg_attribute rows', () => {
  it('give each column its pgTypeOf OID, typlen and typmod, numbered from 1', () => {
    const rows = pgAttributeRows([{ oid: 7, columns: COLUMNS }]);
    assert.equal(rows.length, COLUMNS.length);
    rows.forEach((row, i) => {
      assert.equal(row.length, PG_ATTRIBUTE_COLUMNS.length);
      const type = pgTypeOf(COLUMNS[i].type);
      assert.equal(row[column('attrelid')], 7);
      assert.equal(row[column('attname')], COLUMNS[i].name);
      assert.equal(row[column('attnum')], i + 1);
      assert.equal(row[column('atttypid')], type.oid);
      assert.equal(row[column('attlen')], type.typlen);
      assert.equal(row[column('atttypmod')], type.typmod);
      assert.equal(row[column('attisdropped')], false);
      assert.equal(row[column('attnotnull')], false);
      assert.equal(row[column('attidentity')], '');
    });
    // What PostgreSQL says for bigint, numeric(15,2), text, timestamp, int4[] and bool.
    assert.deepEqual(rows.map((r) => r[column('atttypid')]), [PgOid.Int8, PgOid.Numeric, PgOid.Text, PgOid.Timestamp, PgOid.Int4Array, PgOid.Bool]);
    assert.deepEqual(rows.map((r) => r[column('atttypmod')]), [-1, (15 << 16) + 2 + 4, -1, -1, -1, -1]);
    assert.deepEqual(rows.map((r) => r[column('attlen')]), [8, -1, -1, 8, -1, 1]);
    assert.deepEqual(rows.map((r) => r[column('attndims')]), [0, 0, 0, 0, 1, 0]);
    // text columns carry the default collation, as their type does.
    assert.deepEqual(rows.map((r) => r[column('attcollation')]), [0, 0, 100, 0, 0, 0]);
  });
});

describe('pg_attribute over the catalog', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let catalog: Catalog;
  let codec: SqlCodec;

  before(async () => {
    temp = await makeTempDir('pg-attribute');
    await commitTables(temp.dir, table('facts', COLUMNS));
    instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
    await installPgCompat(instance);
    catalog = await Catalog.open(instance, temp.dir, pino({ level: 'silent' }));
    connection = await instance.connect();
    await connection.run('USE memory.public');
    codec = new SqlCodec(connection);
  });

  after(async () => {
    connection.closeSync();
    instance.closeSync();
    await temp.remove();
  });

  async function run(sql: string): Promise<unknown[][]> {
    await catalog.current();
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse failed: ${sql}`);
    const rewritten = rewriteCatalogQuery(parsed.statement, session);
    for (const relation of rewritten.sessionRelations) await connection.run(sessionViewSql(relation, session));
    return (await connection.runAndReadAll(await codec.render(rewritten.statement))).getRowsJS();
  }

  // psql's \d column query, by table name instead of OID.
  const describeColumns = (name: string) => run(`SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE c.relname = '${name}' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`);

  it('joins pg_class by the table OID and formats the types as PostgreSQL does', async () => {
    assert.deepEqual(await describeColumns('facts'), [
      ['k', 'bigint'], ['price', 'numeric(15,2)'], ['name', 'text'], ['at', 'timestamp without time zone'], ['tags', 'integer[]'], ['flag', 'boolean'],
    ]);
    // The join pgjdbc's getColumns makes: every attribute has its pg_type row.
    assert.deepEqual(await run(`SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON a.atttypid = t.oid
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relnamespace = 2200 AND a.attnum > 0
      LEFT JOIN pg_catalog.pg_attrdef def ON a.attrelid = def.adrelid AND a.attnum = def.adnum`), [[BigInt(COLUMNS.length)]]);
    // PostgreSQL's own relations are described too (psql's \d pg_class), every column with its pg_type row.
    assert.deepEqual(await run(`SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_catalog.pg_type t ON a.atttypid = t.oid WHERE c.relname = 'pg_class' AND t.oid IS NULL`), [[0n]]);
    assert.deepEqual((await describeColumns('pg_namespace')).map(([n]) => n), ['oid', 'nspname', 'nspowner', 'nspacl']);
  });

  it('follows the manifest: a changed table and a new table are described under their new OIDs', async () => {
    const changed = [{ name: 'k', type: 'INTEGER' }, { name: 'note', type: 'VARCHAR' }];
    await commitTables(temp.dir, table('facts', changed), table('more_facts', [{ name: 'd', type: 'DATE' }]));
    assert.deepEqual(await describeColumns('facts'), [['k', 'integer'], ['note', 'text']]);
    assert.deepEqual(await describeColumns('more_facts'), [['d', 'date']]);
    // No attribute is left pointing at a table OID pg_class no longer has.
    assert.deepEqual(await run('SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid NOT IN (SELECT oid FROM pg_catalog.pg_class)'), [[0n]]);
  });
});
