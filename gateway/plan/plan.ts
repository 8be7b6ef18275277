/**
 * The distributed plan: a DAG of stages. A stage is DuckDB SQL over named
 * inputs, run as one task per bucket group; its output goes to the gateway
 * (where the merge SQL finishes the query), or to Parquet files on shared
 * scratch storage — split into buckets for the next stage (an exchange) or
 * whole (to be read by every task of the next stage). EXPLAIN prints it.
 */
import type { TableEntry } from '../../src/storage/manifest.ts';

/** `distributed`: stages chosen by the planner; `delegate`: the whole query as one task on one worker (the fallback); `gather`: columns gathered to the gateway (only for queries that mix catalog and user tables). */
export type Strategy = 'distributed' | 'delegate' | 'gather';

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
}

export type InputSource =
  /** A table's files; `tasks[t]` lists the partitions task t reads (all of them for a broadcast). */
  | { readonly kind: 'table'; readonly table: TableEntry; readonly tasks: readonly (readonly number[])[] }
  /** Another stage's output: bucket t for task t (`bucket`), or every file (`all`). */
  | { readonly kind: 'stage'; readonly stageId: number; readonly mode: 'bucket' | 'all' };

export interface StageInput {
  /** Relation name in the stage SQL. */
  readonly name: string;
  readonly source: InputSource;
  /** Split inputs are what makes a task's rows its own: a task whose split inputs are all empty has nothing to do. */
  readonly split: boolean;
  /** For table inputs: the columns (all of the table's), used when a task gets no files. */
  readonly columns?: readonly ColumnSpec[];
  /** For EXPLAIN: what this input is (`lineitem (split, native)`, `exchange of orders by o_custkey` …). */
  readonly label: string;
}

export type StageOutput =
  /** Arrow batches to the gateway, into relation `relation` of the query's private database. */
  | { readonly kind: 'gateway'; readonly relation: string }
  /** Parquet files split into `buckets` by the SQL's last column. */
  | { readonly kind: 'buckets'; readonly buckets: number; readonly label: string }
  /** Parquet files with every row. */
  | { readonly kind: 'files' };

export interface Stage {
  readonly id: number;
  readonly role: string;
  readonly sql: string;
  readonly inputs: readonly StageInput[];
  readonly tasks: number;
  readonly output: StageOutput;
  readonly dependsOn: readonly number[];
  /** Task t may be skipped when every split input of it is empty. */
  readonly skipEmptyTasks: boolean;
}

export type QueryPlan =
  | { readonly kind: 'local'; readonly sql: string; readonly reason: string; readonly withoutTopN?: boolean }
  | DistributedPlan;

export interface DistributedPlan {
  readonly kind: 'distributed';
  readonly strategy: Strategy;
  readonly stages: readonly Stage[];
  /** Runs on the gateway over the relations the gateway-bound stages fill. */
  readonly mergeSql: string;
  /** Result columns, as single-node DuckDB would return them. */
  readonly columns: readonly ColumnSpec[];
  /** Why, for EXPLAIN: the family of buckets, choices and fallbacks. */
  readonly notes: readonly string[];
  /** Manifest version the plan reads. */
  readonly manifestVersion: number;
  /** Set when the merge runs inside this stage's tasks: their rows go straight to the client (see forward.ts). */
  readonly forward?: { readonly stageId: number; readonly ordered?: OrderedForward };
  /**
   * The same statement as `delegate` (the whole query in one task, same manifest version), for a
   * plan whose split aggregate was not bound while planning: should one of its stages fail to
   * bind — the planner's fault, since the query itself bound — the engine runs this instead.
   */
  readonly fallback?: () => Promise<DistributedPlan>;
  /** DuckDB's top-N optimizer must be off wherever the plan's SQL runs (top-n-hazard.ts). */
  readonly withoutTopN?: boolean;
  /** Set when the plan is a key lookup the gateway's key index may answer (key-lookup.ts). */
  readonly keyLookup?: KeyLookup;
}

/** The key's value: a constant (integer literal or text) or the n-th parameter (0-based), put in by instantiate. */
export type KeyValue =
  | { readonly kind: 'integer'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'parameter'; readonly index: number };

/** `SELECT <outputColumns> FROM table WHERE <keyColumn> = <key>` over the files of the plan's one task. */
export interface KeyLookup {
  readonly table: string;
  /** Index of the key column among the table's columns. */
  readonly keyColumn: number;
  readonly key: KeyValue;
  /** Table column index of each result column. */
  readonly outputColumns: readonly number[];
  /** A constant LIMIT (plans of one task only): the first matches in file order. */
  readonly limit?: number;
}

/**
 * A forwarded ORDER BY over many tasks: each task sorts its rows and adds a last, hidden column
 * (the ORDER BY's create_sort_key); the gateway merges the sorted streams by that key
 * (gateway/exec/ordered-merge.ts), then drops it and applies OFFSET and LIMIT.
 */
export interface OrderedForward {
  /** The ORDER BY as the client's columns with DuckDB's resolved modifiers, for EXPLAIN. */
  readonly keys: string;
  readonly limit?: number;
  readonly offset: number;
}

export function explainText(plan: QueryPlan): string[] {
  if (plan.kind === 'local') {
    return ['Local plan: runs on the gateway (' + plan.reason + ')', '  ' + plan.sql];
  }
  const lines = [`Distributed plan: ${plan.strategy}`];
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  const ordered = plan.forward?.ordered;
  if (plan.forward && ordered) {
    const streams = plan.stages.find((s) => s.id === plan.forward!.stageId)?.tasks ?? 0;
    const cut = `${ordered.limit !== undefined ? ` LIMIT ${ordered.limit}` : ''}${ordered.offset > 0 ? ` OFFSET ${ordered.offset}` : ''}`;
    lines.push(`  Merge: ordered (${streams} streams by ${ordered.keys})${cut}; stage ${plan.forward.stageId}'s tasks sort their rows and the gateway merges them as they arrive`);
  } else if (plan.forward) lines.push(`  Merge: none; stage ${plan.forward.stageId} runs it and its rows are forwarded to the client as they arrive`);
  else {
    lines.push('  Merge on the gateway:');
    lines.push(...indent(plan.mergeSql, 4));
  }
  if (plan.keyLookup) {
    const lookup = plan.keyLookup;
    const table = plan.stages[0]?.inputs[0]?.source;
    const key = table?.kind === 'table' ? table.table.columns[lookup.keyColumn]?.name : undefined;
    lines.push(`  Key lookup: ${lookup.table}.${key ?? `column ${lookup.keyColumn + 1}`}; the gateway answers it from its key index once that holds the task's files, else stage ${plan.stages[0]?.id ?? 0} runs`);
  }
  for (const stage of plan.stages) {
    lines.push(`  Stage ${stage.id}: ${stage.role}, ${stage.tasks} task${stage.tasks === 1 ? '' : 's'} -> ${describeOutput(stage.output)}${stage.dependsOn.length > 0 ? ` (after stage ${stage.dependsOn.join(', ')})` : ''}`);
    for (const input of stage.inputs) lines.push(`    input ${input.name}: ${input.label}`);
    lines.push(...indent(stage.sql, 4));
  }
  return lines;
}

function describeOutput(output: StageOutput): string {
  switch (output.kind) {
    case 'gateway':
      return `gateway (${output.relation})`;
    case 'buckets':
      return `${output.buckets} bucket${output.buckets === 1 ? '' : 's'} by ${output.label}`;
    case 'files':
      return 'files';
  }
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => ' '.repeat(spaces) + line);
}
