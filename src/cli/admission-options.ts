/**
 * Admission control for distributed queries (`gateway` and `cluster` share
 * the options): how many run at once, and how long the others may queue.
 * See gateway/exec/admission-queue.ts for the lanes and the errors.
 */
import type { Command } from 'commander';
import type { AdmissionLimits } from '../../gateway/exec/admission-queue.ts';
import { DEFAULTS, defaultMaxRunningQueries, nonNegativeInteger, positiveInteger } from './options.ts';

export interface AdmissionCliOptions {
  maxRunningQueries?: number;
  maxRunningSmallQueries?: number;
  queueTimeoutMs: number;
}

export function addAdmissionOptions(command: Command): Command {
  return command
    .option('--max-running-queries <n>', `distributed queries running at once; more wait in a queue (default: 2 x cores, here ${defaultMaxRunningQueries()})`, positiveInteger)
    .option('--max-running-small-queries <n>', 'single-task queries running at once, in a lane of their own that never waits behind larger queries (default: 64, at least --max-running-queries; each is one short task, and the workers queue tasks beyond their slots)', positiveInteger)
    .option('--queue-timeout-ms <ms>', 'longest wait for a running-query slot before the query fails with 53300; 0 waits without limit', nonNegativeInteger, DEFAULTS.queueTimeoutMs);
}

/** Lookups from a dashboard's or a pool's many connections: one short task each, bounded by the workers' slots anyway. */
const DEFAULT_MAX_RUNNING_SMALL = 64;

export function admissionLimits(options: AdmissionCliOptions): AdmissionLimits {
  const maxRunning = options.maxRunningQueries ?? defaultMaxRunningQueries();
  return { maxRunning, maxRunningSmall: options.maxRunningSmallQueries ?? Math.max(maxRunning, DEFAULT_MAX_RUNNING_SMALL), queueTimeoutMs: options.queueTimeoutMs };
}

/** The options as they are passed on to `gateway` from `cluster`. */
export function admissionArgs(options: AdmissionCliOptions): AdmissionCliOptions {
  return { maxRunningQueries: options.maxRunningQueries, maxRunningSmallQueries: options.maxRunningSmallQueries, queueTimeoutMs: options.queueTimeoutMs };
}
