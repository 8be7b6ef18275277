/**
 * The distributed planner. It picks the fastest strategy that is known to give
 * single-node DuckDB's answer:
 *
 *   partial-aggregate  one table, decomposable aggregates: workers aggregate
 *                      their partition, the gateway combines the partials;
 *   scan               one table, no aggregates: workers filter and project
 *                      (and apply top-N), the gateway runs the query over them;
 *   gather             anything else (joins, windows, subqueries, …): workers
 *                      return the referenced columns, the gateway runs the
 *                      original query over them.
 *
 * Every strategy ends with a merge query on the gateway whose result types are
 * those of the original query; a rule that cannot prove its rewrite falls
 * through to the next, slower strategy instead of failing.
 */
import { TASK_INPUT_RELATION } from '../../src/cluster/messages.ts';
import { findTable, type Manifest, type TableEntry } from '../../src/storage/manifest.ts';
import {
  baseTable,
  clone,
  columnRef,
  integerConstant,
  integerLiteral,
  isBaseTable,
  isColumnRef,
  isFunction,
  isObject,
  sameExpression,
  some,
  walk,
  type BaseTableNode,
  type ExpressionNode,
  type Json,
  type JsonObject,
  type ModifierNode,
  type OrderItem,
  type SelectNode,
} from '../sql/duckdb-ast.ts';
import { decompose } from './aggregates.ts';
import type { ColumnSpec, Fragment, QueryPlan } from './plan.ts';

export interface PlannerContext {
  readonly manifest: Manifest;
  /** Names of DuckDB's aggregate functions (lower case). */
  readonly aggregateNames: ReadonlySet<string>;
  render(node: SelectNode): Promise<string>;
  /** Result columns of `sql` over the gateway's empty copies of the catalog tables; throws DuckDB's error. */
  describe(sql: string): Promise<ColumnSpec[]>;
  /** Result columns of a fragment's SQL when its input relation has the columns of `table`. */
  describeFragment(sql: string, table: TableEntry): Promise<ColumnSpec[]>;
  /** Whether `mergeSql` binds over a relation `relation` with `columns`; the plan's safety net. */
  bindsOver(mergeSql: string, relation: string, columns: readonly ColumnSpec[]): Promise<boolean>;
  /** A CAST node to `type`, with `child` as its operand. */
  castTo(type: string, child: ExpressionNode): Promise<ExpressionNode>;
}

export const PARTIALS_RELATION = '__pondgate_partials';

interface TableReference {
  readonly node: BaseTableNode;
  readonly table: TableEntry;
}

export async function planQuery(statement: JsonObject, sql: string, context: PlannerContext): Promise<QueryPlan> {
  const tree = clone(statement);
  const references = catalogReferences(tree, context.manifest);
  if (references.length === 0) return { kind: 'local', sql, reason: 'no catalog tables' };
  // The catalog tables live in schema public of the query's private database; a database
  // qualifier ("pondgate".public.t) would point elsewhere.
  for (const reference of references) reference.node.catalog_name = '';
  const node = tree.node;
  const columns = await context.describe(sql);
  const notes: string[] = [];

  if (isObject(node) && node.type === 'SELECT_NODE' && isSingleTableQuery(node as SelectNode, references)) {
    const select = node as SelectNode;
    const reference = references[0];
    stripQualifiers(select, reference.table);
    if (hasAggregation(select, context.aggregateNames)) {
      const aggregate = await planPartialAggregate(select, reference, columns, context);
      if (aggregate.ok) return aggregate.plan;
      notes.push(aggregate.reason);
    } else {
      return planScan(select, reference, tree, columns, context);
    }
  } else {
    notes.push(describeWhyGather(tree, references));
  }
  return planGather(tree, references, columns, notes, context);
}

