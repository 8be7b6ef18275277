/**
 * The distributed planner: turns a client's SELECT (DuckDB's parse tree) into
 * a DAG of stages whose union of results, finished by a merge on the gateway,
 * is exactly single-node DuckDB's answer.
 *
 *   1. analysis (analysis.ts)       binds columns to relations, finds joins and subqueries;
 *   2. cuts                         CTEs read twice, and subqueries that cannot run inside a
 *                                   split stage, become stages of their own (materialized to
 *                                   scratch files, read whole or by bucket);
 *   3. placement (placement.ts)     which relations each stage splits and how (own layout,
 *                                   exchange, materialized buckets), which it broadcasts —
 *                                   proved correct by distribution.ts, chosen by cost;
 *   4. finishing                    what the merge still does: nothing but ORDER BY/LIMIT
 *                                   (rows complete per task), the final step of split
 *                                   aggregates (split-aggregate.ts), a final DISTINCT, or —
 *                                   for what splits no other way — the block's post-WHERE
 *                                   part over gathered rows;
 *   5. stages                       each stage's SQL is a substituted copy of the client's
 *                                   own tree (substitute.ts), so DuckDB binds it alike.
 *
 * What no rule covers runs as `delegate`: the whole query, one task, one worker, over all
 * the files. Queries that mix catalog relations (pg_catalog …) with user tables `gather`
 * the user tables' columns to the gateway, which has the catalog.
 */
import { BUCKET_COLUMN } from '../../src/cluster/messages.ts';
import { findTable, type Manifest, type TableEntry } from '../../src/storage/manifest.ts';
import {
  analyze,
  blocksOf,
  boundColumn,
  type Analysis,
  type Block,
  type CteInfo,
  type QueryInfo,
  type Relation,
  type SubqueryUse,
} from './analysis.ts';
import { groupKeyColumns, hasAggregate, type Pending } from './distribution.ts';
import { partitionRange } from './stats.ts';
import { describeFamily, taskSql, type Family } from './families.ts';
import { pinnedValues, pushableConjuncts } from './pushdown.ts';
import { mentionedNames, neededColumns, place, sourceColumn, type MaterializedInfo, type Placement, type PlacementSettings } from './placement.ts';
import type { ColumnSpec, DistributedPlan, QueryPlan, Stage, StageInput, StageOutput } from './plan.ts';
import { PARTIALS_RELATION, aggregatesSplittable, canonical, splitAggregate, type SplitAggregate } from './split-aggregate.ts';
import { selectAllFrom, Substituter, withAlias, type RelationInput, type Substitutions } from './substitute.ts';
import { forwardMerge, fuseFinalMerge } from './forward.ts';
import { keyLookupOf } from './key-lookup.ts';
import { decorrelate } from './decorrelate.ts';
import { topNHazard } from './top-n-hazard.ts';
import {
  baseTable,
  clone,
  columnRef,
  integerConstant,
  integerLiteral,
  isColumnRef,
  isFunction,
  isObject,
  varcharLiteral,
  quoteIdent,
  some,
  walk,
  type ExpressionNode,
  type Json,
  type JsonObject,
  type ModifierNode,
  type OrderItem,
  type SelectNode,
} from '../sql/duckdb-ast.ts';

export interface PlannerSettings extends PlacementSettings {
  /** `SET pondgate.distributed = off`: every query over tables runs as `delegate`. */
  readonly distributed: boolean;
  /**
   * `SET pondgate.decorrelate = on`: correlated EXISTS and compared scalar aggregates become joins
   * with grouped derived tables (decorrelate.ts). Off by default: it wins when the outer side reaches
   * most groups, but loses badly when the inner side is broadcast and the outer side reaches few
   * (TPC-H Q17, ten times slower); see docs/architecture.md.
   */
  readonly decorrelate: boolean;
}

export const DEFAULT_PLANNER_SETTINGS: PlannerSettings = {
  distributed: true,
  decorrelate: false,
  broadcastLimitBytes: Number.POSITIVE_INFINITY,
  joinStrategy: 'auto',
};

export interface PlannerContext {
  readonly manifest: Manifest;
  /** Names of DuckDB's aggregate functions (lower case). */
  readonly aggregateNames: ReadonlySet<string>;
  readonly settings: PlannerSettings;
  /** DuckDB's library version on the gateway and the workers. */
  readonly duckdbVersion: string;
  /** Task slots of the live workers. */
  readonly slots: number;
  /** Renders a query node (SELECT or set operation) back to SQL. */
  render(node: JsonObject): Promise<string>;
  /** Renders several query nodes in one round trip. */
  renderAll(nodes: readonly JsonObject[]): Promise<string[]>;
  /** Parses one SELECT statement into its tree (for templates). */
  parse(sql: string): Promise<JsonObject>;
  /** Result columns of `sql` over the gateway's empty copies of the catalog tables; throws DuckDB's error. */
  describe(sql: string): Promise<ColumnSpec[]>;
  /**
   * Bind each split aggregate's final step over its partial rows while planning, and fail the
   * query if it does not (tests: PONDGATE_PLAN_CHECK=1). Off, a plan with a split aggregate carries
   * its `delegate` fallback instead, which the engine runs should a stage not bind after all.
   */
  readonly proveSplits: boolean;
  /** Whether `sql` binds (over the catalog's empty tables): the split aggregate's proof. */
  binds(sql: string): Promise<boolean>;
  /** A CAST node to `type`, with `child` as its operand. */
  castTo(type: string, child: ExpressionNode): Promise<ExpressionNode>;
  /** The buckets `hash(CAST(value AS keyType)) % buckets` of each value (text), as DuckDB computes them. */
  hashBuckets(values: readonly string[], keyType: string, buckets: number): Promise<number[]>;
  /** The statement's clock, read once on the gateway in the session's time zone (DuckDB's text of each). */
  clock(): Promise<{ readonly timestamptz: string; readonly date: string; readonly timestamp: string }>;
}

/**
 * Tests only, off unless set: every split aggregate's final step reads a column that does not
 * exist, so that a test sees the engine run the plan's `delegate` fallback
 * (test/cluster/split-fallback.test.ts).
 */
const BREAK_SPLITS = process.env.PONDGATE_TEST_BREAK_SPLITS === '1';

/** A planner rule that cannot prove its rewrite: the query runs as `delegate` instead. */
export class PlanFailure extends Error {}

/**
 * Plans a parsed SELECT. `columns` are its result columns when the caller bound it already
 * (DuckDB's describe of `sql` over the catalog's empty tables); otherwise they are bound here.
 */
export async function planQuery(statement: JsonObject, sql: string, context: PlannerContext, bound?: readonly ColumnSpec[]): Promise<QueryPlan> {
  const plan = await planStatement(statement, sql, context, bound);
  return topNHazard(statement) ? withoutTopN(plan) : plan;
}

/** The plan, its fallback and its SQL run with DuckDB's top-N optimizer off (top-n-hazard.ts). */
function withoutTopN(plan: QueryPlan): QueryPlan {
  if (plan.kind === 'local') return { ...plan, withoutTopN: true };
  const fallback = plan.fallback;
  return {
    ...plan,
    withoutTopN: true,
    notes: [...plan.notes, "DuckDB's top-N optimizer is off for this statement (a LIMIT over an outer join or subquery: see src/duckdb/top-n-guard.ts)"],
    ...(fallback ? { fallback: async () => withoutTopN(await fallback()) as DistributedPlan } : {}),
  };
}

