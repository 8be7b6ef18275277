/**
 * A real cluster for tests: a private nats-server on a free port, worker
 * processes and a gateway process started through the `pondgate` command
 * line exactly as a user would, each awaited until it prints its ready line.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import { PONDGATE_BIN, startChild, type ChildHandle } from '../../src/cli/children.ts';

export const BIN = PONDGATE_BIN;

export interface TestCluster {
  readonly port: number;
  readonly natsUrl: string;
  readonly dataDir: string;
  readonly connectionString: string;
  /** The gateway process id, e.g. to read its memory use from /proc. */
  readonly gatewayPid: number;
  /** The worker processes, e.g. to kill one in a fault test. */
  readonly workers: readonly ProcessHandle[];
  stop(): Promise<void>;
}

export type ProcessHandle = ChildHandle;

/** Runs `pondgate <args>` and waits for a stdout line matching `ready`; its logs are kept for failures. */
export function startPondgate(args: readonly string[], ready: RegExp, timeoutMs = 90_000, env: NodeJS.ProcessEnv = {}): Promise<ProcessHandle> {
  return startChild(args, ready, {
    timeoutMs,
    captureStderr: true,
    env: { ...process.env, PONDGATE_LOG_LEVEL: process.env.PONDGATE_LOG_LEVEL ?? 'warn', ...env },
    onStderr: process.env.PONDGATE_TEST_VERBOSE ? (text) => process.stderr.write(text) : undefined,
  });
}

/** Runs `pondgate <args>` to completion; rejects with its output when it fails. */
export async function runPondgate(args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`pondgate ${args.join(' ')} failed (${String(code)}):\n${output}`);
  return output;
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `pondgate-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** NATS + `workers` worker processes + a gateway on a free port, over `dataDir`. */
export async function startTestCluster(
  dataDir: string,
  options: { workers?: number; cluster?: string; gatewayArgs?: readonly string[]; workerArgs?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<TestCluster> {
  const nats: RunningNatsServer = await startNatsServer();
  const cluster = options.cluster ?? 'test';
  const processes: ProcessHandle[] = [];
  try {
    const workerCount = options.workers ?? 2;
    const shared = ['--nats', nats.url, '--data', dataDir, '--cluster', cluster, '--processes', String(workerCount + 2)];
    const workers = await Promise.all(Array.from({ length: workerCount }, () => startPondgate(['worker', ...shared, ...(options.workerArgs ?? [])], /ready/)));
    processes.push(...workers);
    const gateway = await startPondgate(['gateway', ...shared, '--port', '0', ...(options.gatewayArgs ?? [])], /^ready on /, undefined, options.env);
    processes.push(gateway);
    const port = Number(/:(\d+)$/.exec(gateway.readyLine)?.[1]);
    return {
      port,
      natsUrl: nats.url,
      dataDir,
      connectionString: `postgresql://tester@127.0.0.1:${port}/pondgate`,
      gatewayPid: gateway.process.pid ?? 0,
      workers,
      async stop() {
        await Promise.all(processes.map((p) => p.stop()));
        await nats.stop();
      },
    };
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    await nats.stop();
    throw error;
  }
}