/** Base tables that name catalog tables (not CTEs, not pg_catalog …). */
function catalogReferences(tree: Json, manifest: Manifest): TableReference[] {
  const cteNames = new Set<string>();
  walk(tree, (object) => {
    const map = object.cte_map;
    if (isObject(map) && Array.isArray(map.map)) {
      for (const entry of map.map) if (isObject(entry) && typeof entry.key === 'string') cteNames.add(entry.key.toLowerCase());
    }
  });
  const references: TableReference[] = [];
  walk(tree, (object) => {
    if (!isBaseTable(object)) return;
    const schema = object.schema_name.toLowerCase();
    const catalog = object.catalog_name.toLowerCase();
    if (schema !== '' && schema !== 'public') return;
    if (catalog !== '' && catalog !== 'pondgate') return;
    if (schema === '' && cteNames.has(object.table_name.toLowerCase())) return;
    const table = findTable(manifest, object.table_name);
    if (table) references.push({ node: object, table });
  });
  return references;
}

function isSingleTableQuery(select: SelectNode, references: readonly TableReference[]): boolean {
  if (references.length !== 1 || select.from_table !== references[0].node) return false;
  if (select.cte_map.map.length > 0 || select.qualify !== null || select.sample !== null) return false;
  if (select.from_table.sample !== null && select.from_table.sample !== undefined) return false;
  return !some(select, (o) => o.class === 'SUBQUERY' || o.class === 'WINDOW' || o.type === 'SET_OPERATION_NODE');
}

function describeWhyGather(tree: Json, references: readonly TableReference[]): string {
  const tables = new Set(references.map((r) => r.table.name));
  if (references.length > 1) return `${tables.size > 1 ? 'join' : 'self-join'} of ${[...tables].join(', ')}: gathered to the gateway`;
  if (some(tree, (o) => o.class === 'WINDOW')) return 'window function: gathered to the gateway';
  if (some(tree, (o) => o.class === 'SUBQUERY')) return 'subquery: gathered to the gateway';
  return 'query shape is not distributed yet: gathered to the gateway';
}

/** In a single-table query, `t.col` and `public.t.col` mean `col`; plain names make expressions comparable. */
function stripQualifiers(select: SelectNode, table: TableEntry): void {
  const columnNames = new Set(table.columns.map((c) => c.name.toLowerCase()));
  walk(select, (object) => {
    if (!isColumnRef(object)) return;
    const names = object.column_names;
    let first = 0;
    while (first < names.length - 1 && !columnNames.has(names[first].toLowerCase())) first++;
    if (first > 0 && columnNames.has(names[first].toLowerCase())) object.column_names = names.slice(first);
  });
}

function hasAggregation(select: SelectNode, aggregateNames: ReadonlySet<string>): boolean {
  return (
    select.group_expressions.length > 0 ||
    select.having !== null ||
    some(select.select_list, (o) => isFunction(o) && aggregateNames.has(o.function_name.toLowerCase()))
  );
}

// ---------------------------------------------------------------- partial aggregate

type AggregateAttempt = { ok: true; plan: QueryPlan } | { ok: false; reason: string };

