/**
 * The manifest (format 2): which tables and views exist, their columns and
 * DuckDB types, how each table is partitioned, which Parquet files hold each
 * partition with per-file statistics, and which files older versions still
 * need (`retired`). This module holds the types and pure helpers; reading and
 * committing live in manifest-store.ts, validation in manifest-schema.ts.
 *
 * Paths are relative to the data directory, so the same manifest is valid on
 * every machine that mounts the shared storage, wherever it is mounted.
 */
import path from 'node:path';

export const MANIFEST_FORMAT = 2;

export interface ColumnDef {
  readonly name: string;
  /** DuckDB type as DuckDB prints it, e.g. `DECIMAL(15,2)`, `VARCHAR`, `DATE`. */
  readonly type: string;
  readonly comment?: string;
}

export interface ColumnStats {
  /**
   * DuckDB's `::VARCHAR` text of the smallest / largest value; null when every
   * value is NULL or the type has no useful order (nested types).
   */
  readonly min: string | null;
  readonly max: string | null;
  readonly nulls: number;
}

export interface FileEntry {
  /** Relative to the data directory. */
  readonly path: string;
  readonly rows: number;
  /** File size. */
  readonly bytes: number;
  /**
   * Keyed by column name. pondgate's writers record every column; a column
   * without an entry has unknown statistics, so nothing may be concluded
   * about it (a pruning rule must keep the file).
   */
  readonly columns: Readonly<Record<string, ColumnStats>>;
}

export interface PartitionEntry {
  readonly files: readonly FileEntry[];
  /** Sums over `files`. */
  readonly rows: number;
  readonly bytes: number;
}

/**
 * How rows were placed. `hash`: partition i holds the rows with
 * `hash(CAST(column AS keyType)) % buckets = i` as computed by DuckDB
 * `hashedBy`; a planner may rely on co-location only when both sides agree on
 * all of keyType, buckets and hashedBy (DuckDB's hash depends on the type and
 * may change between versions). The other schemes promise nothing about keys.
 */
export type Partitioning =
  | {
      readonly scheme: 'hash';
      readonly column: string;
      /** DuckDB type of the key as hashed. */
      readonly keyType: string;
      readonly buckets: number;
      /** DuckDB `library_version` that computed hash(), e.g. `v1.5.6`. */
      readonly hashedBy: string;
    }
  | { readonly scheme: 'even' }
  | { readonly scheme: 'random' }
  | { readonly scheme: 'files' };

export interface TableEntry {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly partitioning: Partitioning;
  readonly partitions: readonly PartitionEntry[];
  readonly comment?: string;
}

/** Stored and round-tripped; nothing reads views yet. */
export interface ViewEntry {
  readonly name: string;
  readonly sql: string;
  readonly comment?: string;
}

/** A file no longer referenced since `retiredAtVersion`; older versions may still read it. */
export interface RetiredFile {
  readonly path: string;
  /** The first manifest version that no longer references the file. */
  readonly retiredAtVersion: number;
  /** Wall-clock time of that commit (ms since the epoch). */
  readonly retiredAtMs: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** Increases by one on every commit; a query reads one version from plan to end. */
  readonly version: number;
  readonly tables: Readonly<Record<string, TableEntry>>;
  readonly views: Readonly<Record<string, ViewEntry>>;
  /** Files waiting for garbage collection (see gc.ts). */
  readonly retired: readonly RetiredFile[];
}

/** What a commit supplies: the store assigns format and version. */
export type ManifestContent = Omit<Manifest, 'format' | 'version'>;

export const emptyManifest = (): Manifest => ({ format: MANIFEST_FORMAT, version: 0, tables: {}, views: {}, retired: [] });

export class ManifestError extends Error {}

/** Returns the content with `table` added or replaced (the version is the store's business). */
export function withTable<M extends ManifestContent>(manifest: M, table: TableEntry): M {
  return { ...manifest, tables: { ...manifest.tables, [table.name]: table } };
}

/** Looks a table up the way DuckDB resolves unquoted names: case-insensitively. */
export function findTable(manifest: ManifestContent, name: string): TableEntry | undefined {
  const exact = manifest.tables[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  return Object.values(manifest.tables).find((t) => t.name.toLowerCase() === lower);
}

/** The Parquet files of one partition, relative to the data directory. */
export const partitionPaths = (partition: PartitionEntry): string[] => partition.files.map((file) => file.path);

/** Every file of a table, partition by partition. */
export const tablePaths = (table: TableEntry): string[] => table.partitions.flatMap(partitionPaths);

export const tableRows = (table: TableEntry): number => table.partitions.reduce((sum, p) => sum + p.rows, 0);

export const tableBytes = (table: TableEntry): number => table.partitions.reduce((sum, p) => sum + p.bytes, 0);

/** Every path the manifest's tables reference. */
export function referencedPaths(manifest: ManifestContent): Set<string> {
  return new Set(Object.values(manifest.tables).flatMap(tablePaths));
}

/** A partition entry whose totals are the sums of its files. */
export function partitionOf(files: readonly FileEntry[]): PartitionEntry {
  return {
    files,
    rows: files.reduce((sum, f) => sum + f.rows, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}

/**
 * Checks that a manifest path stays inside the data directory and has one
 * spelling: relative, `/`-separated, no `..`, `.` or empty segments (paths are
 * compared as strings to find the files a commit retires). Returns it unchanged.
 */
export function assertRelativePath(relative: string): string {
  const segments = relative.split('/');
  if (
    relative === '' ||
    path.isAbsolute(relative) ||
    /[\\\0]/.test(relative) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new ManifestError(`path ${JSON.stringify(relative)} must be relative to the data directory, without '..'`);
  }
  return relative;
}

/**
 * Resolves a manifest-relative path inside the data directory. Refuses absolute
 * paths and `..` segments: a manifest or task must never name a file outside it.
 */
export function resolveDataPath(dataDir: string, relative: string): string {
  return path.join(path.resolve(dataDir), assertRelativePath(relative));
}
