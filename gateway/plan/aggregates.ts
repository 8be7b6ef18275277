/**
 * Aggregate decomposition: how an aggregate splits into partial aggregates the
 * workers compute per partition and a final expression the gateway computes
 * over the partials (the rules Citus and Trino use). One exhaustive table;
 * an aggregate not in it is "not decomposable" and the planner gathers rows
 * instead, which is slower but gives the same answer.
 */
import {
  functionCall,
  operatorCall,
  integerLiteral,
  type ColumnRefNode,
  type ExpressionNode,
  type FunctionNode,
} from '../sql/duckdb-ast.ts';

export type DecomposableAggregate = 'count_star' | 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface Decomposition {
  /** Partial aggregates over one partition, in the order `final` receives their columns. */
  readonly partials: readonly FunctionNode[];
  /** Final expression over the partial columns (before the cast to the original result type). */
  final(partialColumns: readonly ColumnRefNode[]): ExpressionNode;
  /** BIGINT counts must come back as BIGINT: sum(BIGINT) would be HUGEINT. */
  readonly castToBigint: boolean;
}

const ALIASES: Readonly<Record<string, DecomposableAggregate>> = {
  count_star: 'count_star',
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  avg: 'avg',
  mean: 'avg',
};

export type DecomposeResult = { readonly ok: true; readonly decomposition: Decomposition } | { readonly ok: false; readonly reason: string };

export function decompose(call: FunctionNode): DecomposeResult {
  const kind = ALIASES[call.function_name.toLowerCase()];
  if (!kind || call.schema !== '') return { ok: false, reason: `aggregate ${call.function_name} is not decomposable yet` };
  if (call.distinct) return { ok: false, reason: `${call.function_name}(DISTINCT …) needs all rows of a group` };
  if (call.filter !== null) return { ok: false, reason: `${call.function_name}(…) FILTER is not decomposed yet` };
  if (call.order_bys.orders.length > 0) return { ok: false, reason: `${call.function_name}(… ORDER BY …) is order-sensitive` };
  if (call.export_state) return { ok: false, reason: 'EXPORT_STATE aggregates are not decomposed' };
  const args = call.children;
  switch (kind) {
    case 'count_star':
      return ok([functionCall('count_star', [])], ([c]) => coalesceZero(sum(c)), true);
    case 'count':
      if (args.length !== 1) return { ok: false, reason: 'count with several arguments' };
      return ok([functionCall('count', args)], ([c]) => coalesceZero(sum(c)), true);
    case 'sum':
      if (args.length !== 1) return { ok: false, reason: 'sum with several arguments' };
      return ok([functionCall('sum', args)], ([s]) => sum(s), false);
    case 'min':
    case 'max':
      // min(x, n) / max(x, n) return lists of the n smallest/largest: not decomposed here.
      if (args.length !== 1) return { ok: false, reason: `${kind} with several arguments` };
      return ok([functionCall(kind, args)], ([m]) => functionCall(kind, [m]), false);
    case 'avg':
      if (args.length !== 1) return { ok: false, reason: 'avg with several arguments' };
      return ok(
        [functionCall('sum', args), functionCall('count', args)],
        ([s, c]) => operatorCall('/', [sum(s), functionCall('nullif', [sum(c), integerLiteral(0)])]),
        false,
      );
  }
}

function ok(partials: FunctionNode[], final: (columns: readonly ColumnRefNode[]) => ExpressionNode, castToBigint: boolean): DecomposeResult {
  return { ok: true, decomposition: { partials, final, castToBigint } };
}

const sum = (column: ExpressionNode): FunctionNode => functionCall('sum', [column]);
// COALESCE is an operator node in DuckDB's tree, not a function call.
const coalesceZero = (expression: ExpressionNode): ExpressionNode => ({
  class: 'OPERATOR',
  type: 'OPERATOR_COALESCE',
  alias: '',
  query_location: 0,
  children: [expression, integerLiteral(0)],
});
