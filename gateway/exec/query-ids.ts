/**
 * Query ids: unique across gateways (a random prefix drawn once per process) and within one
 * (a counter), without a call into the kernel's random source per query — randomBytes() per
 * query was a measurable share of a lookup's CPU on the gateway's one thread.
 */
import { randomBytes } from 'node:crypto';

const PROCESS_PREFIX = randomBytes(6).toString('hex');
let counter = 0;

/** Letters and digits only: ids name DuckDB databases, scratch directories and spool files. */
export function nextQueryId(): string {
  counter += 1;
  return `${PROCESS_PREFIX}${counter.toString(36).padStart(4, '0')}`;
}
