/**
 * Decorrelation: a parse tree → parse tree pass that runs before planning and
 * turns two correlated subquery shapes into joins with uncorrelated derived
 * tables, which the planner distributes like any grouped derived table
 * (co-located, exchanged by key or broadcast) instead of keeping the inner
 * query inside the outer query's stage.
 *
 *   WHERE … AND EXISTS (SELECT … FROM i WHERE i.k = o.k [AND …] AND <inner-only>)
 *     → FROM …, (SELECT i.k AS __pondgate_k0 … FROM i WHERE <inner-only> GROUP BY i.k …) AS d
 *       WHERE … AND d.__pondgate_k0 = o.k …
 *
 *   WHERE … AND x < (SELECT 0.2 * avg(i.y) FROM i WHERE i.k = o.k AND <inner-only>)
 *     → FROM …, (SELECT i.k AS __pondgate_k0, 0.2 * avg(i.y) AS __pondgate_v FROM i
 *                WHERE <inner-only> GROUP BY i.k) AS d
 *       WHERE … AND x < d.__pondgate_v AND d.__pondgate_k0 = o.k
 *
 * Both are exact only as a top-level WHERE conjunct, where NULL and false both drop the row:
 * EXISTS with `i.k = o.k` is false for a NULL o.k, and the join drops it too; a scalar
 * aggregate over no rows is NULL (the pass accepts only aggregates and arithmetic for which
 * it is — never count), so the comparison drops the row, as the missing join partner does.
 * The derived table has one row per key, and the keys are of types whose grouping and
 * equality agree (integers, strings, dates …), so no outer row meets two of its rows.
 *
 * Everything else is left as it is (the planner's correlated path is exact): NOT EXISTS
 * (its anti join measured slower as a LEFT JOIN than DuckDB's own in a task), subqueries
 * outside a WHERE conjunct, non-equality or deeper correlation, an outer block that
 * expands a star (the derived table's columns would appear), inner GROUP BY / HAVING /
 * LIMIT / DISTINCT / windows / CTEs, and any reference the analysis cannot bind.
 *
 * The planner runs the pass only under `pondgate.decorrelate = on`: the grouped inner side is
 * placed where the correlated one was, and computes every group, where DuckDB's own
 * decorrelation computes only the groups the outer rows reach — far slower when those are few
 * and the inner side is broadcast (TPC-H Q17), faster when they are most (Q2).
 */
import type { Manifest } from '../../src/storage/manifest.ts';
import { analyze, blocksOf, conjuncts, type Block, type BoundColumn, type SubqueryUse } from './analysis.ts';
import { hasAggregate } from './distribution.ts';
import { clone, columnRef, isColumnRef, isFunction, isObject, some, type ExpressionNode, type Json, type JsonObject, type SelectNode } from '../sql/duckdb-ast.ts';

/** Prefix of the names the pass invents (the planner's own `__pondgate_` namespace). */
const PREFIX = '__pondgate_';
/** Each rewrite re-analyses the tree; a query has few subqueries, this only bounds the loop. */
const MAX_REWRITES = 64;

/** Rewrites the correlated subqueries of `tree` (a statement) in place; returns how many. */
export function decorrelate(tree: JsonObject, manifest: Manifest, aggregateNames: ReadonlySet<string>): number {
  let count = 0;
  const used = new Set<string>();
  some(tree, (o) => {
    if (typeof o.alias === 'string' && o.alias.startsWith(PREFIX)) used.add(o.alias.toLowerCase());
    return false;
  });
  while (count < MAX_REWRITES) {
    const analysis = analyze(tree, manifest);
    let done = false;
    for (const block of analysis.blocks) {
      for (const use of block.subqueries) {
        const rewrite = planRewrite(use, aggregateNames);
        if (!rewrite) continue;
        let n = count;
        while (used.has(`${PREFIX}d${n}`)) n++;
        const alias = `${PREFIX}d${n}`;
        used.add(alias);
        apply(rewrite, alias);
        count++;
        done = true;
        break;
      }
      if (done) break;
    }
    if (!done) break;
  }
  return count;
}

