/**
 * Binding for the planner: which relation each column reference of a query
 * belongs to, what every FROM clause joins, and where subqueries sit.
 *
 * The planner never changes what a query means: each stage runs parts of the
 * client's own parse tree, which DuckDB binds again. This analysis only has to
 * tell the planner enough to choose *where* rows may be split, so it is
 * deliberately conservative: a reference it cannot bind with certainty is
 * `unknown`, and every rule treats unknown as "cannot prove, do not use".
 */
import { findTable, type Manifest, type TableEntry } from '../../src/storage/manifest.ts';
import { isColumnRef, isObject, type ColumnRefNode, type ExpressionNode, type Json, type JsonObject, type SelectNode } from '../sql/duckdb-ast.ts';

// ---------------------------------------------------------------- model

export type RelationKind = 'table' | 'cte' | 'derived' | 'other';

/** A FROM item of one block. */
export interface Relation {
  readonly id: number;
  readonly kind: RelationKind;
  /** The FROM item node (BASE_TABLE, SUBQUERY, TABLE_FUNCTION, …) in the original tree. */
  readonly node: JsonObject;
  /** Qualifier of its columns: the alias, else the table/CTE name (compared case-insensitively). */
  readonly qualifier: string;
  /** Visible column names (after `AS x(a, b)` renames); undefined when not known. */
  readonly columns: readonly string[] | undefined;
  /** For tables: the column name in the table for each visible column (renames are positional). */
  readonly sourceColumns?: readonly string[];
  readonly table?: TableEntry;
  /** For CTE references and derived tables: the query they read. */
  readonly query?: QueryInfo;
  readonly cte?: CteInfo;
  /** The block whose FROM holds it. */
  readonly block: Block;
  /** Refers to columns of relations before it in the same FROM (DuckDB's implicit LATERAL). */
  lateral: boolean;
}

/** A column of a relation, as a stable key (`<relation id>:<lower-case column name>`). */
export type ColumnKey = string;

export const columnKey = (relation: Relation, column: string): ColumnKey => `${relation.id}:${column.toLowerCase()}`;

export interface BoundColumn {
  readonly relation: Relation;
  /** Visible name, as the relation spells it. */
  readonly column: string;
  readonly key: ColumnKey;
  /** 0: a relation of the reference's own block; n: n blocks outward (a correlated reference). */
  readonly depth: number;
}

export type Binding = { readonly kind: 'column'; readonly column: BoundColumn } | { readonly kind: 'unknown'; readonly reason: string };

export type JoinKind = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'OUTER' | 'SEMI' | 'ANTI' | 'MARK' | 'SINGLE' | string;

export type FromTree =
  | { readonly kind: 'relation'; readonly relation: Relation }
  | {
      readonly kind: 'join';
      readonly node: JsonObject;
      readonly joinType: JoinKind;
      /** REGULAR, CROSS, NATURAL, POSITIONAL, ASOF, DEPENDENT … */
      readonly refType: string;
      readonly left: FromTree;
      readonly right: FromTree;
      readonly condition: ExpressionNode | null;
      readonly using: readonly string[];
      /** `USING (k)` / NATURAL as equalities `left.k = right.k` between the sides' columns (bound in the block). */
      readonly usingEqualities: ExpressionNode[];
    }
  | { readonly kind: 'empty' };

export type SubqueryType = 'SCALAR' | 'EXISTS' | 'NOT_EXISTS' | 'ANY' | 'ANY_NEGATED' | 'OTHER';

/** A subquery used as an expression (scalar, EXISTS, IN / ANY / ALL). */
export interface SubqueryUse {
  readonly node: ExpressionNode;
  readonly type: SubqueryType;
  /** For ANY: the comparison (COMPARE_EQUAL for IN). */
  readonly comparison: string;
  /** For ANY: the left-hand expression (in the outer block). */
  readonly child: ExpressionNode | null;
  readonly query: QueryInfo;
  /** The block that holds the expression. */
  readonly block: Block;
  /** A top-level AND conjunct of the block's WHERE (where NULL and false both drop the row). */
  readonly whereConjunct: boolean;
}

