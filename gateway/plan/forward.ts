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
 *   concatenation, and without an ORDER BY any row order is the query's;
 * - the merge is a projection of columns with ORDER BY columns [LIMIT n] [OFFSET m]: each task
 *   sorts its own rows (and keeps its first n+m) and sends DuckDB's sort key of the ORDER BY
 *   as a last column; the gateway merges the sorted streams by that key's bytes, then
 *   applies OFFSET and LIMIT. Sorting a union is merging its sorted parts, and the first
 *   n+m rows of a union are among the first n+m of each part. The task sorts by the ORDER BY
 *   itself (its modifiers spelled out), which is cheaper for DuckDB than sorting by the key
 *   BLOB: the key orders as ORDER BY does (rows in ORDER BY order have non-decreasing keys,
 *   sort-key.test.ts), so each stream is in key order up to ORDER BY peers, and a merge by
 *   key of streams sorted that way is in ORDER BY order.
 */
import { integerConstant, quoteIdent, type Json, type JsonObject, type OrderItem } from '../sql/duckdb-ast.ts';
import type { ColumnSpec, DistributedPlan, OrderedForward } from './plan.ts';
import { sortKeyModifier, sortKeySql, sortKeyType } from './sort-key.ts';

/** The hidden last column of an ordered forwarded stage: its ORDER BY's sort key. */
export const SORT_KEY_COLUMN = '__pondgate_sort_key';

/**
 * The hidden ORDER BY keys (h0, h1 …) a stage adds for keys that are not output columns, in
 * order, as DuckDB describes them (the expression's text and type); undefined when unknown.
 */
export type HiddenKeys = () => Promise<readonly ColumnSpec[] | undefined>;

/**
 * The plan with its merge forwarded when it can be: run inside a one-task or row-wise stage
 * (fuseFinalMerge), else as an ordered merge of the stage's sorted tasks (fuseOrderedMerge).
 */
export async function forwardMerge(plan: DistributedPlan, mergeNode: JsonObject, hiddenKeys: HiddenKeys = async () => undefined): Promise<DistributedPlan> {
  const fused = fuseFinalMerge(plan, isRowwiseMerge(mergeNode));
  if (fused.forward) return fused;
  const shape = orderedMergeShape(mergeNode, gatewayRelation(plan) ?? '');
  if (!shape) return plan;
  // Asked only when a key is not an output column: it costs a bind on the gateway.
  const hidden = shape.orders.some((o) => !shape.columns.some((c) => c.source === o.column)) ? await hiddenKeys() : [];
  return fuseOrderedMerge(plan, mergeNode, hidden ?? []) ?? plan;
}

function gatewayRelation(plan: DistributedPlan): string | undefined {
  const toGateway = plan.stages.filter((s) => s.output.kind === 'gateway');
  const output = toGateway.length === 1 ? toGateway[0].output : undefined;
  return output?.kind === 'gateway' ? output.relation : undefined;
}

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

/**
 * The plan with its merge run in its one gateway-bound stage's tasks as a sorted stream each,
 * merged on the gateway; undefined unless the merge is exactly `SELECT columns FROM relation
 * ORDER BY columns [LIMIT n] [OFFSET m]` over a stage of several tasks and every key's type has
 * a sort key that orders as ORDER BY does (sort-key.ts). A key that is no output column is one
 * of the stage's hidden keys h0, h1 …, described by `hidden`.
 */
export function fuseOrderedMerge(plan: DistributedPlan, mergeNode: JsonObject, hidden: readonly ColumnSpec[] = []): DistributedPlan | undefined {
  if (plan.strategy === 'gather') return undefined;
  const toGateway = plan.stages.filter((s) => s.output.kind === 'gateway');
  if (toGateway.length !== 1) return undefined;
  const stage = toGateway[0];
  if (stage.output.kind !== 'gateway' || stage.tasks < 2) return undefined;
  const shape = orderedMergeShape(mergeNode, stage.output.relation);
  if (!shape || shape.columns.length !== plan.columns.length) return undefined;
  const keys: { sql: string; modifier: string; name: string }[] = [];
  for (const order of shape.orders) {
    // The key's type is its output column's (the merge selects the stage's columns unchanged),
    // or the hidden key's.
    const index = shape.columns.findIndex((c) => c.source === order.column);
    const hiddenIndex = /^h(\d+)$/.exec(order.column);
    const column: ColumnSpec | undefined = index >= 0 ? plan.columns[index] : hiddenIndex ? hidden[Number(hiddenIndex[1])] : undefined;
    const modifier = sortKeyModifier(order.item);
    if (column?.type === undefined || modifier === undefined || !sortKeyType(column.type)) return undefined;
    // Qualified: in the task's ORDER BY a bare name would mean an output column of that name first.
    keys.push({ sql: `${quoteIdent(stage.output.relation)}.${quoteIdent(order.column)}`, modifier, name: index >= 0 ? quoteIdent(column.name) : column.name });
  }
  if (plan.columns.some((c) => c.name.toLowerCase() === SORT_KEY_COLUMN)) return undefined;
  // Named as the client's columns (a gathered merge may leave an alias out).
  const select = shape.columns.map((c, i) => `${quoteIdent(c.source)} AS ${quoteIdent(plan.columns[i].name)}`);
  const perTask = shape.limit !== undefined ? ` LIMIT ${shape.limit + shape.offset}` : '';
  const order = keys.map((k) => `${k.sql} ${k.modifier}`).join(', ');
  const inner = stage.sql.replace(/[\s;]+$/, '');
  const fused = `SELECT ${select.join(', ')}, ${sortKeySql(keys)} AS ${quoteIdent(SORT_KEY_COLUMN)} FROM (\n${inner}\n) AS ${quoteIdent(stage.output.relation)} ORDER BY ${order}${perTask}`;
  const ordered: OrderedForward = {
    keys: keys.map((k) => `${k.name} ${k.modifier}`).join(', '),
    ...(shape.limit !== undefined ? { limit: shape.limit } : {}),
    offset: shape.offset,
  };
  return {
    ...plan,
    stages: plan.stages.map((s) => (s === stage ? { ...s, sql: fused, role: `${s.role} + sort` } : s)),
    forward: { stageId: stage.id, ordered },
  };
}

