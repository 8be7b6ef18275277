/**
 * The Arrow schema of a transported result: one field per result column,
 * named as the column, typed by the transport mapping, with the DuckDB type
 * in metadata so the receiver can recreate the exact column type.
 */
import { Field, Schema } from 'apache-arrow';
import { mapDuckDBType, META_DUCKDB_TYPE, META_NAME, META_TRANSPORT, type TypeMapping } from './types.ts';

/** A result column: name as DuckDB reports it (may repeat), type as DuckDB prints it. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
}

/** `fieldName` defaults to the column name; a different one records the original in metadata. */
export function fieldForColumn(column: ColumnSpec, fieldName: string = column.name): Field {
  const mapping = mapDuckDBType(column.type);
  const metadata = new Map<string, string>([
    [META_DUCKDB_TYPE, column.type],
    [META_TRANSPORT, mapping.transport],
  ]);
  if (fieldName !== column.name) metadata.set(META_NAME, column.name);
  return new Field(fieldName, mapping.arrowType, true, metadata);
}

/**
 * Field names: the column names, except that repeats get a `_<n>` suffix.
 *
 * Arrow JS merges fields by name when it builds a RecordBatch (including on
 * decode), so duplicate names would silently replace one column's type with
 * another's. The original name is kept in `pondgate_name` metadata; use
 * columnName() to read it.
 */
export function uniqueFieldNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const used = new Set<string>();
  return names.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    let k = 1;
    while (taken.has(`${name}_${k}`) || used.has(`${name}_${k}`)) k++;
    const unique = `${name}_${k}`;
    used.add(unique);
    return unique;
  });
}

export function schemaForColumns(columns: readonly ColumnSpec[]): Schema {
  const names = uniqueFieldNames(columns.map((c) => c.name));
  return new Schema(columns.map((c, i) => fieldForColumn(c, names[i])));
}

/** The result column name a field stands for (field names are deduplicated). */
export function columnName(field: Field): string {
  return field.metadata.get(META_NAME) ?? field.name;
}

/**
 * Reads the column specs and mappings back from a transported schema, and
 * checks each field's Arrow type is the one the mapping expects, so a loader
 * never copies bytes with the wrong width.
 */
export function mappingsFromSchema(schema: Schema): TypeMapping[] {
  return schema.fields.map((field, i) => {
    const duckdbType = field.metadata.get(META_DUCKDB_TYPE);
    if (duckdbType === undefined) {
      throw new Error(`Arrow field ${i} (${JSON.stringify(field.name)}) has no ${META_DUCKDB_TYPE} metadata`);
    }
    const mapping = mapDuckDBType(duckdbType);
    const transport = field.metadata.get(META_TRANSPORT);
    if (transport !== undefined && transport !== mapping.transport) {
      throw new Error(
        `Arrow field ${i} (${JSON.stringify(field.name)}): transport ${transport} does not match ${mapping.transport} for ${duckdbType}`,
      );
    }
    if (!sameArrowType(field.type, mapping.arrowType)) {
      throw new Error(
        `Arrow field ${i} (${JSON.stringify(field.name)}): type ${String(field.type)} does not match ${String(mapping.arrowType)} for ${duckdbType}`,
      );
    }
    return mapping;
  });
}

export function columnsFromSchema(schema: Schema): ColumnSpec[] {
  const mappings = mappingsFromSchema(schema);
  return schema.fields.map((field, i) => ({ name: columnName(field), type: mappings[i].duckdbType }));
}

// String forms encode type id, width, signedness, unit and zone, which is
// exactly what decides the byte layout.
function sameArrowType(a: { toString(): string; typeId: number }, b: { toString(): string; typeId: number }): boolean {
  return a.typeId === b.typeId && String(a) === String(b);
}