async function planStatement(statement: JsonObject, sql: string, context: PlannerContext, bound?: readonly ColumnSpec[]): Promise<QueryPlan> {
  const tree = clone(statement);
  resolveGroupByAll(tree, context.aggregateNames);
  // Correlated EXISTS and scalar aggregates as joins with grouped derived tables (decorrelate.ts).
  if (context.settings.decorrelate) decorrelate(tree, context.manifest, context.aggregateNames);
  // Every reference to a catalog table, wherever it is (the analysis does not enter recursive CTEs,
  // PIVOT …): a query that reads one never runs on the gateway's empty copies.
  const referenced = catalogTableNodes(tree, context.manifest);
  const analysis = analyze(tree, context.manifest);
  const tables = analysis.relations.filter((r) => r.kind === 'table');
  if (referenced.size === 0 && tables.length === 0) return { kind: 'local', sql, reason: 'no catalog tables' };
  const columns = bound ?? (await context.describe(sql));
  if (analysis.foreignRelations > 0) return planGather(tree, tables, columns, context);
  if (!context.settings.distributed) return planDelegate(tree, analysis, columns, context, ['pondgate.distributed is off']);
  const covered = new Set(tables.map((r) => r.node));
  const uncovered = [...referenced.keys()].filter((node) => !covered.has(node));
  if (uncovered.length > 0) return planDelegate(tree, analysis, columns, context, ['a table is read where the planner does not split (a recursive CTE …)'], new Map(uncovered.map((n) => [n, referenced.get(n)!])));
  // Each task would draw its own random numbers: one evaluation needs one task.
  const volatile = volatileFunction(tree);
  if (volatile) return planDelegate(tree, analysis, columns, context, [`${volatile}() is evaluated once per query`]);
  // A collation lives in the expression's type, which the rows lose on their way to a merge:
  // grouping or ordering them again would compare them as plain bytes.
  if (some(tree, (o) => o.class === 'COLLATE')) return planDelegate(tree, analysis, columns, context, ['COLLATE is applied in one task']);
  // now() and friends: one reading of the clock for every task, taken here.
  await inlineClock(tree, analysis, context);
  const builder = new PlanBuilder(analysis, context, mentionedNames(tree));
  try {
    const built = await builder.top(columns);
    const keyLookup = keyLookupOf(analysis, built);
    const plan = keyLookup ? { ...built, keyLookup } : built;
    if (!builder.unprovenSplit) return plan;
    // Built only if needed, from the same tree (the builder does not change it) and manifest version.
    return { ...plan, fallback: () => planDelegate(tree, analysis, columns, context, ['a stage of the distributed plan did not bind: the whole query ran in one task']) };
  } catch (error) {
    if (!(error instanceof PlanFailure)) throw error;
    if (process.env.PONDGATE_DEBUG_PLANNER) process.stderr.write(`delegate: ${error.message}\n`);
    return planDelegate(tree, analysis, columns, context, [`not distributed: ${error.message}`]);
  }
}

// ---------------------------------------------------------------- the builder

type Target =
  | { readonly kind: 'files' }
  | { readonly kind: 'buckets'; readonly family: Family; readonly tasks: number; readonly column: number; readonly type: string };

/** What a stage still leaves to do after it: the merge of its tasks' rows. */
type Finish =
  /** Rows are final; the merge applies ORDER BY (output positions or hidden keys h0…) and LIMIT/OFFSET. */
  | { readonly kind: 'rows'; readonly distinct: boolean; readonly order: readonly MappedOrder[]; readonly limit?: { readonly limit: number | undefined; readonly offset: number } }
  /** A SELECT over the stage's rows (relation PARTIALS_RELATION) finishes the query: split aggregates, gathered post-WHERE parts. */
  | {
      readonly kind: 'query';
      readonly node: SelectNode;
      readonly keys: readonly string[];
      readonly fromSql?: string;
      /** Few rows to finish (partial aggregates): a consumer that reads them whole may finish them itself. */
      readonly small: boolean;
    };

interface MappedOrder {
  readonly column: string;
  readonly item: OrderItem;
}

interface Materialized {
  readonly stageId: number;
  /** Set when the stage wrote unfinished rows: the consumer finishes them (see PlanBuilder.through). */
  readonly finish?: Produced;
  readonly columns?: readonly ColumnSpec[];
}

interface Produced {
  readonly sql: string;
  readonly inputs: StageInput[];
  readonly tasks: number;
  readonly dependsOn: number[];
  readonly role: string;
  /** Names of the stage's output columns (c0… for rows, g/a for partials, p… for gathered columns). */
  readonly outputs: readonly string[];
  readonly finish: Finish;
  readonly columns: readonly ColumnSpec[];
}

class PlanBuilder {
  private readonly stages: Stage[] = [];
  private readonly notes: string[] = [];
  private readonly substituter: Substituter;
  private readonly materializations = new Map<QueryInfo, Map<string, Materialized>>();
  private readonly describedCuts = new Map<QueryInfo, ColumnSpec[]>();
  private inputCounter = 0;
  private relationCounter = 0;
  /** Set when a split aggregate's final step was not bound while planning (PlannerContext.proveSplits). */
  unprovenSplit = false;

  constructor(
    private readonly analysis: Analysis,
    private readonly context: PlannerContext,
    /** Every name referenced anywhere in the statement: the columns a relation may have to provide. */
    private readonly mentioned: ReadonlySet<string>,
  ) {
    this.substituter = new Substituter(analysis);
  }

  async top(columns: readonly ColumnSpec[]): Promise<DistributedPlan> {
    const mergeNode = await this.toGateway(this.analysis.root, columns);
    const plan: DistributedPlan = {
      kind: 'distributed',
      strategy: 'distributed',
      stages: this.stages,
      mergeSql: await this.context.render(mergeNode),
      columns,
      notes: this.notes,
      manifestVersion: this.context.manifest.version,
    };
    return forwardMerge(plan, mergeNode, () => this.hiddenOrderKeys(columns));
  }

  /**
   * The top block's ORDER BY keys that are not output columns (the stage's hidden keys h0, h1 …),
   * described by DuckDB over the catalog's empty tables: the block with those keys as its select list.
   */
  private async hiddenOrderKeys(columns: readonly ColumnSpec[]): Promise<ColumnSpec[] | undefined> {
    const root = this.analysis.root;
    if (root.kind !== 'select') return undefined;
    const mapped = this.mapOrder(root.block, columns, orderModifier(root.node));
    if (!mapped || mapped.hidden.length === 0) return undefined;
    const probe: SelectNode = { ...clone(root.node), select_list: mapped.hidden.map((h) => ({ ...clone(h), alias: '' })), modifiers: [] };
    try {
      const described = await this.context.describe(await this.context.render(probe));
      return described.length === mapped.hidden.length ? described : undefined;
    } catch {
      return undefined;
    }
  }

  /** Plans `query` with its last stage streaming to the gateway; returns the merge query node. */
  private async toGateway(query: QueryInfo, columns: readonly ColumnSpec[]): Promise<JsonObject> {
    if (query.kind === 'setop') {
      if (query.ctes.length > 0) throw new PlanFailure('WITH on a set operation');
      const left = await this.toGateway(query.left, await this.describeQuery(query.left));
      const right = await this.toGateway(query.right, await this.describeQuery(query.right));
      return { ...query.node, left, right, cte_map: { map: [] } };
    }
    const produced = await this.produce(query, columns, 'gateway');
    if (query.kind === 'select') {
      const onWorkers = await this.finishOnWorkers(query.block, produced, columns);
      if (onWorkers) return onWorkers;
    }
    const relation = `__pondgate_r${this.relationCounter++}`;
    this.addStage(produced, { kind: 'gateway', relation });
    return this.finishNode(produced, relation, columns);
  }

  /**
   * Many groups (or a top-N of groups): the partial rows are exchanged by group key and a
   * finishing stage computes the final aggregates per bucket (and its top n+m), so the gateway
   * receives finished rows instead of every task's partial groups. Undefined when the final step
   * cannot run per bucket (windows over the groups, ROLLUP's grand totals, an ORDER BY key that
   * is not an output column) or when few groups are expected.
   */
  private async finishOnWorkers(block: Block, produced: Produced, columns: readonly ColumnSpec[]): Promise<SelectNode | undefined> {
    const finish = produced.finish;
    if (finish.kind !== 'query' || !finish.small || finish.keys.length === 0 || finish.fromSql) return undefined;
    const node = block.node;
    if (node.group_sets.length > 1 || node.qualify !== null || some(finish.node.select_list as unknown as Json, (o) => o.class === 'WINDOW')) return undefined;
    const limit = limitOf(node);
    if (limit === 'unsupported') return undefined;
    if (!manyGroups(block)) return undefined;
    const mapped = this.mapOrder(block, columns, orderModifier(node));
    if (!mapped || mapped.hidden.length > 0) return undefined;
    const buckets = Math.max(1, this.context.slots);
    const keys = finish.keys.map(quoteIdent).join(', ');
    const partialSql = `SELECT *, (hash(${keys}) % ${buckets}) AS ${quoteIdent(BUCKET_COLUMN)} FROM (\n${produced.sql}\n) AS __pondgate_p`;
    const partialStage = this.addStage({ ...produced, role: `${produced.role} (partial)` }, { kind: 'buckets', buckets, label: finish.keys.join(', ') }, partialSql);
    const finalNode = await this.finishNode(produced, PARTIALS_RELATION, columns);
    // Each bucket keeps its top n+m; the merge re-sorts and cuts.
    finalNode.modifiers = finalNode.modifiers
      .filter((m) => m.type === 'DISTINCT_MODIFIER' || m.type === 'ORDER_MODIFIER')
      .concat(limit && limit.limit !== undefined ? [{ type: 'LIMIT_MODIFIER', limit: integerLiteral(limit.limit + limit.offset), offset: null }] : []);
    const outputs = columns.map((_, i) => `c${i}`);
    const relation = `__pondgate_r${this.relationCounter++}`;
    const distinct = node.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER');
    const rows: Produced = {
      sql: wrapRows(await this.context.render(finalNode), outputs),
      inputs: [{ name: PARTIALS_RELATION, source: { kind: 'stage', stageId: partialStage, mode: 'bucket' }, split: true, label: `stage ${partialStage} by bucket` }],
      tasks: buckets,
      dependsOn: [partialStage],
      role: 'final aggregate',
      outputs,
      finish: { kind: 'rows', distinct, order: mapped.order, limit: limit ?? undefined },
      columns,
    };
    this.addStage(rows, { kind: 'gateway', relation });
    this.notes.push('final aggregate on the workers: partial rows exchanged by group key');
    return this.finishNode(rows, relation, columns);
  }

