/**
 * DuckDB's `create_sort_key(expr, 'ASC NULLS LAST', …)`: a BLOB whose byte order (memcmp) is
 * DuckDB's ORDER BY order of those keys under those modifiers. The ordered merge of forwarded
 * results (gateway/exec/ordered-merge.ts) compares these bytes instead of values, so the
 * gateway never re-implements DuckDB's comparison (NULL placement, NaN, -0.0, decimals,
 * strings by bytes, intervals …).
 *
 * Only the types below are merged this way; sort-key.test.ts checks, for each of them, that
 * the key's byte order is DuckDB's ORDER BY order. A key of any other type keeps the merge on
 * the gateway. Not INTERVAL: ORDER BY compares intervals normalized (1 month = 30 days, so
 * 1 month < 31 days) while the key orders months before days (1 month after 31 days).
 */
import type { OrderItem } from '../sql/duckdb-ast.ts';

/** Column types whose sort key is checked against ORDER BY (DuckDB's type spellings). */
const SORTABLE = new Set([
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'FLOAT',
  'DOUBLE',
  'VARCHAR',
  'BLOB',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMP_S',
  'TIMESTAMP_MS',
  'TIMESTAMP_NS',
  'TIMESTAMP WITH TIME ZONE',
  'UUID',
]);

/** Whether a key of this DuckDB type may be merged by its sort key. */
export function sortKeyType(type: string): boolean {
  const normalized = type.trim().replace(/\s+/g, ' ').toUpperCase();
  return SORTABLE.has(normalized) || /^DECIMAL\(\d+,\d+\)$/.test(normalized.replace(/\s/g, ''));
}

/**
 * DuckDB's defaults for ORDER BY items that leave the direction or the NULL placement out
 * (settings `default_order` and `default_null_order`, which no client can change through the
 * gateway; sort-key.test.ts checks DuckDB's values).
 */
export const DEFAULT_ORDER = 'ASCENDING';
export const DEFAULT_NULL_ORDER = 'NULLS_LAST';

/** The modifier text create_sort_key takes for an ORDER BY item, defaults resolved as DuckDB does. */
export function sortKeyModifier(item: Pick<OrderItem, 'type' | 'null_order'>): string | undefined {
  const type = item.type === 'ORDER_DEFAULT' ? DEFAULT_ORDER : item.type;
  // DuckDB's parse tree spells them `NULLS FIRST` / `NULLS LAST`; its settings `NULLS_FIRST`.
  const nulls = item.null_order === 'ORDER_DEFAULT' ? DEFAULT_NULL_ORDER : item.null_order.replace(' ', '_');
  const direction = type === 'ASCENDING' ? 'ASC' : type === 'DESCENDING' ? 'DESC' : undefined;
  const placement = nulls === 'NULLS_FIRST' ? 'NULLS FIRST' : nulls === 'NULLS_LAST' ? 'NULLS LAST' : undefined;
  if (direction === undefined || placement === undefined) return undefined;
  return `${direction} ${placement}`;
}

/**
 * `create_sort_key(k1, 'ASC NULLS LAST', k2, …, '', 'ASC NULLS LAST')` over already-quoted key
 * expressions. DuckDB returns a BIGINT instead of a BLOB when the key has a fixed size of at
 * most 8 bytes (a BOOLEAN, a DATE); the constant last key, the same for every row, makes it
 * variable-sized, so the key is always a BLOB. A constant last key cannot change the order:
 * each key's encoding is prefix-free (that is how DuckDB orders by several keys).
 */
export function sortKeySql(keys: readonly { readonly sql: string; readonly modifier: string }[]): string {
  return `create_sort_key(${keys.map((k) => `${k.sql}, '${k.modifier}'`).join(', ')}, ''::VARCHAR, 'ASC NULLS LAST')`;
}