export interface CteInfo {
  readonly name: string;
  readonly node: JsonObject;
  readonly query: QueryInfo;
  readonly references: Relation[];
  readonly materialized: string;
}

export type QueryInfo =
  | { readonly kind: 'select'; readonly node: SelectNode; readonly block: Block; readonly ctes: readonly CteInfo[] }
  | {
      readonly kind: 'setop';
      readonly node: JsonObject;
      readonly setopType: string;
      readonly all: boolean;
      readonly left: QueryInfo;
      readonly right: QueryInfo;
      readonly ctes: readonly CteInfo[];
    }
  | { readonly kind: 'unsupported'; readonly node: JsonObject; readonly reason: string; readonly ctes: readonly CteInfo[] };

export interface Block {
  readonly id: number;
  readonly node: SelectNode;
  /** The block a correlated reference reaches first (for subquery expressions and derived tables). */
  readonly parent: Block | undefined;
  readonly relations: Relation[];
  from: FromTree;
  readonly subqueries: SubqueryUse[];
  /** Every column reference in this block's own expressions (not in nested blocks). */
  readonly refs: Map<ColumnRefNode, Binding>;
  /** Output column names (undefined where DuckDB would invent one); undefined when even their number is unknown. */
  outputNames: (string | undefined)[] | undefined;
  /** Derived tables and CTE bodies nested in FROM, subquery expressions: the blocks inside. */
  readonly children: Block[];
}

export interface Analysis {
  readonly root: QueryInfo;
  readonly blocks: readonly Block[];
  readonly relations: readonly Relation[];
  readonly ctes: readonly CteInfo[];
  /** Catalog (pg_catalog / information_schema / system) relations found next to user tables. */
  readonly foreignRelations: number;
}

// ---------------------------------------------------------------- analysis

interface Scope {
  readonly ctes: ReadonlyMap<string, CteInfo>;
}

class Analyzer {
  readonly blocks: Block[] = [];
  readonly relations: Relation[] = [];
  readonly ctes: CteInfo[] = [];
  foreign = 0;

  constructor(private readonly manifest: Manifest) {}

  query(node: JsonObject, parent: Block | undefined, scope: Scope): QueryInfo {
    const { scope: inner, ctes } = this.cteScope(node, parent, scope);
    switch (node.type) {
      case 'SELECT_NODE': {
        const block = this.block(node as SelectNode, parent, inner);
        return { kind: 'select', node: node as SelectNode, block, ctes };
      }
      case 'SET_OPERATION_NODE': {
        if (!isObject(node.left) || !isObject(node.right)) return { kind: 'unsupported', node, reason: 'malformed set operation', ctes };
        return {
          kind: 'setop',
          node,
          setopType: String(node.setop_type),
          all: node.setop_all === true,
          left: this.query(node.left, parent, inner),
          right: this.query(node.right, parent, inner),
          ctes,
        };
      }
      default:
        return { kind: 'unsupported', node, reason: `${String(node.type).toLowerCase().replace(/_/g, ' ')} is not distributed`, ctes };
    }
  }

  private cteScope(node: JsonObject, parent: Block | undefined, scope: Scope): { scope: Scope; ctes: CteInfo[] } {
    const map = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
    if (map.length === 0) return { scope, ctes: [] };
    const visible = new Map(scope.ctes);
    const ctes: CteInfo[] = [];
    for (const entry of map) {
      if (!isObject(entry) || typeof entry.key !== 'string' || !isObject(entry.value)) continue;
      const value = entry.value;
      const queryNode = isObject(value.query) && isObject(value.query.node) ? value.query.node : undefined;
      const query: QueryInfo = queryNode
        ? this.query(queryNode, parent, { ctes: visible })
        : { kind: 'unsupported', node: value, reason: 'CTE without a query', ctes: [] };
      const cte: CteInfo = { name: entry.key, node: entry, query, references: [], materialized: String(value.materialized ?? '') };
      // Later CTEs see earlier ones (WITH a AS (…), b AS (SELECT … FROM a)).
      visible.set(entry.key.toLowerCase(), cte);
      ctes.push(cte);
      this.ctes.push(cte);
    }
    return { scope: { ctes: visible }, ctes };
  }

