/**
 * The distribution algebra: given which relations a plan splits across tasks
 * (each on one key column, all in one family of buckets) and which it
 * broadcasts (every task reads all of it), decide bottom-up whether running the
 * query's SQL once per task gives, in union, exactly the single-node answer.
 *
 * A relation's rows are either `replicated` (every task sees all of them) or
 * `split` (each row in exactly one task; `keys` are columns whose value
 * determines that task). The rules, each the textbook one:
 *
 *   inner joins        split members must be joined on their keys (an equality
 *                      between a key of each side); replicated members join anything;
 *   LEFT/RIGHT/SEMI/   the preserved side may be split only with the other side
 *   ANTI joins         replicated or co-split on the keys; a replicated preserved
 *                      side with a split other side would repeat unmatched rows;
 *   FULL joins         both sides co-split, or both replicated;
 *   subqueries         a split inner side needs the outer row's task to hold every
 *                      inner row it can see: a correlation (or IN) equality between
 *                      keys; NOT IN / ALL / other comparisons need it replicated;
 *   aggregation,       complete per task when a group/partition key is a split key;
 *   windows, DISTINCT  otherwise the block needs a merge (only at a stage boundary);
 *   LIMIT              needs a merge unless replicated.
 *
 * Anything the analysis could not bind makes a rule fail, never pass.
 */
import {
  columnEquality,
  columnKey,
  conjuncts,
  boundColumn,
  type Block,
  type ColumnKey,
  type FromTree,
  type QueryInfo,
  type Relation,
  type SubqueryUse,
} from './analysis.ts';
import { integerConstant, isColumnRef, isObject, type ExpressionNode, type Json } from '../sql/duckdb-ast.ts';

export type Dist =
  | { readonly kind: 'replicated' }
  | { readonly kind: 'split'; readonly keys: ReadonlySet<ColumnKey> }
  | { readonly kind: 'invalid'; readonly reason: string };

/** How a query's output is distributed: keys are output column indexes. */
export type OutputDist =
  | { readonly kind: 'replicated' }
  | { readonly kind: 'split'; readonly keys: ReadonlySet<number> }
  /** Split, but the block's own grouping, windows, DISTINCT or LIMIT need a merge of the tasks' results. */
  | { readonly kind: 'needs-merge'; readonly reason: string; readonly pending: Pending; readonly from: Dist & { kind: 'split' } }
  | { readonly kind: 'invalid'; readonly reason: string };

/** What of a block the tasks cannot complete on their own. */
export interface Pending {
  /** Groups (or grouping sets) span tasks. */
  readonly aggregation: boolean;
  /** A window's partitions span tasks. */
  readonly window: boolean;
  /** DISTINCT (or DISTINCT ON) rows span tasks. */
  readonly distinct: boolean;
  readonly limit: boolean;
  readonly sample: boolean;
}

export interface Assignment {
  /** Split relations and the visible column each is split on. */
  readonly split: ReadonlyMap<Relation, string>;
  /** Derived tables, CTE references and subqueries that run as stages of their own (materialized). */
  readonly cut: ReadonlySet<QueryInfo>;
  /** Equalities usable as co-location evidence: false in range families, where NULL keys sit anywhere. */
  readonly nullSafeLinks: boolean;
}

const REPLICATED: Dist = { kind: 'replicated' };
const invalid = (reason: string): { kind: 'invalid'; reason: string } => ({ kind: 'invalid', reason });

export class DistributionChecker {
  constructor(
    private readonly assignment: Assignment,
    private readonly aggregateNames: ReadonlySet<string>,
  ) {}

  /** The output distribution of a whole query (a top-level query, a derived table, an IN list …). */
  query(query: QueryInfo): OutputDist {
    if (query.kind === 'unsupported') return invalid(query.reason);
    if (query.kind === 'setop') return this.setop(query);
    return this.blockOutput(query.block);
  }

