/**
 * pg_attribute for the catalog tables: one row per column of each table of
 * schema public of the gateway's DuckDB (the manifest's tables, mirrored by
 * catalog.ts), with PostgreSQL's type OIDs and typmods as RowDescription
 * announces them (pgTypeOf), so that pgjdbc's getColumns, psqlODBC's
 * SQLColumns and psql's \d report the types a query's result has.
 *
 * attrelid is DuckDB's table OID, the same one pg_compat.pg_class gives the
 * table. DuckDB's own pg_attribute would give DuckDB's type OIDs, so this is
 * a table of rows computed here, rebuilt each time the catalog mirrors a new
 * manifest (a table re-created by the mirror gets a new OID).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { pgTypeOf } from '../../src/pg/pg-types.ts';
import { PG_TYPE_ROWS } from './pg-type-table.ts';

/** PostgreSQL 15's pg_attribute columns, typed as the other pg_compat relations type theirs (OIDs INTEGER, "char" VARCHAR). */
export const PG_ATTRIBUTE_COLUMNS = [
  ['attrelid', 'INTEGER'], ['attname', 'VARCHAR'], ['atttypid', 'INTEGER'], ['attstattarget', 'INTEGER'], ['attlen', 'SMALLINT'],
  ['attnum', 'SMALLINT'], ['attndims', 'INTEGER'], ['attcacheoff', 'INTEGER'], ['atttypmod', 'INTEGER'], ['attbyval', 'BOOLEAN'],
  ['attalign', 'VARCHAR'], ['attstorage', 'VARCHAR'], ['attcompression', 'VARCHAR'], ['attnotnull', 'BOOLEAN'], ['atthasdef', 'BOOLEAN'],
  ['atthasmissing', 'BOOLEAN'], ['attidentity', 'VARCHAR'], ['attgenerated', 'VARCHAR'], ['attisdropped', 'BOOLEAN'], ['attislocal', 'BOOLEAN'],
  ['attinhcount', 'INTEGER'], ['attcollation', 'INTEGER'], ['attacl', 'VARCHAR[]'], ['attoptions', 'VARCHAR[]'], ['attfdwoptions', 'VARCHAR[]'],
  ['attmissingval', 'VARCHAR[]'],
] as const;

export type PgAttributeValue = number | string | boolean | null;

/** A catalog table as pg_attribute sees it: its pg_class OID and its columns in order, with DuckDB types. */
export interface AttributeSource {
  readonly oid: number;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

const TYPE_ROWS = new Map(PG_TYPE_ROWS.map((t) => [t.oid, t]));

/** DuckDB's array suffixes, counted as PostgreSQL counts attndims (INTEGER[][] has 2). */
function arrayDimensions(duckdbType: string): number {
  return (/(\[\d*\]\s*)+$/.exec(duckdbType.trim())?.[0].match(/\[/g) ?? []).length;
}

/** The pg_attribute rows of the given tables, in PG_ATTRIBUTE_COLUMNS order. Pure. */
export function pgAttributeRows(tables: readonly AttributeSource[]): PgAttributeValue[][] {
  const rows: PgAttributeValue[][] = [];
  for (const table of tables) {
    table.columns.forEach((column, i) => {
      const type = pgTypeOf(column.type);
      const row = TYPE_ROWS.get(type.oid);
      rows.push([
        table.oid, column.name, type.oid, -1, type.typlen,
        i + 1, arrayDimensions(column.type), -1, type.typmod, row?.typbyval ?? false,
        row?.typalign ?? 'i', row?.typstorage ?? 'x', '', false, false,
        false, '', '', false, true,
        0, row?.typcollation ?? 0, null, null, null,
        null,
      ]);
    });
  }
  return rows;
}

function literal(value: PgAttributeValue, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return `CAST(${value} AS ${type})`;
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * (Re)creates `<relation>` (memory.pg_compat.pg_attribute) from the tables now in
 * `database`.`schema`, in one transaction so that no query sees it half-built.
 */
export async function refreshPgAttribute(connection: DuckDBConnection, relation: string, database: string, schema: string): Promise<void> {
  const reader = await connection.runAndReadAll(
    `SELECT table_oid, column_name, data_type FROM duckdb_columns()
     WHERE database_name = $1 AND schema_name = $2 ORDER BY table_oid, column_index`,
    [database, schema],
  );
  const byTable = new Map<number, Array<{ name: string; type: string }>>();
  for (const [oid, name, type] of reader.getRows()) {
    const columns = byTable.get(Number(oid)) ?? [];
    columns.push({ name: String(name), type: String(type) });
    byTable.set(Number(oid), columns);
  }
  const rows = pgAttributeRows([...byTable].map(([oid, columns]) => ({ oid, columns })));
  const columns = PG_ATTRIBUTE_COLUMNS.map(([column, type]) => `"${column}" ${type}`).join(', ');
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(`CREATE OR REPLACE TABLE ${relation} (${columns})`);
    if (rows.length > 0) {
      const values = rows.map((row) => `(${row.map((value, i) => literal(value, PG_ATTRIBUTE_COLUMNS[i][1])).join(', ')})`);
      await connection.run(`INSERT INTO ${relation} VALUES ${values.join(', ')}`);
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
