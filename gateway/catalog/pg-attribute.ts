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
import { ExtraOid, PG_TYPE_ROWS } from '../../src/pg/pg-type-table.ts';
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

/**
 * The system columns PostgreSQL gives every table, with negative attnum (DBeaver reads them;
 * most clients filter attnum > 0): name, attnum, type OID, typlen, byval, align.
 */
const SYSTEM_COLUMNS: ReadonlyArray<readonly [string, number, number, number, boolean, string]> = [
  ['tableoid', -6, ExtraOid.Oid, 4, true, 'i'], ['cmax', -5, ExtraOid.Cid, 4, true, 'i'], ['xmax', -4, ExtraOid.Xid, 4, true, 'i'],
  ['cmin', -3, ExtraOid.Cid, 4, true, 'i'], ['xmin', -2, ExtraOid.Xid, 4, true, 'i'], ['ctid', -1, ExtraOid.Tid, 6, false, 's'],
];

/**
 * The pg_attribute rows of the given relations, in PG_ATTRIBUTE_COLUMNS order: for tables
 * (`systemColumns`), PostgreSQL's system columns first. Pure.
 */
export function pgAttributeRows(relations: readonly AttributeSource[], systemColumns = false): CellValue[][] {
  const rows: CellValue[][] = [];
  for (const relation of relations) {
    if (systemColumns) {
      for (const [name, attnum, oid, len, byval, align] of SYSTEM_COLUMNS) {
        const values: Readonly<Record<string, CellValue>> = {
          attrelid: relation.oid, attname: name, atttypid: oid, attstattarget: 0, attlen: len, attnum, attndims: 0, attcacheoff: -1,
          atttypmod: -1, attbyval: byval, attalign: align, attstorage: 'p', attcompression: '', attnotnull: true, atthasdef: false,
          atthasmissing: false, attidentity: '', attgenerated: '', attisdropped: false, attislocal: true, attinhcount: 0, attcollation: 0,
        };
        rows.push(PG_ATTRIBUTE_COLUMNS.map((c) => values[c.name] ?? null));
      }
    }
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
