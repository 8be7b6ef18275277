/**
 * Forwarded results: when the merge on the gateway would only reread one stage's rows, the
 * merge SQL runs inside that stage's task instead, and the task's rows go to the client as
 * they arrive — no private database, no load into the gateway's DuckDB, no second pass.
 *
 * That is exact in two cases:
 * - the stage has one task: the merge over its rows is the merge over the task's rows, and
 *   the task streams them in the merge's order (ORDER BY, LIMIT and all);
 * - the merge is row-wise (a projection of columns, no DISTINCT, ORDER BY, LIMIT, WHERE or
 *   aggregate): applying it per task and concatenating equals applying it to the
 *   concatenation, and without an ORDER BY any row order is the query's.
 */
import type { JsonObject } from '../sql/duckdb-ast.ts';
import type { DistributedPlan } from './plan.ts';

/** The plan with its merge moved into the one gateway-bound stage, or the plan unchanged. */
export function fuseFinalMerge(plan: DistributedPlan, mergeIsRowwise: boolean): DistributedPlan {
  if (plan.strategy === 'gather') return plan;
  const toGateway = plan.stages.filter((s) => s.output.kind === 'gateway');
  if (toGateway.length !== 1) return plan;
  const stage = toGateway[0];
  if (stage.output.kind !== 'gateway') return plan;
  if (stage.tasks !== 1 && !mergeIsRowwise) return plan;
  const fused = substituteRelation(plan.mergeSql, stage.output.relation, stage.sql);
  if (fused === undefined) return plan;
  return {
    ...plan,
    stages: plan.stages.map((s) => (s === stage ? { ...s, sql: fused, role: `${s.role} + merge` } : s)),
    forward: { stageId: stage.id },
  };
}

/**
 * `merge` with its one reference to `relation` replaced by `(stageSql) AS relation`; undefined
 * when the name does not occur exactly once (then the text alone cannot say which is the reference).
 */
export function substituteRelation(merge: string, relation: string, stageSql: string): string | undefined {
  const pattern = new RegExp(`"${relation}"|\\b${relation}\\b`, 'g');
  const matches = [...merge.matchAll(pattern)];
  if (matches.length !== 1) return undefined;
  const at = matches[0].index;
  const inner = stageSql.replace(/[\s;]+$/, '');
  return `${merge.slice(0, at)}(\n${inner}\n) AS ${relation}${merge.slice(at + matches[0][0].length)}`;
}

/** A SELECT of plain column references from one base table, with nothing else to apply. */
export function isRowwiseMerge(node: JsonObject): boolean {
  if (node.type !== 'SELECT_NODE') return false;
  const from = node.from_table as JsonObject | null;
  if (!from || from.type !== 'BASE_TABLE') return false;
  const list = node.select_list as JsonObject[];
  if (!Array.isArray(list) || !list.every((e) => e.class === 'COLUMN_REF')) return false;
  const modifiers = node.modifiers as unknown[];
  const ctes = (node.cte_map as { map?: unknown[] } | undefined)?.map ?? [];
  return (
    (modifiers?.length ?? 0) === 0 &&
    node.where_clause === null &&
    node.having === null &&
    node.qualify === null &&
    (node.sample ?? null) === null &&
    ((node.group_expressions as unknown[] | undefined)?.length ?? 0) === 0 &&
    (node.aggregate_handling === undefined || node.aggregate_handling === 'STANDARD_HANDLING') &&
    ctes.length === 0
  );
}
