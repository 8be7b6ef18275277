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

/**
 * The gateway's memory (`--memory-limit-mb`) is split between its DuckDB and the
 * result messages it buffers for clients that read slower than the workers send.
 * DuckDB gets the larger share: merges sort and aggregate there, and it spills to
 * its temp directory when it reaches its limit; the buffered messages spill to
 * the gateway's temp directory when their share is used up.
 */
export const GATEWAY_RESULT_BUFFER_SHARE = 0.25;
/** A default above this buys nothing: beyond it both parts spill to disk instead of growing. */
export const GATEWAY_DEFAULT_MEMORY_CAP_MB = 16_384;

export interface GatewayMemory {
  /** The whole limit, megabytes. */
  readonly limitMb: number;
  /** DuckDB's `memory_limit`, megabytes. */
  readonly duckdbMb: number;
  /** In-memory budget for buffered result messages (all queries together), bytes. */
  readonly resultBufferBytes: number;
}

/** The per-process share of the machine (as for every process), capped. */
export function defaultGatewayMemoryLimitMb(processesOnMachine: number): number {
  return Math.min(GATEWAY_DEFAULT_MEMORY_CAP_MB, defaultResources(processesOnMachine).memoryLimitMb);
}

export function splitGatewayMemory(limitMb: number): GatewayMemory {
  if (!Number.isInteger(limitMb) || limitMb < 1) throw new RangeError(`memory limit must be a positive number of MB, got ${limitMb}`);
  const bufferMb = limitMb * GATEWAY_RESULT_BUFFER_SHARE;
  return {
    limitMb,
    duckdbMb: Math.max(1, Math.floor(limitMb - bufferMb)),
    resultBufferBytes: Math.floor(bufferMb * 1024 * 1024),
  };
}