// ---------------------------------------------------------------- deciding

interface Correlation {
  /** The inner side of `inner = outer` (a column of the subquery's own FROM). */
  readonly inner: ExpressionNode;
  /** The outer side (a column of the block that holds the subquery). */
  readonly outer: ExpressionNode;
}

interface Rewrite {
  readonly kind: 'exists' | 'scalar';
  readonly outer: Block;
  /** The top-level WHERE conjunct that holds the subquery. */
  readonly conjunct: ExpressionNode;
  readonly use: SubqueryUse;
  readonly inner: SelectNode;
  readonly correlations: readonly Correlation[];
  /** The inner WHERE's conjuncts that are not correlations. */
  readonly local: readonly ExpressionNode[];
}

const COMPARISONS = new Set([
  'COMPARE_EQUAL',
  'COMPARE_NOTEQUAL',
  'COMPARE_LESSTHAN',
  'COMPARE_GREATERTHAN',
  'COMPARE_LESSTHANOREQUALTO',
  'COMPARE_GREATERTHANOREQUALTO',
]);

function planRewrite(use: SubqueryUse, aggregateNames: ReadonlySet<string>): Rewrite | undefined {
  if (use.type !== 'EXISTS' && use.type !== 'SCALAR') return undefined;
  if (use.query.kind !== 'select' || use.query.ctes.length > 0) return undefined;
  const outer = use.block;
  const where = outer.node.where_clause;
  const conjunct = conjuncts(where).find((c) =>
    use.type === 'EXISTS'
      ? c === use.node && use.whereConjunct
      : c.class === 'COMPARISON' && COMPARISONS.has(c.type) && (c.left === use.node || c.right === use.node),
  );
  if (!conjunct) return undefined;
  if (String(use.node.subquery_type) !== use.type) return undefined;
  if (!isObject(outer.node.from_table) || outer.node.from_table.type === 'EMPTY') return undefined;
  if (expandsStar(outer.node)) return undefined;

  const innerBlock = use.query.block;
  const inner = innerBlock.node;
  if (!plainInnerBlock(inner)) return undefined;

  // Every reference inside the subquery binds inside it, except the outer sides of correlations.
  const innerBlocks = new Set(blocksOf(use.query));
  const correlations: Correlation[] = [];
  const local: ExpressionNode[] = [];
  for (const c of conjuncts(inner.where_clause)) {
    const correlation = correlationOf(c, innerBlock, outer);
    if (correlation) correlations.push(correlation);
    else local.push(c);
  }
  if (correlations.length === 0) return undefined;
  const allowedOuter = new Set(correlations.map((c) => c.outer));
  for (const block of innerBlocks) {
    for (const [ref, binding] of block.refs) {
      if (binding.kind !== 'column') return undefined;
      if (innerBlocks.has(binding.column.relation.block)) continue;
      if (block !== innerBlock || !allowedOuter.has(ref)) return undefined;
    }
  }

  const items = inner.select_list;
  if (use.type === 'EXISTS') {
    // An aggregate makes one row whatever the WHERE keeps; a window or subquery is not worth proving.
    if (hasAggregate(items, aggregateNames) || some(items as unknown as Json, (o) => o.class === 'WINDOW' || o.class === 'SUBQUERY')) return undefined;
  } else {
    if (items.length !== 1 || !nullOnEmpty(items[0], aggregateNames)) return undefined;
  }
  return { kind: use.type === 'EXISTS' ? 'exists' : 'scalar', outer, conjunct, use, inner, correlations, local };
}

