/**
 * The gateway's part of the shared scratch directory (see src/storage/scratch.ts):
 * it owns `<scratch>/<gateway id>/`, keeps an `owner` file there fresh while it
 * runs, reads (and removes) the result batches workers send as files, removes
 * each query's directory when the query ends (and once more a little later, for
 * files a cancelled task finished writing after that), and at
 * start removes the directories of gateways whose owner file went stale — what
 * a crashed gateway left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileBatchMessage } from '../../src/cluster/messages.ts';
import { checkScratchRelative, queryPrefix } from '../../src/storage/scratch.ts';
import type { Logger } from '../../src/log.ts';

const OWNER_FILE = 'owner';
const REFRESH_MS = 10_000;
/** An owner file older than this belongs to a gateway that is gone. */
const STALE_MS = 120_000;
const SECOND_SWEEP_MS = 5_000;

export class ScratchSpace {
  readonly gatewayId = `g-${randomBytes(6).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  /** Queries whose tasks may have written result batch files (expectBatchFiles), until released. */
  private readonly batchFileQueries = new Set<string>();

  private constructor(
    readonly directory: string,
    private readonly log: Logger,
  ) {}

  static async open(directory: string, log: Logger): Promise<ScratchSpace> {
    const space = new ScratchSpace(directory, log);
    await mkdir(path.join(directory, space.gatewayId), { recursive: true });
    await writeFile(space.ownerFile(), JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + '\n');
    await space.removeStale();
    space.timer = setInterval(() => {
      const now = new Date();
      void utimes(space.ownerFile(), now, now).catch(() => undefined);
    }, REFRESH_MS);
    space.timer.unref();
    return space;
  }

  /** Scratch-relative directory of a query's stage outputs. */
  prefix(queryId: string): string {
    return queryPrefix(this.gatewayId, queryId);
  }

  /**
   * Writes the SQL of a task too large for a NATS message where every worker can read it, under
   * this gateway's own directory (so a crashed gateway's are swept with the rest); returns its
   * scratch-relative path.
   */
  async putTaskSql(name: string, sql: string): Promise<string> {
    const relative = checkScratchRelative(`${this.gatewayId}/tasks/${name}.sql`);
    await mkdir(path.join(this.directory, this.gatewayId, 'tasks'), { recursive: true });
    await writeFile(path.join(this.directory, relative), sql);
    return relative;
  }

  async removeTaskSql(relative: string): Promise<void> {
    await rm(path.join(this.directory, checkScratchRelative(relative)), { force: true }).catch((error: unknown) => this.log.warn({ err: error, relative }, 'could not remove a task SQL file'));
  }

  /** A task of the query went to a worker that may send result batches as files (see BatchFiles). */
  expectBatchFiles(queryId: string): void {
    this.batchFileQueries.add(queryId);
  }

  /**
   * Reads a result batch a worker wrote as a file under this gateway's directory, and removes the
   * file: a long result never holds more on disk than the batches in flight.
   */
  async readBatchFile(message: FileBatchMessage): Promise<Uint8Array> {
    const relative = checkScratchRelative(message.file);
    if (!relative.startsWith(`${this.gatewayId}/`)) throw new Error(`batch file ${relative} is not in this gateway's scratch directory`);
    const file = path.join(this.directory, relative);
    try {
      // readFile gives a buffer of its own, at offset 0: Arrow's column views over it are aligned, no copy.
      const data = await readFile(file);
      if (data.length !== message.bytes) throw new Error(`batch file ${relative} holds ${data.length} bytes, the worker announced ${message.bytes}`);
      return data;
    } finally {
      void rm(file, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Removes a query's files now, and again shortly (a cancelled task may still be finishing a
   * write). `stageFiles`: the plan exchanged files between stages; without them (a forwarded
   * scan) there is nothing to remove unless a worker may have written batch files.
   */
  async release(queryId: string, stageFiles = true): Promise<void> {
    const batchFiles = this.batchFileQueries.delete(queryId);
    if (!stageFiles && !batchFiles) return;
    const dir = path.join(this.directory, this.prefix(queryId));
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.log.warn({ err: error, dir }, 'could not remove scratch files'));
    setTimeout(() => void rm(dir, { recursive: true, force: true }).catch(() => undefined), SECOND_SWEEP_MS).unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await rm(path.join(this.directory, this.gatewayId), { recursive: true, force: true }).catch(() => undefined);
  }

  private ownerFile(): string {
    return path.join(this.directory, this.gatewayId, OWNER_FILE);
  }

  private async removeStale(): Promise<void> {
    const entries = await readdir(this.directory).catch(() => [] as string[]);
    for (const entry of entries) {
      if (!entry.startsWith('g-') || entry === this.gatewayId) continue;
      const owner = path.join(this.directory, entry, OWNER_FILE);
      const info = await stat(owner).catch(() => undefined);
      const age = info ? Date.now() - info.mtimeMs : Number.POSITIVE_INFINITY;
      if (age > STALE_MS) {
        await rm(path.join(this.directory, entry), { recursive: true, force: true }).catch(() => undefined);
        this.log.info({ directory: entry }, 'removed scratch files a stopped gateway left behind');
      }
    }
  }
}
