/** `pondgate gateway`: the PostgreSQL-protocol front end of a cluster. */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { Gateway } from '../../../gateway/gateway.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH, MAX_STARTUP_PACKET_LENGTH } from '../../../gateway/wire/frontend.ts';
import { connectNats } from '../../cluster/nats-connect.ts';
import { GATEWAY_DEFAULT_MEMORY_CAP_MB, GATEWAY_LOCAL_LANE_CAP_MB, GATEWAY_LOCAL_LANE_SHARE, GATEWAY_RESULT_BUFFER_SHARE, defaultGatewayMemoryLimitMb, defaultResources, splitGatewayMemory } from '../../duckdb/resources.ts';
import { createLogger } from '../../log.ts';
import { defaultScratchDir } from '../../storage/scratch.ts';
import { accessPolicy, addAccessOptions, type AccessCliOptions } from '../access-options.ts';
import { addAdmissionOptions, admissionLimits, type AdmissionCliOptions } from '../admission-options.ts';
import { DEFAULTS, nonNegativeInteger, nonNegativeNumber, port, positiveInteger } from '../options.ts';
import { onShutdown } from '../shutdown.ts';

export interface GatewayCliOptions extends AccessCliOptions, AdmissionCliOptions {
  nats: string;
  data: string;
  scratch?: string;
  host: string;
  port: number;
  cluster: string;
  database: string;
  maxConnections: number;
  threads?: number;
  memoryLimitMb?: number;
  localLaneMb?: number;
  tempDir?: string;
  spillLimitMb: number;
  processes: number;
  maxMessageBytes?: number;
  resultCacheMb?: number;
  taskAttempts: number;
  batchFilesKb?: number;
}

/** A query's unread result may take this much disk before it fails (53100). */
export const DEFAULT_SPILL_LIMIT_MB = 10_240;

/** The gateway's memory and spill options, shared by `gateway` and `cluster`. */
export function addGatewayMemoryOptions(command: Command, processesNote: string): Command {
  const duckdbPercent = Math.round((1 - GATEWAY_RESULT_BUFFER_SHARE) * 100);
  return command
    .option(
      '--memory-limit-mb <n>',
      `gateway memory in MB: ${duckdbPercent}% is its DuckDB's memory_limit (merges; spills to the temp directory), ` +
        `${100 - duckdbPercent}% buffers result messages that clients have not read yet (spilled beyond that) ` +
        `(default: 60% of RAM / ${processesNote}, at most ${GATEWAY_DEFAULT_MEMORY_CAP_MB})`,
      positiveInteger,
    )
    .option(
      '--local-lane-mb <n>',
      'memory in MB, out of --memory-limit-mb, for one-task queries over small data files (at most 1/8 of this) that the gateway runs ' +
        `itself instead of sending them to a worker; 0 sends every task to a worker (default: ${GATEWAY_LOCAL_LANE_SHARE * 100}% of the memory limit, at most ${GATEWAY_LOCAL_LANE_CAP_MB})`,
      nonNegativeInteger,
    )
    .option('--temp-dir <dir>', 'where the gateway makes its own pondgate-gateway-<pid>-<random> directory for spill files, removed when it stops (default: the OS temp directory)')
    .option('--spill-limit-mb <n>', "largest spill file of one query's unread result, in MB; a query exceeding it fails with SQLSTATE 53100", positiveInteger, DEFAULT_SPILL_LIMIT_MB);
}

/** How often a task may run when workers are lost, shared by `gateway` and `cluster`. */
export function addTaskAttemptsOption(command: Command): Command {
  return command.option(
    '--task-attempts <n>',
    "attempts of one task in all: a task whose worker dies or stops runs again on another live worker, as long as none of its rows has reached the client (1 never re-runs)",
    positiveInteger,
    DEFAULTS.taskAttempts,
  );
}

/** How result batches travel from workers to the gateway, shared by `gateway` and `cluster`. */
export function addBatchFilesOption(command: Command): Command {
  return command.option(
    '--batch-files-kb <n>',
    'result batches of at least this many KB come from the workers as files of the shared scratch directory instead of through NATS ' +
      '(one write and one read instead of three copies: large results stream faster); 0 sends every batch through NATS',
    nonNegativeInteger,
    DEFAULTS.batchFilesKb,
  );
}