  /** The merge (or finishing stage) query over `relation` holding the produced rows. */
  private async finishNode(produced: Produced, relation: string, columns: readonly ColumnSpec[]): Promise<SelectNode> {
    const finish = produced.finish;
    if (finish.kind === 'query') {
      const node = clone(finish.node);
      node.from_table = finish.fromSql ? await this.subqueryFrom(finish.fromSql.replaceAll(PARTIALS_RELATION, quoteIdent(relation))) : baseTable(relation, '');
      return node;
    }
    const select: SelectNode = {
      ...selectAllFrom(relation),
      select_list: columns.map((c, i) => ({ ...columnRef(produced.outputs[i]), alias: c.name })),
      modifiers: [],
    };
    if (finish.distinct) select.modifiers.push({ type: 'DISTINCT_MODIFIER', distinct_on_targets: [] });
    if (finish.order.length > 0) {
      select.modifiers.push({ type: 'ORDER_MODIFIER', orders: finish.order.map((o) => ({ ...o.item, expression: columnRef(o.column) })) });
    }
    if (finish.limit) {
      select.modifiers.push({
        type: 'LIMIT_MODIFIER',
        limit: finish.limit.limit === undefined ? null : integerLiteral(finish.limit.limit),
        offset: finish.limit.offset > 0 ? integerLiteral(finish.limit.offset) : null,
      });
    }
    return select;
  }

  private async subqueryFrom(sql: string): Promise<JsonObject> {
    const parsed = await this.context.parse(sql);
    return { type: 'SUBQUERY', alias: '__pondgate_w', sample: null, query_location: 0, subquery: { node: parsed.node as Json, named_param_map: [] }, column_name_alias: [] };
  }

  private addStage(produced: Produced, output: StageOutput, sqlOverride?: string): number {
    const id = this.stages.length;
    this.stages.push({
      id,
      role: produced.role,
      sql: sqlOverride ?? produced.sql,
      inputs: produced.inputs,
      tasks: produced.tasks,
      output,
      dependsOn: [...new Set(produced.dependsOn)],
      skipEmptyTasks: produced.inputs.some((i) => i.split),
    });
    return id;
  }

  // ------------------------------------------------------------ materialized subqueries

  /**
   * Plans `query` to write its rows to scratch files (whole, or in the consumer's buckets); returns
   * the stage, and — for a whole result still to be finished (partial aggregates, a top-N) — the
   * final step the consumer runs over the files itself, which saves a stage.
   */
  private async materialize(query: QueryInfo, target: Target): Promise<Materialized> {
    const key = target.kind === 'files' ? 'files' : `${describeFamily(target.family)}:${target.tasks}:${target.column}`;
    const known = this.materializations.get(query)?.get(key);
    if (known !== undefined) return known;
    // Every file of a finished bucketed result is every row: a reader of the whole result can use it.
    if (target.kind === 'files') {
      const finished = [...(this.materializations.get(query)?.values() ?? [])].find((m) => !m.finish);
      if (finished) return finished;
    }
    const columns = await this.describeQuery(query);
    const produced = query.kind === 'setop' ? await this.produceSetop(query, columns) : await this.produce(query, columns, 'files');
    let result: Materialized;
    const finishable = produced.finish.kind === 'query' ? produced.finish.small : produced.finish.limit !== undefined || produced.finish.distinct;
    if (target.kind === 'files' && finishable) {
      const stageId = this.addStage({ ...produced, role: `${produced.role} (partial)` }, { kind: 'files' });
      result = { stageId, finish: produced, columns };
    } else if (produced.finish.kind === 'rows' && !produced.finish.limit && !produced.finish.distinct) {
      result = { stageId: this.addStage(produced, outputFor(target), wrapOutput(produced.sql, produced.outputs.slice(0, columns.length), target)) };
    } else {
      // A finishing stage: the partial rows go to it whole (or by group key), it writes the result.
      const keys = produced.finish.kind === 'query' ? produced.finish.keys : produced.finish.distinct ? [produced.outputs[0]] : [];
      const buckets = keys.length > 0 ? Math.max(1, this.context.slots) : 1;
      const partialSql = keys.length > 0
        ? `SELECT *, (hash(${keys.map(quoteIdent).join(', ')}) % ${buckets}) AS ${quoteIdent(BUCKET_COLUMN)} FROM (\n${produced.sql}\n) AS __pondgate_p`
        : produced.sql;
      const partialStage = this.addStage({ ...produced, role: `${produced.role} (partial)` }, keys.length > 0 ? { kind: 'buckets', buckets, label: keys.join(', ') } : { kind: 'files' }, partialSql);
      const relation = PARTIALS_RELATION;
      const finishNode = await this.finishNode(produced, relation, columns);
      const finishSql = await this.context.render(finishNode);
      const finish: Produced = {
        sql: finishSql,
        inputs: [{ name: relation, source: { kind: 'stage', stageId: partialStage, mode: keys.length > 0 ? 'bucket' : 'all' }, split: keys.length > 0, label: `stage ${partialStage}` + (keys.length > 0 ? ' by bucket' : ', all files') }],
        tasks: buckets,
        dependsOn: [partialStage],
        role: `finish ${produced.role}`,
        outputs: columns.map((_, i) => `c${i}`),
        finish: { kind: 'rows', distinct: false, order: [] },
        columns,
      };
      result = { stageId: this.addStage(finish, outputFor(target), wrapOutput(finishSql, columns.map((c) => c.name), target, true)) };
    }
    let byTarget = this.materializations.get(query);
    if (!byTarget) this.materializations.set(query, (byTarget = new Map()));
    byTarget.set(key, result);
    return result;
  }

  /** The final step a consumer runs over a materialized query's files (named `input`), if it has one. */
  private async through(materialized: Materialized, input: string): Promise<SelectNode | undefined> {
    if (!materialized.finish || !materialized.columns) return undefined;
    return this.finishNode(materialized.finish, input, materialized.columns);
  }

  /** A set operation inside a subquery: each side materialized, combined by one task. */
  private async produceSetop(query: Extract<QueryInfo, { kind: 'setop' }>, columns: readonly ColumnSpec[]): Promise<Produced> {
    if (query.ctes.length > 0 || (Array.isArray(query.node.modifiers) && query.node.modifiers.length > 0)) {
      throw new PlanFailure('a set operation with WITH, ORDER BY or LIMIT inside a subquery');
    }
    const leftResult = await this.materialize(query.left, { kind: 'files' });
    const rightResult = await this.materialize(query.right, { kind: 'files' });
    const left = leftResult.stageId;
    const right = rightResult.stageId;
    const names = columns.map((_, i) => `c${i}`);
    const l = this.inputName();
    const r = this.inputName();
    const side = async (result: Materialized, input: string) => (await this.through(result, input)) ?? selectAllFrom(input);
    const node = { ...query.node, left: await side(leftResult, l), right: await side(rightResult, r), cte_map: { map: [] }, modifiers: [] };
    return {
      sql: await this.context.render(node),
      inputs: [
        { name: l, source: { kind: 'stage', stageId: left, mode: 'all' }, split: false, label: `stage ${left}` },
        { name: r, source: { kind: 'stage', stageId: right, mode: 'all' }, split: false, label: `stage ${right}` },
      ],
      tasks: 1,
      dependsOn: [left, right],
      role: `${String(query.setopType).toLowerCase()}${query.all ? ' all' : ''}`,
      outputs: names,
      finish: { kind: 'rows', distinct: false, order: [] },
      columns,
    };
  }

