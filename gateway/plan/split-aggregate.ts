/**
 * Splitting a block's aggregation into a partial step, which every task runs
 * over its rows, and a final step over all tasks' partial rows:
 *
 *   partial  SELECT <group keys> AS g0…, <partial aggregates> AS a0… FROM … WHERE …
 *            GROUP BY g0…                        (the finest grouping of all sets)
 *   final    SELECT <the block's select list over g/a> FROM partials
 *            GROUP BY g0… [GROUPING SETS as the block's] HAVING … QUALIFY … ORDER BY … LIMIT …
 *
 * Partial aggregates re-aggregate over any coarser grouping, so ROLLUP, CUBE
 * and GROUPING SETS keep their sets in the final step. Every final column is
 * cast to the block's own result type (a count's final sum is HUGEINT).
 *
 * Names: an expression of the block is matched to a group key by what its
 * column references are bound to (not by spelling), and a bare ORDER BY /
 * DISTINCT ON name that is an output alias stays an alias reference, as
 * DuckDB binds it there first. What cannot be proven is a failure with a
 * reason; the planner then chooses a slower correct plan.
 */
import type { Block } from './analysis.ts';
import { decompose, cast, ruleOf } from './aggregates.ts';
import { baseTable, columnRef, integerConstant, isColumnRef, isFunction, isObject, type ExpressionNode, type Json, type JsonObject, type ModifierNode, type OrderItem, type SelectNode } from '../sql/duckdb-ast.ts';
import type { ColumnSpec } from './plan.ts';
import { originOf, withAlias } from './substitute.ts';

export const PARTIALS_RELATION = '__pondgate_partials';

export interface SplitAggregate {
  readonly partial: SelectNode;
  readonly final: SelectNode;
  /** Group key count (partial columns g0…); the partial's columns are g0…, a0…. */
  readonly keys: number;
  /** SQL of the final step's FROM when a variance needs per-group window sums (else the partials relation). */
  readonly windowFromSql?: string;
}

export type SplitResult = { readonly ok: true; readonly split: SplitAggregate } | { readonly ok: false; readonly reason: string };

export interface SplitContext {
  readonly aggregateNames: ReadonlySet<string>;
  /** Subqueries whose value is one constant for the whole query (materialized before the stage). */
  isConstantSubquery(node: ExpressionNode): boolean;
  /** DuckDB type nodes for final casts. */
  castTo(type: string, child: ExpressionNode): Promise<ExpressionNode>;
}

