/**
 * The one bucketing function of pondgate: a row belongs to bucket
 * `hash(key) % buckets`, computed by DuckDB. Generation, import and the query
 * planner must all use this expression, otherwise tables partitioned on the
 * same key would not be co-located. DuckDB hashes INTEGER and BIGINT values of
 * the same number identically, so keys may differ in integer width.
 */
export function bucketExpr(keySql: string, buckets: number): string {
  assertPartitionCount(buckets);
  return `(hash(${keySql}) % ${buckets})`;
}

/** Upper bound on partitions: more files than this is a mistake, not a plan. */
export const MAX_PARTITIONS = 4096;

export function assertPartitionCount(count: number, what = 'partition count'): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new RangeError(`${what} must be an integer between 1 and ${MAX_PARTITIONS}, got ${String(count)}`);
  }
}

/** Manifest-relative path of partition `index` of `table`: `<table>/part-00000.parquet`. */
export const partitionFile = (table: string, index: number): string =>
  `${table}/part-${String(index).padStart(5, '0')}.parquet`;

/** Splits [from, to) into `parts` contiguous ranges whose sizes differ by at most one. */
export function evenRanges(from: number, to: number, parts: number): [number, number][] {
  const size = to - from;
  return Array.from({ length: parts }, (_, p) => [
    from + Math.floor((p * size) / parts),
    from + Math.floor(((p + 1) * size) / parts),
  ]);
}