  private setop(query: Extract<QueryInfo, { kind: 'setop' }>): OutputDist {
    const left = this.query(query.left);
    const right = this.query(query.right);
    if (left.kind === 'invalid') return left;
    if (right.kind === 'invalid') return right;
    if (left.kind === 'replicated' && right.kind === 'replicated') return left;
    if (left.kind !== 'split' || right.kind !== 'split') {
      return invalid('a set operation needs both sides split (or both replicated) without a pending merge');
    }
    const common = new Set([...left.keys].filter((k) => right.keys.has(k)));
    if (query.setopType === 'UNION' && query.all) return { kind: 'split', keys: common };
    // UNION, INTERSECT, EXCEPT compare whole rows: equal rows must meet in one task.
    if (common.size === 0) return invalid(`${query.setopType} of split inputs needs a common key column`);
    return { kind: 'split', keys: common };
  }

  /** FROM + WHERE of a block (joins, filters, subqueries), as split keys over the block's relations. */
  fromDist(block: Block): Dist {
    const from = this.tree(block.from, block, conjuncts(block.node.where_clause));
    if (from.kind === 'invalid') return from;
    for (const use of block.subqueries) {
      const problem = this.subquery(use, from);
      if (problem) return invalid(problem);
    }
    return from;
  }

  blockOutput(block: Block): OutputDist {
    const from = this.fromDist(block);
    if (from.kind === 'invalid') return from;
    if (from.kind === 'replicated') return { kind: 'replicated' };
    const pending = this.pendingMerge(block, from.keys);
    if (pending) return { kind: 'needs-merge', reason: describePending(pending), pending, from };
    return { kind: 'split', keys: outputKeys(block, from.keys) };
  }

  /** What of the block's grouping, windows, DISTINCT, LIMIT cannot be completed per task (undefined: nothing). */
  pendingMerge(block: Block, keys: ReadonlySet<ColumnKey>): Pending | undefined {
    const node = block.node;
    let aggregation = false;
    let window = false;
    let distinct = false;
    let limit = false;
    const aggregated = node.group_expressions.length > 0 || node.having !== null || node.aggregate_handling !== 'STANDARD_HANDLING' || hasAggregate(node.select_list, this.aggregateNames);
    if (aggregated) {
      const groupKeys = groupKeyColumns(block);
      const sets = node.group_sets.length > 0 ? node.group_sets : [node.group_expressions.map((_, i) => i)];
      const complete = node.aggregate_handling === 'STANDARD_HANDLING' && sets.length > 0 && sets.every((set) => set.some((index) => {
        const key = groupKeys[index];
        return key !== undefined && keys.has(key);
      }));
      aggregation = !complete;
    }
    for (const w of windowsOf(node)) {
      const partitions = Array.isArray(w.partitions) ? w.partitions : [];
      if (!partitions.some((p) => {
        const column = boundColumn(p, block);
        return column !== undefined && column.depth === 0 && keys.has(column.key);
      })) window = true;
    }
    for (const modifier of node.modifiers) {
      if (modifier.type === 'LIMIT_MODIFIER' || modifier.type === 'LIMIT_PERCENT_MODIFIER') limit = true;
      if (modifier.type === 'DISTINCT_MODIFIER') {
        const targets = Array.isArray(modifier.distinct_on_targets) ? (modifier.distinct_on_targets as ExpressionNode[]) : [];
        const keyed = targets.length > 0
          ? targets.some((t) => {
              const column = boundColumn(t, block);
              return column !== undefined && column.depth === 0 && keys.has(column.key);
            })
          : outputKeys(block, keys).size > 0;
        if (!keyed) distinct = true;
      }
    }
    const sample = node.sample !== null;
    return aggregation || window || distinct || limit || sample ? { aggregation, window, distinct, limit, sample } : undefined;
  }

  // ------------------------------------------------------------ FROM trees