interface OrderedMergeShape {
  /** The select list: a column of the relation and its output name. */
  readonly columns: readonly { readonly source: string; readonly alias: string }[];
  readonly orders: readonly { readonly column: string; readonly item: OrderItem }[];
  readonly limit?: number;
  readonly offset: number;
}

/** `SELECT c AS x, … FROM relation ORDER BY c [ASC|DESC] [NULLS …], … [LIMIT n] [OFFSET m]`, or undefined. */
export function orderedMergeShape(node: JsonObject, relation: string): OrderedMergeShape | undefined {
  if (node.type !== 'SELECT_NODE') return undefined;
  const from = node.from_table as JsonObject | null;
  if (!from || from.type !== 'BASE_TABLE' || from.table_name !== relation || (from.sample ?? null) !== null) return undefined;
  const ctes = (node.cte_map as { map?: unknown[] } | undefined)?.map ?? [];
  if (
    node.where_clause !== null ||
    node.having !== null ||
    node.qualify !== null ||
    (node.sample ?? null) !== null ||
    ((node.group_expressions as unknown[] | undefined)?.length ?? 0) !== 0 ||
    (node.aggregate_handling !== undefined && node.aggregate_handling !== 'STANDARD_HANDLING') ||
    ctes.length !== 0
  ) {
    return undefined;
  }
  const list = node.select_list as JsonObject[];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const columns: { source: string; alias: string }[] = [];
  for (const item of list) {
    const name = plainColumn(item);
    if (name === undefined || typeof item.alias !== 'string') return undefined;
    columns.push({ source: name, alias: item.alias === '' ? name : item.alias });
  }
  // The task's ORDER BY names the key column: no output column may share its name.
  if (columns.some((c) => c.alias.toLowerCase() === SORT_KEY_COLUMN || c.source.toLowerCase() === SORT_KEY_COLUMN)) return undefined;
  const modifiers = (node.modifiers as JsonObject[] | undefined) ?? [];
  let orders: { column: string; item: OrderItem }[] | undefined;
  let limit: number | undefined;
  let offset = 0;
  for (const modifier of modifiers) {
    if (modifier.type === 'ORDER_MODIFIER' && orders === undefined && Array.isArray(modifier.orders)) {
      orders = [];
      for (const item of modifier.orders as OrderItem[]) {
        const column = plainColumn(item.expression);
        if (column === undefined) return undefined;
        orders.push({ column, item });
      }
    } else if (modifier.type === 'LIMIT_MODIFIER') {
      const limitNode = (modifier.limit ?? null) as Json;
      const offsetNode = (modifier.offset ?? null) as Json;
      const n = limitNode === null ? undefined : integerConstant(limitNode);
      const m = offsetNode === null ? 0 : integerConstant(offsetNode);
      if ((limitNode !== null && (n === undefined || n < 0)) || m === undefined || m < 0) return undefined;
      limit = n;
      offset = m;
    } else {
      // DISTINCT, LIMIT PERCENT, a second ORDER BY …: not a plain sort.
      return undefined;
    }
  }
  if (orders === undefined || orders.length === 0) return undefined;
  return { columns, orders, ...(limit !== undefined ? { limit } : {}), offset };
}

/** The name of a one-part column reference, else undefined. */
function plainColumn(node: Json | undefined): string | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const names = node.column_names;
  if (node.class !== 'COLUMN_REF' || !Array.isArray(names) || names.length !== 1 || typeof names[0] !== 'string') return undefined;
  return names[0];
}
