/**
 * pg_attribute rows: one per column of each relation, with PostgreSQL's type
 * OIDs and typmods as RowDescription announces them (pgTypeOf), so that
 * pgjdbc's getColumns, psqlODBC's SQLColumns and psql's \d report the types a
 * query's result has. The same function describes the catalog tables (from
 * the manifest, refreshed by catalog.ts whenever it changes; attrelid is
 * DuckDB's table OID, as pg_class gives it) and PostgreSQL's own catalog
 * relations (once, at start).
 */
import { pgTypeOf } from '../../src/pg/pg-types.ts';
import { PG_TYPE_ROWS } from '../../src/pg/pg-type-table.ts';
import { catalogColumns } from './pg15-catalog.ts';
import type { CellValue, TableColumn } from './table-rows.ts';

/** PostgreSQL 15's pg_attribute columns, with the DuckDB types pondgate gives them. */
export const PG_ATTRIBUTE_COLUMNS: readonly TableColumn[] = catalogColumns('pg_catalog.pg_attribute').map(({ name, type }) => ({ name, type }));

/** A relation as pg_attribute sees it: its pg_class OID and its columns in order, with DuckDB types. */
export interface AttributeSource {
  readonly oid: number;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

const TYPE_ROWS = new Map(PG_TYPE_ROWS.map((t) => [t.oid, t]));

/** DuckDB's array suffixes, counted as PostgreSQL counts attndims (INTEGER[][] has 2). */
function arrayDimensions(duckdbType: string): number {
  return (/(\[\d*\]\s*)+$/.exec(duckdbType.trim())?.[0].match(/\[/g) ?? []).length;
}

/** The pg_attribute rows of the given relations, in PG_ATTRIBUTE_COLUMNS order. Pure. */
export function pgAttributeRows(relations: readonly AttributeSource[]): CellValue[][] {
  const rows: CellValue[][] = [];
  for (const relation of relations) {
    relation.columns.forEach((column, i) => {
      const type = pgTypeOf(column.type);
      const row = TYPE_ROWS.get(type.oid);
      const values: Readonly<Record<string, CellValue>> = {
        attrelid: relation.oid, attname: column.name, atttypid: type.oid, attstattarget: -1, attlen: type.typlen,
        attnum: i + 1, attndims: arrayDimensions(column.type), attcacheoff: -1, atttypmod: type.typmod, attbyval: row?.typbyval ?? false,
        attalign: row?.typalign ?? 'i', attstorage: row?.typstorage ?? 'x', attcompression: '', attnotnull: false, atthasdef: false,
        atthasmissing: false, attidentity: '', attgenerated: '', attisdropped: false, attislocal: true,
        attinhcount: 0, attcollation: row?.typcollation ?? 0,
      };
      rows.push(PG_ATTRIBUTE_COLUMNS.map((c) => values[c.name] ?? null));
    });
  }
  return rows;
}