  // ------------------------------------------------------------ one SELECT block

  private async produce(query: QueryInfo, columns: readonly ColumnSpec[], purpose: 'gateway' | 'files'): Promise<Produced> {
    if (query.kind === 'unsupported') throw new PlanFailure(query.reason);
    if (query.kind === 'setop') return this.produceSetop(query, columns);
    const block = query.block;
    if (block.node.sample !== null) throw new PlanFailure('SAMPLE');
    let cut = this.initialCuts(query);
    let placement = await this.tryPlace(query, cut, columns);
    if ('failure' in placement) {
      const more = new Set([...cut, ...cuttable(query)]);
      if (more.size > cut.size) {
        cut = more;
        placement = await this.tryPlace(query, cut, columns);
      }
    }
    if ('failure' in placement) throw new PlanFailure(placement.failure);
    const chosen = placement;
    this.notes.push(
      `${purpose === 'gateway' ? 'query' : 'subquery'}: ${chosen.tasks} task${chosen.tasks === 1 ? '' : 's'} in ${describeFamily(chosen.family)}` +
        (chosen.split.size > 0 ? `; split ${[...chosen.split.values()].map((s) => `${s.relation.qualifier}${s.column ? `.${s.column}` : ''} (${s.how})`).join(', ')}` : '') +
        (chosen.broadcast.length > 0 ? `; broadcast ${chosen.broadcast.map((r) => r.qualifier || 'subquery').join(', ')}` : ''),
    );
    const { inputs, subs, dependsOn, outerCtes } = await this.bindInputs(query, chosen, cut);
    return this.finishBlock(block, columns, chosen, inputs, { ...subs, outerCtes }, dependsOn, purpose);
  }

  private async tryPlace(query: QueryInfo, cut: ReadonlySet<QueryInfo>, columns: readonly ColumnSpec[]): Promise<Placement | { failure: string }> {
    const materialized = new Map<QueryInfo, MaterializedInfo>();
    for (const q of cut) {
      const described = await this.describeQuery(q).catch(() => undefined);
      if (!described) return { failure: 'a subquery to materialize cannot be described on its own' };
      materialized.set(q, { columns: described, rows: estimateRows(q) });
    }
    const block = query.kind === 'select' ? query.block : undefined;
    const hashBuckets = await this.hashBuckets(query, cut);
    return place({
      hashBuckets,
      analysis: this.analysis,
      root: query,
      cut,
      slots: Math.max(1, this.context.slots),
      aggregateNames: this.context.aggregateNames,
      settings: this.context.settings,
      duckdbVersion: this.context.duckdbVersion,
      materialized,
      mentionedNames: this.mentioned,
      finishCost: (output, rowsIn) => {
        if (output.kind !== 'needs-merge' || !block) return 0;
        const plan = pendingPlan(block, output.pending, this.context.aggregateNames);
        if (plan === 'aggregate' || plan === 'limit' || plan === 'distinct') return 5;
        return rowsIn * 0.002;
      },
    });
  }

  /** Partitions of hash-partitioned tables an equality on their key selects (`id = 7` reads one bucket). */
  private async hashBuckets(query: QueryInfo, cut: ReadonlySet<QueryInfo>): Promise<Map<Relation, number[]>> {
    const out = new Map<Relation, number[]>();
    for (const relation of regionLeaves(query, cut)) {
      const table = relation.table;
      const p = table?.partitioning;
      if (!table || !p || p.scheme !== 'hash' || p.hashedBy !== this.context.duckdbVersion || table.partitions.length !== p.buckets) continue;
      const visible = relation.columns?.[relation.sourceColumns?.indexOf(p.column) ?? -1];
      if (!visible) continue;
      for (const filter of pushableConjuncts(relation)) {
        const values = pinnedValues(filter, relation, visible, p.keyType);
        if (!values) continue;
        const buckets = await this.context.hashBuckets(values, p.keyType, p.buckets);
        const previous = out.get(relation);
        out.set(relation, previous ? previous.filter((b) => buckets.includes(b)) : buckets);
      }
    }
    return out;
  }

  /**
   * CTEs read more than once (computed once, as DuckDB would) and uncorrelated scalar subqueries
   * over tables (a scalar over an already materialized CTE reads its files instead).
   */
  private initialCuts(query: QueryInfo): Set<QueryInfo> {
    const cut = new Set<QueryInfo>();
    for (const block of blocksOf(query)) {
      for (const relation of block.relations) {
        const cte = relation.cte;
        if (cte && cte.references.length > 1 && hasTables(cte.query) && !isCorrelated(cte.query)) cut.add(cte.query);
      }
    }
    for (const block of blocksOf(query)) {
      for (const use of block.subqueries) {
        if (use.type === 'SCALAR' && hasTables(use.query, cut) && !isCorrelated(use.query)) cut.add(use.query);
      }
    }
    return cut;
  }

  /** Input bindings and substitutions for a placed block; materializes what was cut. */
  private async bindInputs(
    query: QueryInfo,
    placement: Placement,
    cut: ReadonlySet<QueryInfo>,
  ): Promise<{ inputs: StageInput[]; subs: Substitutions; dependsOn: number[]; outerCtes: CteInfo[] }> {
    const inputs: StageInput[] = [];
    const dependsOn: number[] = [];
    const relations = new Map<Relation, RelationInput>();
    const subqueries = new Map<SubqueryUse, string | SelectNode>();
    const droppedCtes = new Set<CteInfo>();
    const tasks = placement.tasks;
    const everyTask = <T>(value: T): T[] => Array.from({ length: tasks }, () => value);
    const tableInputs = new Map<string, string>();
    for (const relation of regionLeaves(query, cut)) {
      const choice = placement.split.get(relation);
      if (relation.kind === 'table' && relation.table) {
        const table = relation.table;
        const kept = placement.kept.get(relation) ?? table.partitions.map((_, i) => i);
        if (choice?.how === 'exchange') {
          const stageId = await this.exchange(relation, placement);
          const name = this.inputName();
          inputs.push({ name, source: { kind: 'stage', stageId, mode: 'bucket' }, split: true, label: `${relation.qualifier}: exchange (stage ${stageId}) by ${choice.column}` });
          dependsOn.push(stageId);
          relations.set(relation, { input: name, columns: 'none' });
          continue;
        }
        if (choice?.how === 'native') {
          const perTask: number[][] = everyTask(0).map(() => []);
          for (const [partition, task] of choice.partitionTasks ?? []) perTask[task].push(partition);
          const name = this.inputName();
          inputs.push({ name, source: { kind: 'table', table, tasks: perTask }, split: true, columns: table.columns, label: `${table.name} (split${choice.column ? ` on ${choice.column}` : ''}, ${kept.length} of ${table.partitions.length} partitions)` });
          relations.set(relation, { input: name, columns: 'original' });
          continue;
        }
        // Broadcast: every task reads the kept partitions; one input per table and partition set.
        const keyName = `${table.name}:${kept.join(',')}`;
        let name = tableInputs.get(keyName);
        if (!name) {
          name = this.inputName();
          tableInputs.set(keyName, name);
          inputs.push({ name, source: { kind: 'table', table, tasks: everyTask(kept) }, split: false, columns: table.columns, label: `${table.name} (broadcast, ${kept.length} of ${table.partitions.length} partitions)` });
        }
        relations.set(relation, { input: name, columns: 'original' });
        continue;
      }
      if (relation.query && cut.has(relation.query)) {
        const described = await this.describeQuery(relation.query);
        const target: Target = choice
          ? { kind: 'buckets', family: placement.family, tasks, column: relation.columns?.indexOf(choice.column) ?? -1, type: choice.type }
          : { kind: 'files' };
        if (target.kind === 'buckets' && target.column < 0) throw new PlanFailure('a materialized subquery is split on an unknown column');
        const materialized = await this.materialize(relation.query, target);
        const stageId = materialized.stageId;
        const name = this.inputName();
        inputs.push({ name, source: { kind: 'stage', stageId, mode: choice ? 'bucket' : 'all' }, split: choice !== undefined, label: `${relation.qualifier || 'subquery'}: stage ${stageId}${choice ? ` by ${choice.column}` : ', all files'}` });
        dependsOn.push(stageId);
        const visible = relation.columns ?? described.map((c) => c.name);
        relations.set(relation, { input: name, columns: visible, through: await this.through(materialized, name) });
        if (relation.cte) droppedCtes.add(relation.cte);
      }
    }
    for (const block of regionBlocks(query, cut)) {
      for (const use of block.subqueries) {
        if (!cut.has(use.query)) continue;
        const materialized = await this.materialize(use.query, { kind: 'files' });
        const stageId = materialized.stageId;
        const name = this.inputName();
        inputs.push({ name, source: { kind: 'stage', stageId, mode: 'all' }, split: false, label: `subquery: stage ${stageId}, all files` });
        dependsOn.push(stageId);
        subqueries.set(use, (await this.through(materialized, name)) ?? name);
      }
    }
    // CTE definitions the stage does not read (their readers were cut out, or they were
    // materialized) are dropped: DuckDB would bind them, and their tables are not inputs here.
    const used = new Set<CteInfo>();
    for (const block of regionBlocks(query, cut)) {
      for (const relation of block.relations) if (relation.cte && !(relation.query && cut.has(relation.query))) used.add(relation.cte);
    }
    for (const cte of this.analysis.ctes) if (!used.has(cte)) droppedCtes.add(cte);
    return { inputs, subs: { relations, subqueries, droppedCtes }, dependsOn, outerCtes: referencedOuterCtes(query).filter((c) => used.has(c)) };
  }

