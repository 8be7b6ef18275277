/**
 * `pondgate cluster`: everything on one machine — a NATS server (unless --nats
 * names one), N worker processes and the gateway — stopped together on Ctrl-C.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { startNatsServer, type RunningNatsServer } from '../../cluster/nats-server.ts';
import { MANIFEST_FILE } from '../../storage/manifest-store.ts';
import { startChild, type ChildHandle } from '../children.ts';
import { accessPolicy, addAccessOptions, type AccessCliOptions } from '../access-options.ts';
import { addAdmissionOptions, admissionArgs, type AdmissionCliOptions } from '../admission-options.ts';
import { DEFAULTS, nonNegativeNumber, port, positiveInteger, WORKER_CACHE_SHARE } from '../options.ts';
import { onShutdown } from '../shutdown.ts';
import { makeDemoData } from './demo.ts';
import { addGatewayMemoryOptions, addBatchFilesOption, addTaskAttemptsOption, startGateway, type RunningGateway } from './gateway.ts';

interface ClusterOptions extends AccessCliOptions, AdmissionCliOptions {
  data: string;
  scratch?: string;
  workers: number;
  slots: number;
  host: string;
  port: number;
  nats?: string;
  cluster: string;
  database: string;
  demo: boolean;
  maxConnections: number;
  memoryLimitMb?: number;
  localLaneMb?: number;
  tempDir?: string;
  spillLimitMb: number;
  resultCacheMb: number;
  taskAttempts: number;
  batchFilesKb: number;
  workerCacheMb?: number;
}

export function registerCluster(program: Command): void {
  const command = program
    .command('cluster')
    .description('start a whole cluster on this machine: NATS (unless --nats), workers and the gateway')
    .option('--data <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--scratch <dir>', 'shared scratch directory for exchanges between stages (default: DATA/.scratch)')
    .option('--workers <n>', 'worker processes', positiveInteger, DEFAULTS.workers)
    .option('--slots <n>', 'tasks each worker runs at once', positiveInteger, DEFAULTS.slots)
    .option('--host <address>', 'gateway address', DEFAULTS.host)
    .option('--port <port>', 'gateway port', port, DEFAULTS.port)
    .option('--nats <url>', 'use this NATS server instead of starting one')
    .option('--cluster <name>', 'cluster name (NATS subject prefix)', DEFAULTS.cluster)
    .option('--database <name>', 'database name clients connect to', DEFAULTS.database)
    .option('--max-connections <n>', 'concurrent client connections', positiveInteger, DEFAULTS.maxConnections)
    .option('--result-cache-mb <n>', 'gateway memory for results of repeated identical queries, in MB (0 disables the cache)', nonNegativeNumber, DEFAULTS.resultCacheMb)
    .option('--worker-cache-mb <n>', `each worker's memory for data files kept decoded between tasks, in MB (0 disables it; default: ${WORKER_CACHE_SHARE * 100}% of its memory limit)`, nonNegativeNumber)
    .option('--demo', 'generate the demo data (TPC-H SF 0.1, flights) first if the data directory has none', false);
  addGatewayMemoryOptions(command, '(workers + 1)');
  addTaskAttemptsOption(command);
  addBatchFilesOption(command);
  addAccessOptions(addAdmissionOptions(command))
    .action(async (options: ClusterOptions) => {
      const running = await startCluster(options);
      onShutdown(running.stop, running.kill);
    });
}

async function startCluster(options: ClusterOptions): Promise<{ stop: () => Promise<void>; kill: () => void }> {
  if (options.demo && !existsSync(path.join(options.data, MANIFEST_FILE))) await makeDemoData(options.data);
  if (!existsSync(options.data)) throw new Error(`data directory ${options.data} does not exist (make one with: pondgate generate tpch --into ${options.data}, or pass --demo)`);
  accessPolicy(options, options.host); // a bad auth/TLS setup fails before anything is started
  let nats: RunningNatsServer | undefined;
  const workers: ChildHandle[] = [];
  let gateway: RunningGateway | undefined;
  const stop = async () => {
    await gateway?.stop().catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop()));
    await nats?.stop();
  };
  // The children die with this process even when it cannot wait for them to stop.
  const kill = () => {
    for (const worker of workers) worker.kill();
    nats?.kill();
  };
  try {
    const natsUrl = options.nats ?? (nats = await startNatsServer()).url;
    if (nats) process.stdout.write(`nats-server started on ${natsUrl}\n`);
    const processes = String(options.workers + 1);
    const started = await Promise.all(
      Array.from({ length: options.workers }, () =>
        startChild(['worker', '--nats', natsUrl, '--data', options.data, ...(options.scratch ? ['--scratch', options.scratch] : []), '--cluster', options.cluster, '--slots', String(options.slots), '--processes', processes, ...(options.workerCacheMb !== undefined ? ['--cache-mb', String(options.workerCacheMb)] : [])], /ready/),
      ),
    );
    workers.push(...started);
    for (const worker of workers) process.stdout.write(`${worker.readyLine}\n`);
    gateway = await startGateway({
      nats: natsUrl,
      data: options.data,
      scratch: options.scratch,
      host: options.host,
      port: options.port,
      cluster: options.cluster,
      database: options.database,
      maxConnections: options.maxConnections,
      resultCacheMb: options.resultCacheMb,
      taskAttempts: options.taskAttempts,
      batchFilesKb: options.batchFilesKb,
      ...admissionArgs(options),
      processes: options.workers + 1,
      memoryLimitMb: options.memoryLimitMb,
      localLaneMb: options.localLaneMb,
      tempDir: options.tempDir,
      spillLimitMb: options.spillLimitMb,
      users: options.users,
      authMethod: options.authMethod,
      tlsCert: options.tlsCert,
      tlsKey: options.tlsKey,
      requireTls: options.requireTls,
      authenticationTimeout: options.authenticationTimeout,
    });
    const { host, port: boundPort } = gateway.address;
    process.stdout.write(
      [
        '',
        `pondgate is running: ${options.workers} workers, data in ${path.resolve(options.data)}`,
        'Connect with:',
        `  psql -h ${host} -p ${boundPort} -U pondgate ${options.database}`,
        `  jdbc:postgresql://${host}:${boundPort}/${options.database}?user=pondgate`,
        'Try:',
        '  SELECT l_returnflag, count(*), avg(l_extendedprice) FROM lineitem GROUP BY 1 ORDER BY 1;',
        '  EXPLAIN SELECT origin, avg(delay) FROM flights GROUP BY origin;',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    return { stop, kill };
  } catch (error) {
    await stop();
    throw error;
  }
}
