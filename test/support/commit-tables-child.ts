/**
 * A separate process for the manifest store's concurrency test: commits
 * `count` tables named `<prefix>_<i>` into `dataDir`, one commit each, and
 * exits non-zero if any commit fails.
 *
 * Usage: node --import tsx commit-tables-child.ts <dataDir> <prefix> <count>
 */
import { commitTables, fixtureTable } from './manifest.ts';

const [dataDir, prefix, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  const name = `${prefix}_${i}`;
  await commitTables(dataDir, fixtureTable({ name, columns: [{ name: 'x', type: 'INTEGER' }], files: [[`${name}/w/part-00000.parquet`]] }));
}
