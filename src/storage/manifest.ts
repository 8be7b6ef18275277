/**
 * The manifest: which tables exist, their columns and DuckDB types, how they
 * are partitioned, and which Parquet files hold each partition.
 *
 * Paths in the manifest are relative to the data directory, so the same
 * manifest is valid on every machine that mounts the shared storage, wherever
 * it is mounted. The manifest is replaced atomically (write a new file, then
 * rename), so a reader never sees a half-written version.
 */
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export interface ColumnDef {
  readonly name: string;
  /** DuckDB type as DuckDB prints it, e.g. `DECIMAL(15,2)`, `VARCHAR`, `DATE`. */
  readonly type: string;
}

export type Partitioning =
  | { readonly scheme: 'hash'; readonly column: string; readonly buckets: number }
  | { readonly scheme: 'even' }
  | { readonly scheme: 'random' }
  | { readonly scheme: 'files' };

export interface ColumnStats {
  /** Min/max as DuckDB's text rendering of the value (null when all values are NULL). */
  readonly min: string | null;
  readonly max: string | null;
}

export interface PartitionEntry {
  /** Parquet files of this partition, relative to the data directory. */
  readonly files: readonly string[];
  readonly rows: number;
  readonly stats?: Readonly<Record<string, ColumnStats>>;
}

export interface TableEntry {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly partitioning: Partitioning;
  readonly partitions: readonly PartitionEntry[];
}

export interface Manifest {
  readonly format: number;
  /** Increases by one on every change; a query plans against one version. */
  readonly version: number;
  readonly tables: Readonly<Record<string, TableEntry>>;
}

export const emptyManifest = (): Manifest => ({ format: MANIFEST_FORMAT, version: 0, tables: {} });

export class ManifestError extends Error {}

export async function readManifest(dataDir: string): Promise<Manifest> {
  const file = path.join(dataDir, MANIFEST_FILE);
  if (!existsSync(file)) return emptyManifest();
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  if (parsed.format !== MANIFEST_FORMAT) {
    throw new ManifestError(`${file}: unsupported manifest format ${String(parsed.format)} (expected ${MANIFEST_FORMAT})`);
  }
  for (const table of Object.values(parsed.tables)) validateTable(table);
  return parsed;
}

/** Writes the manifest atomically: a reader sees the old or the new version, never a mix. */
export async function writeManifest(dataDir: string, manifest: Manifest): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, MANIFEST_FILE);
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify(manifest, null, 2) + '\n');
  await rename(temporary, file);
}

/** Returns a new manifest with `table` added or replaced and the version bumped. */
export function withTable(manifest: Manifest, table: TableEntry): Manifest {
  validateTable(table);
  return {
    format: MANIFEST_FORMAT,
    version: manifest.version + 1,
    tables: { ...manifest.tables, [table.name]: table },
  };
}

/** Looks a table up the way DuckDB resolves unquoted names: case-insensitively. */
export function findTable(manifest: Manifest, name: string): TableEntry | undefined {
  const exact = manifest.tables[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  return Object.values(manifest.tables).find((t) => t.name.toLowerCase() === lower);
}

/**
 * Resolves a manifest-relative path inside the data directory. Refuses absolute
 * paths and `..` segments: a manifest or task must never name a file outside it.
 */
export function resolveDataPath(dataDir: string, relative: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new ManifestError(`path ${JSON.stringify(relative)} must be relative to the data directory, without '..'`);
  }
  return path.join(path.resolve(dataDir), relative);
}

function validateTable(table: TableEntry): void {
  if (!table.name || table.columns.length === 0) {
    throw new ManifestError(`table ${JSON.stringify(table.name)} has no name or no columns`);
  }
  if (table.partitions.length === 0) {
    throw new ManifestError(`table ${table.name} has no partitions`);
  }
  for (const partition of table.partitions) {
    for (const file of partition.files) resolveDataPath('.', file);
  }
}
