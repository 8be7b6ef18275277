/**
 * Catalog columns whose values pondgate stores in another form than PostgreSQL prints
 * them, from PostgreSQL 15's column types: reg* columns (pg_type.typinput is regproc,
 * pg_aggregate.aggfnoid regproc, …) are OIDs printed as names; int2vector and oidvector
 * columns (pg_index.indkey, pg_proc.proargtypes) are lists printed space-separated,
 * which is how pgjdbc and psqlODBC parse them.
 */
import { catalogColumns, type RelationKey } from './pg15-catalog.ts';
import { RELATION_SOURCES, compatName } from './pg-relations.ts';

/** Output macros by reg* type (regprocedure prints like regproc here: without its arguments). */
const OUTPUT_MACROS: Readonly<Record<string, string>> = {
  regproc: 'pondgate_regproc_out',
  regprocedure: 'pondgate_regproc_out',
  regtype: 'pondgate_regtype_out',
  regclass: 'pondgate_regclass_out',
  regnamespace: 'pondgate_regnamespace_out',
  int2vector: 'pondgate_vector_out',
  oidvector: 'pondgate_vector_out',
};

/** Column name → its output macro and the compat relations (pg_compat names) that have it. */
export const REG_COLUMNS: ReadonlyMap<string, { readonly macro: string; readonly relations: ReadonlySet<string> }> = (() => {
  const columns = new Map<string, { macro: string; relations: Set<string> }>();
  for (const relation of Object.keys(RELATION_SOURCES) as RelationKey[]) {
    for (const column of catalogColumns(relation)) {
      if (OUTPUT_MACROS[column.pgType] === undefined) continue;
      const entry = columns.get(column.name) ?? { macro: OUTPUT_MACROS[column.pgType], relations: new Set<string>() };
      if (entry.macro !== OUTPUT_MACROS[column.pgType]) throw new Error(`catalog column ${column.name} has two presentations`);
      entry.relations.add(compatName(relation));
      columns.set(column.name, entry);
    }
  }
  return columns;
})();

/** The output macro for `column` when one of `relations` (pg_compat names) has it as a reg* column. */
export function regOutputMacro(column: string, relations: ReadonlySet<string>): string | undefined {
  const entry = REG_COLUMNS.get(column);
  if (entry === undefined) return undefined;
  return [...relations].some((r) => entry.relations.has(r)) ? entry.macro : undefined;
}