  private block(node: SelectNode, parent: Block | undefined, scope: Scope): Block {
    const block: Block = {
      id: this.blocks.length,
      node,
      parent,
      relations: [],
      from: { kind: 'empty' },
      subqueries: [],
      refs: new Map(),
      outputNames: [],
      children: [],
    };
    this.blocks.push(block);
    block.from = this.fromTree(node.from_table, block, scope);
    // Expressions of this block: everything but the FROM clause and the CTE map.
    const whereConjuncts = new Set(conjuncts(node.where_clause));
    for (const [key, value] of Object.entries(node)) {
      if (key === 'from_table' || key === 'cte_map') continue;
      this.expressions(value, block, scope, key === 'where_clause' ? whereConjuncts : undefined, new Set());
    }
    // Join conditions bind in the FROM scope too.
    this.joinConditions(block.from, block, scope);
    block.outputNames = outputNames(node, block);
    return block;
  }

  private fromTree(node: Json, block: Block, scope: Scope): FromTree {
    if (!isObject(node) || node.type === 'EMPTY') return { kind: 'empty' };
    if (node.type === 'JOIN') {
      return {
        kind: 'join',
        node,
        joinType: String(node.join_type),
        refType: String(node.ref_type),
        left: this.fromTree(node.left, block, scope),
        right: this.fromTree(node.right, block, scope),
        condition: isObject(node.condition) ? (node.condition as ExpressionNode) : null,
        using: Array.isArray(node.using_columns) ? node.using_columns.map(String) : [],
        usingEqualities: [],
      };
    }
    return { kind: 'relation', relation: this.relation(node, block, scope) };
  }

  private relation(node: JsonObject, block: Block, scope: Scope): Relation {
    const alias = typeof node.alias === 'string' ? node.alias : '';
    const renames = Array.isArray(node.column_name_alias) ? node.column_name_alias.map(String) : [];
    const base = { id: this.relations.length, node, block, lateral: false };
    let relation: Relation;
    if (node.type === 'BASE_TABLE') {
      const name = String(node.table_name);
      const schema = String(node.schema_name ?? '').toLowerCase();
      const catalog = String(node.catalog_name ?? '').toLowerCase();
      const cte = schema === '' && catalog === '' ? scope.ctes.get(name.toLowerCase()) : undefined;
      const table = cte ? undefined : (schema === '' || schema === 'public') && (catalog === '' || catalog === 'pondgate') ? findTable(this.manifest, name) : undefined;
      if (cte) {
        const inner = cte.query.kind === 'select' ? cte.query.block.outputNames : setopNames(cte.query);
        const aliases = isObject(cte.node.value) && Array.isArray(cte.node.value.aliases) ? cte.node.value.aliases.map(String) : [];
        relation = { ...base, kind: 'cte', qualifier: alias || name, columns: renamed(renamed(inner, aliases), renames), query: cte.query, cte };
        cte.references.push(relation);
      } else if (table) {
        const source = table.columns.map((c) => c.name);
        relation = { ...base, kind: 'table', qualifier: alias || name, columns: renamed(source, renames) as string[], sourceColumns: source, table };
      } else {
        this.foreign++;
        relation = { ...base, kind: 'other', qualifier: alias || name, columns: undefined };
      }
    } else if (node.type === 'SUBQUERY' && isObject(node.subquery) && isObject(node.subquery.node)) {
      const query = this.query(node.subquery.node, block, scope);
      const inner = query.kind === 'select' ? query.block.outputNames : setopNames(query);
      relation = { ...base, kind: 'derived', qualifier: alias, columns: renamed(inner, renames), query };
      if (query.kind === 'select') block.children.push(query.block);
    } else {
      // Table functions, VALUES lists, PIVOT …: opaque, columns unknown.
      relation = { ...base, kind: 'other', qualifier: alias, columns: undefined };
      this.expressions(node, block, scope, undefined, new Set());
    }
    this.relations.push(relation);
    block.relations.push(relation);
    if (relation.kind === 'derived' && relation.query) markLateral(relation, relation.query);
    return relation;
  }

