/**
 * Cancel for statements running in the gateway's own DuckDB (local plans and
 * the merge step of distributed ones): a CancelRequest aborts the session's
 * signal, and only DuckDB's interrupt stops a statement that is computing
 * (a big aggregate produces its first batch only at the end).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { SqlError } from '../../src/errors.ts';

/** Interrupts `connection` when `signal` aborts, until the returned function detaches it. */
export function interruptOnAbort(connection: DuckDBConnection, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const onAbort = () => connection.interrupt();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** The error a cancelled statement reports: the abort's own SqlError (a timeout, a closed result), else 57014. */
export function abortError(signal: AbortSignal): SqlError {
  const reason: unknown = signal.reason;
  return reason instanceof SqlError ? reason : new SqlError('57014', 'canceling statement due to user request');
}

/** The error to report for a failed statement: the cancel's reason (57014) when it was cancelled, else the error. */
export function abortReasonOr(signal: AbortSignal | undefined, error: unknown): unknown {
  return signal?.aborted ? signal.reason : error;
}
