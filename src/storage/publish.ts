/**
 * Publishing freshly written tables. Partition files are written into a
 * staging directory inside the data directory (same filesystem, so renames are
 * cheap and atomic), under the table directory each write gets for itself
 * (layout.ts). Publishing moves those directories into place — no existing
 * file is touched, so queries on older manifest versions keep reading theirs —
 * and then commits the tables: read → replace → compare-and-swap, retried on
 * conflict, so concurrent publishers never lose each other's tables. The
 * replaced files are recorded as retired by the commit and deleted later by
 * gc.ts.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { resolveDataPath, tablePaths, withTable, type ColumnDef, type Manifest, type ManifestContent, type TableEntry } from './manifest.ts';
import { updateManifest, type RetryOptions } from './manifest-store.ts';

/** Creates an empty staging directory inside `dataDir` (dot-named, so it never looks like a table). */
export async function createStaging(dataDir: string): Promise<string> {
  const staging = path.join(dataDir, `.staging-${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  return staging;
}

/**
 * Moves each table's directories from `staging` into `dataDir`, then commits
 * the tables, keeping every other table. A replaced table keeps its comments
 * (table, and columns by name) unless the new entry brings its own: new data
 * does not make a description wrong. Returns the committed manifest. On
 * failure nothing is committed and the moved directories are removed again.
 */
export async function publishTables(dataDir: string, staging: string, tables: readonly TableEntry[], options: RetryOptions = {}): Promise<Manifest> {
  const moved: string[] = [];
  let manifest: Manifest;
  try {
    for (const directory of writeDirectories(tables)) {
      const target = resolveDataPath(dataDir, directory);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(resolveDataPath(staging, directory), target);
      moved.push(target);
    }
    manifest = await updateManifest(dataDir, (current) => tables.reduce<ManifestContent>((next, table) => withTable(next, keepComments(current.tables[table.name], table)), current), options);
  } catch (error) {
    // updateManifest throws only when it committed nothing: these files are referenced by no version.
    await Promise.all(moved.map((directory) => rm(directory, { recursive: true, force: true })));
    throw error;
  }
  await discardStaging(staging);
  return manifest;
}

/** Removes a staging directory (after publishing, or after a failure). */
export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}

/** The directories holding the tables' files (`<table>/<write>`), each once. */
function writeDirectories(tables: readonly TableEntry[]): string[] {
  return [...new Set(tables.flatMap((table) => tablePaths(table).map((file) => path.posix.dirname(file))))];
}

function keepComments(previous: TableEntry | undefined, table: TableEntry): TableEntry {
  if (!previous) return table;
  const comments = new Map(previous.columns.flatMap((c) => (c.comment === undefined ? [] : [[c.name, c.comment] as const])));
  const columns = table.columns.map((c): ColumnDef => (c.comment === undefined && comments.has(c.name) ? { ...c, comment: comments.get(c.name) } : c));
  const comment = table.comment ?? previous.comment;
  return { ...table, columns, ...(comment === undefined ? {} : { comment }) };
}
