/**
 * Starts a private nats-server for `pondgate cluster` and for tests. It listens
 * on loopback on a port of its own choosing (never the machine's 4222), and is
 * stopped with the process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), synchronously: for a parent that must exit now. */
  kill(): void;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];

export class NatsServerMissingError extends Error {
  constructor() {
    super(
      'nats-server was not found on PATH or in /usr/sbin. Install it (Debian: apt-get install -y nats-server) ' +
        'or point pondgate at a running server with --nats nats://HOST:PORT.',
    );
  }
}

export function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function startNatsServer(options: { host?: string; timeoutMs?: number } = {}): Promise<RunningNatsServer> {
  const binary = findNatsServer();
  if (!binary) throw new NatsServerMissingError();
  const host = options.host ?? '127.0.0.1';
  // -p -1: the server picks a free port and logs it, so there is no race between choosing and binding.
  const child = spawn(binary, ['-a', host, '-p', '-1', '-m', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await waitForPort(child, options.timeoutMs ?? 10_000);
  let stopped: Promise<void> | undefined;
  return {
    url: `nats://${host}:${port}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
      return stopped;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`nats-server did not become ready within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`nats-server exited with code ${String(code)}:\n${log}`)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      if (log.length < 10_000) log += text;
      const match = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
      if (match && /Server is ready/.test(log)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    });
  });
}
