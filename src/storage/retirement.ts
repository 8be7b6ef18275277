/**
 * Which files a commit retires and which retired files may be deleted — pure
 * functions; gc.ts does the deleting.
 *
 * The rule (the Contract's snapshot reads): a query reads one manifest version
 * from plan to end, so a file that version R stops referencing is still read
 * by queries on versions < R. It may be deleted only when no running query
 * holds a version < R, and only after a grace period, because the queries of
 * other gateways are not known here.
 */
import { referencedPaths, type ManifestContent, type RetiredFile } from './manifest.ts';

/** Five minutes: longer than a typical query, short enough to reclaim space the same hour. */
export const DEFAULT_GRACE_MS = 5 * 60_000;

/**
 * The `retired` list of the version that turns `base` into `next`: next's own
 * list plus every path base references and next does not. A path that next
 * references again is taken off the list, so GC never deletes a file in use.
 */
export function retirementsOf(base: ManifestContent, next: ManifestContent, version: number, nowMs: number): RetiredFile[] {
  const inUse = referencedPaths(next);
  const carried = next.retired.filter((file) => !inUse.has(file.path));
  const listed = new Set(carried.map((file) => file.path));
  const fresh = [...referencedPaths(base)]
    .filter((file) => !inUse.has(file) && !listed.has(file))
    .map((file) => ({ path: file, retiredAtVersion: version, retiredAtMs: nowMs }));
  return [...carried, ...fresh];
}

export interface CollectionPolicy {
  /** Oldest manifest version a running query still reads; undefined when none runs. */
  readonly oldestPinnedVersion?: number;
  /** Minimum age of a retirement before its file is deleted (default DEFAULT_GRACE_MS). */
  readonly graceMs?: number;
  readonly nowMs: number;
}

/** Retired files that no pinned version reads and whose grace period has passed. */
export function deletableFiles(manifest: ManifestContent, policy: CollectionPolicy): RetiredFile[] {
  const graceMs = policy.graceMs ?? DEFAULT_GRACE_MS;
  const pinned = policy.oldestPinnedVersion;
  return manifest.retired.filter(
    // A version V reads the file exactly when V < retiredAtVersion.
    (file) => (pinned === undefined || pinned >= file.retiredAtVersion) && policy.nowMs - file.retiredAtMs >= graceMs,
  );
}
