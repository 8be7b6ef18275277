/**
 * Child pondgate processes (started by `pondgate cluster`, and by the tests),
 * each awaited until it prints its ready line on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

export const PONDGATE_BIN = fileURLToPath(new URL('../../bin/pondgate.js', import.meta.url));

export interface ChildHandle {
  readonly process: ChildProcess;
  readonly readyLine: string;
  stop(): Promise<void>;
  /** Kills the child at once (SIGKILL), synchronously: for a parent that must exit now. */
  kill(): void;
}

export interface ChildOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Keep the child's stderr (its logs) for error messages instead of passing it through. */
  readonly captureStderr?: boolean;
  /** Called with each chunk of captured stderr. */
  readonly onStderr?: (text: string) => void;
}

export async function startChild(args: readonly string[], readyPattern: RegExp, options: ChildOptions = {}): Promise<ChildHandle> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const child = spawn(process.execPath, [PONDGATE_BIN, ...args], {
    stdio: ['ignore', 'pipe', options.captureStderr ? 'pipe' : 'inherit'],
    env: options.env ?? process.env,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
    options.onStderr?.(text);
  });
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pondgate ${args.join(' ')} did not become ready within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (readyPattern.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pondgate ${args.join(' ')} exited with code ${String(code)} before it was ready\n${stderr}`));
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
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
