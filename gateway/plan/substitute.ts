/**
 * Turning parts of the client's parse tree into a stage's SQL: a copy of the
 * tree in which FROM items read the stage's inputs instead of catalog tables,
 * cut-out subqueries read their materialized results, and CTEs that were
 * materialized are dropped from WITH. Everything else is the client's own
 * tree, so DuckDB binds the stage exactly as it would bind the query.
 */
import type { Analysis, Binding, CteInfo, Relation, SubqueryUse } from './analysis.ts';
import { baseTable, isColumnRef, isObject, type ColumnRefNode, type Json, type JsonObject, type SelectNode } from '../sql/duckdb-ast.ts';

/** Copies of original nodes that differ only in their alias, mapped to the original (see withAlias). */
const ORIGINS = new WeakMap<JsonObject, JsonObject>();

/**
 * `node` with another alias, still recognised as `node` by the substituter (which finds
 * relations, subqueries and column bindings by the identity of the original tree's nodes).
 */
export function withAlias<T extends JsonObject>(node: T, alias: string): T {
  const copy = { ...node, alias };
  ORIGINS.set(copy, ORIGINS.get(node) ?? node);
  return copy;
}

/** The original tree's node a copy made by withAlias stands for. */
export function originOf<T extends JsonObject>(node: T): T {
  return (ORIGINS.get(node) as T | undefined) ?? node;
}

export interface RelationInput {
  readonly input: string;
  /**
   * Column names to give the input positionally (`FROM input AS q(a, b)`): `original` keeps the
   * FROM item's own renames (the input has the table's columns), `none` gives none (the input
   * already has the visible names), or an explicit list (materialized results, c0… by position).
   */
  readonly columns: 'original' | 'none' | readonly string[];
  /** Read through this query over the input (a materialized subquery's final step) instead of the input itself. */
  readonly through?: SelectNode;
}

export interface Substitutions {
  readonly relations: ReadonlyMap<Relation, RelationInput>;
  /** Subquery expressions whose query was materialized: they read `SELECT * FROM input` (or the given final step over it). */
  readonly subqueries: ReadonlyMap<SubqueryUse, string | SelectNode>;
  /** CTEs materialized as inputs: dropped from their WITH. */
  readonly droppedCtes: ReadonlySet<CteInfo>;
  /** Table references the analysis does not cover (inside a recursive CTE …), by node: read the input under their own name. */
  readonly tableNodes?: ReadonlyMap<JsonObject, string>;
  /**
   * CTEs defined outside the query a stage runs (a materialized subquery reading its
   * enclosing query's WITH): their definitions go first in the stage's own WITH.
   */
  readonly outerCtes?: readonly CteInfo[];
}

export class Substituter {
  private readonly relationsByNode = new Map<JsonObject, Relation>();
  private readonly subqueriesByNode = new Map<JsonObject, SubqueryUse>();
  private readonly ctesByEntry = new Map<JsonObject, CteInfo>();
  private readonly bindings = new Map<ColumnRefNode, Binding>();

  constructor(analysis: Analysis) {
    for (const relation of analysis.relations) this.relationsByNode.set(relation.node, relation);
    for (const block of analysis.blocks) {
      for (const use of block.subqueries) this.subqueriesByNode.set(use.node, use);
      for (const [ref, binding] of block.refs) this.bindings.set(ref, binding);
    }
    for (const cte of analysis.ctes) this.ctesByEntry.set(cte.node, cte);
  }

  /** A substituted deep copy of `node`. */
  apply<T extends Json>(node: T, subs: Substitutions): T {
    return this.copy(node, subs) as T;
  }

