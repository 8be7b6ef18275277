/**
 * Publishing freshly written tables. Partition files are first written into a
 * staging directory inside the data directory (same filesystem, so renames are
 * cheap and atomic), then each table directory is swapped in and finally the
 * manifest is replaced atomically. Readers planning against the old manifest
 * may briefly miss files of a *replaced* table; other tables are untouched.
 *
 * The manifest update is read-modify-write without a lock: two concurrent
 * publishers into one data directory could lose one update.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readManifest, withTable, writeManifest, type Manifest, type TableEntry } from './manifest.ts';

/** Creates an empty staging directory inside `dataDir` (dot-named, so it never looks like a table). */
export async function createStaging(dataDir: string): Promise<string> {
  const staging = path.join(dataDir, `.staging-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  return staging;
}

/**
 * Moves `staging/<table>` to `dataDir/<table>` for each table, then records
 * the tables in the manifest, keeping every other table. Returns the new manifest.
 */
export async function publishTables(dataDir: string, staging: string, tables: readonly TableEntry[]): Promise<Manifest> {
  const retired = path.join(staging, '.retired');
  await mkdir(retired, { recursive: true });
  for (const table of tables) {
    const target = path.join(dataDir, table.name);
    if (existsSync(target)) await rename(target, path.join(retired, table.name));
    const staged = path.join(staging, table.name);
    // A table with no files of its own (impossible today) would have nothing to move.
    if (existsSync(staged)) await rename(staged, target);
  }
  let manifest = await readManifest(dataDir);
  for (const table of tables) manifest = withTable(manifest, table);
  await writeManifest(dataDir, manifest);
  await rm(staging, { recursive: true, force: true });
  return manifest;
}

/** Removes a staging directory after a failure. */
export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
