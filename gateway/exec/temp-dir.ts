/**
 * The gateway's private temporary directory: where its DuckDB spills (merges and
 * the per-query databases that hold the workers' rows) and where result spools
 * write what does not fit in memory. Unlike the shared scratch directory it is
 * local to this process, so it lives on local disk (by default under the OS temp
 * directory).
 *
 * The gateway always makes a fresh `pondgate-gateway-<pid>-<random>` directory
 * inside the parent it is given, never uses the parent itself: it removes its
 * directory recursively at stop, and a user's `--temp-dir /tmp` must survive that.
 * At start it removes the directories of gateways on this host whose process is
 * gone (a crash or SIGKILL leaves spill files behind).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../src/log.ts';

const PREFIX = 'pondgate-gateway-';
const OWNER_FILE = 'owner.json';

interface Owner {
  readonly pid: number;
  readonly hostname: string;
}

export class GatewayTempDir {
  private removed = false;

  private constructor(readonly directory: string) {}

  /** Creates the directory (and `parent`, default os.tmpdir()) and sweeps dead gateways' ones. */
  static async open(parent: string | undefined, log: Logger): Promise<GatewayTempDir> {
    const base = path.resolve(parent ?? os.tmpdir());
    await mkdir(base, { recursive: true });
    await removeStale(base, log);
    const directory = await mkdtemp(path.join(base, `${PREFIX}${process.pid}-`));
    const owner: Owner = { pid: process.pid, hostname: os.hostname() };
    await writeFile(path.join(directory, OWNER_FILE), JSON.stringify(owner) + '\n');
    const temp = new GatewayTempDir(directory);
    await Promise.all([mkdir(temp.duckdbDir, { recursive: true }), mkdir(temp.spoolDir, { recursive: true })]);
    return temp;
  }

  /** DuckDB's `temp_directory`. */
  get duckdbDir(): string {
    return path.join(this.directory, 'duckdb');
  }

  /** Where result spools put their files. */
  get spoolDir(): string {
    return path.join(this.directory, 'spool');
  }

  /** Removes the directory and everything in it; call it after DuckDB is closed. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await rm(this.directory, { recursive: true, force: true });
  }
}

/**
 * Removes directories of gateways that ran on this host and whose process no
 * longer exists. The host name guards against a temp directory shared between
 * containers, where another namespace's live gateway may have any pid.
 */
async function removeStale(base: string, log: Logger): Promise<void> {
  const entries = await readdir(base).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(PREFIX)) continue;
    const directory = path.join(base, entry);
    const owner = await readOwner(path.join(directory, OWNER_FILE));
    if (!owner || owner.hostname !== os.hostname() || owner.pid === process.pid || isAlive(owner.pid)) continue;
    await rm(directory, { recursive: true, force: true }).catch(() => undefined);
    log.info({ directory }, 'removed the temp directory a stopped gateway left behind');
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, hostname } = parsed as Record<string, unknown>;
    return typeof pid === 'number' && typeof hostname === 'string' ? { pid, hostname } : undefined;
  } catch {
    // No owner file (not ours, or a gateway still starting): leave it alone.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
