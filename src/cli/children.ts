/** Child pondgate processes started by `pondgate cluster`, each awaited until it prints its ready line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

const BIN = fileURLToPath(new URL('../../bin/pondgate.js', import.meta.url));

export interface ChildHandle {
  readonly process: ChildProcess;
  readonly readyLine: string;
  stop(): Promise<void>;
}

export async function startChild(args: readonly string[], readyPattern: RegExp, timeoutMs = 60_000): Promise<ChildHandle> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pondgate ${args[0]} did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (readyPattern.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pondgate ${args[0]} exited with code ${String(code)} before it was ready`));
    });
  });
  child.removeAllListeners('exit');
  return {
    process: child,
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