  /**
   * An inner-join region (INNER/CROSS joins, flattened) with the conjuncts that apply to
   * it; outer joins and other join kinds are evaluated as units inside it.
   */
  private tree(tree: FromTree, block: Block, extraConjuncts: readonly ExpressionNode[]): Dist {
    const members: FromTree[] = [];
    const conditions: ExpressionNode[] = [...extraConjuncts];
    const flatten = (t: FromTree) => {
      if (t.kind === 'join' && t.joinType === 'INNER' && (t.refType === 'REGULAR' || t.refType === 'CROSS')) {
        flatten(t.left);
        flatten(t.right);
        conditions.push(...conjuncts(t.condition));
        conditions.push(...t.usingEqualities);
      } else members.push(t);
    };
    flatten(tree);
    const dists = members.map((member) => this.unit(member, block));
    const bad = dists.find((d) => d.kind === 'invalid');
    if (bad) return bad;
    return this.combine(dists as Exclude<Dist, { kind: 'invalid' }>[], conditions, block);
  }

  /** Equalities linking split members; the union of their keys, closed over equal columns. */
  private combine(dists: readonly Exclude<Dist, { kind: 'invalid' }>[], conditions: readonly ExpressionNode[], block: Block): Dist {
    const equalities = conditions
      .map((c) => columnEquality(c, block))
      .filter((e): e is NonNullable<typeof e> => e !== undefined && e.left.depth === 0 && e.right.depth === 0 && (this.assignment.nullSafeLinks || !e.nullSafe));
    const split = dists.filter((d): d is Dist & { kind: 'split' } => d.kind === 'split');
    if (split.length === 0) return REPLICATED;
    const keys = new Set(split[0].keys);
    const pending = split.slice(1);
    let progress = true;
    while (pending.length > 0 && progress) {
      progress = false;
      for (let i = pending.length - 1; i >= 0; i--) {
        const other = pending[i];
        const linked = equalities.some((e) => (keys.has(e.left.key) && other.keys.has(e.right.key)) || (keys.has(e.right.key) && other.keys.has(e.left.key)));
        if (linked) {
          for (const k of other.keys) keys.add(k);
          pending.splice(i, 1);
          progress = true;
        }
      }
    }
    if (pending.length > 0) return invalid('split relations are joined without an equality on their partitioning keys');
    // Rows that pass `a = b` with a a key have b equal to it: b determines the task too.
    let grown = true;
    while (grown) {
      grown = false;
      for (const e of equalities) {
        if (keys.has(e.left.key) && !keys.has(e.right.key)) keys.add(e.right.key), (grown = true);
        if (keys.has(e.right.key) && !keys.has(e.left.key)) keys.add(e.left.key), (grown = true);
      }
    }
    return { kind: 'split', keys };
  }

  private unit(tree: FromTree, block: Block): Dist {
    if (tree.kind === 'empty') return REPLICATED;
    if (tree.kind === 'relation') return this.relation(tree.relation);
    if (tree.joinType === 'INNER' && (tree.refType === 'REGULAR' || tree.refType === 'CROSS')) return this.tree(tree, block, []);
    const left = this.tree(tree.left, block, []);
    const right = this.tree(tree.right, block, []);
    if (left.kind === 'invalid') return left;
    if (right.kind === 'invalid') return right;
    if (tree.refType !== 'REGULAR' && tree.refType !== 'NATURAL' && tree.refType !== 'ASOF') {
      return left.kind === 'replicated' && right.kind === 'replicated' ? REPLICATED : invalid(`${tree.refType.toLowerCase()} joins are not split`);
    }
    const conditions = [...conjuncts(tree.condition), ...tree.usingEqualities];
    const linked = left.kind === 'split' && right.kind === 'split' && tree.refType !== 'ASOF'
      && this.combine([left, right], conditions, block).kind === 'split';
    switch (tree.joinType) {
      case 'LEFT':
      case 'SEMI':
      case 'ANTI':
        return sideJoin(left, right, linked, tree.joinType);
      case 'RIGHT':
        return sideJoin(right, left, linked, 'RIGHT');
      case 'FULL':
      case 'OUTER':
        if (left.kind === 'replicated' && right.kind === 'replicated') return REPLICATED;
        return linked ? { kind: 'split', keys: new Set() } : invalid('a FULL join needs both sides split on the join keys');
      case 'INNER':
        // ASOF / NATURAL inner joins.
        if (left.kind === 'split' && right.kind === 'replicated') return left;
        if (left.kind === 'replicated' && right.kind === 'split' && tree.refType !== 'ASOF') return right;
        if (left.kind === 'replicated' && right.kind === 'replicated') return REPLICATED;
        return linked ? this.combine([left, right], conditions, block) : invalid(`${tree.refType.toLowerCase()} join sides are not co-located`);
      default:
        return invalid(`${String(tree.joinType).toLowerCase()} joins are not split`);
    }
  }

