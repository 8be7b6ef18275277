/**
 * Key lookups: `SELECT <columns> FROM t WHERE key = <value> [LIMIT n]` over
 * one table's files (those left after pruning), the shape of a dashboard's,
 * a BI tool's or an application's point query. The planner marks such a plan
 * (DistributedPlan.keyLookup) and the gateway may answer it from its key
 * index (gateway/exec/key-index.ts) instead of running a DuckDB statement:
 * DuckDB's fixed cost of a statement (prepare, start, fetch: ~0.6–0.8 ms of
 * CPU) is most of a lookup's, where a hash probe costs microseconds.
 *
 * The rows must be DuckDB's: so the shape is narrow (plain column references
 * or `*` of one table, one equality of a table column with a constant or a
 * parameter; no DISTINCT, ORDER BY, OFFSET, GROUP BY, window, sample or
 * subquery; a constant LIMIT only over one task, whose first rows in file
 * order are the answer), and the value is compared only where DuckDB's
 * comparison is plain equality of the same value: an integer column with an
 * integer (a parameter's text in canonical form, within the column type's
 * range — DuckDB casts the text to the column's type), a VARCHAR column with
 * text. Anything else — `'0042'`, `' 42'`, a NULL, a value out of range, a
 * DECIMAL — is left to DuckDB, which gives its own answer or error.
 */
import type { Analysis, Block } from './analysis.ts';
import { boundColumn } from './analysis.ts';
import { isColumnRef, isConstant, isObject, type ExpressionNode, type Json, type JsonObject } from '../sql/duckdb-ast.ts';
import type { DistributedPlan, KeyLookup, KeyValue } from './plan.ts';

/** Integer column types and their ranges; HUGEINT is left out (its client form is not an integer vector). */
const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  TINYINT: [-(2n ** 7n), 2n ** 7n - 1n],
  SMALLINT: [-(2n ** 15n), 2n ** 15n - 1n],
  INTEGER: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
  UTINYINT: [0n, 2n ** 8n - 1n],
  USMALLINT: [0n, 2n ** 16n - 1n],
  UINTEGER: [0n, 2n ** 32n - 1n],
  UBIGINT: [0n, 2n ** 64n - 1n],
};

/** Whether a column of this DuckDB type can be a lookup's key. */
export function indexableKeyType(type: string): boolean {
  return type === 'VARCHAR' || type in INTEGER_RANGES;
}

/**
 * The key lookup a plan answers, if the statement has that shape and the plan reads it in one
 * stage forwarded to the client, over one table that is read whole by one task or split between
 * its tasks (so the rows of all its tasks together are the answer).
 */
export function keyLookupOf(analysis: Analysis, plan: DistributedPlan): KeyLookup | undefined {
  const root = analysis.root;
  if (root.kind !== 'select' || root.ctes.length > 0) return undefined;
  const stage = plan.stages[0];
  if (plan.stages.length !== 1 || plan.forward?.stageId !== stage.id || plan.forward.ordered) return undefined;
  if (stage.inputs.length !== 1 || stage.inputs[0].source.kind !== 'table') return undefined;
  // Several tasks split the table between them: the answer is their rows together, in any order (no ORDER BY).
  if (stage.tasks !== 1 && !stage.inputs[0].split) return undefined;
  const block = root.block;
  const node = block.node;
  if (block.children.length > 0 || block.subqueries.length > 0 || block.from.kind !== 'relation') return undefined;
  if (node.group_expressions.length > 0 || node.group_sets.length > 0) return undefined;
  // A constant LIMIT (BI tools add one to every query) over one task: its first rows in file order.
  const limit = limitOf(node.modifiers);
  if (limit === null || (limit !== undefined && stage.tasks !== 1)) return undefined;
  if (node.having !== null || node.qualify !== null || node.sample !== null || node.aggregate_handling !== 'STANDARD_HANDLING') return undefined;
  const relation = block.from.relation;
  const table = relation.table;
  const from = relation.node;
  if (relation.kind !== 'table' || !table || table.name !== stage.inputs[0].source.table.name) return undefined;
  if (from.sample !== null || (from.at_clause ?? null) !== null) return undefined;
  const tableColumn = (visible: string): number => {
    const i = relation.columns?.findIndex((c) => c === visible) ?? -1;
    const source = i >= 0 ? relation.sourceColumns?.[i] : undefined;
    return source === undefined ? -1 : table.columns.findIndex((c) => c.name === source);
  };
  const outputColumns: number[] = [];
  for (const item of node.select_list) {
    if (isColumnRef(item)) {
      const bound = boundColumn(item, block);
      const index = bound && bound.relation === relation && bound.depth === 0 ? tableColumn(bound.column) : -1;
      if (index < 0) return undefined;
      outputColumns.push(index);
    } else if (plainStar(item, relation.qualifier)) {
      outputColumns.push(...table.columns.map((_, i) => i));
    } else return undefined;
  }
  if (outputColumns.length !== plan.columns.length) return undefined;
  const where = node.where_clause;
  if (!where || where.class !== 'COMPARISON' || where.type !== 'COMPARE_EQUAL') return undefined;
  const sides = [where.left, where.right] as Json[];
  for (const [columnSide, valueSide] of [sides, [...sides].reverse()]) {
    const key = keyColumn(columnSide, block, relation, tableColumn);
    const value = keyValue(valueSide);
    if (key === undefined || value === undefined || !indexableKeyType(table.columns[key].type)) continue;
    return { table: table.name, keyColumn: key, key: value, outputColumns, ...(limit !== undefined ? { limit } : {}) };
  }
  return undefined;
}

