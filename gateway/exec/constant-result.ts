/**
 * The one row of a SELECT of literals (`SELECT 1`, `SELECT 'ok' AS status`),
 * built on the gateway without a DuckDB round trip.
 *
 * Connection pools and BI tools check their connections with such queries
 * many times a second; a round trip through the gateway's DuckDB was half of
 * what each one cost the gateway. Only literals whose value and type are
 * plain in the parse tree are answered here — integers and strings —
 * and only when DuckDB described the columns with exactly those types; the
 * batch is an Arrow batch of the same types DuckDB's would have, so the
 * encoders write the same bytes (checked in constant-result.test.ts).
 * Anything else (an expression, a function, a cast, a FROM) runs in DuckDB.
 */
import { makeData, RecordBatch, Struct, Type, vectorFromArray } from 'apache-arrow';
import { schemaForColumns } from '../../src/arrow/schema.ts';
import { isObject, type Json, type JsonObject } from '../sql/duckdb-ast.ts';
import { exactInteger } from '../sql/exact-json.ts';
import type { ColumnSpec } from '../plan/plan.ts';


type Literal = { readonly type: 'INTEGER' | 'BIGINT'; readonly value: bigint } | { readonly type: 'VARCHAR'; readonly value: string };

/** The batch of a literal-only SELECT's statement tree, or undefined when DuckDB must run it. */
export function constantResult(statement: JsonObject, columns: readonly ColumnSpec[]): RecordBatch | undefined {
  const literals = literalRow(statement);
  if (!literals || literals.length !== columns.length || literals.length === 0) return undefined;
  if (literals.some((literal, i) => literal.type !== columns[i].type)) return undefined;
  // The schema the DuckDB path gives these columns (names, transport types, metadata).
  const schema = schemaForColumns(columns);
  const children = [];
  for (const [i, literal] of literals.entries()) {
    const type = schema.fields[i].type;
    if (type.typeId !== ARROW_TYPE[literal.type]) return undefined;
    const value = type.typeId === Type.Int && literal.type === 'INTEGER' ? Number(literal.value) : literal.value;
    children.push(vectorFromArray([value] as never[], type).data[0]);
  }
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }));
}

/** The Arrow type the transport mapping gives each literal type (checked, not assumed). */
const ARROW_TYPE: Readonly<Record<Literal['type'], Type>> = { INTEGER: Type.Int, BIGINT: Type.Int, VARCHAR: Type.Utf8 };

/** The literals of `SELECT <literal> [AS name], …` and nothing else, or undefined. */
function literalRow(statement: JsonObject): Literal[] | undefined {
  const node = statement.node;
  if (!isObject(node) || node.type !== 'SELECT_NODE') return undefined;
  const params = statement.named_param_map;
  if (Array.isArray(params) && params.length > 0) return undefined;
  const empty = (value: Json | undefined) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  const cteMap = node.cte_map;
  if (!isObject(cteMap) || !empty(cteMap.map)) return undefined;
  if (!empty(node.modifiers) || !empty(node.where_clause) || !empty(node.group_expressions) || !empty(node.group_sets)) return undefined;
  if (!empty(node.having) || !empty(node.qualify) || !empty(node.sample) || node.aggregate_handling !== 'STANDARD_HANDLING') return undefined;
  const from = node.from_table;
  if (!isObject(from) || from.type !== 'EMPTY') return undefined;
  if (!Array.isArray(node.select_list)) return undefined;
  const out: Literal[] = [];
  for (const item of node.select_list) {
    const literal = isObject(item) && item.class === 'CONSTANT' && isObject(item.value) ? literalOf(item.value) : undefined;
    if (!literal) return undefined;
    out.push(literal);
  }
  return out;
}

function literalOf(value: JsonObject): Literal | undefined {
  if (value.is_null !== false || !isObject(value.type) || value.type.type_info !== null) return undefined;
  const id = value.type.id;
  const raw = value.value;
  if (id === 'INTEGER' || id === 'BIGINT') {
    const n = exactInteger(raw);
    return n === undefined ? undefined : { type: id, value: n };
  }
  if (id === 'VARCHAR' && typeof raw === 'string') return { type: 'VARCHAR', value: raw };
  // TRUE/FALSE parse as casts of strings, like every typed literal: DuckDB runs those.
  return undefined;
}