async function planPartialAggregate(
  select: SelectNode,
  reference: TableReference,
  columns: readonly ColumnSpec[],
  context: PlannerContext,
): Promise<AggregateAttempt> {
  if (select.aggregate_handling !== 'STANDARD_HANDLING') return { ok: false, reason: 'GROUP BY ALL is gathered' };
  if (select.group_sets.length > 1) return { ok: false, reason: 'GROUPING SETS / ROLLUP / CUBE are gathered' };
  const keys = resolveGroupKeys(select, reference.table);
  const partialAggregates: ExpressionNode[] = [];
  const explicitAliases = new Set(select.select_list.map((e) => e.alias.toLowerCase()).filter(Boolean));
  let failure: string | undefined;

  const rewrite = (expression: ExpressionNode, allowAliases: boolean): ExpressionNode => {
    const keyIndex = keys.findIndex((key) => sameExpression(key, expression));
    if (keyIndex >= 0) return { ...columnRef(`g${keyIndex}`), alias: expression.alias };
    if (isFunction(expression) && context.aggregateNames.has(expression.function_name.toLowerCase())) {
      const result = decompose(expression);
      if (!result.ok) {
        failure ??= result.reason;
        return expression;
      }
      const first = partialAggregates.length;
      partialAggregates.push(...result.decomposition.partials);
      const partialColumns = result.decomposition.partials.map((_, i) => columnRef(`a${first + i}`));
      const final = result.decomposition.final(partialColumns);
      return { ...(result.decomposition.castToBigint ? bigintCast(final) : final), alias: expression.alias };
    }
    if (isColumnRef(expression)) {
      const name = expression.column_names.join('.').toLowerCase();
      if (!(allowAliases && expression.column_names.length === 1 && explicitAliases.has(name))) {
        failure ??= `column ${expression.column_names.join('.')} is neither grouped nor aggregated here`;
      }
      return expression;
    }
    if (expression.class === 'LAMBDA' || expression.class === 'STAR') {
      failure ??= `${expression.class.toLowerCase()} expression in an aggregate query is gathered`;
      return expression;
    }
    return mapChildren(expression, (child) => rewrite(child, allowAliases));
  };

  const finalSelectList = select.select_list.map((e) => rewrite(e, false));
  const finalHaving = select.having === null ? null : rewrite(select.having, true);
  // ORDER BY and DISTINCT ON bind a bare name to the output column of that name before any
  // table column (DuckDB's and PostgreSQL's rule); the merge's select list carries those names.
  const isOutputName = (e: ExpressionNode) => isColumnRef(e) && e.column_names.length === 1 && explicitAliases.has(e.column_names[0].toLowerCase());
  const finalModifiers = select.modifiers.map((modifier) => rewriteModifier(modifier, (e) => (isOutputName(e) ? e : rewrite(e, true))));
  if (failure) return { ok: false, reason: failure };

  const partial: SelectNode = {
    ...emptySelect(),
    select_list: [
      ...keys.map((key, i) => ({ ...clone(key), alias: `g${i}` })),
      ...partialAggregates.map((aggregate, i) => ({ ...aggregate, alias: `a${i}` })),
    ],
    from_table: baseTable(TASK_INPUT_RELATION, ''),
    where_clause: select.where_clause,
    group_expressions: keys.map((_, i) => integerLiteral(i + 1)),
    group_sets: keys.length > 0 ? [keys.map((_, i) => i)] : [],
  };
  const finalSelect: SelectNode = {
    ...select,
    select_list: await Promise.all(
      finalSelectList.map(async (expression, i) => ({
        ...(await context.castTo(columns[i].type, { ...expression, alias: '' })),
        alias: columns[i].name,
      })),
    ),
    from_table: baseTable(PARTIALS_RELATION, ''),
    where_clause: null,
    group_expressions: keys.map((_, i) => columnRef(`g${i}`)),
    group_sets: keys.length > 0 ? [keys.map((_, i) => i)] : [],
    having: finalHaving,
    modifiers: finalModifiers,
  };
  const partialSql = await context.render(partial);
  const mergeSql = await context.render(finalSelect);
  const partialColumns = await context.describeFragment(partialSql, reference.table);
  if (!(await context.bindsOver(mergeSql, PARTIALS_RELATION, partialColumns))) {
    return { ok: false, reason: 'the combined aggregate did not bind over the partial results' };
  }
  const fragment: Fragment = {
    id: 0,
    relation: PARTIALS_RELATION,
    table: reference.table,
    partitions: reference.table.partitions.map((_, i) => i),
    sql: partialSql,
  };
  return { ok: true, plan: { kind: 'distributed', strategy: 'partial-aggregate', fragments: [fragment], mergeSql, columns, notes: [] } };
}

/** GROUP BY 1 and GROUP BY alias mean the select-list expression. */
function resolveGroupKeys(select: SelectNode, table: TableEntry): ExpressionNode[] {
  const columnNames = new Set(table.columns.map((c) => c.name.toLowerCase()));
  return select.group_expressions.map((expression) => {
    const position = integerConstant(expression);
    if (position !== undefined && position >= 1 && position <= select.select_list.length) {
      return { ...select.select_list[position - 1], alias: '' };
    }
    if (isColumnRef(expression) && expression.column_names.length === 1) {
      const name = expression.column_names[0].toLowerCase();
      if (!columnNames.has(name)) {
        const aliased = select.select_list.find((e) => e.alias.toLowerCase() === name);
        if (aliased) return { ...aliased, alias: '' };
      }
    }
    return expression;
  });
}

