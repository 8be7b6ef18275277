/**
 * DuckDB parse tree → SQL text, in JavaScript.
 *
 * Rendering a stage's tree through `json_deserialize_sql` costs a round trip
 * and DuckDB's JSON deserializer: about a millisecond per tree on a small
 * machine, most of the planner's time. This renderer covers the shapes the
 * planner's stages are made of and refuses everything else: any node kind,
 * field or value it does not know makes it return `undefined`, and the caller
 * falls back to DuckDB's own renderer. So it never guesses: what it renders
 * parses back to the same tree as DuckDB's rendering of the same tree (the
 * property its tests check over the differential corpus and the planner's
 * stages).
 *
 * Every expression is parenthesised, and every name that is not plainly a
 * lower-case identifier or that is one of DuckDB's keywords is quoted, which
 * keeps the text unambiguous without knowing DuckDB's precedences.
 */
import { isObject, type Json, type JsonObject } from './duckdb-ast.ts';
import { exactInteger } from './exact-json.ts';

/** Thrown inside the renderer for anything it does not cover; never escapes it. */
class NotCovered extends Error {}

function refuse(what: string): never {
  throw new NotCovered(what);
}

/** The SQL of a statement (`{ node, named_param_map }`), or undefined when DuckDB must render it. */
export function renderStatement(statement: JsonObject): string | undefined {
  try {
    checkParameterMap(statement.named_param_map);
    return queryNode(object(statement.node));
  } catch (error) {
    if (error instanceof NotCovered) {
      lastRefusal = error.message;
      return undefined;
    }
    throw error;
  }
}

/** Why the last refused tree was refused (for tests and debugging). */
export let lastRefusal = '';

// ---------------------------------------------------------------- helpers

function object(value: Json | undefined): JsonObject {
  if (!isObject(value)) refuse('expected an object');
  return value;
}

function list(value: Json | undefined): Json[] {
  if (!Array.isArray(value)) refuse('expected a list');
  return value;
}

function text(value: Json | undefined): string {
  if (typeof value !== 'string') refuse('expected a string');
  return value;
}

/** Fields that must hold their "nothing special" value for the node to mean what we render. */
function expectDefaults(node: JsonObject, defaults: Readonly<Record<string, Json>>): void {
  for (const [key, expected] of Object.entries(defaults)) {
    const value = node[key];
    if (value === undefined) continue;
    if (Array.isArray(expected) ? !(Array.isArray(value) && value.length === 0) : value !== expected) refuse(`${key} = ${JSON.stringify(value)}`);
  }
}

/**
 * DuckDB's keywords other than the unreserved ones (`duckdb_keywords()`; a test keeps
 * this list equal to the running DuckDB's): written bare, they would not read as names.
 */
export const NON_UNRESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'all', 'analyse', 'analyze', 'and', 'anti', 'any', 'array', 'as', 'asc', 'asof', 'asymmetric', 'at',
  'authorization', 'between', 'bigint', 'binary', 'bit', 'boolean', 'both', 'by', 'case', 'cast', 'char',
  'character', 'check', 'coalesce', 'collate', 'collation', 'column', 'columns', 'concurrently',
  'constraint', 'create', 'cross', 'dec', 'decimal', 'default', 'deferrable', 'desc', 'describe', 'distinct',
  'do', 'else', 'end', 'except', 'exists', 'extract', 'false', 'fetch', 'float', 'for', 'foreign', 'freeze',
  'from', 'full', 'generated', 'glob', 'group', 'grouping', 'grouping_id', 'having', 'ilike', 'in',
  'initially', 'inner', 'inout', 'int', 'integer', 'intersect', 'interval', 'into', 'is', 'isnull', 'join',
  'lambda', 'lateral', 'leading', 'left', 'like', 'limit', 'map', 'national', 'natural', 'nchar', 'none',
  'not', 'notnull', 'null', 'nullif', 'numeric', 'offset', 'on', 'only', 'or', 'order', 'out', 'outer',
  'overlaps', 'overlay', 'pivot', 'pivot_longer', 'pivot_wider', 'placing', 'position', 'positional',
  'precision', 'primary', 'qualify', 'real', 'references', 'returning', 'right', 'row', 'select', 'semi',
  'setof', 'show', 'similar', 'smallint', 'some', 'struct', 'substring', 'summarize', 'symmetric', 'table',
  'tablesample', 'then', 'time', 'timestamp', 'to', 'trailing', 'treat', 'trim', 'true', 'try_cast', 'union',
  'unique', 'unpack', 'unpivot', 'using', 'values', 'varchar', 'variadic', 'verbose', 'when', 'where',
  'window', 'with', 'xmlattributes', 'xmlconcat', 'xmlelement', 'xmlexists', 'xmlforest', 'xmlnamespaces',
  'xmlparse', 'xmlpi', 'xmlroot', 'xmlserialize', 'xmltable',
]);

