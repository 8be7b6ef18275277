/**
 * statement_timeout: PostgreSQL cancels a statement that runs longer than the
 * session's statement_timeout with 57014, counting the whole statement —
 * planning, the workers' tasks, the merge and sending the rows.
 */
import { SqlError } from '../../src/errors.ts';

export function statementTimeoutError(): SqlError {
  return new SqlError('57014', 'canceling statement due to statement timeout');
}

/** Calls `abort` with the timeout error after `ms` (0 = never); returns the function that disarms it. */
export function armStatementTimeout(ms: number, abort: (reason: SqlError) => void): () => void {
  if (!(ms > 0)) return () => undefined;
  const timer = setTimeout(() => abort(statementTimeoutError()), ms);
  return () => clearTimeout(timer);
}
