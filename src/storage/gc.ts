/**
 * Garbage collection of retired files (see retirement.ts for the rule).
 * Files are deleted first and their `retired` entries removed by a commit
 * afterwards: if the process dies in between, the next collection finds the
 * entries again and deleting a missing file is not an error. Paths are never
 * reused (each write has its own directory), so a retired path cannot have
 * become live again meanwhile.
 *
 * The gateway calls this with its VersionPins' oldest version (pins.ts);
 * queries of other gateways are covered only by the grace period.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { resolveDataPath, type Manifest } from './manifest.ts';
import { readManifest, updateManifest, type RetryOptions } from './manifest-store.ts';
import { deletableFiles } from './retirement.ts';

export { DEFAULT_GRACE_MS } from './retirement.ts';

export interface GarbageCollectionOptions extends RetryOptions {
  /** Oldest manifest version a running query of this process reads; undefined when none. */
  readonly oldestPinnedVersion?: number;
  /** Minimum age of a retirement (default DEFAULT_GRACE_MS), for queries of other gateways. */
  readonly graceMs?: number;
  /** Current time in ms (tests); default Date.now(). */
  readonly nowMs?: number;
}

export interface GarbageCollectionResult {
  /** Deleted files, relative to the data directory. */
  readonly deleted: readonly string[];
  /** Retired files that must wait (pinned or within the grace period). */
  readonly waiting: number;
  /** The manifest after the collection (unchanged when nothing was deleted). */
  readonly manifest: Manifest;
}

export async function collectGarbage(dataDir: string, options: GarbageCollectionOptions = {}): Promise<GarbageCollectionResult> {
  const current = await readManifest(dataDir);
  const due = deletableFiles(current, { ...options, nowMs: options.nowMs ?? Date.now() });
  if (due.length === 0) return { deleted: [], waiting: current.retired.length, manifest: current };
  for (const file of due) {
    const absolute = resolveDataPath(dataDir, file.path);
    await rm(absolute, { force: true });
    await removeEmptyWriteDirectory(dataDir, file.path);
  }
  const deleted = new Set(due.map((file) => file.path));
  const manifest = await updateManifest(dataDir, (latest) => {
    const retired = latest.retired.filter((file) => !deleted.has(file.path));
    return retired.length === latest.retired.length ? undefined : { ...latest, retired };
  }, options);
  return { deleted: [...deleted], waiting: manifest.retired.length, manifest };
}

/**
 * Removes `<table>/<write>/` once its last file is gone. Table directories
 * and the data directory stay: a publisher may be moving a new write
 * directory into the table directory right now. rmdir refuses a non-empty
 * directory, so a file deleted later keeps its directory until then.
 */
async function removeEmptyWriteDirectory(dataDir: string, file: string): Promise<void> {
  const directory = path.posix.dirname(file);
  if (!directory.includes('/')) return;
  await rmdir(resolveDataPath(dataDir, directory)).catch(() => undefined);
}