/** A name as DuckDB's renderer writes it: bare when that reads back as the same name, else quoted. */
export function quoteIdentifier(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !NON_UNRESERVED_KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table lookup that ignores inherited properties (`constructor` is not an operator). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function quoteString(value: string): string {
  // DuckDB strings are standard-conforming: a backslash is itself; only the quote doubles.
  return `'${value.replace(/'/g, "''")}'`;
}

/** Only positional parameters (`$1` maps to 1): `$name` parameters are left to DuckDB. */
function checkParameterMap(map: Json | undefined): void {
  if (map === undefined) return;
  for (const entry of list(map)) {
    const { key, value } = object(entry);
    if (typeof key !== 'string' || !/^[1-9][0-9]*$/.test(key) || value !== Number(key)) refuse('named parameters');
  }
}

// ---------------------------------------------------------------- query nodes

function queryNode(node: JsonObject): string {
  const ctes = cteMap(node.cte_map);
  let body: string;
  switch (node.type) {
    case 'SELECT_NODE':
      body = selectNode(node);
      break;
    case 'SET_OPERATION_NODE':
      body = setOperation(node);
      break;
    default:
      refuse(`query node ${String(node.type)}`);
  }
  return `${ctes}${body}${modifiers(list(node.modifiers), node.type === 'SELECT_NODE')}`;
}

function cteMap(value: Json | undefined): string {
  const entries = list(object(value).map);
  if (entries.length === 0) return '';
  const parts = entries.map((entry) => {
    const { key, value: cte } = object(entry);
    const info = object(cte);
    if (Array.isArray(info.key_targets) && info.key_targets.length > 0) refuse('USING KEY');
    const aliases = list(info.aliases).map((a) => quoteIdentifier(text(a)));
    const materialized = lookup({ CTE_MATERIALIZE_DEFAULT: '', CTE_MATERIALIZE_ALWAYS: 'MATERIALIZED ', CTE_MATERIALIZE_NEVER: 'NOT MATERIALIZED ' }, text(info.materialized));
    if (materialized === undefined) refuse(`CTE materialization ${String(info.materialized)}`);
    const query = object(object(info.query).node);
    if (query.type === 'RECURSIVE_CTE_NODE') refuse('recursive CTE');
    return `${quoteIdentifier(text(key))}${aliases.length > 0 ? `(${aliases.join(', ')})` : ''} AS ${materialized}(${subquery(info.query)})`;
  });
  return `WITH ${parts.join(', ')} `;
}

/** A `{ node, named_param_map }` statement nested in a tree. */
function subquery(value: Json | undefined): string {
  const statement = object(value);
  checkParameterMap(statement.named_param_map);
  return queryNode(object(statement.node));
}

function selectNode(node: JsonObject): string {
  expectDefaults(node, { sample: null, aggregate_handling: 'STANDARD_HANDLING' });
  let distinct = '';
  const mods = list(node.modifiers);
  if (mods.length > 0 && object(mods[0]).type === 'DISTINCT_MODIFIER') {
    const targets = list(object(mods[0]).distinct_on_targets);
    distinct = targets.length === 0 ? 'DISTINCT ' : `DISTINCT ON (${targets.map(expression).join(', ')}) `;
  }
  const items = list(node.select_list).map((item) => {
    const expr = object(item);
    const alias = typeof expr.alias === 'string' && expr.alias !== '' ? ` AS ${quoteIdentifier(expr.alias)}` : '';
    return `${expression(expr)}${alias}`;
  });
  if (items.length === 0) refuse('empty select list');
  let sql = `SELECT ${distinct}${items.join(', ')}`;
  const from = object(node.from_table);
  if (from.type !== 'EMPTY') sql += ` FROM ${tableRef(from)}`;
  else expectDefaults(from, { alias: '', sample: null });
  if (node.where_clause !== null && node.where_clause !== undefined) sql += ` WHERE ${expression(node.where_clause)}`;
  sql += groupBy(list(node.group_expressions), list(node.group_sets));
  if (node.having !== null && node.having !== undefined) sql += ` HAVING ${expression(node.having)}`;
  if (node.qualify !== null && node.qualify !== undefined) sql += ` QUALIFY ${expression(node.qualify)}`;
  return sql;
}

function groupBy(expressions: readonly Json[], sets: readonly Json[]): string {
  if (expressions.length === 0 && sets.length === 0) return '';
  const rendered = expressions.map(expression);
  const indexSets = sets.map((set) => list(set).map((i) => (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < rendered.length ? i : refuse('group set index'))));
  // One set naming every expression once, in order: a plain GROUP BY.
  const plain = indexSets.length === 1 && indexSets[0].length === rendered.length && indexSets[0].every((i, n) => i === n);
  if (plain) return ` GROUP BY ${rendered.join(', ')}`;
  // Every expression must appear in some set, or the GROUPING SETS text would lose it.
  const used = new Set(indexSets.flat());
  if (used.size !== rendered.length) refuse('a grouping expression in no set');
  return ` GROUP BY GROUPING SETS (${indexSets.map((set) => `(${set.map((i) => rendered[i]).join(', ')})`).join(', ')})`;
}

function setOperation(node: JsonObject): string {
  const op = lookup({ UNION: 'UNION', EXCEPT: 'EXCEPT', INTERSECT: 'INTERSECT', UNION_BY_NAME: 'UNION' }, text(node.setop_type));
  if (op === undefined) refuse(`set operation ${String(node.setop_type)}`);
  if (node.setop_all !== true && node.setop_all !== false) refuse('setop_all');
  if (!isObject(node.left) || !isObject(node.right)) refuse('set operation children');
  // `UNION ALL BY NAME`: ALL comes before BY NAME.
  const all = node.setop_all ? ' ALL' : '';
  const byName = node.setop_type === 'UNION_BY_NAME' ? ' BY NAME' : '';
  return `(${queryNode(node.left)}) ${op}${all}${byName} (${queryNode(node.right)})`;
}

/** ORDER BY / LIMIT text; a DISTINCT modifier is only known on a SELECT (which renders it itself). */
function modifiers(mods: readonly Json[], distinctRendered: boolean): string {
  let sql = '';
  let expected = 0; // DISTINCT (rendered in the SELECT), ORDER, LIMIT: at most once each, in that order
  for (const value of mods) {
    const mod = object(value);
    const rank = lookup({ DISTINCT_MODIFIER: 0, ORDER_MODIFIER: 1, LIMIT_MODIFIER: 2 }, text(mod.type));
    if (rank === undefined || rank < expected || (rank === 0 && (!distinctRendered || sql !== ''))) refuse(`modifier ${String(mod.type)}`);
    expected = rank + 1;
    if (rank === 1) sql += ` ORDER BY ${orderList(list(mod.orders))}`;
    if (rank === 2) {
      if (mod.limit !== null && mod.limit !== undefined) sql += ` LIMIT ${expression(mod.limit)}`;
      if (mod.offset !== null && mod.offset !== undefined) sql += ` OFFSET ${expression(mod.offset)}`;
    }
  }
  return sql;
}

function orderList(orders: readonly Json[]): string {
  if (orders.length === 0) refuse('empty ORDER BY');
  return orders.map((value) => {
    const order = object(value);
    const direction = lookup({ ORDER_DEFAULT: '', ASCENDING: ' ASC', DESCENDING: ' DESC' }, text(order.type));
    const nulls = lookup({ ORDER_DEFAULT: '', NULLS_FIRST: ' NULLS FIRST', NULLS_LAST: ' NULLS LAST', 'NULLS FIRST': ' NULLS FIRST', 'NULLS LAST': ' NULLS LAST' }, text(order.null_order));
    if (direction === undefined || nulls === undefined) refuse('order');
    return `${expression(order.expression)}${direction}${nulls}`;
  }).join(', ');
}

// ---------------------------------------------------------------- table references

function tableAlias(ref: JsonObject): string {
  const alias = typeof ref.alias === 'string' ? ref.alias : '';
  const columns = Array.isArray(ref.column_name_alias) ? ref.column_name_alias.map((c) => quoteIdentifier(text(c))) : [];
  if (alias === '') {
    if (columns.length > 0) refuse('column aliases without an alias');
    return '';
  }
  return ` AS ${quoteIdentifier(alias)}${columns.length > 0 ? `(${columns.join(', ')})` : ''}`;
}

function tableRef(ref: JsonObject): string {
  expectDefaults(ref, { sample: null });
  switch (ref.type) {
    case 'BASE_TABLE': {
      expectDefaults(ref, { at_clause: null });
      const parts = [ref.catalog_name, ref.schema_name].map((p) => (typeof p === 'string' ? p : '')).filter((p) => p !== '');
      return `${[...parts, text(ref.table_name)].map(quoteIdentifier).join('.')}${tableAlias(ref)}`;
    }
    case 'SUBQUERY':
      return `(${subquery(ref.subquery)})${tableAlias(ref)}`;
    case 'TABLE_FUNCTION': {
      expectDefaults(ref, { with_ordinality: 'WITHOUT_ORDINALITY' });
      return `${functionCall(object(ref.function))}${tableAlias(ref)}`;
    }
    case 'JOIN':
      return join(ref);
    default:
      refuse(`table reference ${String(ref.type)}`);
  }
}

function join(ref: JsonObject): string {
  expectDefaults(ref, { alias: '', delim_flipped: false, duplicate_eliminated_columns: [] });
  const left = tableRef(object(ref.left));
  const rightRef = object(ref.right);
  // A join on the right needs parentheses; on the left the text nests that way by itself.
  const right = rightRef.type === 'JOIN' ? `(${tableRef(rightRef)})` : tableRef(rightRef);
  const using = list(ref.using_columns ?? []);
  switch (ref.ref_type) {
    case 'CROSS':
      if (ref.condition !== null || using.length > 0) refuse('cross join with a condition');
      return `${left} CROSS JOIN ${right}`;
    case 'REGULAR': {
      const type = lookup({ INNER: 'INNER', LEFT: 'LEFT', RIGHT: 'RIGHT', FULL: 'FULL OUTER', SEMI: 'SEMI', ANTI: 'ANTI' }, text(ref.join_type));
      if (type === undefined) refuse(`join type ${String(ref.join_type)}`);
      if (using.length > 0) {
        if (ref.condition !== null) refuse('USING with a condition');
        return `${left} ${type} JOIN ${right} USING (${using.map((c) => quoteIdentifier(text(c))).join(', ')})`;
      }
      if (ref.condition === null || ref.condition === undefined) refuse('a join without a condition');
      return `${left} ${type} JOIN ${right} ON ${expression(ref.condition)}`;
    }
    default:
      refuse(`join ${String(ref.ref_type)}`);
  }
}

// ---------------------------------------------------------------- expressions

const COMPARISONS: Readonly<Record<string, string>> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
  COMPARE_LESSTHAN: '<',
  COMPARE_GREATERTHAN: '>',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHANOREQUALTO: '>=',
  COMPARE_DISTINCT_FROM: 'IS DISTINCT FROM',
  COMPARE_NOT_DISTINCT_FROM: 'IS NOT DISTINCT FROM',
};