export async function splitAggregate(block: Block, columns: readonly ColumnSpec[], context: SplitContext): Promise<SplitResult> {
  const select = block.node;
  if (select.aggregate_handling !== 'STANDARD_HANDLING') return { ok: false, reason: 'GROUP BY ALL was not resolved' };
  if (select.sample !== null) return { ok: false, reason: 'SAMPLE in an aggregate query' };
  const keys = resolveGroupKeys(select);
  if (keys.some((k) => containsSubquery(k))) return { ok: false, reason: 'a subquery in GROUP BY' };
  const canonicalKeys = keys.map((k) => canonical(k, block));
  const grouped = select.group_expressions.length > 0;
  // Extra partial keys: constant subqueries (so the final step can still read them) and the one
  // argument of DISTINCT aggregates (each task's distinct values; the final step dedupes again).
  const extraKeys: ExpressionNode[] = [];
  const extraKey = (expression: ExpressionNode): ExpressionNode => {
    const id = canonical(expression, block);
    let index = canonicalKeys.indexOf(id);
    if (index < 0) {
      index = canonicalKeys.length;
      canonicalKeys.push(id);
      extraKeys.push(expression);
    }
    return columnRef(`g${index}`);
  };
  let distinctArgument: string | undefined;
  const partials: ExpressionNode[] = [];
  const variancePairs: [number, number][] = [];
  const explicitAliases = new Set(select.select_list.map((e) => e.alias.toLowerCase()).filter(Boolean));
  let failure: string | undefined;

  const rewrite = (expression: ExpressionNode, allowAliases: boolean): ExpressionNode => {
    const key = canonicalKeys.indexOf(canonical(expression, block));
    if (key >= 0) return { ...columnRef(`g${key}`), alias: expression.alias };
    if (expression.class === 'SUBQUERY') {
      // Constant for the whole query: carried through the partial rows as a key (a constant key
      // changes no group; without GROUP BY it would turn "one row even over no rows" into none).
      if (grouped && context.isConstantSubquery(expression)) return { ...extraKey(expression), alias: expression.alias };
      failure ??= 'a subquery over grouped rows';
      return expression;
    }
    if (isFunction(expression) && expression.distinct && context.aggregateNames.has(expression.function_name.toLowerCase())
      && expression.children.length === 1 && expression.filter === null && expression.order_bys.orders.length === 0
      && /^(count|sum|avg|mean|min|max)$/i.test(expression.function_name)) {
      // count(DISTINCT x) …: x becomes a partial key (one row per task and value), and the final
      // step applies the same DISTINCT aggregate to those values. One argument for all of them.
      const argument = canonical(expression.children[0], block);
      if (distinctArgument !== undefined && distinctArgument !== argument) {
        failure ??= 'DISTINCT aggregates over different arguments';
        return expression;
      }
      distinctArgument = argument;
      return { ...expression, children: [extraKey(expression.children[0])] };
    }
    if (isFunction(expression) && context.aggregateNames.has(expression.function_name.toLowerCase())) {
      const result = decompose(expression);
      if (!result.ok) {
        failure ??= result.reason;
        return expression;
      }
      const first = partials.length;
      partials.push(...result.decomposition.partials);
      const partialColumns = result.decomposition.partials.map((_, i) => columnRef(`a${first + i}`));
      const final = result.decomposition.final(partialColumns, (n, mean) => {
        const index = variancePairs.length;
        variancePairs.push([Number(n.column_names[0].slice(1)), Number(mean.column_names[0].slice(1))]);
        return { count: `__w_n${index}`, mean: `__w_mean${index}` };
      });
      return { ...final, alias: expression.alias };
    }
    if (isColumnRef(expression)) {
      const name = expression.column_names.join('.').toLowerCase();
      if (!(allowAliases && expression.column_names.length === 1 && explicitAliases.has(name))) {
        failure ??= `column ${expression.column_names.join('.')} is neither grouped nor aggregated here`;
      }
      return expression;
    }
    if (expression.class === 'LAMBDA' || expression.class === 'STAR' || expression.class === 'COLUMNS') {
      failure ??= `${expression.class.toLowerCase()} expression in an aggregate query`;
      return expression;
    }
    return mapChildren(expression, (child) => rewrite(child, allowAliases));
  };

  const finalList = select.select_list.map((e) => rewrite(e, false));
  const finalHaving = select.having === null ? null : rewrite(select.having, true);
  const finalQualify = select.qualify === null ? null : rewrite(select.qualify, true);
  // ORDER BY and DISTINCT ON bind a bare name to the output column of that name before any
  // table column (DuckDB's and PostgreSQL's rule); the final select list carries those names.
  const isOutputName = (e: ExpressionNode) => isColumnRef(e) && e.column_names.length === 1 && explicitAliases.has(e.column_names[0].toLowerCase());
  const finalModifiers = select.modifiers.map((modifier) => rewriteModifier(modifier, (e) => (isOutputName(e) ? e : rewrite(e, true))));
  if (failure) return { ok: false, reason: failure };
  if (columns.length !== finalList.length) return { ok: false, reason: 'the select list expands to a different number of columns' };
  const allKeys = [...keys, ...extraKeys];
  const extraIndexes = extraKeys.map((_, j) => keys.length + j);

  const partial: SelectNode = {
    ...select,
    modifiers: [],
    select_list: [...allKeys.map((key, i) => withAlias(key, `g${i}`)), ...partials.map((aggregate, i) => ({ ...aggregate, alias: `a${i}` }))],
    group_expressions: [],
    group_sets: allKeys.length > 0 ? [allKeys.map((_, i) => i)] : [],
    having: null,
    qualify: null,
  };
  // The partial groups by its own output names: `GROUP BY g0` would be ambiguous with a table
  // column named g0, so group by position instead.
  partial.group_expressions = allKeys.map((_, i) => positional(i + 1));
  const final: SelectNode = {
    ...select,
    cte_map: { map: [] },
    select_list: await Promise.all(
      finalList.map(async (expression, i) => ({ ...(await context.castTo(columns[i].type, { ...expression, alias: '' })), alias: columns[i].name })),
    ),
    from_table: baseTable(PARTIALS_RELATION, ''),
    where_clause: null,
    // Extra keys are grouped in the final step only when constant (a subquery); a DISTINCT
    // argument is aggregated there, not grouped.
    group_expressions: keys.map((_, i) => columnRef(`g${i}`)),
    group_sets: select.group_sets.length > 0 ? select.group_sets : keys.length > 0 ? [keys.map((_, i) => i)] : [],
    having: finalHaving,
    qualify: finalQualify,
    modifiers: finalModifiers,
  };
  // Constant extra keys take part in the final grouping (they change no group).
  const constantKeys = extraKeys.map((k, j) => (k.class === 'SUBQUERY' ? extraIndexes[j] : -1)).filter((i) => i >= 0);
  if (constantKeys.length > 0) {
    final.group_expressions = [...final.group_expressions, ...constantKeys.map((i) => columnRef(`g${i}`))];
    const offset = keys.length;
    final.group_sets = final.group_sets.map((set) => [...set, ...constantKeys.map((_, j) => offset + j)]);
    if (final.group_sets.length === 0) final.group_sets = [[...keys.map((_, i) => i), ...constantKeys.map((_, j) => offset + j)]];
  }
  return { ok: true, split: { partial, final, keys: keys.length, windowFromSql: variancePairs.length > 0 ? windowSql(keys.length, variancePairs) : undefined } };
}

