/**
 * The distributed plan: fragments that workers run once per partition, and the
 * merge SQL the gateway runs over their gathered results. EXPLAIN prints it.
 */
import type { TableEntry } from '../../src/storage/manifest.ts';

export type Strategy = 'partial-aggregate' | 'scan' | 'gather';

export interface Fragment {
  readonly id: number;
  /** Relation (in the query's private schema) that receives the rows of every task of this fragment. */
  readonly relation: string;
  readonly table: TableEntry;
  /** Partition indexes of `table` to read; one task each. */
  readonly partitions: readonly number[];
  /** DuckDB SQL over the relation TASK_INPUT_RELATION (one partition's files). */
  readonly sql: string;
}

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
}

export type QueryPlan =
  | { readonly kind: 'local'; readonly sql: string; readonly reason: string }
  | {
      readonly kind: 'distributed';
      readonly strategy: Strategy;
      readonly fragments: readonly Fragment[];
      /** Runs on the gateway in the query's private schema, where each fragment's relation lives. */
      readonly mergeSql: string;
      /** Result columns, as single-node DuckDB would return them. */
      readonly columns: readonly ColumnSpec[];
      /** Why a slower strategy was chosen, for EXPLAIN. */
      readonly notes: readonly string[];
    };

export function explainText(plan: QueryPlan): string[] {
  if (plan.kind === 'local') {
    return ['Local plan: runs on the gateway (' + plan.reason + ')', '  ' + plan.sql];
  }
  const lines = [`Distributed plan: ${plan.strategy}`];
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  lines.push('  Merge on the gateway:');
  lines.push(...indent(plan.mergeSql, 4));
  for (const fragment of plan.fragments) {
    lines.push(
      `  Fragment ${fragment.id}: table ${fragment.table.name}, ${fragment.partitions.length} of ` +
        `${fragment.table.partitions.length} partitions (${describePartitioning(fragment.table)}) -> ${fragment.relation}`,
    );
    lines.push(...indent(fragment.sql, 4));
  }
  return lines;
}

function describePartitioning(table: TableEntry): string {
  const p = table.partitioning;
  return p.scheme === 'hash' ? `hash(${p.column}) into ${p.buckets}` : p.scheme;
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => ' '.repeat(spaces) + line);
}