/** Binary operators as DuckDB's parser names them (`~~` is LIKE). */
const BINARY_OPERATORS: Readonly<Record<string, string>> = {
  '+': '+', '-': '-', '*': '*', '/': '/', '//': '//', '%': '%', '||': '||', '^': '^', '**': '**',
  '&': '&', '|': '|', '<<': '<<', '>>': '>>',
  '~~': 'LIKE', '!~~': 'NOT LIKE', '~~*': 'ILIKE', '!~~*': 'NOT ILIKE',
};

function expression(value: Json | undefined): string {
  const node = object(value);
  switch (node.class) {
    case 'COLUMN_REF':
      return list(node.column_names).map((n) => quoteIdentifier(text(n))).join('.');
    case 'CONSTANT':
      return constant(object(node.value));
    case 'FUNCTION':
      return functionCall(node);
    case 'COMPARISON': {
      const op = lookup(COMPARISONS, text(node.type)) ?? refuse(`comparison ${String(node.type)}`);
      return `(${expression(node.left)} ${op} ${expression(node.right)})`;
    }
    case 'CONJUNCTION': {
      const op = lookup({ CONJUNCTION_AND: ' AND ', CONJUNCTION_OR: ' OR ' }, text(node.type)) ?? refuse('conjunction');
      const children = list(node.children);
      if (children.length < 2) refuse('a conjunction of fewer than two');
      return `(${children.map(expression).join(op)})`;
    }
    case 'OPERATOR':
      return operator(node);
    case 'BETWEEN':
      return `(${expression(node.input)} BETWEEN ${expression(node.lower)} AND ${expression(node.upper)})`;
    case 'CASE': {
      const checks = list(node.case_checks).map((check) => {
        const c = object(check);
        return ` WHEN ${expression(c.when_expr)} THEN ${expression(c.then_expr)}`;
      });
      if (checks.length === 0) refuse('CASE without WHEN');
      return `CASE${checks.join('')} ELSE ${expression(node.else_expr)} END`;
    }
    case 'CAST':
      return `${node.try_cast === true ? 'TRY_CAST' : 'CAST'}(${expression(node.child)} AS ${typeName(object(node.cast_type))})`;
    case 'SUBQUERY':
      return subqueryExpression(node);
    case 'STAR': {
      expectDefaults(node, { exclude_list: [], replace_list: [], columns: false, expr: null, qualified_exclude_list: [], rename_list: [] });
      return node.relation_name ? `${quoteIdentifier(text(node.relation_name))}.*` : '*';
    }
    case 'WINDOW':
      return windowFunction(node);
    case 'PARAMETER': {
      // `$n`, as a generic plan keeps it until the values are put in (plan-cache.ts).
      const identifier = text(node.identifier);
      if (node.type !== 'VALUE_PARAMETER' || !/^[1-9][0-9]*$/.test(identifier)) refuse('a named parameter');
      return `$${identifier}`;
    }
    default:
      refuse(`expression ${String(node.class)}`);
  }
}

