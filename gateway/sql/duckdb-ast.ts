/**
 * DuckDB's parse tree as `json_serialize_sql` emits it. The planner rewrites
 * this tree rather than SQL text, so every construct of DuckDB's dialect
 * survives exactly. Nodes are plain JSON; the few node kinds the planner
 * inspects get narrow interfaces, everything else is carried through opaquely.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ExpressionNode extends JsonObject {
  class: string;
  type: string;
  alias: string;
}

export interface ColumnRefNode extends ExpressionNode {
  class: 'COLUMN_REF';
  column_names: string[];
}

export interface FunctionNode extends ExpressionNode {
  class: 'FUNCTION';
  function_name: string;
  schema: string;
  children: ExpressionNode[];
  filter: Json;
  order_bys: { type: string; orders: Json[] };
  distinct: boolean;
  export_state: boolean;
}

export interface ConstantNode extends ExpressionNode {
  class: 'CONSTANT';
  value: { type: { id: string; type_info: Json }; is_null: boolean; value?: Json };
}

export interface BaseTableNode extends JsonObject {
  type: 'BASE_TABLE';
  alias: string;
  schema_name: string;
  table_name: string;
  catalog_name: string;
  sample: Json;
  column_name_alias: Json[];
}

export interface OrderItem extends JsonObject {
  type: string;
  null_order: string;
  expression: ExpressionNode;
}

export interface ModifierNode extends JsonObject {
  type: string;
}

export interface SelectNode extends JsonObject {
  type: 'SELECT_NODE';
  modifiers: ModifierNode[];
  cte_map: { map: Json[] };
  select_list: ExpressionNode[];
  from_table: JsonObject;
  where_clause: ExpressionNode | null;
  group_expressions: ExpressionNode[];
  group_sets: number[][];
  aggregate_handling: string;
  having: ExpressionNode | null;
  sample: Json;
  qualify: ExpressionNode | null;
}

export const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isColumnRef = (node: Json | undefined): node is ColumnRefNode => isObject(node) && node.class === 'COLUMN_REF';
export const isFunction = (node: Json | undefined): node is FunctionNode => isObject(node) && node.class === 'FUNCTION';
export const isConstant = (node: Json | undefined): node is ConstantNode => isObject(node) && node.class === 'CONSTANT';
export const isBaseTable = (node: Json | undefined): node is BaseTableNode => isObject(node) && node.type === 'BASE_TABLE';

/**
 * A deep copy of a parse tree. Trees are plain JSON, so a recursive copy does: measured 7x faster
 * than structuredClone over the TPC-H trees (10 against 70 µs a tree), and the planner copies
 * trees several times per statement. (Subtrees shared within one tree become separate copies.)
 */
export function clone<T extends Json>(node: T): T {
  return copyJson(node) as T;
}

function copyJson(value: Json): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: Json[] = new Array<Json>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const out: JsonObject = {};
  for (const key of Object.keys(value)) out[key] = copyJson(value[key]);
  return out;
}

/** Visits every JSON object in the tree, parents before children. */
export function walk(node: Json, visit: (object: JsonObject) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (isObject(node)) {
    visit(node);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

export function some(node: Json, predicate: (object: JsonObject) => boolean): boolean {
  let found = false;
  walk(node, (object) => {
    if (!found && predicate(object)) found = true;
  });
  return found;
}

/** Structural equality of expressions, ignoring aliases and source positions. */
export function sameExpression(a: Json, b: Json): boolean {
  return canonical(a) === canonical(b);
}

function canonical(node: Json): string {
  return JSON.stringify(node, (key, value: Json) => (key === 'alias' || key === 'query_location' ? undefined : value));
}

/** The integer value of a constant node, if it is one (positional GROUP BY / ORDER BY, LIMIT). */
export function integerConstant(node: Json | undefined): number | undefined {
  if (!isConstant(node) || node.value.is_null) return undefined;
  const value = node.value.value;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function columnRef(...names: string[]): ColumnRefNode {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: names };
}

export function functionCall(name: string, children: ExpressionNode[], alias = ''): FunctionNode {
  return {
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias,
    query_location: 0,
    function_name: name,
    schema: '',
    children,
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: false,
    export_state: false,
    catalog: '',
  };
}

export function operatorCall(operator: string, children: ExpressionNode[]): FunctionNode {
  return { ...functionCall(operator, children), is_operator: true };
}

export function integerLiteral(value: number): ConstantNode {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: 0,
    value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value },
  };
}

export function varcharLiteral(value: string | null): ConstantNode {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: 0,
    value: value === null
      ? { type: { id: 'VARCHAR', type_info: null }, is_null: true }
      : { type: { id: 'VARCHAR', type_info: null }, is_null: false, value },
  };
}

export function baseTable(tableName: string, alias: string): BaseTableNode {
  return {
    type: 'BASE_TABLE',
    alias,
    sample: null,
    query_location: 0,
    schema_name: '',
    table_name: tableName,
    column_name_alias: [],
    catalog_name: '',
    at_clause: null,
  };
}

/** Identifiers are always quoted, so case and spaces survive; one implementation for the project. */
export { quoteIdent } from '../../src/arrow/sql.ts';
