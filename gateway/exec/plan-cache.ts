/**
 * Plans kept per session, so a statement executed again — above all a prepared statement
 * executed with new parameters (`pgbench -M prepared`, JDBC, dashboards) — is not parsed and
 * planned again.
 *
 * A plan is kept under everything it was planned from: the SQL text, the manifest version,
 * the planner's settings, the live task slots and the session's time zone. Statements whose
 * plan depends on more (the clock, the session's catalog rows) are never kept.
 *
 * Parameters work as PostgreSQL's generic plans do: the statement is planned once with its
 * parameters left as `$n` (a *generic* plan) and each execution puts the values in, as the
 * string literals binding would have made of them. The generic plan is kept only when, for the
 * execution that made it, it is exactly the plan planning with the values gives (the
 * *custom* plan) — same stages, same SQL once the values are in, same partitions read. So a
 * statement whose values change the plan (pruning by a parameter, `LIMIT $1`) keeps being
 * planned per execution, and a generic plan never reads fewer partitions than the values need.
 */
import { forEachCodeIndex } from '../sql/scanner.ts';
import type { DistributedPlan, KeyLookup, QueryPlan, Stage } from '../plan/plan.ts';

export type CachedPlan =
  /** Planned without parameters: used as it is. */
  | { readonly kind: 'plan'; readonly plan: QueryPlan }
  /** A generic plan: `$n` in its SQL takes the n-th parameter's value. */
  | { readonly kind: 'generic'; readonly plan: QueryPlan }
  /** The values change the plan: plan each execution. */
  | { readonly kind: 'custom' };

export class PlanCache {
  private readonly entries = new Map<string, CachedPlan>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 256) {}

  get(key: string): CachedPlan | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    // Most recently used last: the first key is the one to evict.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry;
  }

  set(key: string, entry: CachedPlan): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What a plan is planned from, besides the statement: one string for the cache key. */
export function planKey(sql: string, context: { readonly manifestVersion: number; readonly settings: unknown; readonly slots: number; readonly timeZone: string }): string {
  return JSON.stringify([context.manifestVersion, context.settings, context.slots, context.timeZone, sql]);
}

/** The generic plan with the parameters' values in: each `$n` outside strings, identifiers and comments becomes the value's literal. */
export function instantiate(plan: QueryPlan, parameters: readonly (string | null)[]): QueryPlan {
  if (parameters.length === 0) return plan;
  const bind = (sql: string) => substituteParameters(sql, parameters);
  if (plan.kind === 'local') return { ...plan, sql: bind(plan.sql) };
  const fallback = plan.fallback;
  return {
    ...plan,
    ...(plan.keyLookup ? { keyLookup: withParameter(plan.keyLookup, parameters) } : {}),
    mergeSql: bind(plan.mergeSql),
    stages: plan.stages.map((stage) => ({ ...stage, sql: bind(stage.sql) })),
    ...(fallback ? { fallback: async () => instantiate(await fallback(), parameters) as DistributedPlan } : {}),
  };
}

/**
 * A key lookup's `$n` as its value: text, as the string literal binding makes of it (a NULL
 * value is no key lookup, as planning with the NULL in finds).
 */
function withParameter(lookup: KeyLookup, parameters: readonly (string | null)[]): KeyLookup | undefined {
  if (lookup.key.kind !== 'parameter') return lookup;
  const value = parameters[lookup.key.index];
  return typeof value === 'string' ? { ...lookup, key: { kind: 'text', text: value } } : undefined;
}

/**
 * `$n` -> `'value'` (quotes doubled) or NULL: the text DuckDB renders for the VARCHAR constant
 * that binding a parameter puts in the statement (see bindParameters), so a generic plan with
 * values in is character for character the custom plan's SQL.
 */
export function substituteParameters(sql: string, parameters: readonly (string | null)[]): string {
  let out = '';
  let copied = 0;
  forEachCodeIndex(sql, (i) => {
    if (sql[i] !== '$' || !/[0-9]/.test(sql[i + 1] ?? '') || /[A-Za-z0-9_$]/.test(sql[i - 1] ?? '')) return;
    let j = i + 1;
    while (j < sql.length && /[0-9]/.test(sql[j])) j++;
    const index = Number(sql.slice(i + 1, j)) - 1;
    if (!(index >= 0 && index < parameters.length)) return j - i;
    const value = parameters[index];
    out += sql.slice(copied, i) + (value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`);
    copied = j;
    return j - i;
  });
  return out + sql.slice(copied);
}

/** Same stages, SQL, inputs (partitions included), merge and columns: the test a generic plan must pass to be kept. */
export function samePlan(a: QueryPlan, b: QueryPlan): boolean {
  if (a.kind === 'local' || b.kind === 'local') return a.kind === 'local' && b.kind === 'local' && a.sql === b.sql;
  return (
    a.strategy === b.strategy &&
    a.mergeSql === b.mergeSql &&
    JSON.stringify(a.keyLookup) === JSON.stringify(b.keyLookup) &&
    a.forward?.stageId === b.forward?.stageId &&
    JSON.stringify(a.columns) === JSON.stringify(b.columns) &&
    a.stages.length === b.stages.length &&
    a.stages.every((stage, i) => sameStage(stage, (b as DistributedPlan).stages[i]))
  );
}

function sameStage(a: Stage, b: Stage): boolean {
  return (
    a.sql === b.sql &&
    a.tasks === b.tasks &&
    a.skipEmptyTasks === b.skipEmptyTasks &&
    JSON.stringify(a.output) === JSON.stringify(b.output) &&
    JSON.stringify(a.dependsOn) === JSON.stringify(b.dependsOn) &&
    a.inputs.length === b.inputs.length &&
    a.inputs.every((input, i) => {
      const other = b.inputs[i];
      if (input.name !== other.name || input.split !== other.split) return false;
      const [s, t] = [input.source, other.source];
      if (s.kind === 'stage' || t.kind === 'stage') return JSON.stringify(s) === JSON.stringify(t);
      return s.table.name === t.table.name && JSON.stringify(s.tasks) === JSON.stringify(t.tasks);
    })
  );
}
