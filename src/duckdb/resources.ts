/**
 * DuckDB resource settings. DuckDB's own defaults (all cores, 80% of memory)
 * assume it owns the machine; a gateway plus several workers on one host would
 * oversubscribe it many times over, so every instance gets explicit limits,
 * derived from the machine divided by the processes that share it.
 */
import os from 'node:os';

export interface DuckDBResources {
  readonly threads: number;
  /** Megabytes. */
  readonly memoryLimitMb: number;
}

export function defaultResources(processesOnMachine: number, fractionOfMemory = 0.6): DuckDBResources {
  const processes = Math.max(1, processesOnMachine);
  const cores = Math.max(1, os.availableParallelism());
  const memoryMb = Math.floor(os.totalmem() / (1024 * 1024));
  return {
    threads: Math.max(1, Math.floor(cores / processes)),
    memoryLimitMb: Math.max(256, Math.floor((memoryMb * fractionOfMemory) / processes)),
  };
}

export function duckdbConfig(resources: DuckDBResources): Record<string, string> {
  return {
    threads: String(resources.threads),
    memory_limit: `${resources.memoryLimitMb}MB`,
  };
}
