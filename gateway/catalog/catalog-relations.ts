/**
 * The rows pondgate's catalog relations take from the manifest: each catalog
 * table's pg_class facts (OID, row count, bytes of its Parquet files), its
 * pg_attribute rows and its comments (pg_description). Catalog.mirror()
 * refreshes them after each manifest change; the views of pg-relations.ts read them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { pgAttributeRows, PG_ATTRIBUTE_COLUMNS } from './pg-attribute.ts';
import { catalogColumns } from './pg15-catalog.ts';
import { OIDS, Q } from './pg-relations.ts';
import { replaceTable, type CellValue } from './table-rows.ts';

export interface TableFacts {
  /** DuckDB's OID of the mirrored table, which pg_class and pg_attribute use. */
  readonly oid: number;
  readonly name: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string; readonly comment?: string }>;
  readonly rows: number;
  readonly bytes: number;
  readonly comment?: string;
}

/** pg_description rows: the table's comment (objsubid 0) and its columns' (objsubid = attnum). Pure. */
export function descriptionRows(tables: readonly TableFacts[]): CellValue[][] {
  const rows: CellValue[][] = [];
  for (const table of tables) {
    if (table.comment !== undefined) rows.push([table.oid, OIDS.pgClass, 0, table.comment]);
    table.columns.forEach((column, i) => {
      if (column.comment !== undefined) rows.push([table.oid, OIDS.pgClass, i + 1, column.comment]);
    });
  }
  return rows;
}

export async function refreshCatalogRelations(connection: DuckDBConnection, tables: readonly TableFacts[]): Promise<void> {
  // The catalog may run before (or without) installPgCompat, in tests of the planner alone.
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${Q}`);
  await replaceTable(
    connection,
    `${Q}.pondgate_tables`,
    [{ name: 'oid', type: 'INTEGER' }, { name: 'relname', type: 'VARCHAR' }, { name: 'natts', type: 'SMALLINT' }, { name: 'rows', type: 'BIGINT' }, { name: 'bytes', type: 'BIGINT' }],
    tables.map((t) => [t.oid, t.name, t.columns.length, t.rows, t.bytes]),
  );
  await replaceTable(connection, `${Q}.pondgate_user_attributes`, PG_ATTRIBUTE_COLUMNS, pgAttributeRows(tables, true));
  const description = catalogColumns('pg_catalog.pg_description').map(({ name, type }) => ({ name, type }));
  await replaceTable(connection, `${Q}.pondgate_comments`, description, descriptionRows(tables));
}