  /** A substituted copy of a stage's query node, with the outer CTEs it reads defined first. */
  applyStage<T extends JsonObject>(node: T, subs: Substitutions): T {
    const copy = this.copy(node, subs) as T;
    const outer = (subs.outerCtes ?? []).filter((cte) => !subs.droppedCtes.has(cte)).map((cte) => this.copy(cte.node, subs));
    if (outer.length === 0) return copy;
    const own = isObject(copy.cte_map) && Array.isArray(copy.cte_map.map) ? copy.cte_map.map : [];
    return { ...copy, cte_map: { map: [...outer, ...own] } };
  }

  private copy(value: Json, subs: Substitutions): Json {
    if (Array.isArray(value)) {
      const out: Json[] = [];
      for (const item of value) {
        if (isObject(item)) {
          const cte = this.ctesByEntry.get(item);
          if (cte && subs.droppedCtes.has(cte)) continue;
        }
        out.push(this.copy(item, subs));
      }
      return out;
    }
    if (!isObject(value)) return value;
    const original = ORIGINS.get(value) ?? value;
    const relation = this.relationsByNode.get(original);
    if (relation) {
      const replacement = subs.relations.get(relation);
      if (replacement) return inputTable(relation, replacement);
    }
    const uncovered = subs.tableNodes?.get(original);
    if (uncovered) {
      const node = baseTable(uncovered, String(original.alias || original.table_name));
      node.column_name_alias = Array.isArray(original.column_name_alias) ? original.column_name_alias : [];
      return node;
    }
    const use = this.subqueriesByNode.get(original);
    if (use) {
      const input = subs.subqueries.get(use);
      if (input) {
        const copy = this.copyObject(value, subs);
        copy.subquery = { node: typeof input === 'string' ? selectAllFrom(input) : input, named_param_map: [] };
        return copy;
      }
    }
    if (isColumnRef(value)) {
      const binding = this.bindings.get(original as ColumnRefNode);
      // `public.lineitem.l_orderkey` names the table; once it reads an input, only its qualifier does.
      if (binding?.kind === 'column' && value.column_names.length > 2) {
        const names = value.column_names;
        const qualifier = binding.column.relation.qualifier.toLowerCase();
        const at = names.findIndex((n, i) => i < names.length - 1 && n.toLowerCase() === qualifier && names[i + 1].toLowerCase() === binding.column.column.toLowerCase());
        if (at > 0) return { ...value, column_names: [binding.column.relation.qualifier, ...names.slice(at + 1)] };
      }
    }
    return this.copyObject(value, subs);
  }

  private copyObject(value: JsonObject, subs: Substitutions): JsonObject {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) out[key] = this.copy(child, subs);
    return out;
  }
}

function inputTable(relation: Relation, replacement: RelationInput): JsonObject {
  if (replacement.through) {
    const columns = Array.isArray(replacement.columns) ? [...replacement.columns] : [];
    return { type: 'SUBQUERY', alias: relation.qualifier || '__pondgate_s', sample: null, query_location: 0, subquery: { node: replacement.through, named_param_map: [] }, column_name_alias: columns };
  }
  // Without an alias the FROM item was named by its table (or CTE) name: keep that name as the
  // alias, so `lineitem.l_orderkey` still resolves.
  const node = baseTable(replacement.input, relation.qualifier);
  const original = relation.node.column_name_alias;
  node.column_name_alias =
    replacement.columns === 'original' ? (Array.isArray(original) ? original : []) : replacement.columns === 'none' ? [] : [...replacement.columns];
  return node;
}

export function selectAllFrom(relation: string): SelectNode {
  return {
    type: 'SELECT_NODE',
    modifiers: [],
    cte_map: { map: [] },
    select_list: [{ class: 'STAR', type: 'STAR', alias: '', query_location: 0, relation_name: '', exclude_list: [], replace_list: [], columns: false, expr: null, qualified_exclude_list: [], rename_list: [] }],
    from_table: baseTable(relation, ''),
    where_clause: null,
    group_expressions: [],
    group_sets: [],
    aggregate_handling: 'STANDARD_HANDLING',
    having: null,
    sample: null,
    qualify: null,
  };
}
