/**
 * Which statements need DuckDB's top-N optimizer off (src/duckdb/top-n-guard.ts):
 * those with a LIMIT (the top-N shape) and a join that NULL-extends or filters
 * one side against the other — an outer, positional, ASOF, semi or anti join,
 * or a subquery expression, which DuckDB plans as such joins. Conservative on
 * purpose: a statement flagged needlessly only sorts in full.
 */
import { some, type Json } from '../sql/duckdb-ast.ts';

const LIMITS = new Set(['LIMIT_MODIFIER', 'LIMIT_PERCENT_MODIFIER']);

export function topNHazard(tree: Json): boolean {
  if (!some(tree, (node) => typeof node.type === 'string' && LIMITS.has(node.type))) return false;
  return some(
    tree,
    (node) =>
      node.class === 'SUBQUERY' ||
      (node.type === 'JOIN' && ((typeof node.join_type === 'string' && node.join_type !== 'INNER') || node.ref_type === 'POSITIONAL' || node.ref_type === 'ASOF')),
  );
}
