/**
 * Reading and committing manifests with compare-and-swap, safe between
 * processes on one host and on a shared (network) filesystem.
 *
 * On disk:
 *   _manifest/v0000000007.json   every committed version, never rewritten
 *   manifest.json                a copy of the newest version (the pointer)
 *
 * The log is the truth. Committing version N+1 means creating
 * `_manifest/v<N+1>.json`; only one writer can: the content is written and
 * fsynced to a temporary file, then hard-linked to the version's name, and
 * link() fails with EEXIST if another writer got there first. That is the
 * CAS. link() is atomic on local filesystems and on NFS (the classic NFS lock
 * idiom, unlike O_EXCL on old NFS), and a linked file is complete, so readers
 * never see half a version. Then manifest.json is replaced (write a temporary
 * file, rename) for readers and people.
 *
 * A writer can die between the link and the rename, and two winners of
 * consecutive versions can rename in either order, so the pointer may lag
 * behind the log. Readers therefore roll forward: after reading
 * manifest.json (version N) they look for `_manifest/v<N+1>.json`, and so on.
 * The next commit rewrites the pointer.
 *
 * Version files are kept: deleting old ones would let a writer holding a
 * stale base re-create a deleted version name and win the CAS.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MANIFEST_FORMAT, ManifestError, emptyManifest, type Manifest, type ManifestContent } from './manifest.ts';
import { parseManifest } from './manifest-schema.ts';
import { retirementsOf } from './retirement.ts';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_LOG_DIR = '_manifest';

/** `_manifest/v0000000007.json`, zero-padded so a listing sorts by version. */
export const versionFile = (version: number): string => `${MANIFEST_LOG_DIR}/v${String(version).padStart(10, '0')}.json`;

/** Another writer committed since the base this commit was computed from. Nothing was changed. */
export class ManifestConflictError extends ManifestError {
  constructor(
    readonly dataDir: string,
    readonly baseVersion: number,
  ) {
    super(`manifest of ${dataDir} changed since version ${baseVersion}: version ${baseVersion + 1} was committed by another writer; re-read and retry`);
  }
}

/** The newest committed manifest as parsed JSON, whatever its format (upgrade.ts reads format 1 this way). */
export interface LatestManifestJson {
  readonly value: unknown;
  readonly version: number;
  /** File it was read from, for messages. */
  readonly source: string;
}

/** Undefined when the directory has no manifest at all. */
export async function readLatestManifestJson(dataDir: string): Promise<LatestManifestJson | undefined> {
  const pointer = path.join(dataDir, MANIFEST_FILE);
  let latest: LatestManifestJson | undefined;
  const pointerText = await readIfExists(pointer);
  if (pointerText !== undefined) {
    const value = parseJson(pointerText, pointer);
    latest = { value, version: versionOf(value, pointer), source: pointer };
  }
  for (;;) {
    const version = (latest?.version ?? 0) + 1;
    const file = path.join(dataDir, versionFile(version));
    const text = await readIfExists(file);
    if (text === undefined) return latest;
    const value = parseJson(text, file);
    if (versionOf(value, file) !== version) throw new ManifestError(`${file}: holds version ${versionOf(value, file)}, expected ${version}`);
    latest = { value, version, source: file };
  }
}

/** The newest committed manifest (an empty one, version 0, when there is none). Format 1 throws ManifestFormatError (manifest-schema.ts). */
export async function readManifest(dataDir: string): Promise<Manifest> {
  const latest = await readLatestManifestJson(dataDir);
  return latest ? parseManifest(latest.value, latest.source) : emptyManifest();
}

/** A committed version from the log, e.g. the one a long-running query planned against. */
export async function readManifestVersion(dataDir: string, version: number): Promise<Manifest> {
  if (version === 0) return emptyManifest();
  const file = path.join(dataDir, versionFile(version));
  const text = await readIfExists(file);
  if (text === undefined) throw new ManifestError(`${file}: manifest version ${version} is not stored`);
  return parseManifest(parseJson(text, file), file);
}

