/**
 * SQL expressions for deterministic pseudo-random values. Every value is
 * `hash(seed, stream, key)` reduced to a range: no state, no sequence, so any
 * row (or any partition) can be generated independently and in any order, and
 * identical arguments give identical data. `stream` separates the columns so
 * that, e.g., a row's quantity and discount are not correlated.
 *
 * Caveat: values depend on DuckDB's hash function, so they are stable for a
 * given DuckDB version, not necessarily across versions.
 */
import { sqlString } from '../storage/duckdb.ts';

export interface RandomSql {
  /** The raw UBIGINT hash for a stream and key. */
  hash(stream: number, keySql: string): string;
  /** Uniform BIGINT in [lo, hi]. */
  int(stream: number, keySql: string, lo: number, hi: number): string;
  /** Uniform pick from a word list. */
  pick(stream: number, keySql: string, words: readonly string[]): string;
  /** Words picked from each list in turn, joined by spaces (a comment "sentence"). */
  sentence(stream: number, keySql: string, slots: readonly (readonly string[])[]): string;
  /**
   * Value in [0, n) for the 0-based row index `indexSql`, balanced: each
   * block of n consecutive rows gets every value exactly once, in a per-block
   * pseudo-random order. Marginally as uniform as `int`, but without the
   * sampling noise that leaves, say, no supplier in CANADA at SF 0.01.
   */
  balanced(stream: number, indexSql: string, n: number): string;
  /** Alphanumeric-ish string of uniform length in [minLen, maxLen] (max 64). */
  text(stream: number, keySql: string, minLen: number, maxLen: number): string;
}

/**
 * `table` (a small integer) keeps tables apart: customer 7 and supplier 7
 * must not share an account balance. `stream` must be below 100.
 */
export function randomSql(seed: number, table: number): RandomSql {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // DuckDB combines the hashes of several arguments cheaply (XOR-like), which
  // leaves the low bits of different streams of one key perfectly correlated
  // (hash(s, 13, k) % 2 = hash(s, 16, k) % 2). Hashing the combined value again
  // mixes it properly, making streams independent.
  const h = (stream: number, keySql: string) => `hash(hash(${seed}::BIGINT, ${table * 10_000 + stream}, ${keySql}))`;
  const int = (stream: number, keySql: string, lo: number, hi: number) =>
    `(${lo} + (${h(stream, keySql)} % ${hi - lo + 1})::BIGINT)`;
  const list = (words: readonly string[]) => `[${words.map(sqlString).join(', ')}]`;
  const pick = (stream: number, keySql: string, words: readonly string[]) =>
    `${list(words)}[1 + (${h(stream, keySql)} % ${words.length})::INTEGER]`;
  const balanced = (stream: number, indexSql: string, n: number) => {
    // x -> (x * step + offset) mod n is a bijection on [0, n) when gcd(step, n) = 1.
    const steps = Array.from({ length: n }, (_, i) => i + 1).filter((step) => gcd(step, n) === 1);
    const block = `((${indexSql}) // ${n})`;
    const step = `[${steps.join(', ')}][1 + (${h(stream, block)} % ${steps.length})::INTEGER]`;
    return `((((${indexSql}) % ${n}) * ${step} + ${h(stream + 50, block)} % ${n}) % ${n})::BIGINT`;
  };
  return {
    hash: h,
    balanced,
    int,
    pick,
    sentence: (stream, keySql, slots) =>
      slots.map((words, i) => pick(stream * 100 + i, keySql, words)).join(` || ' ' || `),
    text: (stream, keySql, minLen, maxLen) => {
      const seedText = `${seed}::VARCHAR || ':${stream}:' || ${keySql}::VARCHAR`;
      return `left(md5(${seedText}) || md5(${seedText} || ':'), ${int(stream, keySql, minLen, Math.min(maxLen, 64))})`;
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
