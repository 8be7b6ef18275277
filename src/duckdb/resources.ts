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
 * The gateway's memory (`--memory-limit-mb`) is split between its DuckDB, its own
 * task lane (below) and the result messages it buffers for clients that read
 * slower than the workers send.
 * DuckDB gets the larger share: merges sort and aggregate there, and it spills to
 * its temp directory when it reaches its limit; the buffered messages spill to
 * the gateway's temp directory when their share is used up.
 */
export const GATEWAY_RESULT_BUFFER_SHARE = 0.25;
/** A default above this buys nothing: beyond it both parts spill to disk instead of growing. */
export const GATEWAY_DEFAULT_MEMORY_CAP_MB = 16_384;

/**
 * The gateway's own task lane (gateway/exec/local-lane.ts) takes this share of the limit by
 * default, at most the cap: its DuckDB and the small data files it keeps decoded.
 */
export const GATEWAY_LOCAL_LANE_SHARE = 0.1;
export const GATEWAY_LOCAL_LANE_CAP_MB = 256;

export interface GatewayMemory {
  /** The whole limit, megabytes. */
  readonly limitMb: number;
  /** DuckDB's `memory_limit`, megabytes. */
  readonly duckdbMb: number;
  /** The local task lane's DuckDB `memory_limit`, megabytes (0: no lane). */
  readonly localLaneMb: number;
  /** In-memory budget for buffered result messages (all queries together), bytes. */
  readonly resultBufferBytes: number;
}

/** The per-process share of the machine (as for every process), capped. */
export function defaultGatewayMemoryLimitMb(processesOnMachine: number): number {
  return Math.min(GATEWAY_DEFAULT_MEMORY_CAP_MB, defaultResources(processesOnMachine).memoryLimitMb);
}

/** `localLaneMb`: the lane's share when set (--local-lane-mb), else the default share. */
export function splitGatewayMemory(limitMb: number, localLaneMb?: number): GatewayMemory {
  if (!Number.isInteger(limitMb) || limitMb < 1) throw new RangeError(`memory limit must be a positive number of MB, got ${limitMb}`);
  const bufferMb = limitMb * GATEWAY_RESULT_BUFFER_SHARE;
  const laneMb = localLaneMb ?? Math.min(GATEWAY_LOCAL_LANE_CAP_MB, Math.floor(limitMb * GATEWAY_LOCAL_LANE_SHARE));
  if (!Number.isInteger(laneMb) || laneMb < 0 || (laneMb > 0 && laneMb > limitMb - bufferMb - 1)) {
    throw new RangeError(`the local lane's memory must be a whole number of MB below the limit's DuckDB share (${Math.floor(limitMb - bufferMb)}), got ${laneMb}`);
  }
  return {
    limitMb,
    localLaneMb: laneMb,
    duckdbMb: Math.max(1, Math.floor(limitMb - bufferMb - laneMb)),
    resultBufferBytes: Math.floor(bufferMb * 1024 * 1024),
  };
}
