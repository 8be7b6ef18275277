/**
 * Where a table's files go in the data directory. Every write of a table
 * gets a directory of its own, `<table>/<UTC time>-<random>/`, so replacing a
 * table never overwrites or deletes a file that an older manifest version
 * (and a query still reading it) references; the old files are retired and
 * deleted later by gc.ts.
 */
import { randomBytes } from 'node:crypto';
import { assertRelativePath } from './manifest.ts';
import { MANIFEST_LOG_DIR } from './manifest-store.ts';

/** `orders/20250107T093012Z-5f3a9c1e`: sorts by time, never reused. */
export function newTableDirectory(table: string, now: Date = new Date()): string {
  if (table.includes('/') || table.startsWith('.') || table === MANIFEST_LOG_DIR) {
    // `.staging-*` and `_manifest` belong to the store, not to tables.
    throw new RangeError(`table name ${JSON.stringify(table)} cannot name a directory of the data directory`);
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return assertRelativePath(`${table}/${stamp}-${randomBytes(4).toString('hex')}`);
}

/** Manifest-relative path of partition `index` in a table directory: `<dir>/part-00000.parquet`. */
export const partitionFile = (directory: string, index: number): string =>
  `${directory}/part-${String(index).padStart(5, '0')}.parquet`;
