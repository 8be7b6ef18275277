/**
 * Filters that may run before a relation is joined (in an exchange that
 * writes it, or as a reason to skip whole partitions), and partition pruning
 * with the manifest's per-file min/max and null counts.
 *
 * A conjunct is pushed to a relation only when it mentions that relation's
 * columns and nothing else, holds no subquery and no volatile function, and
 * the relation is not on the NULL-filled side of an outer join for that
 * conjunct (a WHERE test on `r.x IS NULL` must see the join's NULLs). Pruning
 * keeps a partition whenever a predicate or a statistic is not understood.
 */
import type { ColumnDef, TableEntry } from '../../src/storage/manifest.ts';
import { conjuncts, type Block, type FromTree, type Relation } from './analysis.ts';
import { isColumnRef, isConstant, isObject, type ExpressionNode, type Json } from '../sql/duckdb-ast.ts';
import { comparatorFor, partitionRange } from './stats.ts';

const VOLATILE = new Set(['random', 'uuid', 'gen_random_uuid', 'setseed', 'nextval', 'currval', 'rand']);

/** Conjuncts (WHERE and join conditions) that only filter `relation`'s own rows. */
export function pushableConjuncts(relation: Relation): ExpressionNode[] {
  const block = relation.block;
  const out: ExpressionNode[] = [];
  const place = locate(block.from, relation, false);
  if (!place || place.blocked) return out;
  if (!place.nullable) out.push(...conjuncts(block.node.where_clause).filter((c) => onlyRelation(c, relation, block)));
  out.push(...place.conditions.filter((c) => onlyRelation(c, relation, block)));
  return out;
}

/** Where `relation` sits: NULL-filled for WHERE (under an outer join's other side), and the join conditions that restrict it alone. */
function locate(tree: FromTree, relation: Relation, nullable: boolean): { nullable: boolean; conditions: ExpressionNode[]; blocked?: boolean } | undefined {
  if (tree.kind === 'relation') return tree.relation === relation ? { nullable, conditions: [] } : undefined;
  if (tree.kind !== 'join') return undefined;
  // Positional, ASOF, lateral and natural joins match rows by more than their values: filtering a
  // side first would change which rows meet. Nothing is pushed through them.
  if (tree.refType !== 'REGULAR' && tree.refType !== 'CROSS') {
    return locate(tree.left, relation, nullable) || locate(tree.right, relation, nullable) ? { nullable: true, conditions: [], blocked: true } : undefined;
  }
  const joinType = tree.joinType;
  const inLeft = locate(tree.left, relation, nullable || joinType === 'RIGHT' || joinType === 'FULL');
  const inRight = inLeft ? undefined : locate(tree.right, relation, nullable || joinType === 'LEFT' || joinType === 'FULL' || joinType === 'SEMI' || joinType === 'ANTI');
  const found = inLeft ?? inRight;
  if (!found) return undefined;
  const regular = tree.refType === 'REGULAR' || tree.refType === 'CROSS';
  // An ON condition filters a side's rows when that side is the one the join does not preserve.
  const restricts =
    regular &&
    (joinType === 'INNER' || (inRight !== undefined && (joinType === 'LEFT' || joinType === 'SEMI' || joinType === 'ANTI')) || (inLeft !== undefined && joinType === 'RIGHT'));
  if (found.blocked) return found;
  return { nullable: found.nullable, conditions: restricts ? [...found.conditions, ...conjuncts(tree.condition)] : found.conditions };
}