  /** A stage writing `relation`'s needed columns (filtered) into the placement's buckets. */
  private async exchange(relation: Relation, placement: Placement): Promise<number> {
    const table = relation.table as TableEntry;
    const choice = placement.split.get(relation)!;
    const kept = placement.kept.get(relation) ?? table.partitions.map((_, i) => i);
    const producers = Math.max(1, Math.min(kept.length, this.context.slots));
    const perTask: number[][] = Array.from({ length: producers }, () => []);
    kept.forEach((partition, i) => perTask[Math.floor((i * producers) / kept.length)].push(partition));
    const name = this.inputName();
    const qualifier = relation.qualifier;
    const needed = placement.neededColumns.get(relation) ?? neededColumns(relation, new Set(['*']));
    const renames = Array.isArray(relation.node.column_name_alias) && relation.node.column_name_alias.length > 0
      ? `(${relation.node.column_name_alias.map((n) => quoteIdent(String(n))).join(', ')})`
      : '';
    const q = quoteIdent(qualifier);
    const bucket = taskSql(placement.family, `${q}.${quoteIdent(choice.column)}`, choice.type, placement.tasks);
    const template = `SELECT ${needed.map((c) => `${q}.${quoteIdent(c)} AS ${quoteIdent(c)}`).join(', ')}, ${bucket} AS ${quoteIdent(BUCKET_COLUMN)} FROM ${quoteIdent(name)} AS ${q}${renames}`;
    const parsed = (await this.context.parse(template)).node as SelectNode;
    const filters = placement.filters.get(relation) ?? [];
    if (filters.length > 0) {
      const copies = filters.map((f) => this.substituter.apply(f, { relations: new Map(), subqueries: new Map(), droppedCtes: new Set() }));
      parsed.where_clause = copies.length === 1 ? copies[0] : ({ class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: copies } as ExpressionNode);
    }
    const sql = await this.context.render(parsed);
    return this.addStage(
      {
        sql,
        inputs: [{ name, source: { kind: 'table', table, tasks: perTask }, split: true, columns: table.columns, label: `${table.name} (${kept.length} of ${table.partitions.length} partitions)` }],
        tasks: producers,
        dependsOn: [],
        role: `exchange ${table.name}${qualifier !== table.name ? ` (${qualifier})` : ''} by ${choice.column}`,
        outputs: needed,
        finish: { kind: 'rows', distinct: false, order: [] },
        columns: [],
      },
      { kind: 'buckets', buckets: placement.tasks, label: `${choice.column} in ${describeFamily(placement.family)}` },
    );
  }

  // ------------------------------------------------------------ finishing a block

  private async finishBlock(
    block: Block,
    columns: readonly ColumnSpec[],
    placement: Placement,
    inputs: StageInput[],
    subs: Substitutions,
    dependsOn: number[],
    purpose: 'gateway' | 'files',
  ): Promise<Produced> {
    const node = block.node;
    const tasks = placement.tasks;
    const base = { inputs, tasks, dependsOn, columns };
    const limit = limitOf(node);
    if (limit === 'unsupported') throw new PlanFailure('LIMIT/OFFSET that is not a constant');
    const rowsRole = placement.split.size > 0 ? 'scan and join' : 'whole query';
    const pending = placement.output.kind === 'needs-merge' ? pendingPlan(block, placement.output.pending, this.context.aggregateNames) : 'none';
    if (pending === 'none' || pending === 'limit' || pending === 'distinct') {
      // Rows are final per task (or only need a DISTINCT / top-N over all tasks).
      const order = orderModifier(node);
      const mapped = purpose === 'gateway' || limit ? this.mapOrder(block, columns, order) : { order: [], hidden: [] };
      if (mapped === undefined) throw new PlanFailure('an ORDER BY key that cannot be carried to the merge');
      const stageNode = this.substituter.applyStage(node, subs);
      stageNode.select_list = [...stageNode.select_list, ...mapped.hidden.map((h, i) => ({ ...this.substituter.apply(h, subs), alias: `__h${i}` }))];
      const single = tasks === 1;
      if (!single) {
        // Each task keeps its top n+m rows (ORDER BY binds in the task's SQL exactly as in the query).
        // DISTINCT ON keeps the first row of each group in ORDER BY order: the task needs the order too.
        const distinctOn = stageNode.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER' && Array.isArray(m.distinct_on_targets) && m.distinct_on_targets.length > 0);
        stageNode.modifiers = stageNode.modifiers.filter((m) => m.type === 'DISTINCT_MODIFIER' || ((limit || distinctOn) && m.type === 'ORDER_MODIFIER'));
        if (limit && limit.limit !== undefined) stageNode.modifiers.push({ type: 'LIMIT_MODIFIER', limit: integerLiteral(limit.limit + limit.offset), offset: null });
      }
      const outputs = [...columns.map((_, i) => `c${i}`), ...mapped.hidden.map((_, i) => `h${i}`)];
      const sql = wrapRows(await this.context.render(stageNode), outputs);
      const distinct = node.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER' && !(Array.isArray(m.distinct_on_targets) && m.distinct_on_targets.length > 0));
      return {
        ...base,
        sql,
        role: rowsRole,
        outputs,
        // One task ran the whole block (LIMIT/OFFSET included): the merge only keeps its order.
        finish: { kind: 'rows', distinct: !single && pending === 'distinct' && distinct, order: mapped.order, limit: single ? undefined : (limit ?? undefined) },
      };
    }
    if (pending === 'aggregate') {
      const constants = new Set([...subs.subqueries.keys()].filter((u) => u.type === 'SCALAR').map((u) => u.node));
      const result = await splitAggregate(block, columns, {
        aggregateNames: this.context.aggregateNames,
        castTo: (t, c) => this.context.castTo(t, c),
        isConstantSubquery: (node) => constants.has(node),
      });
      if (result.ok) {
        const split = BREAK_SPLITS ? { ...result.split, final: { ...result.split.final, having: columnRef('__pondgate_test_missing') } } : result.split;
        const partialSql = await this.context.render(this.substituter.applyStage(split.partial, subs));
        if (this.context.proveSplits) await this.proveSplit(split, subs);
        else this.unprovenSplit = true;
        const keys = Array.from({ length: split.keys }, (_, i) => `g${i}`);
        return {
          ...base,
          sql: partialSql,
          role: 'partial aggregate',
          outputs: [],
          finish: { kind: 'query', node: split.final, keys, fromSql: split.windowFromSql, small: true },
        };
      } else {
        this.notes.push(`aggregate not split: ${result.reason}`);
      }
    }
    return this.lift(block, columns, placement, base, subs);
  }

  /**
   * The split's final step must bind over its partial step's rows, both computed over the
   * catalog's empty tables (one statement: the partial step as a CTE). A prepare in DuckDB, about
   * as long as the rest of planning: run only when proving is asked for (see proveSplits).
   */
  private async proveSplit(split: SplitAggregate, subs: Substitutions): Promise<void> {
    const from = split.windowFromSql ? await this.subqueryFrom(split.windowFromSql) : undefined;
    const outer = (subs.outerCtes ?? []).map((cte) => clone(cte.node));
    const check: SelectNode = { ...split.final, ...(from ? { from_table: from } : {}), cte_map: { map: [...outer, cteEntry(PARTIALS_RELATION, split.partial)] } };
    const checkSql = await this.context.render(check);
    if (!(await this.context.binds(checkSql))) throw new Error(`internal: a split aggregate's final step does not bind over its partial rows:\n${checkSql}`);
  }

