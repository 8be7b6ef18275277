/** `pondgate worker`: one DuckDB worker process serving a cluster's tasks. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { connectNats } from '../../cluster/nats-connect.ts';
import { defaultResources } from '../../duckdb/resources.ts';
import { createLogger } from '../../log.ts';
import { defaultScratchDir } from '../../storage/scratch.ts';
import { Worker } from '../../../worker/worker.ts';
import { DEFAULTS, niceness, nonNegativeNumber, positiveInteger, WORKER_CACHE_SHARE } from '../options.ts';
import { lowerPriority } from '../niceness.ts';
import { onShutdown } from '../shutdown.ts';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a DuckDB worker that takes tasks from NATS and reads the shared data directory')
    .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://127.0.0.1:4222')
    .option('--data <dir>', 'data directory (shared storage)', DEFAULTS.dataDir)
    .option('--scratch <dir>', 'shared scratch directory for exchanges between stages, the same for every process of the cluster (default: DATA/.scratch)')
    .option('--slots <n>', 'tasks run at once', positiveInteger, DEFAULTS.slots)
    .option('--cluster <name>', 'cluster name (NATS subject prefix)', DEFAULTS.cluster)
    .option('--threads <n>', 'DuckDB threads (default: cores / processes on this machine)', positiveInteger)
    .option('--memory-limit-mb <n>', 'DuckDB memory limit in MB', positiveInteger)
    .option('--processes <n>', 'pondgate processes sharing this machine, for the resource defaults', positiveInteger, 3)
    .option('--cache-mb <n>', `memory for data files kept decoded between tasks, in MB (0 disables the cache; default: ${WORKER_CACHE_SHARE * 100}% of the memory limit)`, nonNegativeNumber)
    .option('--nice <n>', 'CPU niceness of the worker (0-19): on a machine it shares with a gateway, the gateway\'s small queries get the CPU first; a worker on a host of its own loses nothing', niceness, DEFAULTS.workerNiceness)
    .action(async (options: { nats: string; data: string; scratch?: string; slots: number; cluster: string; threads?: number; memoryLimitMb?: number; processes: number; cacheMb?: number; nice: number }) => {
      // First, so that the threads started later (DuckDB's, libuv's) inherit it.
      const nice = lowerPriority(options.nice);
      const log = createLogger('worker');
      if (!existsSync(options.data)) throw new Error(`data directory ${options.data} does not exist`);
      const scratchDir = options.scratch ?? defaultScratchDir(options.data);
      await mkdir(scratchDir, { recursive: true });
      const defaults = defaultResources(options.processes);
      const resources = { threads: options.threads ?? defaults.threads, memoryLimitMb: options.memoryLimitMb ?? defaults.memoryLimitMb };
      const nc = await connectNats(options.nats, 'pondgate-worker');
      const cacheMb = options.cacheMb ?? Math.floor(resources.memoryLimitMb * WORKER_CACHE_SHARE);
      const worker = await Worker.start(nc, { dataDir: options.data, scratchDir, cluster: options.cluster, slots: options.slots, resources, log, cacheBytes: cacheMb * 1024 * 1024 });
      log.info({ workerId: worker.id, resources, cacheMb, nice }, 'worker started');
      process.stdout.write(`worker ${worker.id} ready (cluster ${options.cluster}, ${options.slots} slots)\n`);
      onShutdown(async () => {
        await worker.stop();
        await nc.drain();
      });
    });
}