function onlyRelation(expression: ExpressionNode, relation: Relation, block: Block): boolean {
  let ok = true;
  let sawColumn = false;
  const visit = (value: Json) => {
    if (!ok) return;
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    if (value.class === 'SUBQUERY' || value.class === 'WINDOW' || value.class === 'PARAMETER') {
      ok = false;
      return;
    }
    if (value.class === 'FUNCTION' && VOLATILE.has(String(value.function_name).toLowerCase())) {
      ok = false;
      return;
    }
    if (isColumnRef(value)) {
      const binding = block.refs.get(value);
      if (binding?.kind !== 'column' || binding.column.depth !== 0 || binding.column.relation !== relation) ok = false;
      sawColumn = true;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(expression);
  return ok && sawColumn;
}

// ---------------------------------------------------------------- pruning

type Test = (range: { min: string; max: string } | 'empty', nulls: number | undefined) => boolean;

/** Partitions of `table` that may hold rows passing every conjunct (visible column names → table columns by position). */
export function keptPartitions(relation: Relation, filters: readonly ExpressionNode[]): number[] {
  const table = relation.table;
  if (!table) return [];
  const all = table.partitions.map((_, i) => i);
  const tests: { column: ColumnDef; test: Test }[] = [];
  for (const filter of filters) {
    const test = partitionTest(filter, relation, table);
    if (test) tests.push(test);
  }
  if (tests.length === 0) return all;
  return all.filter((i) => {
    const partition = table.partitions[i];
    return tests.every(({ column, test }) => {
      const range = partitionRange(partition, column);
      if (range === undefined) return true;
      return test(range === 'empty' ? 'empty' : range, range === 'empty' ? undefined : range.nulls);
    });
  });
}

/** A test "may this range hold a row passing `filter`?", for the forms understood. */
function partitionTest(filter: ExpressionNode, relation: Relation, table: TableEntry): { column: ColumnDef; test: Test } | undefined {
  const columnOf = (node: Json): ColumnDef | undefined => {
    if (!isColumnRef(node)) return undefined;
    const binding = relation.block.refs.get(node);
    if (binding?.kind !== 'column' || binding.column.relation !== relation) return undefined;
    const index = relation.columns?.findIndex((c) => c === binding.column.column) ?? -1;
    const source = index >= 0 ? relation.sourceColumns?.[index] : undefined;
    return table.columns.find((c) => c.name === source);
  };
  if (filter.class === 'COMPARISON') {
    let column = columnOf(filter.left as Json);
    let constantNode = filter.right as Json;
    let op = filter.type;
    if (!column) {
      column = columnOf(filter.right as Json);
      constantNode = filter.left as Json;
      op = flip(op);
    }
    if (!column) return undefined;
    const value = constantText(constantNode, column.type);
    const order = comparatorFor(column.type);
    if (value === undefined || !order) return undefined;
    const c = order.compare;
    switch (op) {
      case 'COMPARE_EQUAL':
        return { column, test: (r) => r !== 'empty' && c(r.min, value) <= 0 && c(value, r.max) <= 0 };
      case 'COMPARE_LESSTHAN':
        return { column, test: (r) => r !== 'empty' && c(r.min, value) < 0 };
      case 'COMPARE_LESSTHANOREQUALTO':
        return { column, test: (r) => r !== 'empty' && c(r.min, value) <= 0 };
      case 'COMPARE_GREATERTHAN':
        return { column, test: (r) => r !== 'empty' && c(r.max, value) > 0 };
      case 'COMPARE_GREATERTHANOREQUALTO':
        return { column, test: (r) => r !== 'empty' && c(r.max, value) >= 0 };
      default:
        return undefined;
    }
  }
  if (filter.class === 'BETWEEN') {
    const column = columnOf(filter.input as Json);
    if (!column) return undefined;
    const low = constantText(filter.lower as Json, column.type);
    const high = constantText(filter.upper as Json, column.type);
    const order = comparatorFor(column.type);
    if (low === undefined || high === undefined || !order) return undefined;
    return { column, test: (r) => r !== 'empty' && order.compare(r.max, low) >= 0 && order.compare(r.min, high) <= 0 };
  }
  if (filter.class === 'OPERATOR' && filter.type === 'COMPARE_IN' && Array.isArray(filter.children)) {
    const [first, ...rest] = filter.children;
    const column = columnOf(first);
    const order = column ? comparatorFor(column.type) : undefined;
    if (!column || !order) return undefined;
    const values = rest.map((v) => constantText(v, column.type));
    if (values.some((v) => v === undefined)) return undefined;
    return { column, test: (r) => r !== 'empty' && values.some((v) => order.compare(r.min, v!) <= 0 && order.compare(v!, r.max) <= 0) };
  }
  if (filter.class === 'OPERATOR' && (filter.type === 'OPERATOR_IS_NULL' || filter.type === 'OPERATOR_IS_NOT_NULL') && Array.isArray(filter.children)) {
    const column = columnOf(filter.children[0]);
    if (!column) return undefined;
    if (filter.type === 'OPERATOR_IS_NULL') return { column, test: (r, nulls) => r === 'empty' || nulls === undefined || nulls > 0 };
    return { column, test: (r) => r !== 'empty' };
  }
  return undefined;
}

function flip(op: string): string {
  switch (op) {
    case 'COMPARE_LESSTHAN':
      return 'COMPARE_GREATERTHAN';
    case 'COMPARE_GREATERTHAN':
      return 'COMPARE_LESSTHAN';
    case 'COMPARE_LESSTHANOREQUALTO':
      return 'COMPARE_GREATERTHANOREQUALTO';
    case 'COMPARE_GREATERTHANOREQUALTO':
      return 'COMPARE_LESSTHANOREQUALTO';
    default:
      return op;
  }
}

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
  UTINYINT: [0n, 255n],
  USMALLINT: [0n, 65535n],
  UINTEGER: [0n, 4294967295n],
  UBIGINT: [0n, 18446744073709551615n],
};

const INTEGER_COLUMN = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

/**
 * A constant's value as the column type's text, only when comparing in the column's
 * type gives the same answer as DuckDB's comparison (exact conversions only).
 */
export function constantText(node: Json, columnType: string): string | undefined {
  const type = columnType.toUpperCase();
  if (isObject(node) && node.class === 'CAST' && isConstant(node.child as Json)) {
    const target = isObject(node.cast_type) ? String(node.cast_type.id) : '';
    const child = node.child as { value: { type: { id: string }; is_null: boolean; value?: Json } };
    if (child.value.is_null || child.value.type.id !== 'VARCHAR' || typeof child.value.value !== 'string') return undefined;
    const text = child.value.value;
    if (target === 'DATE' && type === 'DATE' && /^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
    if (target === 'TIMESTAMP' && type === 'TIMESTAMP' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(text)) return text;
    return undefined;
  }
  if (!isConstant(node) || node.value.is_null) return undefined;
  const value = node.value.value;
  const id = node.value.type.id;
  if (id === 'VARCHAR' && typeof value === 'string') {
    if (type === 'VARCHAR') return value;
    // A string literal (a bound text parameter is one) is cast to the column's type, as DuckDB
    // compares it: only the forms whose value is plain are claimed.
    if (INTEGER_COLUMN.test(type) && /^\s*[+-]?\d+\s*$/.test(value)) {
      // Out of the type's range the cast fails in DuckDB: that error is the task's to report.
      const n = BigInt(value.trim());
      const range = INTEGER_RANGES[type];
      return range && n >= range[0] && n <= range[1] ? n.toString() : undefined;
    }
    if (type === 'DATE' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    if (type === 'TIMESTAMP' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(value)) return value;
    return undefined;
  }
  if ((id === 'INTEGER' || id === 'BIGINT' || id === 'SMALLINT' || id === 'TINYINT') && typeof value === 'number' && Number.isSafeInteger(value)) {
    if (INTEGER_COLUMN.test(type)) return String(value);
    if (/^DECIMAL/.test(type)) return String(value);
    return undefined;
  }
  if (id === 'DECIMAL' && typeof value === 'number' && Number.isSafeInteger(value) && /^DECIMAL/.test(type)) {
    const info = node.value.type as { type_info?: { scale?: number } };
    const scale = info.type_info?.scale ?? 0;
    // Compared in the column's scale, a constant with more fraction digits would be cut: no claim then.
    const columnScale = Number(/^DECIMAL\(\d+,(\d+)\)$/.exec(type)?.[1] ?? -1);
    if (scale > columnScale) return undefined;
    const digits = String(Math.abs(value)).padStart(scale + 1, '0');
    const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
    return value < 0 ? `-${text}` : text;
  }
  return undefined;
}

/**
 * Values a conjunct pins a column to: `col = c` or `col IN (c, …)` with exact constants.
 * Undefined when the conjunct is not of that form.
 */
export function pinnedValues(filter: ExpressionNode, relation: Relation, columnName: string, columnType: string): string[] | undefined {
  const isColumn = (node: Json): boolean => {
    if (!isColumnRef(node)) return false;
    const binding = relation.block.refs.get(node);
    return binding?.kind === 'column' && binding.column.relation === relation && binding.column.column.toLowerCase() === columnName.toLowerCase();
  };
  if (filter.class === 'COMPARISON' && filter.type === 'COMPARE_EQUAL') {
    const constant = isColumn(filter.left as Json) ? (filter.right as Json) : isColumn(filter.right as Json) ? (filter.left as Json) : undefined;
    const text = constant === undefined ? undefined : constantText(constant, columnType);
    return text === undefined ? undefined : [text];
  }
  if (filter.class === 'OPERATOR' && filter.type === 'COMPARE_IN' && Array.isArray(filter.children) && isColumn(filter.children[0])) {
    const values = filter.children.slice(1).map((v) => constantText(v, columnType));
    return values.every((v): v is string => v !== undefined) ? values : undefined;
  }
  return undefined;
}

/** A rough fraction of rows passing `filters` (for costs only, never for correctness). */
export function estimateSelectivity(filters: readonly ExpressionNode[]): number {
  let fraction = 1;
  for (const filter of filters) {
    if (filter.class === 'COMPARISON') fraction *= filter.type === 'COMPARE_EQUAL' ? 0.1 : 0.4;
    else if (filter.class === 'BETWEEN') fraction *= 0.25;
    else if (filter.type === 'COMPARE_IN') fraction *= 0.2;
    else fraction *= 0.5;
  }
  return Math.max(fraction, 0.001);
}
