/**
 * Opening a data directory, upgrading a format-1 manifest in place.
 *
 * Format 1 recorded per partition only file paths, a row count and (maybe)
 * min/max; it had no per-file statistics, byte sizes, null counts, hash key
 * type or hashing DuckDB version. The upgrade reads every file once for its
 * statistics and commits the same tables, same paths, as format 2 (one
 * compare-and-swap: of several processes opening the directory at once, one
 * upgrades and the others read its result).
 *
 * Format 1 did not say which DuckDB hashed a hash-partitioned table, so the
 * same scan checks every row against this DuckDB's `hash(key) % buckets`: if
 * all rows are in their bucket, this version is recorded as `hashedBy`
 * (truthfully: it places every row where the files have it); otherwise the
 * table is recorded as partitioned by `files` (no promise about keys), and a
 * warning says so. A planner relying on a wrong bucket would return wrong
 * results; one ignoring a right one is only slower.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { createLogger } from '../log.ts';
import { bucketExpr, hashKeySql } from './bucket.ts';
import { duckdbLibraryVersion, openStorageDb, sqlIdent } from './duckdb.ts';
import { MANIFEST_FORMAT, ManifestError, emptyManifest, partitionOf, type ColumnDef, type FileEntry, type Manifest, type ManifestContent, type Partitioning, type TableEntry } from './manifest.ts';
import { count, entries, list, record, relativePath, text } from './json-fields.ts';
import { parseManifest } from './manifest-schema.ts';
import { ManifestConflictError, commitManifest, readLatestManifestJson, readManifest } from './manifest-store.ts';
import { readFileStats } from './partition-file.ts';

/** The two calls the upgrade makes; a pino Logger fits. */
export interface UpgradeLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface OpenDataDirOptions {
  /** Where the upgrade is logged (default: a `storage` logger on stderr). */
  readonly log?: UpgradeLog;
  /** DuckDB connection to read the files with; by default a small one is opened for the upgrade. */
  readonly connection?: DuckDBConnection;
}

/**
 * The data directory's current manifest in format 2, upgrading a format-1
 * directory first. A directory without a manifest gives the empty manifest
 * (nothing is created).
 */
export async function openDataDir(dataDir: string, options: OpenDataDirOptions = {}): Promise<Manifest> {
  const latest = await readLatestManifestJson(dataDir);
  if (!latest) return emptyManifest();
  const format = (latest.value as { format?: unknown } | null)?.format;
  if (format !== 1) return parseManifest(latest.value, latest.source);
  const v1 = parseV1(latest.value, latest.source);
  const log = options.log ?? createLogger('storage');
  const started = Date.now();
  const upgraded = options.connection
    ? await upgradeTables(options.connection, dataDir, v1)
    : await withStorageConnection((connection) => upgradeTables(connection, dataDir, v1));
  const content: ManifestContent = { tables: Object.fromEntries(upgraded.map((u) => [u.table.name, u.table])), views: {}, retired: [] };
  let committed: Manifest;
  try {
    // Base and next reference the same files, so the commit retires nothing.
    committed = await commitManifest(dataDir, { ...content, version: v1.version }, content);
  } catch (error) {
    if (error instanceof ManifestConflictError) return readManifest(dataDir); // another process upgraded first
    throw error;
  }
  for (const { table, demoted } of upgraded) {
    if (demoted) log.warn({ dataDir, table: table.name }, `table ${table.name} is recorded as partitioned by files, not by hash: ${demoted}`);
  }
  log.info(
    { dataDir, fromFormat: 1, toFormat: MANIFEST_FORMAT, fromVersion: v1.version, toVersion: committed.version, tables: upgraded.length, ms: Date.now() - started },
    `upgraded the manifest of ${dataDir} from format 1 to format ${MANIFEST_FORMAT}`,
  );
  return committed;
}

// --- format 1, as far as the upgrade needs it ---

interface V1Table {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly partitioning: { readonly scheme: 'hash'; readonly column: string; readonly buckets: number } | { readonly scheme: 'even' | 'random' | 'files' };
  readonly partitions: readonly { readonly files: readonly string[] }[];
}

interface V1Manifest {
  readonly version: number;
  readonly tables: Readonly<Record<string, V1Table>>;
}