/** A SELECT whose rows are its FROM filtered by its WHERE (then aggregated without groups): nothing else. */
function plainInnerBlock(node: SelectNode): boolean {
  if (node.type !== 'SELECT_NODE') return false;
  if (node.modifiers.length > 0 || node.group_expressions.length > 0 || node.group_sets.length > 0) return false;
  if (node.having !== null || node.qualify !== null || node.sample !== null) return false;
  if (node.aggregate_handling !== 'STANDARD_HANDLING') return false;
  if (isObject(node.cte_map) && Array.isArray(node.cte_map.map) && node.cte_map.map.length > 0) return false;
  if (!isObject(node.from_table) || node.from_table.type === 'EMPTY') return false;
  return true;
}

/** `inner = outer` between a column of the subquery's FROM and one of the enclosing block's. */
function correlationOf(expression: ExpressionNode, innerBlock: Block, outer: Block): Correlation | undefined {
  if (expression.class !== 'COMPARISON' || expression.type !== 'COMPARE_EQUAL') return undefined;
  const left = expression.left as Json;
  const right = expression.right as Json;
  if (!isColumnRef(left) || !isColumnRef(right)) return undefined;
  const bound = (ref: Json): BoundColumn | undefined => {
    const binding = isColumnRef(ref) ? innerBlock.refs.get(ref) : undefined;
    return binding?.kind === 'column' ? binding.column : undefined;
  };
  const l = bound(left);
  const r = bound(right);
  if (!l || !r) return undefined;
  const side = (column: BoundColumn): 'inner' | 'outer' | undefined =>
    column.relation.block === innerBlock && column.depth === 0 ? 'inner' : column.relation.block === outer && column.depth === 1 ? 'outer' : undefined;
  const [sl, sr] = [side(l), side(r)];
  let pair: [BoundColumn, ExpressionNode, BoundColumn, ExpressionNode] | undefined;
  if (sl === 'inner' && sr === 'outer') pair = [l, left, r, right];
  else if (sl === 'outer' && sr === 'inner') pair = [r, right, l, left];
  if (!pair) return undefined;
  const [innerColumn, innerRef, outerColumn, outerRef] = pair;
  if (!groupingMatchesEquality(columnType(innerColumn), columnType(outerColumn))) return undefined;
  return { inner: innerRef, outer: outerRef };
}

/** The declared type of a table's column; undefined for other relations (their types are not known here). */
function columnType(column: BoundColumn): string | undefined {
  const relation = column.relation;
  if (relation.kind !== 'table' || !relation.table || !relation.columns || !relation.sourceColumns) return undefined;
  const index = relation.columns.findIndex((c) => c.toLowerCase() === column.column.toLowerCase());
  const source = relation.sourceColumns[index];
  return relation.table.columns.find((c) => c.name === source)?.type.toUpperCase();
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);
const EXACT_TYPES = new Set(['VARCHAR', 'DATE', 'BOOLEAN', 'TIMESTAMP', 'UUID']);

/**
 * Whether values grouped by the inner column meet an outer value at most once: true for
 * integers of any widths (compared exactly), decimals, and equal exact types; not for floats
 * (−0.0/0.0, NaN) or anything whose equality and grouping could differ.
 */
function groupingMatchesEquality(inner: string | undefined, outer: string | undefined): boolean {
  if (!inner || !outer) return false;
  if (INTEGER_TYPES.has(inner) && INTEGER_TYPES.has(outer)) return true;
  if (inner.startsWith('DECIMAL') && outer.startsWith('DECIMAL')) return true;
  return inner === outer && EXACT_TYPES.has(inner);
}

/** Aggregates that return NULL over no rows (count and its kin return 0: the COUNT bug). */
const NULL_ON_EMPTY_AGGREGATES = new Set([
  'sum', 'avg', 'mean', 'min', 'max', 'first', 'any_value', 'median',
  'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'bool_and', 'bool_or',
]);
/** Arithmetic operators that are NULL when an operand is. */
const STRICT_OPERATORS = new Set(['+', '-', '*', '/', '//', '%']);

