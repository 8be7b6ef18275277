/**
 * Manifests for tests of code that only reads the manifest (catalog, planner):
 * table entries over files that need not exist, committed the way real
 * writers commit them.
 */
import { partitionOf, withTable, type ColumnDef, type ColumnStats, type Manifest, type ManifestContent, type Partitioning, type TableEntry } from '../../src/storage/manifest.ts';
import { updateManifest } from '../../src/storage/manifest-store.ts';

export interface FixtureTable {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** File paths per partition; default one partition with `<name>/part-0.parquet`. */
  readonly files?: readonly (readonly string[])[];
  readonly partitioning?: Partitioning;
  readonly rowsPerFile?: number;
  /** Bytes of each file (default: 16 per row). */
  readonly bytesPerFile?: number;
  /** Statistics of every file, by column; by default none, i.e. unknown (a planner may conclude nothing). */
  readonly stats?: Readonly<Record<string, ColumnStats>>;
}

/** A table entry over files of 0 bytes, with `spec.stats` or unknown statistics. */
export function fixtureTable(spec: FixtureTable): TableEntry {
  const rows = spec.rowsPerFile ?? 10;
  const columns = spec.stats ?? {};
  const files = spec.files ?? [[`${spec.name}/part-0.parquet`]];
  return {
    name: spec.name,
    columns: spec.columns,
    partitioning: spec.partitioning ?? { scheme: 'even' },
    partitions: files.map((paths) => partitionOf(paths.map((path) => ({ path, rows, bytes: spec.bytesPerFile ?? rows * 16, columns })))),
  };
}

/** Commits the tables as the directory's next manifest version, replacing tables of the same names. */
export function commitTables(dataDir: string, ...tables: readonly TableEntry[]): Promise<Manifest> {
  return updateManifest(dataDir, (current) => tables.reduce<ManifestContent>(withTable, current));
}
