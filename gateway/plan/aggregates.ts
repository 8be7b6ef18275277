/**
 * Aggregate decomposition: one exhaustive table of how each aggregate splits
 * into partial aggregates the tasks compute over their rows and a final
 * expression over those partials (the rules Citus and Trino use). An aggregate
 * missing from the table is `holistic`: its groups must be completed in one
 * task (an exchange on the group keys) or gathered, never approximated.
 */
import {
  functionCall,
  integerLiteral,
  operatorCall,
  type ColumnRefNode,
  type ExpressionNode,
  type FunctionNode,
  type Json,
} from '../sql/duckdb-ast.ts';

export type AggregateRule =
  | 'count' // count(x), count(*), count_if: partial count, final coalesce(sum, 0) as BIGINT
  | 'same' // sum, min, max, bool_and/or, bit_and/or/xor, product, fsum: the same aggregate again
  | 'avg' // sum and count, final sum / sum
  | 'variance' // n, mean, M2 per task, combined exactly (Chan et al.), never by sums of squares
  | 'arg' // arg_min/arg_max (min_by/max_by): partial arg and extreme, final arg over the extremes
  | 'any' // any_value/arbitrary/first/last: any row's value is the answer
  | 'holistic'; // median, quantiles, mode, ordered string_agg/list, approx_*, DISTINCT …

const RULES: Readonly<Record<string, AggregateRule>> = {
  count_star: 'count',
  count: 'count',
  count_if: 'count',
  countif: 'count',
  sum: 'same',
  min: 'same',
  max: 'same',
  bool_and: 'same',
  bool_or: 'same',
  every: 'same',
  bit_and: 'same',
  bit_or: 'same',
  bit_xor: 'same',
  product: 'same',
  fsum: 'same',
  sumkahan: 'same',
  kahan_sum: 'same',
  avg: 'avg',
  mean: 'avg',
  var_samp: 'variance',
  var_pop: 'variance',
  variance: 'variance',
  stddev: 'variance',
  stddev_samp: 'variance',
  stddev_pop: 'variance',
  arg_min: 'arg',
  arg_max: 'arg',
  argmin: 'arg',
  argmax: 'arg',
  min_by: 'arg',
  max_by: 'arg',
  any_value: 'any',
  arbitrary: 'any',
  first: 'any',
};

export function ruleOf(call: FunctionNode): AggregateRule {
  const rule = RULES[call.function_name.toLowerCase()];
  if (!rule || call.schema !== '' || call.export_state) return 'holistic';
  if (call.order_bys.orders.length > 0) return 'holistic';
  if (call.distinct) return rule === 'same' && /^(min|max|bool_and|bool_or|every|bit_and|bit_or)$/i.test(call.function_name) ? 'same' : 'holistic';
  return rule;
}

/** Window columns the final step of a variance needs over the partials (per group). */
export interface VarianceWindow {
  readonly count: string;
  readonly mean: string;
}

export interface Decomposition {
  /** Partial aggregates over a task's rows, in the order `final` receives their columns. */
  readonly partials: readonly FunctionNode[];
  /** Final expression over the partial columns (before the cast to the original result type). */
  final(columns: readonly ColumnRefNode[], window: (partialCount: ColumnRefNode, partialMean: ColumnRefNode) => VarianceWindow): ExpressionNode;
  /** Per-group window sums the final needs (variance only): pairs of partial column indexes (count, mean). */
  readonly needsWindow: boolean;
}

export type DecomposeResult = { readonly ok: true; readonly decomposition: Decomposition } | { readonly ok: false; readonly reason: string };

