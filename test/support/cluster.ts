/**
 * A real cluster for tests: a private nats-server on a free port, worker
 * processes and a gateway process started through the `pondgate` command
 * line exactly as a user would, each awaited until it prints its ready line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';

export const BIN = fileURLToPath(new URL('../../bin/pondgate.js', import.meta.url));

export interface TestCluster {
  readonly port: number;
  readonly natsUrl: string;
  readonly dataDir: string;
  readonly connectionString: string;
  stop(): Promise<void>;
}

export interface ProcessHandle {
  readonly child: ChildProcess;
  readonly readyLine: string;
  stop(): Promise<void>;
}

/** Runs `pondgate <args>` and waits for a stdout line matching `ready`. */
export async function startPondgate(args: readonly string[], ready: RegExp, timeoutMs = 90_000): Promise<ProcessHandle> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PONDGATE_LOG_LEVEL: process.env.PONDGATE_LOG_LEVEL ?? 'warn' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
    if (process.env.PONDGATE_TEST_VERBOSE) process.stderr.write(text);
  });
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pondgate ${args.join(' ')} not ready in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pondgate ${args.join(' ')} exited with ${String(code)}\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    readyLine,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
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
export async function startTestCluster(dataDir: string, options: { workers?: number; cluster?: string } = {}): Promise<TestCluster> {
  const nats: RunningNatsServer = await startNatsServer();
  const cluster = options.cluster ?? 'test';
  const processes: ProcessHandle[] = [];
  try {
    const workerCount = options.workers ?? 2;
    const shared = ['--nats', nats.url, '--data', dataDir, '--cluster', cluster, '--processes', String(workerCount + 2)];
    processes.push(...(await Promise.all(Array.from({ length: workerCount }, () => startPondgate(['worker', ...shared], /ready/)))));
    const gateway = await startPondgate(['gateway', ...shared, '--port', '0'], /^ready on /);
    processes.push(gateway);
    const port = Number(/:(\d+)$/.exec(gateway.readyLine)?.[1]);
    return {
      port,
      natsUrl: nats.url,
      dataDir,
      connectionString: `postgresql://tester@127.0.0.1:${port}/pondgate`,
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