function operator(node: JsonObject): string {
  const children = list(node.children);
  const one = (): string => {
    if (children.length !== 1) refuse('operator arity');
    return expression(children[0]);
  };
  switch (node.type) {
    case 'OPERATOR_NOT':
      return `(NOT ${one()})`;
    case 'OPERATOR_IS_NULL':
      return `(${one()} IS NULL)`;
    case 'OPERATOR_IS_NOT_NULL':
      return `(${one()} IS NOT NULL)`;
    case 'COMPARE_IN':
    case 'COMPARE_NOT_IN': {
      if (children.length < 2) refuse('IN without a list');
      const [first, ...rest] = children.map(expression);
      return `(${first} ${node.type === 'COMPARE_IN' ? 'IN' : 'NOT IN'} (${rest.join(', ')}))`;
    }
    case 'GROUPING_FUNCTION':
      if (children.length < 1) refuse('empty GROUPING');
      return `GROUPING(${children.map(expression).join(', ')})`;
    case 'OPERATOR_COALESCE':
      if (children.length < 1) refuse('empty COALESCE');
      return `COALESCE(${children.map(expression).join(', ')})`;
    default:
      refuse(`operator ${String(node.type)}`);
  }
}

function functionCall(node: JsonObject): string {
  expectDefaults(node, { export_state: false });
  const children = list(node.children);
  for (const child of children) if (object(child).alias !== '' && object(child).alias !== undefined) refuse('named arguments');
  const name = text(node.function_name);
  const orders = list(object(node.order_bys).orders);
  if (node.is_operator === true) {
    if (node.distinct === true || node.filter !== null || orders.length > 0) refuse('operator modifiers');
    if (children.length === 2 && lookup(BINARY_OPERATORS, name)) return `(${expression(children[0])} ${lookup(BINARY_OPERATORS, name)} ${expression(children[1])})`;
    if (children.length === 1 && (name === '-' || name === '+')) return `(${name} ${expression(children[0])})`;
    refuse(`operator ${name}/${children.length}`);
  }
  const qualifier = [node.catalog, node.schema].map((p) => (typeof p === 'string' ? p : '')).filter((p) => p !== '');
  let sql = `${[...qualifier, name].map(quoteIdentifier).join('.')}(${node.distinct === true ? 'DISTINCT ' : ''}${children.map(expression).join(', ')}`;
  if (orders.length > 0) sql += ` ORDER BY ${orderList(orders)}`;
  sql += ')';
  if (node.filter !== null && node.filter !== undefined) sql += ` FILTER (WHERE ${expression(node.filter)})`;
  return sql;
}