function keyColumn(node: Json, block: Block, relation: Block['relations'][number], tableColumn: (visible: string) => number): number | undefined {
  const bound = boundColumn(node, block);
  if (!bound || bound.relation !== relation || bound.depth !== 0) return undefined;
  const index = tableColumn(bound.column);
  return index >= 0 ? index : undefined;
}

function keyValue(node: Json): KeyValue | undefined {
  if (isObject(node) && node.class === 'PARAMETER' && typeof node.identifier === 'string' && /^[1-9][0-9]*$/.test(node.identifier)) {
    return { kind: 'parameter', index: Number(node.identifier) - 1 };
  }
  if (!isConstant(node) || node.value.is_null) return undefined;
  const { id } = node.value.type;
  const value = node.value.value;
  if (id === 'VARCHAR' && typeof value === 'string') return { kind: 'text', text: value };
  // Integer literals as JSON numbers: only where the number is exact.
  if ((id === 'INTEGER' || id === 'BIGINT') && typeof value === 'number' && Number.isSafeInteger(value)) return { kind: 'integer', text: String(value) };
  return undefined;
}

/** No modifier: undefined; one `LIMIT n` (a constant, no OFFSET): n; anything else: null. */
function limitOf(modifiers: readonly JsonObject[]): number | undefined | null {
  if (modifiers.length === 0) return undefined;
  const [modifier] = modifiers;
  if (modifiers.length !== 1 || modifier.type !== 'LIMIT_MODIFIER' || (modifier.offset ?? null) !== null) return null;
  const limit = modifier.limit as Json;
  if (!isConstant(limit) || limit.value.is_null || !['INTEGER', 'BIGINT'].includes(limit.value.type.id)) return null;
  const value = limit.value.value;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** `*` or `t.*` without EXCLUDE, REPLACE, RENAME or COLUMNS(…). */
function plainStar(item: ExpressionNode, qualifier: string): boolean {
  if (item.class !== 'STAR' || item.columns !== false || item.expr !== null) return false;
  const empty = (list: Json | undefined) => Array.isArray(list) && list.length === 0;
  if (!empty(item.exclude_list) || !empty(item.replace_list) || !empty(item.qualified_exclude_list ?? []) || !empty(item.rename_list ?? [])) return false;
  return item.relation_name === '' || (typeof item.relation_name === 'string' && item.relation_name.toLowerCase() === qualifier.toLowerCase());
}

/**
 * The key as the index holds it (the decimal text of an integer, a VARCHAR's text) when DuckDB's
 * `column = value` is plain equality with it; undefined when DuckDB must decide (a cast it may
 * reject or read differently, a NULL, a parameter not given).
 */
export function indexKey(columnType: string, key: KeyValue, parameters: readonly (string | null)[] = []): string | undefined {
  let resolved: KeyValue = key;
  if (key.kind === 'parameter') {
    const text = parameters[key.index];
    if (typeof text !== 'string') return undefined;
    resolved = { kind: 'text', text };
  }
  if (resolved.kind === 'parameter') return undefined;
  if (columnType === 'VARCHAR') return resolved.kind === 'text' ? resolved.text : undefined;
  const range = INTEGER_RANGES[columnType];
  if (!range || !/^(0|-?[1-9][0-9]*)$/.test(resolved.text)) return undefined;
  const value = BigInt(resolved.text);
  return value >= range[0] && value <= range[1] ? resolved.text : undefined;
}
