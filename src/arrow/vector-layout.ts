/**
 * The memory layout of a raw DuckDB vector, read from its logical type, so a
 * converter can refuse a chunk whose bytes it would misread (e.g. a LIST
 * column handed over without the varchar-transport wrap).
 */
import duckdb from '@duckdb/node-bindings';
import type { Physical } from './types.ts';

const T = duckdb.Type;

function widthOfTypeId(id: duckdb.Type): 1 | 2 | 4 | 8 | 16 | undefined {
  switch (id) {
    case T.TINYINT:
    case T.UTINYINT:
      return 1;
    case T.SMALLINT:
    case T.USMALLINT:
      return 2;
    case T.INTEGER:
    case T.UINTEGER:
    case T.FLOAT:
    case T.DATE:
      return 4;
    case T.BIGINT:
    case T.UBIGINT:
    case T.DOUBLE:
    case T.TIME:
    case T.TIMESTAMP:
    case T.TIMESTAMP_S:
    case T.TIMESTAMP_MS:
    case T.TIMESTAMP_NS:
    case T.TIMESTAMP_TZ:
      return 8;
    case T.HUGEINT:
    case T.UHUGEINT:
    case T.INTERVAL:
    case T.UUID:
      return 16;
    default:
      return undefined;
  }
}

/** Layout of a logical type, or undefined for layouts this package does not copy. */
export function layoutOfLogicalType(logicalType: duckdb.LogicalType): Physical | undefined {
  const id = duckdb.get_type_id(logicalType);
  if (id === T.BOOLEAN) return { kind: 'bool' };
  if (id === T.VARCHAR || id === T.BLOB) return { kind: 'string' };
  if (id === T.DECIMAL) {
    const width = widthOfTypeId(duckdb.decimal_internal_type(logicalType));
    return width === undefined ? undefined : { kind: 'fixed', byteWidth: width };
  }
  const width = widthOfTypeId(id);
  return width === undefined ? undefined : { kind: 'fixed', byteWidth: width };
}

export function sameLayout(a: Physical, b: Physical): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'fixed' || (b.kind === 'fixed' && a.byteWidth === b.byteWidth);
}

export function describeLayout(p: Physical | undefined): string {
  if (p === undefined) return 'an unsupported (nested or special) layout';
  return p.kind === 'fixed' ? `${p.byteWidth}-byte fixed width` : p.kind;
}

/** Throws unless `vector` holds `expected` layout. */
export function assertVectorLayout(vector: duckdb.Vector, expected: Physical, what: string): void {
  const actual = layoutOfLogicalType(duckdb.vector_get_column_type(vector));
  if (actual === undefined || !sameLayout(actual, expected)) {
    throw new Error(
      `${what}: DuckDB vector has ${describeLayout(actual)} but ${describeLayout(expected)} was expected` +
        ' (was the query wrapped with transportSql()?)',
    );
  }
}