function subqueryExpression(node: JsonObject): string {
  const query = subquery(node.subquery);
  switch (node.subquery_type) {
    case 'SCALAR':
      return `(${query})`;
    case 'EXISTS':
      return `EXISTS (${query})`;
    case 'NOT_EXISTS':
      return `(NOT EXISTS (${query}))`;
    case 'ANY': {
      const op = lookup(COMPARISONS, text(node.comparison_type));
      if (op === undefined || op.startsWith('IS')) refuse('ANY comparison');
      return `(${expression(node.child)} ${op} ANY (${query}))`;
    }
    default:
      refuse(`subquery ${String(node.subquery_type)}`);
  }
}

/** Window functions with the default frame or a ROWS frame; anything else goes to DuckDB. */
function windowFunction(node: JsonObject): string {
  expectDefaults(node, { ignore_nulls: false, filter_expr: null, exclude_clause: 'NO_OTHER', distinct: false, arg_orders: [] });
  const name = text(node.function_name);
  const qualifier = [node.catalog, node.schema].map((p) => (typeof p === 'string' ? p : '')).filter((p) => p !== '');
  const args = list(node.children).map(expression);
  const offset = node.offset_expr ?? null;
  const fallback = node.default_expr ?? null;
  if (offset !== null) args.push(expression(offset));
  if (fallback !== null) {
    if (offset === null) refuse('a default without an offset');
    args.push(expression(fallback));
  }
  if (offset !== null && node.type !== 'WINDOW_LAG' && node.type !== 'WINDOW_LEAD') refuse('offset on a window function other than lag/lead');
  const over: string[] = [];
  const partitions = list(node.partitions);
  if (partitions.length > 0) over.push(`PARTITION BY ${partitions.map(expression).join(', ')}`);
  const orders = list(node.orders);
  if (orders.length > 0) over.push(`ORDER BY ${orderList(orders)}`);
  const frame = windowFrame(node);
  if (frame !== '') over.push(frame);
  return `${[...qualifier, name].map(quoteIdentifier).join('.')}(${args.join(', ')}) OVER (${over.join(' ')})`;
}