/**
 * Whether splitAggregate can split the block's aggregates (the same rules, without building
 * anything): every aggregate decomposes, or is a DISTINCT aggregate over one shared argument.
 */
export function aggregatesSplittable(block: Block, aggregateNames: ReadonlySet<string>): boolean {
  const select = block.node;
  let ok = true;
  let distinctArgument: string | undefined;
  const visit = (value: Json) => {
    if (!ok || !isObject(value)) {
      if (Array.isArray(value)) value.forEach(visit);
      return;
    }
    if (value.class === 'SUBQUERY' || value.class === 'WINDOW') return;
    if (isFunction(value) && aggregateNames.has(value.function_name.toLowerCase())) {
      if (value.distinct && value.children.length === 1 && value.filter === null && value.order_bys.orders.length === 0 && /^(count|sum|avg|mean|min|max)$/i.test(value.function_name)) {
        const argument = canonical(value.children[0], block);
        if (distinctArgument !== undefined && distinctArgument !== argument) ok = false;
        distinctArgument = argument;
        return;
      }
      if (ruleOf(value) === 'holistic') ok = false;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit([select.select_list, select.having, select.qualify, select.modifiers] as unknown as Json);
  return ok;
}

/** `SELECT *, sum(n) OVER w, sum(n·mean) OVER w / sum(n) OVER w … FROM partials`: per-group totals for variances. */
function windowSql(keys: number, pairs: readonly [number, number][]): string {
  const partition = keys > 0 ? `PARTITION BY ${Array.from({ length: keys }, (_, i) => `g${i}`).join(', ')}` : '';
  const columns = pairs.map(([n, mean], i) => {
    const total = `sum(a${n}) OVER (${partition})`;
    const weighted = `sum(a${n} * a${mean}) OVER (${partition}) / nullif(${total}, 0)`;
    // Tasks whose means are all the same (a group of equal values) have that mean exactly: the
    // weighted sum may round it by an ulp, and a spread of ulps made stddev of equal values 1e-14, not 0.
    const same = `min(a${mean}) OVER (${partition})`;
    return `${total} AS __w_n${i}, CASE WHEN ${same} = max(a${mean}) OVER (${partition}) THEN ${same} ELSE ${weighted} END AS __w_mean${i}`;
  });
  return `SELECT *, ${columns.join(', ')} FROM ${PARTIALS_RELATION}`;
}

/** GROUP BY 1 and GROUP BY alias mean the select-list expression (an alias only when no column has the name). */
function resolveGroupKeys(select: SelectNode): ExpressionNode[] {
  return select.group_expressions.map((expression) => {
    const position = integerConstant(expression);
    if (position !== undefined && position >= 1 && position <= select.select_list.length) {
      return withAlias(select.select_list[position - 1], '');
    }
    return expression;
  });
}

function positional(n: number): ExpressionNode {
  return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', query_location: 0, value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value: n } };
}

/** An expression's identity for matching: bound column references by what they are bound to. */
export function canonical(expression: Json, block: Block): string {
  return JSON.stringify(expression, function (this: unknown, key: string, value: Json) {
    if (key === 'alias' || key === 'query_location') return undefined;
    if (isColumnRef(value)) {
      const binding = block.refs.get(originOf(value));
      if (binding?.kind === 'column') return `#${binding.column.depth}:${binding.column.key}`;
      return `?${value.column_names.join('.').toLowerCase()}`;
    }
    return value;
  });
}

function containsSubquery(value: Json): boolean {
  if (Array.isArray(value)) return value.some(containsSubquery);
  if (!isObject(value)) return false;
  if (value.class === 'SUBQUERY') return true;
  return Object.values(value).some(containsSubquery);
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

/** Applies `rewrite` to each direct sub-expression (a property holding an expression, a list of them, or of ORDER BY items). */
export function mapChildren(expression: ExpressionNode, rewrite: (child: ExpressionNode) => ExpressionNode): ExpressionNode {
  const result: JsonObject = {};
  const mapValue = (value: Json): Json => {
    if (isExpression(value)) return rewrite(value);
    if (Array.isArray(value)) return value.map(mapValue);
    if (isObject(value) && isExpression(value.expression as Json) && typeof value.null_order === 'string') {
      return { ...value, expression: rewrite(value.expression as ExpressionNode) };
    }
    if (isObject(value) && Array.isArray(value.orders)) return { ...value, orders: value.orders.map(mapValue) };
    if (isObject(value) && (isExpression(value.when_expr as Json) || isExpression(value.then_expr as Json))) {
      return { ...value, when_expr: mapValue(value.when_expr as Json), then_expr: mapValue(value.then_expr as Json) };
    }
    return value;
  };
  for (const [key, value] of Object.entries(expression)) result[key] = mapValue(value);
  return result as ExpressionNode;
}

function isExpression(value: Json | undefined): value is ExpressionNode {
  return isObject(value) && typeof value.class === 'string' && typeof value.type === 'string';
}