function bigintCast(expression: ExpressionNode): ExpressionNode {
  return {
    class: 'CAST',
    type: 'OPERATOR_CAST',
    alias: '',
    query_location: 0,
    child: expression,
    cast_type: { id: 'BIGINT', type_info: null },
    try_cast: false,
  };
}

function rewriteModifier(modifier: ModifierNode, rewrite: (e: ExpressionNode) => ExpressionNode): ModifierNode {
  if (modifier.type === 'ORDER_MODIFIER' && Array.isArray(modifier.orders)) {
    return {
      ...modifier,
      orders: (modifier.orders as OrderItem[]).map((order) =>
        integerConstant(order.expression) !== undefined ? order : { ...order, expression: rewrite(order.expression) },
      ),
    };
  }
  if (modifier.type === 'DISTINCT_MODIFIER' && Array.isArray(modifier.distinct_on_targets)) {
    return { ...modifier, distinct_on_targets: (modifier.distinct_on_targets as ExpressionNode[]).map(rewrite) };
  }
  return modifier;
}

/** Applies `rewrite` to each direct sub-expression (any property holding an expression or a list of them). */
function mapChildren(expression: ExpressionNode, rewrite: (child: ExpressionNode) => ExpressionNode): ExpressionNode {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(expression)) {
    if (isExpression(value)) result[key] = rewrite(value);
    else if (Array.isArray(value)) result[key] = value.map((item) => (isExpression(item) ? rewrite(item) : item));
    else if (isObject(value) && Array.isArray(value.orders)) {
      result[key] = { ...value, orders: (value.orders as OrderItem[]).map((o) => ({ ...o, expression: rewrite(o.expression) })) };
    } else result[key] = value;
  }
  return result as ExpressionNode;
}

function isExpression(value: Json | undefined): value is ExpressionNode {
  return isObject(value) && typeof value.class === 'string' && typeof value.type === 'string';
}

function emptySelect(): SelectNode {
  return {
    type: 'SELECT_NODE',
    modifiers: [],
    cte_map: { map: [] },
    select_list: [],
    from_table: { type: 'EMPTY', alias: '', sample: null, query_location: 0 },
    where_clause: null,
    group_expressions: [],
    group_sets: [],
    aggregate_handling: 'STANDARD_HANDLING',
    having: null,
    sample: null,
    qualify: null,
  };
}

// ---------------------------------------------------------------- scan and gather

async function planScan(
  select: SelectNode,
  reference: TableReference,
  tree: JsonObject,
  columns: readonly ColumnSpec[],
  context: PlannerContext,
): Promise<QueryPlan> {
  const table = reference.table;
  const fragmentSelect: SelectNode = {
    ...emptySelect(),
    select_list: neededColumns(tree, table).map((name) => columnRef(name)),
    from_table: baseTable(TASK_INPUT_RELATION, ''),
    where_clause: select.where_clause,
    modifiers: pushableLimit(select, table),
  };
  const fragment: Fragment = {
    id: 0,
    relation: table.name,
    table,
    partitions: table.partitions.map((_, i) => i),
    sql: await context.render(fragmentSelect),
  };
  const notes = fragmentSelect.modifiers.length > 0 ? ['top-N pushed down to every partition'] : [];
  return { kind: 'distributed', strategy: 'scan', fragments: [fragment], mergeSql: await context.render(tree.node as SelectNode), columns, notes };
}

/**
 * ORDER BY … LIMIT n OFFSET m may run per partition as ORDER BY … LIMIT n+m when every
 * ordering key is an expression over the table's columns: the global top n+m rows are
 * among the union of each partition's top n+m. Without ORDER BY any n+m rows will do.
 */
