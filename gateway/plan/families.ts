/**
 * Families of buckets: the ways rows can be spread over the tasks of a stage
 * so that equal keys meet in one task.
 *
 *   hash        bucket = hash(key) % n — the layout `pondgate generate --hash-key`
 *               and `import --by hash(col)` write, and the one exchanges write;
 *   range       bucket = the partition of one table whose key range holds the
 *               value — what an even split in key order gives, proved disjoint by
 *               the per-file statistics;
 *   partitions  one table's own partitions, with no key: only that table is split;
 *   single      one task.
 *
 * A stage with T tasks groups the family's n buckets into T (T ≤ n), the same
 * grouping for every input, so co-located inputs stay co-located.
 */
import type { TableEntry } from '../../src/storage/manifest.ts';
import { rangeIndexOf, rangeLayout, partitionRange, type RangeLayout } from './stats.ts';

export type Family =
  | { readonly kind: 'hash'; readonly buckets: number; readonly keyType: string; readonly hashedBy?: string }
  | { readonly kind: 'range'; readonly layout: RangeLayout }
  | { readonly kind: 'partitions'; readonly table: TableEntry }
  | { readonly kind: 'single' };

/** The family's number of buckets. */
export function bucketCount(family: Family): number {
  switch (family.kind) {
    case 'hash':
      return family.buckets;
    case 'range':
      return family.layout.ordered.length;
    case 'partitions':
      return family.table.partitions.length;
    case 'single':
      return 1;
  }
}

/** Task of bucket `b` when the family's buckets are grouped into `tasks` tasks: consecutive runs. */
export function taskOfBucket(family: Family, bucket: number, tasks: number): number {
  const n = bucketCount(family);
  return Math.min(tasks - 1, Math.floor((bucket * tasks) / n));
}

export function describeFamily(family: Family): string {
  switch (family.kind) {
    case 'hash':
      return `hash(${family.keyType}) % ${family.buckets}`;
    case 'range':
      return `ranges of ${family.layout.table.name}.${family.layout.column.name} (${family.layout.ordered.length})`;
    case 'partitions':
      return `partitions of ${family.table.name}`;
    case 'single':
      return 'one task';
  }
}

// ---------------------------------------------------------------- key types

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL\(\d+,\d+\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP)$/;

export const isIntegerType = (type: string): boolean => INTEGER.test(type.toUpperCase());

/**
 * Whether values of `type` can be sent to buckets keyed by `keyType` so that
 * values DuckDB compares as equal land in the same bucket: same type, integers
 * of any width (DuckDB hashes them alike), numbers (cast to the key's type), or
 * DATE/TIMESTAMP (DuckDB compares them as TIMESTAMP).
 */
export function keyCompatible(type: string, keyType: string): boolean {
  const a = type.toUpperCase();
  const b = keyType.toUpperCase();
  if (a === b) return true;
  if (NUMERIC.test(a) && NUMERIC.test(b)) return true;
  return TEMPORAL.test(a) && TEMPORAL.test(b);
}

/** The key type a fresh hash exchange uses for columns of these types; undefined when they cannot share buckets. */
export function commonKeyType(types: readonly string[]): string | undefined {
  const upper = types.map((t) => t.toUpperCase());
  if (upper.length === 0) return undefined;
  if (upper.every((t) => t === upper[0])) return upper[0];
  if (upper.every((t) => INTEGER.test(t))) return 'BIGINT';
  if (upper.every((t) => NUMERIC.test(t))) return 'DOUBLE';
  if (upper.every((t) => TEMPORAL.test(t))) return 'TIMESTAMP';
  return undefined;
}

/**
 * SQL of the task (0..tasks-1) a value belongs to. `valueSql` is an expression of
 * type `valueType`. A value that cannot be cast to the key type becomes NULL and
 * shares NULL's bucket: it cannot equal any value of that type anyway.
 */
