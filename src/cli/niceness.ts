/**
 * Lowering a worker's CPU priority. On one machine with the gateway (`pondgate
 * cluster`, a laptop, the benchmarks' 2 cores) a worker running a long scan
 * took CPU from the gateway's one JavaScript thread, and small queries beside
 * it waited: with the workers niced the kernel runs the gateway first, and
 * the workers still get every core nothing else wants. A worker on a host of
 * its own loses nothing.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Sets the niceness of every thread of this process (Linux keeps it per thread, and a thread
 * inherits its creator's, so the threads started later — DuckDB's, libuv's — follow). Never
 * raises the priority; returns the niceness in effect, or undefined when it cannot be read.
 */
export function lowerPriority(niceness: number): number | undefined {
  try {
    if (getPriority() >= niceness) return getPriority();
    let threads: number[] = [];
    try {
      threads = readdirSync('/proc/self/task').map(Number).filter((tid) => Number.isInteger(tid) && tid > 0);
    } catch {
      // No /proc: the process as a whole.
    }
    if (threads.length === 0) setPriority(niceness);
    for (const tid of threads) {
      try {
        setPriority(tid, niceness);
      } catch {
        // A thread that has ended meanwhile.
      }
    }
    return getPriority();
  } catch {
    return undefined;
  }
}