  private joinConditions(tree: FromTree, block: Block, scope: Scope): void {
    if (tree.kind !== 'join') return;
    this.joinConditions(tree.left, block, scope);
    this.joinConditions(tree.right, block, scope);
    if (tree.condition) this.expressions(tree.condition, block, scope, undefined, new Set());
    const names = tree.refType === 'NATURAL' ? commonColumns(tree.left, tree.right) : tree.using;
    for (const name of names) {
      const left = uniqueHolder(tree.left, name);
      const right = uniqueHolder(tree.right, name);
      if (left && right) tree.usingEqualities.push(equalityNode(block, left, right));
    }
  }

  /**
   * Records the bindings of column references in `value`, and the subqueries it holds.
   * `whereConjuncts` marks the WHERE clause's top-level conjuncts; `lambdaParameters`
   * holds names bound by enclosing lambdas (`x -> x + 1`), which are not columns.
   */
  private expressions(value: Json, block: Block, scope: Scope, whereConjuncts: Set<Json> | undefined, lambdaParameters: ReadonlySet<string>): void {
    if (Array.isArray(value)) {
      for (const item of value) this.expressions(item, block, scope, whereConjuncts, lambdaParameters);
      return;
    }
    if (!isObject(value)) return;
    if (value.class === 'SUBQUERY' && isObject(value.subquery) && isObject(value.subquery.node)) {
      this.subquery(value as ExpressionNode, block, scope, whereConjuncts, false);
      if (isObject(value.child)) this.expressions(value.child, block, scope, undefined, lambdaParameters);
      return;
    }
    if (value.class === 'OPERATOR' && value.type === 'OPERATOR_NOT' && Array.isArray(value.children) && value.children.length === 1) {
      const inner = value.children[0];
      if (isObject(inner) && inner.class === 'SUBQUERY' && isObject(inner.subquery) && isObject(inner.subquery.node) && (inner.subquery_type === 'EXISTS' || inner.subquery_type === 'ANY')) {
        this.subquery(inner as ExpressionNode, block, scope, whereConjuncts?.has(value) ? whereConjuncts : undefined, true, value);
        if (isObject(inner.child)) this.expressions(inner.child, block, scope, undefined, lambdaParameters);
        return;
      }
    }
    if (value.class === 'CONJUNCTION' && value.type === 'CONJUNCTION_AND' && whereConjuncts !== undefined) {
      // Conjuncts of the WHERE clause's top-level AND stay marked as such.
      for (const child of Array.isArray(value.children) ? value.children : []) this.expressions(child, block, scope, whereConjuncts, lambdaParameters);
      return;
    }
    if (value.class === 'LAMBDA') {
      const names = new Set(lambdaParameters);
      collectLambdaParameters(value.lhs, names);
      this.expressions(value.expr, block, scope, undefined, names);
      return;
    }
    if (isColumnRef(value)) {
      const first = value.column_names[0]?.toLowerCase();
      block.refs.set(
        value,
        value.column_names.length === 1 && lambdaParameters.has(first) ? { kind: 'unknown', reason: 'lambda parameter' } : resolve(value, block),
      );
      return;
    }
    for (const child of Object.values(value)) this.expressions(child, block, scope, undefined, lambdaParameters);
  }

  private subquery(node: ExpressionNode, block: Block, scope: Scope, whereConjuncts: Set<Json> | undefined, negated: boolean, wrapper?: JsonObject): void {
    const subqueryNode = (node.subquery as JsonObject).node as JsonObject;
    const query = this.query(subqueryNode, block, scope);
    if (query.kind === 'select') block.children.push(query.block);
    const raw = String(node.subquery_type);
    const type: SubqueryType =
      raw === 'SCALAR' ? 'SCALAR'
      : raw === 'EXISTS' ? (negated ? 'NOT_EXISTS' : 'EXISTS')
      : raw === 'NOT_EXISTS' ? (negated ? 'EXISTS' : 'NOT_EXISTS')
      : raw === 'ANY' ? (negated ? 'ANY_NEGATED' : 'ANY')
      : 'OTHER';
    const conjunct = whereConjuncts !== undefined && whereConjuncts.has(wrapper ?? node);
    block.subqueries.push({
      node,
      type,
      comparison: String(node.comparison_type ?? ''),
      child: isObject(node.child) ? (node.child as ExpressionNode) : null,
      query,
      block,
      whereConjunct: conjunct,
    });
  }
}

