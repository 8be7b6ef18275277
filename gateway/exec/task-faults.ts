/**
 * Task failures that are the worker's fault, not the query's: the worker died
 * (its heartbeats stopped), it is shutting down, or a result message was lost
 * on the way. Such a task may run again as a new attempt on another worker
 * (dispatcher.ts). A failure of the query itself — a SQL error, a cancel, a
 * timeout — is never one of these: re-running it would fail again, or run what
 * the client asked to stop.
 */
import { SqlError } from '../../src/errors.ts';

export class WorkerFaultError extends SqlError {
  constructor(
    sqlstate: string,
    message: string,
    /** The worker the attempt ran on. */
    readonly workerId: string,
    /** The worker itself is gone or going (dead, shutting down): a re-run must go elsewhere. */
    readonly workerGone: boolean,
    hint?: string,
  ) {
    super(sqlstate, message, undefined, hint);
  }
}

export function isWorkerFault(error: unknown): error is WorkerFaultError {
  return error instanceof WorkerFaultError;
}

/**
 * The error a query fails with when a task that lost its worker cannot run again:
 * the fault's own code and message, and why it was not re-run in the detail.
 */
export function unrecoverable(fault: WorkerFaultError, why: string): SqlError {
  return new SqlError(fault.sqlstate, fault.message, why, fault.hint ?? 'the query was stopped; run it again');
}