export function taskSql(family: Family, valueSql: string, valueType: string, tasks: number): string {
  switch (family.kind) {
    case 'single':
    case 'partitions':
      return '0';
    case 'hash': {
      // Integers of every width hash alike, so they need no cast (and keep the native layout's hash).
      const same = valueType.toUpperCase() === family.keyType.toUpperCase() || (isIntegerType(valueType) && isIntegerType(family.keyType));
      const key = same ? valueSql : `TRY_CAST(${valueSql} AS ${family.keyType})`;
      const bucket = `(hash(${key}) % ${family.buckets})`;
      if (tasks === family.buckets) return bucket;
      return `((${bucket} * ${tasks}) // ${family.buckets})`;
    }
    case 'range': {
      const layout = family.layout;
      const keyType = layout.column.type;
      const key = valueType.toUpperCase() === keyType.toUpperCase() ? valueSql : `TRY_CAST(${valueSql} AS ${keyType})`;
      // The last range of each task bounds it; values past every range go to the last task.
      const branches: string[] = [];
      for (let t = 0; t < tasks - 1; t++) {
        const lastRange = lastRangeOfTask(layout, t, tasks);
        if (lastRange < 0) continue;
        branches.push(`WHEN ${key} <= CAST(${sqlString(layout.ordered[lastRange].max)} AS ${keyType}) THEN ${t}`);
      }
      return branches.length === 0 ? '0' : `(CASE WHEN ${key} IS NULL THEN 0 ${branches.join(' ')} ELSE ${tasks - 1} END)`;
    }
  }
}

function lastRangeOfTask(layout: RangeLayout, task: number, tasks: number): number {
  let last = -1;
  for (let i = 0; i < layout.ordered.length; i++) {
    if (Math.min(tasks - 1, Math.floor((i * tasks) / layout.ordered.length)) === task) last = i;
  }
  return last;
}

const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

// ---------------------------------------------------------------- native layouts

/**
 * For a table split on `column` in `family` without an exchange: the task of each of its
 * partitions (undefined when its layout does not match the family's).
 */
export function nativeTasks(family: Family, table: TableEntry, column: string | undefined, tasks: number): number[] | undefined {
  const partitions = table.partitions;
  switch (family.kind) {
    case 'single':
      return partitions.map(() => 0);
    case 'partitions':
      if (family.table !== table) return undefined;
      return partitions.map((_, i) => Math.min(tasks - 1, Math.floor((i * tasks) / partitions.length)));
    case 'hash': {
      const p = table.partitioning;
      if (p.scheme !== 'hash' || column === undefined || p.column.toLowerCase() !== column.toLowerCase()) return undefined;
      if (p.buckets !== family.buckets || partitions.length !== p.buckets) return undefined;
      const sameHash = p.keyType.toUpperCase() === family.keyType.toUpperCase() || (isIntegerType(p.keyType) && isIntegerType(family.keyType));
      // Another DuckDB version may hash differently: only buckets hashed by the same one line up.
      if (!sameHash || (family.hashedBy !== undefined && p.hashedBy !== family.hashedBy)) return undefined;
      return partitions.map((_, bucket) => taskOfBucket(family, bucket, tasks));
    }
    case 'range': {
      if (column === undefined) return undefined;
      const layout = family.layout;
      const def = table.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
      if (!def || def.type.toUpperCase() !== layout.column.type.toUpperCase()) return undefined;
      if (table === layout.table && def.name === layout.column.name) {
        const out = partitions.map(() => 0);
        layout.ordered.forEach((range, i) => (out[range.partition] = taskOfBucket(family, i, tasks)));
        return out;
      }
      // Another table nests in the family's ranges when each of its partitions falls in one of them.
      const out: number[] = [];
      for (const partition of partitions) {
        const range = partitionRange(partition, def);
        if (range === undefined) return undefined;
        if (range === 'empty') {
          out.push(0);
          continue;
        }
        const first = rangeIndexOf(layout, range.min);
        const last = rangeIndexOf(layout, range.max);
        if (taskOfBucket(family, first, tasks) !== taskOfBucket(family, last, tasks)) return undefined;
        out.push(taskOfBucket(family, first, tasks));
      }
      return out;
    }
  }
}

/** Range layouts a table offers on the columns it could be joined by. */
export function rangeFamily(table: TableEntry, column: string): Family | undefined {
  const layout = rangeLayout(table, column);
  return layout ? { kind: 'range', layout } : undefined;
}

export function hashFamilyOf(table: TableEntry): Family | undefined {
  const p = table.partitioning;
  if (p.scheme !== 'hash' || table.partitions.length !== p.buckets) return undefined;
  return { kind: 'hash', buckets: p.buckets, keyType: p.keyType, hashedBy: p.hashedBy };
}