  private relation(relation: Relation): Dist {
    const column = this.assignment.split.get(relation);
    if (relation.kind === 'table' || relation.kind === 'other') {
      return column === undefined ? REPLICATED : { kind: 'split', keys: new Set([columnKey(relation, column)]) };
    }
    if (!relation.query) return invalid('a relation without a query');
    if (this.assignment.cut.has(relation.query)) {
      return column === undefined ? REPLICATED : { kind: 'split', keys: new Set([columnKey(relation, column)]) };
    }
    if (relation.lateral) return invalid('LATERAL subqueries are not split');
    const inner = this.query(relation.query);
    if (inner.kind === 'invalid' || inner.kind === 'replicated') return inner.kind === 'invalid' ? inner : REPLICATED;
    if (inner.kind === 'needs-merge') return invalid(`${relation.qualifier || 'a subquery'} in FROM: ${inner.reason}`);
    const keys = new Set<ColumnKey>();
    for (const index of inner.keys) {
      const name = relation.columns?.[index];
      if (name !== undefined) keys.add(columnKey(relation, name));
    }
    return { kind: 'split', keys };
  }

  // ------------------------------------------------------------ subqueries

  /** Undefined when the subquery is evaluated exactly per row in each task; else the reason it is not. */
  private subquery(use: SubqueryUse, outer: Exclude<Dist, { kind: 'invalid' }>): string | undefined {
    if (this.assignment.cut.has(use.query)) return undefined; // materialized: every task reads all of it
    const query = use.query;
    if (query.kind !== 'select') {
      const dist = this.query(query);
      if (dist.kind === 'replicated') return undefined;
      return dist.kind === 'invalid' ? dist.reason : 'a set operation in a subquery is split';
    }
    const inner = query.block;
    const innerFrom = this.fromDist(inner);
    if (innerFrom.kind === 'invalid') return innerFrom.reason;
    if (innerFrom.kind === 'replicated') return undefined;
    if (outer.kind !== 'split') return 'a split subquery under a replicated outer query';
    switch (use.type) {
      case 'EXISTS':
      case 'NOT_EXISTS':
      case 'SCALAR':
        // Every inner row the outer row can see satisfies inner.k = outer.k: the same task.
        return this.correlatedOnKeys(inner, innerFrom.keys, outer.keys) ? undefined : 'a split subquery is not correlated on the partitioning keys';
      case 'ANY': {
        if (use.comparison !== 'COMPARE_EQUAL' || !use.whereConjunct) return 'IN/ANY outside a WHERE conjunct needs its list whole';
        const child = use.child ? boundColumn(use.child, use.block) : undefined;
        if (!child || child.depth !== 0 || !outer.keys.has(child.key)) return 'IN compares a column that is not a partitioning key';
        const output = this.blockOutput(inner);
        if (output.kind !== 'split') return output.kind === 'needs-merge' ? output.reason : 'the IN list is not split on its key';
        return output.keys.has(0) ? undefined : 'the IN list is not split on the compared column';
      }
      case 'ANY_NEGATED':
        return 'NOT IN / ALL needs the whole list in every task (its NULLs and its emptiness decide every row)';
      default:
        return 'this subquery form needs its input whole';
    }
  }

  private correlatedOnKeys(inner: Block, innerKeys: ReadonlySet<ColumnKey>, outerKeys: ReadonlySet<ColumnKey>): boolean {
    return conjuncts(inner.node.where_clause).some((conjunct) => {
      const e = columnEquality(conjunct, inner);
      if (!e || (e.nullSafe && !this.assignment.nullSafeLinks)) return false;
      const [mine, theirs] = e.left.depth === 0 ? [e.left, e.right] : [e.right, e.left];
      return mine.depth === 0 && theirs.depth === 1 && innerKeys.has(mine.key) && outerKeys.has(theirs.key);
    });
  }
}