/** The single relation in a FROM subtree that has column `name`. */
function uniqueHolder(tree: FromTree, name: string): { relation: Relation; column: string } | undefined {
  const found: { relation: Relation; column: string }[] = [];
  const visit = (t: FromTree) => {
    if (t.kind === 'relation') {
      const column = t.relation.columns?.find((c) => c.toLowerCase() === name.toLowerCase());
      if (column) found.push({ relation: t.relation, column });
    } else if (t.kind === 'join') {
      visit(t.left);
      visit(t.right);
    }
  };
  visit(tree);
  return found.length === 1 ? found[0] : undefined;
}

function columnsOfTree(tree: FromTree): string[] | undefined {
  if (tree.kind === 'empty') return [];
  if (tree.kind === 'relation') return tree.relation.columns?.map((c) => c.toLowerCase());
  const left = columnsOfTree(tree.left);
  const right = columnsOfTree(tree.right);
  return left && right ? [...left, ...right] : undefined;
}

function commonColumns(left: FromTree, right: FromTree): string[] {
  const l = columnsOfTree(left);
  const r = new Set(columnsOfTree(right) ?? []);
  return l ? [...new Set(l.filter((c) => r.has(c)))] : [];
}

/** A `left = right` comparison whose column references are recorded as bound in `block`. */
function equalityNode(block: Block, left: { relation: Relation; column: string }, right: { relation: Relation; column: string }): ExpressionNode {
  const ref = (side: { relation: Relation; column: string }): ColumnRefNode => {
    const node: ColumnRefNode = { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: [side.relation.qualifier, side.column] };
    block.refs.set(node, { kind: 'column', column: { relation: side.relation, column: side.column, key: columnKey(side.relation, side.column), depth: 0 } });
    return node;
  };
  return { class: 'COMPARISON', type: 'COMPARE_EQUAL', alias: '', query_location: 0, left: ref(left), right: ref(right) };
}

function collectLambdaParameters(lhs: Json, into: Set<string>): void {
  if (isColumnRef(lhs)) into.add(lhs.column_names[0].toLowerCase());
  else if (isObject(lhs) && Array.isArray(lhs.children)) for (const child of lhs.children) collectLambdaParameters(child, into);
}

/** A derived table or CTE body whose references reach into the enclosing block's FROM. */
function markLateral(relation: Relation, query: QueryInfo): void {
  for (const block of blocksOf(query)) {
    for (const binding of block.refs.values()) {
      if (binding.kind !== 'column') continue;
      if (binding.column.relation.block === relation.block) relation.lateral = true;
    }
  }
}

/** Every block of a query, nested ones included. */
export function blocksOf(query: QueryInfo): Block[] {
  const out: Block[] = [];
  const visit = (q: QueryInfo) => {
    for (const cte of q.ctes) visit(cte.query);
    if (q.kind === 'select') visitBlock(q.block);
    else if (q.kind === 'setop') {
      visit(q.left);
      visit(q.right);
    }
  };
  const visitBlock = (b: Block) => {
    out.push(b);
    for (const child of b.children) visitBlock(child);
  };
  visit(query);
  return out;
}

function renamed(names: readonly (string | undefined)[] | undefined, renames: readonly string[]): string[] | undefined {
  if (!names) return undefined;
  const out = names.map((n, i) => renames[i] ?? n);
  return out.every((n): n is string => n !== undefined) ? out : undefined;
}

/** A set operation's columns are named by its left-most branch. */
function setopNames(query: QueryInfo): (string | undefined)[] | undefined {
  if (query.kind === 'select') return query.block.outputNames;
  if (query.kind === 'setop') return setopNames(query.left);
  return undefined;
}