  /** Gathers the columns the block's post-WHERE part reads; the merge (or a finishing stage) runs that part. */
  private async lift(block: Block, columns: readonly ColumnSpec[], placement: Placement, base: { inputs: StageInput[]; tasks: number; dependsOn: number[]; columns: readonly ColumnSpec[] }, subs: Substitutions): Promise<Produced> {
    const node = block.node;
    const projected = new Map<string, { name: string; ref: ExpressionNode }>();
    const outputNames = new Set(columns.map((c) => c.name.toLowerCase()));
    let failure: string | undefined;
    const rewrite = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!isObject(value)) return value;
      if (value.class === 'SUBQUERY') {
        failure ??= 'a subquery over gathered rows';
        return value;
      }
      if (value.class === 'STAR' || value.class === 'COLUMNS') {
        failure ??= 'a star over gathered rows';
        return value;
      }
      if (isColumnRef(value)) {
        const binding = block.refs.get(value);
        if (binding?.kind === 'column' && binding.column.depth === 0) {
          const key = canonical(value, block);
          let entry = projected.get(key);
          if (!entry) projected.set(key, (entry = { name: `p${projected.size}`, ref: value }));
          return { ...columnRef(entry.name), alias: value.alias };
        }
        if (value.column_names.length === 1 && outputNames.has(value.column_names[0].toLowerCase())) return value;
        failure ??= `column ${value.column_names.join('.')} cannot be gathered`;
        return value;
      }
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = rewrite(v);
      return out;
    };
    const lifted: SelectNode = {
      ...node,
      cte_map: { map: [] },
      select_list: rewrite(node.select_list) as ExpressionNode[],
      from_table: baseTable(PARTIALS_RELATION, ''),
      where_clause: null,
      group_expressions: rewrite(node.group_expressions) as ExpressionNode[],
      having: rewrite(node.having) as ExpressionNode | null,
      qualify: rewrite(node.qualify) as ExpressionNode | null,
      modifiers: rewrite(node.modifiers) as ModifierNode[],
    };
    if (failure) throw new PlanFailure(failure);
    const projection: SelectNode = {
      ...node,
      select_list: [...projected.values()].map((p) => withAlias(p.ref, p.name)),
      group_expressions: [],
      group_sets: [],
      aggregate_handling: 'STANDARD_HANDLING',
      having: null,
      qualify: null,
      modifiers: [],
    };
    if (projection.select_list.length === 0) projection.select_list = [{ ...integerLiteral(1), alias: 'p_one' }];
    const sql = await this.context.render(this.substituter.applyStage(projection, subs));
    this.notes.push(`rows gathered for: ${placement.output.kind === 'needs-merge' ? placement.output.reason : 'the merge'}`);
    return { ...base, sql, role: 'scan and join (rows gathered)', outputs: projection.select_list.map((e) => e.alias), finish: { kind: 'query', node: lifted, keys: [], small: false } };
  }

  /** ORDER BY terms as output columns (c…) or hidden keys (h…) the stage adds; undefined when a key cannot be carried. */
  private mapOrder(block: Block, columns: readonly ColumnSpec[], order: readonly OrderItem[]): { order: MappedOrder[]; hidden: ExpressionNode[] } | undefined {
    const out: MappedOrder[] = [];
    const hidden: ExpressionNode[] = [];
    const names = columns.map((c) => c.name.toLowerCase());
    const distinct = block.node.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER');
    // ORDER BY ALL (or *): every output column, left to right, with the item's modifiers, as DuckDB binds it.
    if (order.length === 1 && isOrderByAll(order[0].expression)) return { order: columns.map((_, i) => ({ column: `c${i}`, item: order[0] })), hidden: [] };
    for (const item of order) {
      // A star elsewhere (with EXCLUDE, next to other keys …) would expand into several keys.
      if (item.expression.class === 'STAR') return undefined;
      const position = integerConstant(item.expression);
      if (position !== undefined) {
        if (position < 1 || position > columns.length) return undefined;
        out.push({ column: `c${position - 1}`, item });
        continue;
      }
      const expression = item.expression;
      if (isColumnRef(expression) && expression.column_names.length === 1) {
        const index = names.indexOf(expression.column_names[0].toLowerCase());
        if (index >= 0) {
          out.push({ column: `c${index}`, item });
          continue;
        }
      }
      // An expression key is computed by the stage; its bare names must mean the same there
      // (table columns), so a name that is also an output alias is refused.
      if (distinct) return undefined;
      if (some(expression, (o) => o.class === 'SUBQUERY' || (isColumnRef(o) && o.column_names.length === 1 && names.includes(o.column_names[0].toLowerCase())))) return undefined;
      out.push({ column: `h${hidden.length}`, item });
      hidden.push(expression);
    }
    return { order: out, hidden };
  }

  /** Result columns of a (sub)query rendered on its own, with the CTEs it reads from outside it. */
  private async describeQuery(query: QueryInfo): Promise<ColumnSpec[]> {
    const known = this.describedCuts.get(query);
    if (known) return known;
    const node = clone(query.node as Json) as JsonObject;
    const outer = referencedOuterCtes(query);
    if (outer.length > 0) {
      const map = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
      node.cte_map = { map: [...outer.map((c) => clone(c.node)), ...map] };
    }
    if (isCorrelated(query)) throw new PlanFailure('a correlated subquery cannot run on its own');
    const columns = await this.context.describe(await this.context.render(node));
    this.describedCuts.set(query, columns);
    return columns;
  }

  private inputName(): string {
    return `__pondgate_in${this.inputCounter++}`;
  }
}

// ---------------------------------------------------------------- helpers

type PendingPlan = 'none' | 'limit' | 'distinct' | 'aggregate' | 'gather';

/**
 * Whether a block's groups are expected to be many: a group key on an integer column whose
 * values span more than MANY_GROUPS (by the statistics' min and max) — per-customer or
 * per-order groups, not per-flag ones.
 */
const MANY_GROUPS = 20_000;

function manyGroups(block: Block): boolean {
  // The arguments of DISTINCT aggregates are partial keys too (see split-aggregate.ts).
  const distinctArguments: string[] = [];
  walk(block.node.select_list as unknown as Json, (o) => {
    if (isFunction(o) && o.distinct && o.children.length === 1) {
      const column = boundColumn(o.children[0], block);
      if (column && column.depth === 0) distinctArguments.push(column.key);
    }
  });
  for (const key of [...groupKeyColumns(block), ...distinctArguments]) {
    if (!key) continue;
    const span = integerSpan(block, key);
    if (span !== undefined && span > BigInt(MANY_GROUPS)) return true;
  }
  return false;
}

/** What a block's merge must do when its output spans tasks. */
function pendingPlan(block: Block, pending: Pending, aggregateNames: ReadonlySet<string>): PendingPlan {
  const node = block.node;
  if (pending.sample) return 'gather';
  if (pending.aggregation) {
    // Windows over the aggregates, or ones whose partitions span tasks, need the finished groups.
    const windows = some(node.select_list as unknown as Json, (o) => o.class === 'WINDOW') || node.qualify !== null;
    if (windows || pending.window) return 'gather';
    return aggregatesSplittable(block, aggregateNames) ? 'aggregate' : 'gather';
  }
  // Groups are complete per task (or there are none): what is left is rows.
  const distinctOn = node.modifiers.some((m) => m.type === 'DISTINCT_MODIFIER' && Array.isArray(m.distinct_on_targets) && m.distinct_on_targets.length > 0);
  if (pending.window || (pending.distinct && distinctOn)) return 'gather';
  if (pending.distinct) return 'distinct';
  return 'limit';
}

function limitOf(node: SelectNode): { limit: number | undefined; offset: number } | undefined | 'unsupported' {
  const modifier = node.modifiers.find((m) => m.type === 'LIMIT_MODIFIER' || m.type === 'LIMIT_PERCENT_MODIFIER');
  if (!modifier) return undefined;
  if (modifier.type === 'LIMIT_PERCENT_MODIFIER') return 'unsupported';
  const limit = modifier.limit === null || modifier.limit === undefined ? undefined : integerConstant(modifier.limit as Json);
  const offset = modifier.offset === null || modifier.offset === undefined ? 0 : integerConstant(modifier.offset as Json);
  if ((modifier.limit !== null && modifier.limit !== undefined && limit === undefined) || offset === undefined || (limit !== undefined && limit < 0) || offset < 0) {
    return 'unsupported';
  }
  return { limit, offset };
}