function describePending(p: Pending): string {
  if (p.aggregation) return 'the groups span tasks';
  if (p.window) return 'a window spans tasks';
  if (p.distinct) return 'DISTINCT spans tasks';
  if (p.sample) return 'SAMPLE is taken over the whole result';
  return 'LIMIT/OFFSET is applied to the whole result';
}

function sideJoin(preserved: Exclude<Dist, { kind: 'invalid' }>, other: Exclude<Dist, { kind: 'invalid' }>, linked: boolean, kind: string): Dist {
  if (preserved.kind === 'replicated' && other.kind === 'replicated') return REPLICATED;
  if (preserved.kind === 'split' && other.kind === 'replicated') return preserved;
  if (preserved.kind === 'split' && other.kind === 'split' && linked) return preserved;
  if (preserved.kind === 'replicated') return invalid(`the preserved side of a ${kind} join is replicated while the other side is split`);
  return invalid(`${kind} join sides are not co-located`);
}

// ---------------------------------------------------------------- block helpers

/** Group expression i as a column key (GROUP BY col, alias of a column, or position of one). */
export function groupKeyColumns(block: Block): (ColumnKey | undefined)[] {
  const node = block.node;
  return node.group_expressions.map((expression) => {
    const position = integerConstant(expression);
    if (position !== undefined) {
      const item = node.select_list[position - 1];
      const column = item ? boundColumn(item, block) : undefined;
      return column?.depth === 0 ? column.key : undefined;
    }
    const column = boundColumn(expression, block);
    if (column) return column.depth === 0 ? column.key : undefined;
    // GROUP BY alias (only when no column of that name exists: DuckDB tries columns first).
    if (isColumnRef(expression) && expression.column_names.length === 1) {
      const binding = block.refs.get(expression);
      if (binding?.kind === 'unknown' && /not a column/.test(binding.reason)) {
        const item = node.select_list.find((e) => e.alias.toLowerCase() === expression.column_names[0].toLowerCase());
        const aliased = item ? boundColumn({ ...item, alias: '' }, block) ?? (isColumnRef(item) ? boundColumn(item, block) : undefined) : undefined;
        return aliased?.depth === 0 ? aliased.key : undefined;
      }
    }
    return undefined;
  });
}

/** Output column indexes holding a split key column (plain references, expanded stars). */
export function outputKeys(block: Block, keys: ReadonlySet<ColumnKey>): Set<number> {
  const out = new Set<number>();
  let index = 0;
  for (const item of block.node.select_list) {
    if (item.class === 'STAR') {
      const qualifier = String(item.relation_name ?? '').toLowerCase();
      const relations = qualifier ? block.relations.filter((r) => r.qualifier.toLowerCase() === qualifier) : block.relations;
      for (const relation of relations) {
        for (const column of relation.columns ?? []) {
          if (keys.has(columnKey(relation, column))) out.add(index);
          index++;
        }
      }
      continue;
    }
    const column = boundColumn(item, block);
    if (column && column.depth === 0 && keys.has(column.key)) out.add(index);
    index++;
  }
  return out;
}

/** An aggregate call in the select list itself (not inside a subquery or a window). */
export function hasAggregate(list: readonly ExpressionNode[], aggregateNames: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (value: Json) => {
    if (found) return;
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value) || value.class === 'SUBQUERY' || value.class === 'WINDOW') return;
    if (value.class === 'FUNCTION' && aggregateNames.has(String(value.function_name).toLowerCase())) {
      found = true;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(list as unknown as Json);
  return found;
}

function windowsOf(node: Json): Array<Record<string, Json>> {
  const out: Array<Record<string, Json>> = [];
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    if (value.class === 'SUBQUERY') return;
    if (value.class === 'WINDOW') out.push(value);
    for (const [key, child] of Object.entries(value)) {
      if (key === 'from_table' || key === 'cte_map') continue;
      visit(child);
    }
  };
  visit(node);
  return out;
}