/** Output column names of a block: aliases, column names, expanded stars; undefined where DuckDB would invent one. */
function outputNames(node: SelectNode, block: Block): (string | undefined)[] | undefined {
  const names: (string | undefined)[] = [];
  for (const item of node.select_list) {
    if (item.alias) names.push(item.alias);
    else if (isColumnRef(item)) names.push(item.column_names[item.column_names.length - 1]);
    else if (item.class === 'STAR') {
      const expanded = expandStar(item, block);
      if (!expanded) return undefined;
      names.push(...expanded);
    } else names.push(undefined);
  }
  return names;
}

/** Names a plain `*` or `rel.*` expands to, when every relation's columns are known and no USING/NATURAL merges columns. */
function expandStar(star: ExpressionNode, block: Block): string[] | undefined {
  if ((Array.isArray(star.exclude_list) && star.exclude_list.length > 0) || (Array.isArray(star.replace_list) && star.replace_list.length > 0)) return undefined;
  if (star.columns === true || isObject(star.expr) || (Array.isArray(star.rename_list) && star.rename_list.length > 0)) return undefined;
  if (Array.isArray(star.qualified_exclude_list) && star.qualified_exclude_list.length > 0) return undefined;
  if (hasMergingJoin(block.from)) return undefined;
  const qualifier = String(star.relation_name ?? '').toLowerCase();
  const relations = qualifier ? block.relations.filter((r) => r.qualifier.toLowerCase() === qualifier) : block.relations;
  if (relations.length === 0) return undefined;
  const names: string[] = [];
  for (const relation of relations) {
    if (!relation.columns) return undefined;
    names.push(...relation.columns);
  }
  return names;
}

function hasMergingJoin(tree: FromTree): boolean {
  if (tree.kind !== 'join') return false;
  return tree.using.length > 0 || tree.refType === 'NATURAL' || hasMergingJoin(tree.left) || hasMergingJoin(tree.right);
}

// ---------------------------------------------------------------- resolution

/**
 * Binds a column reference the way DuckDB does for WHERE/GROUP BY/select-list
 * context: relations of the block first, then outward. Aliases of the select
 * list are not considered (callers that care about them check separately).
 */
function resolve(ref: ColumnRefNode, block: Block): Binding {
  const names = ref.column_names.map((n) => n.toLowerCase());
  for (let depth = 0, current: Block | undefined = block; current; depth++, current = current.parent) {
    const found = resolveIn(names, current, depth);
    if (found !== 'not-found') return found;
  }
  return { kind: 'unknown', reason: `${ref.column_names.join('.')} is not a column of a relation in scope` };
}

function resolveIn(names: readonly string[], block: Block, depth: number): Binding | 'not-found' {
  const relations = block.relations;
  const unknownColumns = relations.some((r) => r.columns === undefined);
  const withColumn = (relation: Relation, column: string): Binding | 'not-found' => {
    if (!relation.columns) return { kind: 'unknown', reason: `columns of ${relation.qualifier || 'a relation'} are not known` };
    const match = relation.columns.find((c) => c.toLowerCase() === column);
    return match === undefined ? 'not-found' : { kind: 'column', column: { relation, column: match, key: columnKey(relation, match), depth } };
  };
  // [catalog, schema, table, column], [schema, table, column] or [table, column]: a qualified column.
  for (const qualifierLength of [3, 2, 1]) {
    if (names.length <= qualifierLength) continue;
    const qualifier = names[qualifierLength - 1];
    const byQualifier = relations.filter((r) => r.qualifier.toLowerCase() === qualifier && qualifierMatches(r, names.slice(0, qualifierLength - 1)));
    if (byQualifier.length === 1) {
      const found = withColumn(byQualifier[0], names[qualifierLength]);
      if (found !== 'not-found') return found;
    } else if (byQualifier.length > 1) return { kind: 'unknown', reason: `ambiguous qualifier ${qualifier}` };
  }
  // A bare column name (possibly followed by struct fields).
  const column = names[0];
  const holders: Binding[] = [];
  for (const relation of relations) {
    const found = withColumn(relation, column);
    if (found !== 'not-found' && found.kind === 'column') holders.push(found);
  }
  if (holders.length === 1) {
    if (unknownColumns) return { kind: 'unknown', reason: `${column} might also name a column of a relation with unknown columns` };
    if (usingColumn(block.from, column)) return { kind: 'unknown', reason: `${column} is a USING/NATURAL join column` };
    return holders[0];
  }
  if (holders.length > 1) {
    // USING (k) / NATURAL: the unqualified k is the merged column; the left one for inner and left joins.
    return { kind: 'unknown', reason: `${column} is in several relations (USING/NATURAL or ambiguous)` };
  }
  if (unknownColumns) return { kind: 'unknown', reason: `${column} may belong to a relation with unknown columns` };
  return 'not-found';
}