function windowFrame(node: JsonObject): string {
  const start = text(node.start);
  const end = text(node.end);
  if (start === 'UNBOUNDED_PRECEDING' && end === 'CURRENT_ROW_RANGE' && node.start_expr === null && node.end_expr === null) return '';
  const bound = (kind: string, expr: Json | undefined): string => {
    switch (kind) {
      case 'UNBOUNDED_PRECEDING': return 'UNBOUNDED PRECEDING';
      case 'UNBOUNDED_FOLLOWING': return 'UNBOUNDED FOLLOWING';
      case 'CURRENT_ROW_ROWS': return 'CURRENT ROW';
      case 'EXPR_PRECEDING_ROWS': return `${expression(expr)} PRECEDING`;
      case 'EXPR_FOLLOWING_ROWS': return `${expression(expr)} FOLLOWING`;
      default: refuse(`frame bound ${kind}`);
    }
  };
  // Only ROWS frames: every bound must be a ROWS bound (or unbounded).
  const rowsOnly = [start, end].every((k) => k.endsWith('_ROWS') || k.startsWith('UNBOUNDED'));
  if (!rowsOnly) refuse('a RANGE or GROUPS frame');
  if (!start.startsWith('EXPR') && node.start_expr !== null) refuse('start expression');
  if (!end.startsWith('EXPR') && node.end_expr !== null) refuse('end expression');
  return `ROWS BETWEEN ${bound(start, node.start_expr)} AND ${bound(end, node.end_expr)}`;
}