/** The expression is NULL whenever the aggregate's input is empty (and is an aggregate at all). */
function nullOnEmpty(expression: ExpressionNode, aggregateNames: ReadonlySet<string>): boolean {
  if (!isFunction(expression)) return false;
  const name = expression.function_name.toLowerCase();
  if (expression.schema !== '' && expression.schema !== 'main') return false;
  if (NULL_ON_EMPTY_AGGREGATES.has(name) && aggregateNames.has(name)) {
    return expression.export_state !== true && !some(expression.children as unknown as Json, (o) => o.class === 'WINDOW' || o.class === 'SUBQUERY');
  }
  if (!STRICT_OPERATORS.has(name)) return false;
  // Each operand: another such expression, or a constant; at least one is an aggregate.
  let aggregate = false;
  for (const child of expression.children) {
    if (child.class === 'CONSTANT') continue;
    if (!nullOnEmpty(child, aggregateNames)) return false;
    aggregate = true;
  }
  return aggregate;
}

/** A star (`*`, `t.*`, COLUMNS(…)) in the block's own expressions would expand over the added derived table. */
function expandsStar(node: SelectNode): boolean {
  const own: Json[] = [node.select_list, node.group_expressions, node.having, node.qualify, node.modifiers, node.where_clause];
  const visit = (value: Json): boolean => {
    if (Array.isArray(value)) return value.some(visit);
    if (!isObject(value)) return false;
    if (value.class === 'SUBQUERY') return isObject(value.child) && visit(value.child);
    if (value.class === 'STAR') return true;
    return Object.values(value).some(visit);
  };
  return own.some(visit);
}

// ---------------------------------------------------------------- rewriting

function apply(rewrite: Rewrite, alias: string): void {
  const outer = rewrite.outer.node;
  const keys = rewrite.correlations.map((_, i) => `${PREFIX}k${i}`);
  const selectList: ExpressionNode[] = rewrite.correlations.map((c, i) => ({ ...clone(c.inner), alias: keys[i] }));
  if (rewrite.kind === 'scalar') selectList.push({ ...clone(rewrite.inner.select_list[0]), alias: `${PREFIX}v` });
  const derived: SelectNode = {
    ...clone(rewrite.inner),
    select_list: selectList,
    where_clause: conjunction(rewrite.local.map((c) => clone(c))),
    group_expressions: rewrite.correlations.map((c) => clone(c.inner)),
    group_sets: [rewrite.correlations.map((_, i) => i)],
  };
  outer.from_table = {
    type: 'JOIN',
    alias: '',
    sample: null,
    left: outer.from_table,
    right: { type: 'SUBQUERY', alias, sample: null, subquery: { node: derived, named_param_map: [] }, column_name_alias: [] },
    condition: null,
    join_type: 'INNER',
    ref_type: 'CROSS',
    using_columns: [],
    delim_flipped: false,
    duplicate_eliminated_columns: [],
  };
  const joins: ExpressionNode[] = rewrite.correlations.map((c, i) => ({
    class: 'COMPARISON',
    type: 'COMPARE_EQUAL',
    alias: '',
    query_location: 0,
    left: columnRef(alias, keys[i]),
    right: clone(c.outer),
  }));
  const replaced: ExpressionNode[] = [];
  for (const c of conjuncts(outer.where_clause)) {
    if (c !== rewrite.conjunct) replaced.push(c);
    else if (rewrite.kind === 'exists') replaced.push(...joins);
    else {
      const value = columnRef(alias, `${PREFIX}v`);
      replaced.push({ ...c, left: c.left === rewrite.use.node ? value : c.left, right: c.right === rewrite.use.node ? value : c.right }, ...joins);
    }
  }
  outer.where_clause = conjunction(replaced);
}

function conjunction(items: ExpressionNode[]): ExpressionNode | null {
  if (items.length === 0) return null;
  if (items.length === 1) return items[0];
  return { class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: items };
}