/** The key of `ORDER BY ALL`, `ORDER BY *` and `ORDER BY COLUMNS(*)`: a plain star. */
function isOrderByAll(expression: ExpressionNode): boolean {
  const star = expression as JsonObject;
  const empty = (value: Json | undefined) => value === undefined || (Array.isArray(value) && value.length === 0);
  return (
    star.class === 'STAR' &&
    (star.relation_name ?? '') === '' &&
    (star.expr ?? null) === null &&
    empty(star.exclude_list) &&
    empty(star.replace_list) &&
    empty(star.qualified_exclude_list) &&
    empty(star.rename_list)
  );
}

function orderModifier(node: SelectNode): OrderItem[] {
  const modifier = node.modifiers.find((m) => m.type === 'ORDER_MODIFIER');
  return modifier && Array.isArray(modifier.orders) ? (modifier.orders as OrderItem[]) : [];
}

/** A WITH entry `name AS (node)`. */
function cteEntry(name: string, node: SelectNode): JsonObject {
  return { key: name, value: { query: { node, named_param_map: [] }, aliases: [], materialized: 'CTE_MATERIALIZE_DEFAULT' } };
}

/** `SELECT * FROM (<sql>) AS __pondgate_q(c0, …)`: positional names, so repeated or odd names cannot collide. */
function wrapRows(sql: string, outputs: readonly string[]): string {
  const inner = sql.replace(/[\s;]+$/, '');
  return `SELECT * FROM (\n${inner}\n) AS __pondgate_q(${outputs.map(quoteIdent).join(', ')})`;
}

/** A stage's rows as a materialized result: positional c0…, plus the bucket column for a bucketed target. */
function wrapOutput(sql: string, outputs: readonly string[], target: Target, rename = false): string {
  const inner = sql.replace(/[\s;]+$/, '');
  const names = outputs.map((_, i) => `c${i}`);
  const source = rename || outputs.some((o, i) => o !== names[i])
    ? `(\n${inner}\n) AS __pondgate_m(${names.map(quoteIdent).join(', ')})`
    : `(\n${inner}\n) AS __pondgate_m`;
  const projection = names.map(quoteIdent).join(', ');
  if (target.kind === 'files') return `SELECT ${projection} FROM ${source}`;
  return `SELECT ${projection}, ${taskSql(target.family, quoteIdent(`c${target.column}`), target.type, target.tasks)} AS ${quoteIdent(BUCKET_COLUMN)} FROM ${source}`;
}

function outputFor(target: Target): StageOutput {
  return target.kind === 'files' ? { kind: 'files' } : { kind: 'buckets', buckets: target.tasks, label: `c${target.column} in ${describeFamily(target.family)}` };
}

/** Leaf relations a stage over `query` reads (tables, and materialized subqueries). */
function regionLeaves(query: QueryInfo, cut: ReadonlySet<QueryInfo>): Relation[] {
  const out: Relation[] = [];
  for (const block of regionBlocks(query, cut)) {
    for (const relation of block.relations) {
      if (relation.kind === 'table' || (relation.query && cut.has(relation.query))) out.push(relation);
    }
  }
  return out;
}

function regionBlocks(query: QueryInfo, cut: ReadonlySet<QueryInfo>): Block[] {
  const out: Block[] = [];
  const seen = new Set<QueryInfo>();
  const visit = (q: QueryInfo) => {
    if (seen.has(q) || cut.has(q)) return;
    seen.add(q);
    if (q.kind === 'select') {
      out.push(q.block);
      for (const relation of q.block.relations) if (relation.query) visit(relation.query);
      for (const use of q.block.subqueries) visit(use.query);
    } else if (q.kind === 'setop') {
      visit(q.left);
      visit(q.right);
    }
  };
  visit(query);
  return out;
}

/** Uncorrelated subqueries, derived tables and CTEs of a query's region that could run as stages of their own. */
function cuttable(query: QueryInfo): QueryInfo[] {
  const out: QueryInfo[] = [];
  for (const block of regionBlocks(query, new Set())) {
    for (const relation of block.relations) {
      if (relation.query && hasTables(relation.query) && !isCorrelated(relation.query) && !relation.lateral) out.push(relation.query);
    }
    for (const use of block.subqueries) if (hasTables(use.query) && !isCorrelated(use.query)) out.push(use.query);
  }
  return out;
}

/** Whether a query reads a table other than through the queries in `except` (already materialized). */
function hasTables(query: QueryInfo, except: ReadonlySet<QueryInfo> = new Set()): boolean {
  if (except.has(query)) return false;
  return blocksOf(query).some((b) => b.relations.some((r) => r.kind === 'table' || (r.query !== undefined && hasTables(r.query, except))));
}

/** Whether some column reference in the query reaches outside it. */
function isCorrelated(query: QueryInfo): boolean {
  const blocks = new Set(blocksOf(query));
  for (const block of blocks) {
    for (const binding of block.refs.values()) {
      if (binding.kind === 'column' && !blocks.has(binding.column.relation.block)) return true;
      if (binding.kind === 'unknown' && /not a column of a relation in scope/.test(binding.reason)) continue;
    }
  }
  return false;
}

/** CTEs defined outside `query` that it reads (with the CTEs those read), in definition order. */
function referencedOuterCtes(query: QueryInfo): CteInfo[] {
  const inside = new Set<CteInfo>();
  const collect = (q: QueryInfo) => {
    for (const c of q.ctes) {
      inside.add(c);
      collect(c.query);
    }
    if (q.kind === 'setop') {
      collect(q.left);
      collect(q.right);
    }
  };
  collect(query);
  for (const block of blocksOf(query)) for (const relation of block.relations) if (relation.query && !relation.cte) collect(relation.query);
  const out: CteInfo[] = [];
  for (const block of blocksOf(query)) {
    for (const relation of block.relations) {
      if (relation.cte && !inside.has(relation.cte) && !out.includes(relation.cte)) {
        for (const dependency of referencedOuterCtes(relation.cte.query)) if (!out.includes(dependency)) out.push(dependency);
        out.push(relation.cte);
      }
    }
  }
  return out;
}

function estimateRows(query: QueryInfo): number {
  let rows = 1;
  for (const block of blocksOf(query)) {
    for (const relation of block.relations) {
      if (relation.table) rows = Math.max(rows, relation.table.partitions.reduce((sum, p) => sum + p.rows, 0));
    }
  }
  if (query.kind !== 'select') return rows;
  const node = query.block.node;
  if (node.group_expressions.length === 0 && !node.having) return rows;
  // Groups: at most the product of the key columns' value spans, where the statistics give them.
  const spans = groupKeyColumns(query.block).map((key) => (key ? integerSpan(query.block, key) : undefined));
  if (spans.length > 0 && spans.every((span) => span !== undefined)) {
    return Math.max(1, Math.min(rows, spans.reduce((product, span) => product * Number(span!), 1)));
  }
  return Math.max(1, Math.round(rows * 0.05));
}

/** max − min + 1 of an integer table column (bound key), from the per-file statistics. */
function integerSpan(block: Block, key: string): bigint | undefined {
  const [relationId, column] = [Number(key.split(':')[0]), key.slice(key.indexOf(':') + 1)];
  const relation = block.relations.find((r) => r.id === relationId);
  const table = relation?.table;
  const source = relation ? sourceColumn(relation, relation.columns?.find((c) => c.toLowerCase() === column) ?? '') : undefined;
  const def = table?.columns.find((c) => c.name === source);
  if (!table || !def || !/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(def.type)) return undefined;
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const partition of table.partitions) {
    const range = partitionRange(partition, def);
    if (range === undefined) return undefined;
    if (range === 'empty') continue;
    const lo = BigInt(range.min);
    const hi = BigInt(range.max);
    if (min === undefined || lo < min) min = lo;
    if (max === undefined || hi > max) max = hi;
  }
  return min === undefined || max === undefined ? undefined : max - min + 1n;
}