function pushableLimit(select: SelectNode, table: TableEntry): ModifierNode[] {
  if (select.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER')) return [];
  const limitModifier = select.modifiers.find((m) => m.type === 'LIMIT_MODIFIER');
  if (!limitModifier) return [];
  const limit = integerConstant(limitModifier.limit as Json);
  const offset = limitModifier.offset === null ? 0 : integerConstant(limitModifier.offset as Json);
  if (limit === undefined || offset === undefined || limit < 0 || offset < 0) return [];
  const columnNames = new Set(table.columns.map((c) => c.name.toLowerCase()));
  const orderModifier = select.modifiers.find((m) => m.type === 'ORDER_MODIFIER');
  const pushedLimit: ModifierNode = { type: 'LIMIT_MODIFIER', limit: integerLiteral(limit + offset), offset: null };
  if (!orderModifier) return [pushedLimit];
  const orders: OrderItem[] = [];
  for (const order of orderModifier.orders as OrderItem[]) {
    const expression = resolveSelectReference(order.expression, select);
    if (!expression) return [];
    const onlyTableColumns = !some(expression, (o) =>
      isColumnRef(o) ? !columnNames.has(o.column_names[0].toLowerCase()) : o.class === 'LAMBDA' || o.class === 'STAR',
    );
    if (!onlyTableColumns) return [];
    orders.push({ ...order, expression });
  }
  return [{ type: 'ORDER_MODIFIER', orders }, pushedLimit];
}

/** ORDER BY 2 and ORDER BY alias refer to the select list; returns the expression meant. */
function resolveSelectReference(expression: ExpressionNode, select: SelectNode): ExpressionNode | undefined {
  const position = integerConstant(expression);
  if (position !== undefined) {
    const item = select.select_list[position - 1];
    return item && item.class !== 'STAR' ? { ...item, alias: '' } : undefined;
  }
  if (isColumnRef(expression) && expression.column_names.length === 1) {
    const name = expression.column_names[0].toLowerCase();
    // A bare name means the output column of that name first, even when a table column has
    // the same name (`SELECT b AS a … ORDER BY a` orders by b).
    const aliased = select.select_list.find((e) => e.alias.toLowerCase() === name);
    if (aliased) return { ...aliased, alias: '' };
  }
  return expression;
}

async function planGather(
  tree: JsonObject,
  references: readonly TableReference[],
  columns: readonly ColumnSpec[],
  notes: string[],
  context: PlannerContext,
): Promise<QueryPlan> {
  const tables = new Map<string, TableEntry>();
  for (const reference of references) tables.set(reference.table.name, reference.table);
  const fragments: Fragment[] = [];
  for (const table of tables.values()) {
    const fragmentSelect: SelectNode = {
      ...emptySelect(),
      select_list: neededColumns(tree, table).map((name) => columnRef(name)),
      from_table: baseTable(TASK_INPUT_RELATION, ''),
    };
    fragments.push({
      id: fragments.length,
      relation: table.name,
      table,
      partitions: table.partitions.map((_, i) => i),
      sql: await context.render(fragmentSelect),
    });
  }
  return { kind: 'distributed', strategy: 'gather', fragments, mergeSql: await context.render(tree.node as SelectNode), columns, notes };
}

/**
 * The columns of `table` the query may read: every column whose name appears in a
 * column reference anywhere in the query (an over-approximation is harmless), or all
 * of them when the query has a star. A query that reads no column (count(*)) still
 * needs one to carry the row count.
 */
function neededColumns(tree: Json, table: TableEntry): string[] {
  if (some(tree, (o) => o.class === 'STAR')) return table.columns.map((c) => c.name);
  const mentioned = new Set<string>();
  walk(tree, (object) => {
    if (isColumnRef(object)) for (const name of object.column_names) mentioned.add(name.toLowerCase());
  });
  const needed = table.columns.filter((c) => mentioned.has(c.name.toLowerCase())).map((c) => c.name);
  return needed.length > 0 ? needed : [smallestColumn(table)];
}

function smallestColumn(table: TableEntry): string {
  const fixed = table.columns.find((c) => /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|DATE)$/.test(c.type));
  return (fixed ?? table.columns[0]).name;
}