export function registerGateway(program: Command): void {
  const command = program
    .command('gateway')
    .description('run the PostgreSQL-protocol gateway that plans queries and merges worker results')
    .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://127.0.0.1:4222')
    .option('--data <dir>', 'data directory (shared storage; the gateway reads only the manifest)', DEFAULTS.dataDir)
    .option('--scratch <dir>', 'shared scratch directory for exchanges between stages, the same for every process of the cluster (default: DATA/.scratch)')
    .option('--host <address>', 'address to listen on', DEFAULTS.host)
    .option('--port <port>', 'port to listen on', port, DEFAULTS.port)
    .option('--cluster <name>', 'cluster name (NATS subject prefix)', DEFAULTS.cluster)
    .option('--database <name>', 'database name clients connect to', DEFAULTS.database)
    .option('--max-connections <n>', 'concurrent client connections', positiveInteger, DEFAULTS.maxConnections)
    .option('--threads <n>', 'DuckDB threads for merges (default: cores / processes on this machine)', positiveInteger)
    .option('--processes <n>', 'pondgate processes sharing this machine, for the resource defaults', positiveInteger, 3)
    .option('--max-message-bytes <n>', 'largest protocol message a client may send (Query, Parse, Bind ...)', messageBytes, DEFAULT_MAX_MESSAGE_LENGTH)
    .option('--result-cache-mb <n>', 'memory for results of repeated identical queries, in MB (0 disables the cache)', nonNegativeNumber, DEFAULTS.resultCacheMb);
  addGatewayMemoryOptions(command, '--processes');
  addTaskAttemptsOption(command);
  addBatchFilesOption(command);
  addAccessOptions(addAdmissionOptions(command))
    .action(async (options: GatewayCliOptions) => {
      const gateway = await startGateway(options);
      onShutdown(() => gateway.stop());
    });
}

/** Below the startup packet limit even a normal login would fail; above 1 GiB PostgreSQL's own limit. */
function messageBytes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < MAX_STARTUP_PACKET_LENGTH || n > 0x3fffffff) throw new InvalidArgumentError(`expected a whole number of bytes from ${MAX_STARTUP_PACKET_LENGTH} to 1073741823`);
  return n;
}

export interface RunningGateway {
  readonly address: { readonly host: string; readonly port: number };
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayCliOptions): Promise<RunningGateway> {
  const log = createLogger('gateway');
  if (!existsSync(options.data)) throw new Error(`data directory ${options.data} does not exist (create it with: pondgate generate tpch --into ${options.data})`);
  const access = accessPolicy(options, options.host);
  const defaults = defaultResources(options.processes);
  const admission = admissionLimits(options);
  const memory = splitGatewayMemory(options.memoryLimitMb ?? defaultGatewayMemoryLimitMb(options.processes), options.localLaneMb);
  const resources = { threads: options.threads ?? defaults.threads, memoryLimitMb: memory.duckdbMb };
  const nc = await connectNats(options.nats, 'pondgate-gateway');
  let gateway: Gateway;
  try {
    gateway = await Gateway.start(nc, {
      host: options.host,
      port: options.port,
      dataDir: options.data,
      scratchDir: options.scratch ?? defaultScratchDir(options.data),
      cluster: options.cluster,
      database: options.database,
      resources,
      resultBufferBytes: memory.resultBufferBytes,
      localLaneMb: memory.localLaneMb,
      spillLimitBytes: options.spillLimitMb * 1024 * 1024,
      tempDir: options.tempDir,
      maxConnections: options.maxConnections,
      admission,
      access: access.policy,
      maxMessageBytes: options.maxMessageBytes,
      resultCacheMb: options.resultCacheMb ?? DEFAULTS.resultCacheMb,
      taskAttempts: options.taskAttempts,
      batchFileMinBytes: (options.batchFilesKb ?? DEFAULTS.batchFilesKb) * 1024,
      log,
    });
  } catch (error) {
    await nc.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${options.port} on ${options.host} is already in use (choose another with --port)`);
    throw error;
  }
  log.info({ host: gateway.address.host, port: gateway.address.port, resources, memory, spillLimitMb: options.spillLimitMb, resultCacheMb: options.resultCacheMb ?? DEFAULTS.resultCacheMb, admission, taskAttempts: options.taskAttempts, ...access.description }, 'gateway started');
  process.stdout.write(`ready on ${gateway.address.host}:${gateway.address.port}\n`);
  return {
    address: gateway.address,
    stop: async () => {
      await gateway.stop();
      await nc.drain();
    },
  };
}