/** GROUP BY ALL → GROUP BY the positions of the select items without aggregates (DuckDB's meaning). */
function resolveGroupByAll(tree: Json, aggregateNames: ReadonlySet<string>): void {
  walk(tree, (object) => {
    if (object.type !== 'SELECT_NODE' || object.aggregate_handling !== 'FORCE_AGGREGATES') return;
    const select = object as SelectNode;
    if (some(select.select_list as unknown as Json, (o) => o.class === 'WINDOW' || o.class === 'STAR' || o.class === 'SUBQUERY')) return;
    const positions: ExpressionNode[] = [];
    select.select_list.forEach((item, i) => {
      if (!hasAggregate([item], aggregateNames)) positions.push(integerLiteral(i + 1));
    });
    select.group_expressions = positions;
    select.group_sets = positions.length > 0 ? [positions.map((_, i) => i)] : [];
    select.aggregate_handling = 'STANDARD_HANDLING';
  });
}

/**
 * BASE_TABLE nodes anywhere in the tree that name a catalog table: unqualified (unless a CTE
 * of that name is defined anywhere in the query, which may shadow it) or in schema public.
 */
function catalogTableNodes(tree: Json, manifest: Manifest): Map<JsonObject, TableEntry> {
  const cteNames = new Set<string>();
  walk(tree, (object) => {
    const map = object.cte_map;
    if (isObject(map) && Array.isArray(map.map)) {
      for (const entry of map.map) if (isObject(entry) && typeof entry.key === 'string') cteNames.add(entry.key.toLowerCase());
    }
  });
  const out = new Map<JsonObject, TableEntry>();
  walk(tree, (object) => {
    if (object.type !== 'BASE_TABLE') return;
    const schema = String(object.schema_name ?? '').toLowerCase();
    const catalog = String(object.catalog_name ?? '').toLowerCase();
    const name = String(object.table_name ?? '');
    if ((schema !== '' && schema !== 'public') || (catalog !== '' && catalog !== 'pondgate')) return;
    if (schema === '' && cteNames.has(name.toLowerCase())) return;
    const table = findTable(manifest, name);
    if (table) out.set(object, table);
  });
  return out;
}

const VOLATILE_FUNCTIONS = new Set(['random', 'setseed', 'uuid', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'nextval', 'currval', 'rand']);
const CLOCK_FUNCTIONS: Readonly<Record<string, 'timestamptz' | 'date' | 'timestamp'>> = {
  now: 'timestamptz',
  get_current_timestamp: 'timestamptz',
  transaction_timestamp: 'timestamptz',
  current_timestamp: 'timestamptz',
  today: 'date',
  current_date: 'date',
  current_localtimestamp: 'timestamp',
  localtimestamp: 'timestamp',
};
const CLOCK_TYPES = { timestamptz: 'TIMESTAMP WITH TIME ZONE', date: 'DATE', timestamp: 'TIMESTAMP' } as const;
/** Time functions without a constant reading here (time of day): such a query runs as one task. */
const OTHER_CLOCK_FUNCTIONS = new Set(['get_current_time', 'current_time', 'localtime', 'current_localtime']);

function volatileFunction(tree: Json): string | undefined {
  let found: string | undefined;
  walk(tree, (o) => {
    if (found || !isFunction(o)) return;
    const name = o.function_name.toLowerCase();
    if (VOLATILE_FUNCTIONS.has(name) || OTHER_CLOCK_FUNCTIONS.has(name)) found = name;
  });
  return found;
}

/**
 * Replaces now(), current_date … (calls, and the bare keywords DuckDB parses as column names
 * that no relation has) with the gateway's reading of the clock as typed constants.
 */
async function inlineClock(tree: Json, analysis: Analysis, context: PlannerContext): Promise<void> {
  const targets: { node: JsonObject; kind: 'timestamptz' | 'date' | 'timestamp' }[] = [];
  walk(tree, (o) => {
    if (isFunction(o) && o.children.length === 0 && CLOCK_FUNCTIONS[o.function_name.toLowerCase()]) targets.push({ node: o, kind: CLOCK_FUNCTIONS[o.function_name.toLowerCase()] });
  });
  for (const block of analysis.blocks) {
    for (const [ref, binding] of block.refs) {
      const name = ref.column_names.length === 1 ? ref.column_names[0].toLowerCase() : '';
      if (binding.kind === 'unknown' && /not a column of a relation in scope/.test(binding.reason) && CLOCK_FUNCTIONS[name]) targets.push({ node: ref, kind: CLOCK_FUNCTIONS[name] });
    }
  }
  if (targets.length === 0) return;
  const clock = await context.clock();
  for (const { node, kind } of targets) {
    const constant = await context.castTo(CLOCK_TYPES[kind], varcharLiteral(clock[kind]));
    const alias = typeof node.alias === 'string' ? node.alias : '';
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, { ...constant, alias });
  }
}

// ---------------------------------------------------------------- delegate and gather

/** The whole query as one task on one worker, every table read whole: correct for anything DuckDB runs. */
async function planDelegate(
  tree: JsonObject,
  analysis: Analysis,
  columns: readonly ColumnSpec[],
  context: PlannerContext,
  notes: string[],
  uncovered: ReadonlyMap<JsonObject, TableEntry> = new Map(),
): Promise<DistributedPlan> {
  const substituter = new Substituter(analysis);
  const relations = new Map<Relation, RelationInput>();
  const inputs: StageInput[] = [];
  const byTable = new Map<TableEntry, string>();
  const inputOf = (table: TableEntry): string => {
    let name = byTable.get(table);
    if (!name) {
      name = `__pondgate_in${byTable.size}`;
      byTable.set(table, name);
      inputs.push({ name, source: { kind: 'table', table, tasks: [table.partitions.map((_, i) => i)] }, split: false, columns: table.columns, label: `${table.name} (all ${table.partitions.length} partitions)` });
    }
    return name;
  };
  for (const relation of analysis.relations) {
    if (relation.kind !== 'table' || !relation.table) continue;
    relations.set(relation, { input: inputOf(relation.table), columns: 'original' });
  }
  const tableNodes = new Map([...uncovered].map(([node, table]) => [node, inputOf(table)]));
  const node = substituter.apply(tree.node as JsonObject, { relations, subqueries: new Map(), droppedCtes: new Set(), tableNodes });
  const outputs = columns.map((_, i) => `c${i}`);
  const relation = '__pondgate_r0';
  const stage: Stage = {
    id: 0,
    role: 'whole query',
    sql: wrapRows(await context.render(node), outputs),
    inputs,
    tasks: 1,
    output: { kind: 'gateway', relation },
    dependsOn: [],
    skipEmptyTasks: false,
  };
  const merge = `SELECT ${columns.map((c, i) => `${quoteIdent(outputs[i])} AS ${quoteIdent(c.name)}`).join(', ')} FROM ${quoteIdent(relation)}`;
  return fuseFinalMerge({ kind: 'distributed', strategy: 'delegate', stages: [stage], mergeSql: merge, columns, notes, manifestVersion: context.manifest.version }, true);
}

/**
 * Catalog relations (pg_catalog …) live on the gateway only: the user tables' columns the
 * query mentions are gathered there and the query runs on the gateway.
 */
async function planGather(tree: JsonObject, tables: readonly Relation[], columns: readonly ColumnSpec[], context: PlannerContext): Promise<DistributedPlan> {
  const names = mentionedNames(tree);
  const stages: Stage[] = [];
  const seen = new Set<TableEntry>();
  for (const relation of tables) {
    const table = relation.table as TableEntry;
    if (seen.has(table)) continue;
    seen.add(table);
    const needed = names.has('*') ? table.columns.map((c) => c.name) : table.columns.filter((c) => names.has(c.name.toLowerCase())).map((c) => c.name);
    const list = needed.length > 0 ? needed : [table.columns[0].name];
    const input = '__pondgate_in0';
    stages.push({
      id: stages.length,
      role: `gather ${table.name}`,
      sql: `SELECT ${list.map(quoteIdent).join(', ')} FROM ${quoteIdent(input)}`,
      inputs: [{ name: input, source: { kind: 'table', table, tasks: table.partitions.map((_, i) => [i]) }, split: true, columns: table.columns, label: `${table.name} (every partition)` }],
      tasks: table.partitions.length,
      output: { kind: 'gateway', relation: table.name },
      dependsOn: [],
      skipEmptyTasks: false,
    });
  }
  for (const relation of tables) relation.node.catalog_name = '';
  return {
    kind: 'distributed',
    strategy: 'gather',
    stages,
    mergeSql: await context.render(tree.node as JsonObject),
    columns,
    notes: ['catalog relations are on the gateway: the user tables\' columns are gathered there'],
    manifestVersion: context.manifest.version,
  };
}