/** Format-1 readers ignored unknown fields, so the upgrade does too; paths are checked as strictly as ever. */
function parseV1(value: unknown, source: string): V1Manifest {
  const root = record(value, source, 'manifest');
  return {
    version: count(root.version, `${source}: version`),
    tables: entries(root.tables, `${source}: tables`, (v, where): V1Table => {
      const table = record(v, where, 'table');
      return {
        name: text(table.name, `${where}.name`),
        columns: list(table.columns, `${where}.columns`, (c, w) => {
          const column = record(c, w, 'column');
          return { name: text(column.name, `${w}.name`), type: text(column.type, `${w}.type`) };
        }),
        partitioning: parseV1Partitioning(table.partitioning, `${where}.partitioning`),
        partitions: list(table.partitions, `${where}.partitions`, (p, w) => ({
          files: list(record(p, w, 'partition').files, `${w}.files`, relativePath),
        })),
      };
    }),
  };
}

function parseV1Partitioning(value: unknown, where: string): V1Table['partitioning'] {
  const p = record(value, where, 'partitioning');
  switch (p.scheme) {
    case 'hash':
      return { scheme: 'hash', column: text(p.column, `${where}.column`), buckets: count(p.buckets, `${where}.buckets`) };
    case 'even':
    case 'random':
    case 'files':
      return { scheme: p.scheme };
    default:
      throw new ManifestError(`${where}.scheme: unknown partitioning scheme ${JSON.stringify(p.scheme)}`);
  }
}

interface UpgradedTable {
  readonly table: TableEntry;
  /** Why a table that claimed hash partitioning is recorded as partitioned by files. */
  readonly demoted?: string;
}

async function upgradeTables(connection: DuckDBConnection, dataDir: string, v1: V1Manifest): Promise<UpgradedTable[]> {
  const hashedBy = await duckdbLibraryVersion(connection);
  const out: UpgradedTable[] = [];
  for (const table of Object.values(v1.tables)) out.push(await upgradeTable(connection, dataDir, table, hashedBy));
  return out;
}

async function upgradeTable(connection: DuckDBConnection, dataDir: string, table: V1Table, hashedBy: string): Promise<UpgradedTable> {
  const hash = table.partitioning.scheme === 'hash' ? table.partitioning : undefined;
  const keyType = table.columns.find((c) => c.name === hash?.column)?.type;
  // Partition i must be bucket i; anything else cannot be checked, let alone trusted.
  const checkable = hash !== undefined && keyType !== undefined && hash.buckets === table.partitions.length;
  let misplaced = 0;
  const partitions = [];
  for (const [index, partition] of table.partitions.entries()) {
    const files: FileEntry[] = [];
    for (const file of partition.files) {
      const check: Record<string, string> = checkable ? { misplaced: `count(*) FILTER (WHERE ${bucketExpr(hashKeySql(sqlIdent(hash.column), keyType), hash.buckets)} <> ${index})` } : {};
      const stats = await readFileStats(connection, dataDir, file, table.columns, check).catch((error: unknown) => {
        throw new ManifestError(`upgrading table ${table.name} of ${dataDir} to manifest format ${MANIFEST_FORMAT}: file ${file}: ${(error as Error).message}`);
      });
      files.push(stats.file);
      misplaced += Number(stats.extra.misplaced ?? 0);
    }
    partitions.push(partitionOf(files));
  }
  const columns = table.columns;
  if (!hash) return { table: { name: table.name, columns, partitioning: table.partitioning as Partitioning, partitions } };
  if (checkable && misplaced === 0) {
    return { table: { name: table.name, columns, partitioning: { scheme: 'hash', column: hash.column, keyType, buckets: hash.buckets, hashedBy }, partitions } };
  }
  const demoted = checkable
    ? `${misplaced} rows are not in bucket hash(${hash.column}) % ${hash.buckets} of DuckDB ${hashedBy}`
    : `hash column ${JSON.stringify(hash.column)} or ${hash.buckets} buckets do not match the table's ${table.partitions.length} partitions`;
  return { table: { name: table.name, columns, partitioning: { scheme: 'files' }, partitions }, demoted };
}

async function withStorageConnection<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await openStorageDb({ threads: 1, memoryLimit: '512MB' });
  try {
    return await use(db.connection);
  } finally {
    await db.close();
  }
}