/** Cheap check (one stat) whether a version after `version` was committed, e.g. behind a stale pointer. */
export async function hasNewerVersion(dataDir: string, version: number): Promise<boolean> {
  return stat(path.join(dataDir, versionFile(version + 1))).then(
    () => true,
    () => false,
  );
}

/**
 * Commits `next` as version `base.version + 1` if nobody has committed since
 * `base`; otherwise throws ManifestConflictError and changes nothing. Every
 * path `base` references and `next` does not is recorded in `retired`. The
 * content is validated first (ManifestError). Returns what was committed.
 */
export async function commitManifest(dataDir: string, base: Pick<Manifest, 'version'> & ManifestContent, next: ManifestContent): Promise<Manifest> {
  const version = base.version + 1;
  const candidate = {
    format: MANIFEST_FORMAT,
    version,
    tables: next.tables,
    views: next.views,
    retired: retirementsOf(base, next, version, Date.now()),
  };
  const text = JSON.stringify(candidate, null, 2) + '\n';
  // Validate exactly what will be on disk, as a reader will see it.
  const committed = parseManifest(JSON.parse(text), `manifest version ${version} of ${dataDir}`);
  await createVersionFile(dataDir, version, text);
  await replacePointer(dataDir, version, text).catch((error: unknown) => {
    // The version is committed and readers roll forward past a stale pointer:
    // failing here would make callers undo work that is already visible.
    process.emitWarning(`committed manifest version ${version} of ${dataDir} but could not update ${MANIFEST_FILE}: ${(error as Error).message}`);
  });
  return committed;
}

export interface RetryOptions {
  /** Attempts before the last conflict is thrown (default 32). */
  readonly maxAttempts?: number;
}

/**
 * Read → change → commit, retried on conflict with a randomised backoff.
 * `change` must be a pure function of the manifest it gets (it runs once per
 * attempt); returning undefined means "nothing to change" and commits nothing.
 * Errors thrown by `change` are not retried.
 */
export async function updateManifest(
  dataDir: string,
  change: (current: Manifest) => ManifestContent | undefined,
  options: RetryOptions = {},
): Promise<Manifest> {
  const maxAttempts = options.maxAttempts ?? 32;
  for (let attempt = 1; ; attempt++) {
    const current = await readManifest(dataDir);
    const next = change(current);
    if (next === undefined) return current;
    try {
      return await commitManifest(dataDir, current, next);
    } catch (error) {
      if (!(error instanceof ManifestConflictError) || attempt >= maxAttempts) throw error;
      // Random, growing waits keep colliding writers from colliding again.
      await delay(Math.random() * Math.min(250, 5 * 2 ** attempt));
    }
  }
}

/** The CAS: content complete and durable before it gets the version's name. */
async function createVersionFile(dataDir: string, version: number, text: string): Promise<void> {
  const target = path.join(dataDir, versionFile(version));
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = path.join(path.dirname(target), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}.json`);
  try {
    await writeDurably(temporary, text);
    await link(temporary, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Over NFS a retransmitted LINK whose first reply was lost answers EEXIST
    // although it succeeded: then the temporary file has a second name.
    if ((await stat(temporary)).nlink < 2) throw new ManifestConflictError(dataDir, version - 1);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function replacePointer(dataDir: string, version: number, text: string): Promise<void> {
  // A newer commit has written (or will write) the pointer; don't move it back.
  if (await hasNewerVersion(dataDir, version)) return;
  const pointer = path.join(dataDir, MANIFEST_FILE);
  const temporary = `${pointer}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeDurably(temporary, text);
    await rename(temporary, pointer);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ManifestError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

function versionOf(value: unknown, file: string): number {
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new ManifestError(`${file}: version: expected a non-negative integer`);
  }
  return version;
}