function qualifierMatches(relation: Relation, prefix: readonly string[]): boolean {
  if (prefix.length === 0) return true;
  // schema (and catalog) qualifiers only make sense for catalog tables under their own name.
  if (relation.kind !== 'table' || String(relation.node.alias ?? '') !== '') return false;
  const [catalogOrSchema, schema] = prefix.length === 2 ? prefix : [undefined, prefix[0]];
  return (schema === 'public') && (catalogOrSchema === undefined || catalogOrSchema === 'pondgate');
}

function usingColumn(tree: FromTree, column: string): boolean {
  if (tree.kind !== 'join') return false;
  if (tree.refType === 'NATURAL' || tree.using.some((u) => u.toLowerCase() === column)) return true;
  return usingColumn(tree.left, column) || usingColumn(tree.right, column);
}

// ---------------------------------------------------------------- helpers

/** The top-level AND conjuncts of a predicate. */
export function conjuncts(predicate: Json | null | undefined): ExpressionNode[] {
  if (!isObject(predicate)) return [];
  if (predicate.class === 'CONJUNCTION' && predicate.type === 'CONJUNCTION_AND' && Array.isArray(predicate.children)) {
    return predicate.children.flatMap((child) => conjuncts(child));
  }
  return [predicate as ExpressionNode];
}

/** Bound columns referenced anywhere in `expression` (in `block`'s own scope). */
export function referencedColumns(expression: Json, block: Block): { columns: BoundColumn[]; unknown: boolean; subquery: boolean } {
  const columns: BoundColumn[] = [];
  let unknown = false;
  let subquery = false;
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    if (value.class === 'SUBQUERY') {
      subquery = true;
      return;
    }
    if (isColumnRef(value)) {
      const binding = block.refs.get(value);
      if (binding?.kind === 'column') columns.push(binding.column);
      else unknown = true;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(expression);
  return { columns, unknown, subquery };
}

/** `a = b` (or IS NOT DISTINCT FROM) between two bound columns: the pair, else undefined. */
export function columnEquality(expression: ExpressionNode, block: Block): { left: BoundColumn; right: BoundColumn; nullSafe: boolean } | undefined {
  if (expression.class !== 'COMPARISON') return undefined;
  const nullSafe = expression.type === 'COMPARE_NOT_DISTINCT_FROM';
  if (expression.type !== 'COMPARE_EQUAL' && !nullSafe) return undefined;
  const left = boundColumn(expression.left as Json, block);
  const right = boundColumn(expression.right as Json, block);
  return left && right ? { left, right, nullSafe } : undefined;
}

/** The column a plain column reference binds to. */
export function boundColumn(expression: Json, block: Block): BoundColumn | undefined {
  if (!isColumnRef(expression)) return undefined;
  const binding = block.refs.get(expression);
  return binding?.kind === 'column' ? binding.column : undefined;
}

export function analyze(statement: JsonObject, manifest: Manifest): Analysis {
  const analyzer = new Analyzer(manifest);
  const node = statement.node;
  const root: QueryInfo = isObject(node)
    ? analyzer.query(node, undefined, { ctes: new Map() })
    : { kind: 'unsupported', node: statement, reason: 'no query', ctes: [] };
  return { root, blocks: analyzer.blocks, relations: analyzer.relations, ctes: analyzer.ctes, foreignRelations: analyzer.foreign };
}