export function decompose(call: FunctionNode): DecomposeResult {
  const rule = ruleOf(call);
  const name = call.function_name.toLowerCase();
  const args = call.children;
  const filter = call.filter;
  // FILTER (WHERE …) applies to every partial: rows it drops never reach the final step.
  const partial = (fn: string, children: ExpressionNode[]): FunctionNode => ({ ...functionCall(fn, children), filter, distinct: call.distinct });
  switch (rule) {
    case 'count':
      if (name === 'count' && args.length !== 1) return { ok: false, reason: 'count with several arguments' };
      return ok([partial(name, args)], ([c]) => bigint(coalesceZero(fn('sum', c))));
    case 'same':
      if (args.length !== 1 && !(name === 'product' || name === 'fsum')) return { ok: false, reason: `${name} with several arguments` };
      // DISTINCT does not change min/max/bool/bit results: the final step needs none.
      return ok([partial(name, args)], ([m]) => fn(name === 'count_if' ? 'sum' : name, m));
    case 'avg':
      if (args.length !== 1) return { ok: false, reason: 'avg with several arguments' };
      return ok([partial('sum', args), partial('count', args)], ([s, c]) => operatorCall('/', [fn('sum', s), functionCall('nullif', [fn('sum', c), integerLiteral(0)])]));
    case 'variance': {
      if (args.length !== 1) return { ok: false, reason: `${name} with several arguments` };
      const population = name === 'var_pop' || name === 'stddev_pop';
      const root = name.startsWith('stddev');
      return {
        ok: true,
        decomposition: {
          // n, mean and M2 (= var_pop · n) of each task's rows, as DuckDB computes them stably.
          partials: [partial('count', args), partial('avg', args), ({ ...functionCall('*', [partial('var_pop', args), partial('count', args)]), is_operator: true } as unknown) as FunctionNode],
          needsWindow: true,
          final: ([n, mean, m2], window) => {
            const w = window(n, mean);
            // M2 = Σ M2_i + Σ n_i (mean_i − mean)²: differences of means, no cancelling sums of squares.
            const spread = fn('sum', operatorCall('+', [m2, operatorCall('*', [n, operatorCall('*', [operatorCall('-', [mean, ref(w.mean)]), operatorCall('-', [mean, ref(w.mean)])])])]));
            const count = fn('sum', n);
            const denominator = population ? count : operatorCall('-', [count, integerLiteral(1)]);
            // DuckDB: var_pop of no rows and var_samp of fewer than two are NULL.
            const guard = population ? integerLiteral(0) : integerLiteral(1);
            const variance = caseWhen(operatorCall('>', [count, guard]), operatorCall('/', [spread, cast(denominator, 'DOUBLE')]));
            return root ? functionCall('sqrt', [variance]) : variance;
          },
        },
      };
    }
    case 'arg': {
      if (args.length !== 2) return { ok: false, reason: `${name} with a count argument returns lists` };
      const extreme = /max/.test(name) ? 'max' : 'min';
      const canonical = /max/.test(name) ? 'arg_max' : 'arg_min';
      return ok([partial(canonical, args), partial(extreme, [args[1]])], ([a, e]) => fn(canonical, a, e));
    }
    case 'any':
      return ok([partial(name, args)], ([v]) => fn(name, v));
    case 'holistic':
      return { ok: false, reason: `${call.distinct ? `${name}(DISTINCT …)` : name}${call.order_bys.orders.length > 0 ? ' with ORDER BY' : ''} needs all rows of a group together` };
  }
}

function ok(partials: FunctionNode[], final: (columns: readonly ColumnRefNode[]) => ExpressionNode): DecomposeResult {
  return { ok: true, decomposition: { partials, final: (columns) => final(columns), needsWindow: false } };
}

const fn = (name: string, ...children: ExpressionNode[]): FunctionNode => functionCall(name, children);

const ref = (name: string): ColumnRefNode => ({ class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: [name] });

// COALESCE is an operator node in DuckDB's tree, not a function call.
const coalesceZero = (expression: ExpressionNode): ExpressionNode => ({
  class: 'OPERATOR',
  type: 'OPERATOR_COALESCE',
  alias: '',
  query_location: 0,
  children: [expression, integerLiteral(0)],
});

export function cast(expression: ExpressionNode, type: string): ExpressionNode {
  return { class: 'CAST', type: 'OPERATOR_CAST', alias: '', query_location: 0, child: expression, cast_type: { id: type, type_info: null }, try_cast: false };
}

const bigint = (expression: ExpressionNode): ExpressionNode => cast(expression, 'BIGINT');

function caseWhen(condition: ExpressionNode, then: ExpressionNode): ExpressionNode {
  return {
    class: 'CASE',
    type: 'CASE_EXPR',
    alias: '',
    query_location: 0,
    case_checks: [{ when_expr: condition, then_expr: then }] as unknown as Json[],
    else_expr: { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', query_location: 0, value: { type: { id: 'NULL', type_info: null }, is_null: true } },
  };
}
