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

/**
 * The key as the manifest records it was hashed (`Partitioning.keyType`).
 * DuckDB's hash() depends on the type (a DECIMAL hashes its scaled integer),
 * so writers hash `CAST(key AS keyType)` and a planner that re-partitions
 * another input to join with the table casts its key to the same type.
 * Casting a value to its own type changes nothing.
 */
export function hashKeySql(keySql: string, keyType: string): string {
  return `CAST(${keySql} AS ${keyType})`;
}

/** Upper bound on partitions: more files than this is a mistake, not a plan. */
export const MAX_PARTITIONS = 4096;

export function assertPartitionCount(count: number, what = 'partition count'): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new RangeError(`${what} must be an integer between 1 and ${MAX_PARTITIONS}, got ${String(count)}`);
  }
}

/** Splits [from, to) into `parts` contiguous ranges whose sizes differ by at most one. */
export function evenRanges(from: number, to: number, parts: number): [number, number][] {
  const size = to - from;
  return Array.from({ length: parts }, (_, p) => [
    from + Math.floor((p * size) / parts),
    from + Math.floor(((p + 1) * size) / parts),
  ]);
}