// ---------------------------------------------------------------- constants and types

const INT32 = 2n ** 31n;
const INT64 = 2n ** 63n;

/** An integer constant's value: a JSON number, an exact-json marker, or a HUGEINT's `{ upper, lower }`. */
function integerValue(value: Json | undefined): bigint {
  const exact = exactInteger(value);
  if (exact !== undefined) return exact;
  if (isObject(value) && value.upper !== undefined && value.lower !== undefined) {
    const lower = integerValue(value.lower);
    if (lower < 0n || lower >= 2n ** 64n) refuse('a HUGEINT lower half');
    return (integerValue(value.upper) << 64n) + lower;
  }
  refuse('an integer constant');
}

/**
 * A constant is rendered only in the form DuckDB's parser reads back as the same type:
 * integers as INTEGER / BIGINT / HUGEINT by magnitude, decimals with exactly their
 * width and scale, strings, booleans and NULL. Other types go to DuckDB.
 */
function constant(value: JsonObject): string {
  const type = object(value.type);
  const id = text(type.id);
  // DuckDB's renderer writes a NULL of any type as NULL (the type is the context's); so does this one.
  if (value.is_null === true) return 'NULL';
  switch (id) {
    case 'INTEGER':
    case 'BIGINT':
    case 'HUGEINT': {
      const n = integerValue(value.value);
      const digits = n.toString();
      // A negative literal is read as a minus applied to its positive digits, typed by them.
      const magnitude = n < 0n ? -n : n;
      const natural = magnitude < INT32 ? 'INTEGER' : magnitude < INT64 ? 'BIGINT' : 'HUGEINT';
      if (natural !== id) refuse(`${id} constant ${digits}`);
      return n < 0n ? `(- ${digits.slice(1)})` : digits;
    }
    case 'DECIMAL': {
      const info = object(type.type_info);
      const width = info.width;
      const scale = info.scale;
      if (typeof width !== 'number' || typeof scale !== 'number' || scale < 1) refuse('decimal type');
      const unscaled = integerValue(value.value);
      if (unscaled < 0n) refuse('a negative decimal constant');
      const digits = unscaled.toString().padStart(scale + 1, '0');
      const whole = digits.slice(0, digits.length - scale);
      const literal = `${whole}.${digits.slice(digits.length - scale)}`;
      // The parser's width: every digit written, the integer part's leading zero included.
      if (whole.length + scale !== width) refuse('a decimal constant of another width');
      return literal;
    }
    case 'VARCHAR': {
      if (type.type_info !== null) refuse('a VARCHAR with a collation');
      return quoteString(text(value.value));
    }
    case 'BOOLEAN':
      if (typeof value.value !== 'boolean') refuse('boolean');
      return value.value ? 'TRUE' : 'FALSE';
    default:
      refuse(`a ${id} constant`);
  }
}

const SIMPLE_TYPES = new Set([
  'BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
  'FLOAT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIME WITH TIME ZONE', 'INTERVAL', 'VARCHAR', 'BLOB', 'UUID',
  'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS',
]);

function typeName(type: JsonObject): string {
  const id = text(type.id);
  if (id === 'DECIMAL') {
    const info = object(type.type_info);
    expectDefaults(info, { alias: '', extension_info: null });
    if (typeof info.width !== 'number' || typeof info.scale !== 'number') refuse('decimal type');
    return `DECIMAL(${info.width}, ${info.scale})`;
  }
  if (!SIMPLE_TYPES.has(id) || type.type_info !== null) refuse(`type ${id}`);
  return id;
}
