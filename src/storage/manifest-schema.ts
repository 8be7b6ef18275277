/**
 * Strict validation of a format-2 manifest, on every read and before every
 * commit. The manifest is human-readable JSON that people may edit, and the
 * gateway hands its paths to workers, so anything unexpected is refused with
 * the place it was found (`tables.orders.partitions[2].files[0].path: …`)
 * rather than half-understood. Unknown fields are refused too: a new field
 * means a new format number, so an older reader never drops what it does not
 * know when it commits.
 */
import { MAX_PARTITIONS } from './bucket.ts';
import { count, entries, list, onlyKeys, record, relativePath, text } from './json-fields.ts';
import {
  MANIFEST_FORMAT, ManifestError, referencedPaths,
  type ColumnDef, type ColumnStats, type FileEntry, type Manifest, type PartitionEntry, type Partitioning,
  type RetiredFile, type TableEntry, type ViewEntry,
} from './manifest.ts';

/** The directory holds a manifest of another format (format 1 is upgraded by upgrade.ts). */
export class ManifestFormatError extends ManifestError {
  constructor(
    readonly source: string,
    readonly format: unknown,
  ) {
    super(
      format === 1
        ? `${source}: manifest format 1; it is upgraded to format ${MANIFEST_FORMAT} when a gateway, import or generate opens the data directory`
        : `${source}: unsupported manifest format ${JSON.stringify(format)} (expected ${MANIFEST_FORMAT})`,
    );
  }
}

/** Validates parsed JSON as a format-2 manifest; `source` names it in error messages. */
export function parseManifest(value: unknown, source: string): Manifest {
  const root = record(value, source, 'manifest');
  if (root.format !== MANIFEST_FORMAT) throw new ManifestFormatError(source, root.format);
  const at = (where: string) => `${source}: ${where}`;
  onlyKeys(root, ['format', 'version', 'tables', 'views', 'retired'], at('manifest'));
  const version = count(root.version, at('version'));
  const tables = entries(root.tables, at('tables'), (v, where, name) => parseTable(v, where, name));
  const views = entries(root.views, at('views'), (v, where, name) => parseView(v, where, name));
  const names = new Map<string, string>();
  for (const name of Object.keys(tables)) {
    // The gateway creates every table in one DuckDB schema, where names are case-insensitive.
    const other = names.get(name.toLowerCase());
    if (other !== undefined) throw new ManifestError(`${at(`tables.${name}`)}: clashes with table ${JSON.stringify(other)} (names are case-insensitive)`);
    names.set(name.toLowerCase(), name);
  }
  for (const name of Object.keys(views)) {
    if (names.has(name.toLowerCase())) throw new ManifestError(`${at(`views.${name}`)}: a table named ${JSON.stringify(names.get(name.toLowerCase()))} exists`);
  }
  const retired = list(root.retired, at('retired'), (v, where) => parseRetired(v, where, version));
  const referenced = referencedPaths({ tables, views, retired });
  const seen = new Set<string>();
  retired.forEach((file, i) => {
    // GC deletes retired files: one that is still referenced would break queries.
    if (referenced.has(file.path)) throw new ManifestError(`${at(`retired[${i}].path`)}: ${JSON.stringify(file.path)} is still referenced by a table`);
    if (seen.has(file.path)) throw new ManifestError(`${at(`retired[${i}].path`)}: ${JSON.stringify(file.path)} is listed twice`);
    seen.add(file.path);
  });
  return { format: MANIFEST_FORMAT, version, tables, views, retired };
}

/** Validates one table entry (e.g. before it is committed). */
export function parseTable(value: unknown, where: string, key?: string): TableEntry {
  const table = record(value, where, 'table');
  onlyKeys(table, ['name', 'columns', 'partitioning', 'partitions', 'comment'], where);
  const name = text(table.name, `${where}.name`);
  if (key !== undefined && key !== name) throw new ManifestError(`${where}.name: ${JSON.stringify(name)} differs from its key ${JSON.stringify(key)}`);
  const columns = list(table.columns, `${where}.columns`, parseColumn);
  if (columns.length === 0) throw new ManifestError(`${where}.columns: a table needs at least one column`);
  const lower = new Set<string>();
  for (const column of columns) {
    // DuckDB resolves column names case-insensitively: two such names cannot both be created.
    if (lower.has(column.name.toLowerCase())) throw new ManifestError(`${where}.columns: column ${JSON.stringify(column.name)} appears twice`);
    lower.add(column.name.toLowerCase());
  }
  const partitions = list(table.partitions, `${where}.partitions`, (v, w) => parsePartition(v, w, columns));
  if (partitions.length === 0) throw new ManifestError(`${where}.partitions: a table needs at least one partition`);
  const partitioning = parsePartitioning(table.partitioning, `${where}.partitioning`, columns, partitions.length);
  const paths = new Set<string>();
  partitions.forEach((partition, p) =>
    partition.files.forEach((file, f) => {
      if (paths.has(file.path)) throw new ManifestError(`${where}.partitions[${p}].files[${f}].path: ${JSON.stringify(file.path)} is listed twice`);
      paths.add(file.path);
    }),
  );
  return { name, columns, partitioning, partitions, ...optionalComment(table.comment, `${where}.comment`) };
}

function parseColumn(value: unknown, where: string): ColumnDef {
  const column = record(value, where, 'column');
  onlyKeys(column, ['name', 'type', 'comment'], where);
  return { name: text(column.name, `${where}.name`), type: text(column.type, `${where}.type`), ...optionalComment(column.comment, `${where}.comment`) };
}

function parsePartitioning(value: unknown, where: string, columns: readonly ColumnDef[], partitions: number): Partitioning {
  const p = record(value, where, 'partitioning');
  switch (p.scheme) {
    case 'even':
    case 'random':
    case 'files':
      onlyKeys(p, ['scheme'], where);
      return { scheme: p.scheme };
    case 'hash': {
      onlyKeys(p, ['scheme', 'column', 'keyType', 'buckets', 'hashedBy'], where);
      const column = text(p.column, `${where}.column`);
      if (!columns.some((c) => c.name === column)) throw new ManifestError(`${where}.column: ${JSON.stringify(column)} is not a column of the table`);
      const buckets = count(p.buckets, `${where}.buckets`);
      if (buckets < 1 || buckets > MAX_PARTITIONS) throw new ManifestError(`${where}.buckets: must be between 1 and ${MAX_PARTITIONS}, got ${buckets}`);
      // Partition i is bucket i: a planner finds a bucket's rows by position.
      if (buckets !== partitions) throw new ManifestError(`${where}.buckets: ${buckets} buckets but ${partitions} partitions`);
      return { scheme: 'hash', column, keyType: text(p.keyType, `${where}.keyType`), buckets, hashedBy: text(p.hashedBy, `${where}.hashedBy`) };
    }
    default:
      throw new ManifestError(`${where}.scheme: unknown partitioning scheme ${JSON.stringify(p.scheme)} (expected hash, even, random or files)`);
  }
}

function parsePartition(value: unknown, where: string, columns: readonly ColumnDef[]): PartitionEntry {
  const partition = record(value, where, 'partition');
  onlyKeys(partition, ['files', 'rows', 'bytes'], where);
  const files = list(partition.files, `${where}.files`, (v, w) => parseFile(v, w, columns));
  if (files.length === 0) throw new ManifestError(`${where}.files: a partition needs at least one file`);
  const rows = count(partition.rows, `${where}.rows`);
  const bytes = count(partition.bytes, `${where}.bytes`);
  const sum = (key: 'rows' | 'bytes') => files.reduce((total, file) => total + file[key], 0);
  if (rows !== sum('rows')) throw new ManifestError(`${where}.rows: ${rows} is not the sum of its files' rows (${sum('rows')})`);
  if (bytes !== sum('bytes')) throw new ManifestError(`${where}.bytes: ${bytes} is not the sum of its files' bytes (${sum('bytes')})`);
  return { files, rows, bytes };
}

function parseFile(value: unknown, where: string, columns: readonly ColumnDef[]): FileEntry {
  const file = record(value, where, 'file');
  onlyKeys(file, ['path', 'rows', 'bytes', 'columns'], where);
  const filePath = relativePath(file.path, `${where}.path`);
  const rows = count(file.rows, `${where}.rows`);
  const stats = record(file.columns, `${where}.columns`, 'object of column statistics');
  onlyKeys(stats, columns.map((c) => c.name), `${where}.columns`);
  // Object.fromEntries and Object.hasOwn: a column may be named `__proto__` or `toString`.
  // A missing column means unknown statistics (see FileEntry.columns).
  const parsed: Record<string, ColumnStats> = Object.fromEntries(
    columns
      .filter((column) => Object.hasOwn(stats, column.name))
      .map((column) => [column.name, parseStats(stats[column.name], `${where}.columns.${column.name}`, rows)]),
  );
  return { path: filePath, rows, bytes: count(file.bytes, `${where}.bytes`), columns: parsed };
}

function parseStats(value: unknown, where: string, rows: number): ColumnStats {
  const stats = record(value, where, 'column statistics');
  onlyKeys(stats, ['min', 'max', 'nulls'], where);
  const bound = (v: unknown, w: string) => (v === null ? null : text(v, w, true));
  const nulls = count(stats.nulls, `${where}.nulls`);
  if (nulls > rows) throw new ManifestError(`${where}.nulls: ${nulls} nulls in a file of ${rows} rows`);
  return { min: bound(stats.min, `${where}.min`), max: bound(stats.max, `${where}.max`), nulls };
}

function parseView(value: unknown, where: string, key: string): ViewEntry {
  const view = record(value, where, 'view');
  onlyKeys(view, ['name', 'sql', 'comment'], where);
  const name = text(view.name, `${where}.name`);
  if (name !== key) throw new ManifestError(`${where}.name: ${JSON.stringify(name)} differs from its key ${JSON.stringify(key)}`);
  return { name, sql: text(view.sql, `${where}.sql`), ...optionalComment(view.comment, `${where}.comment`) };
}

function parseRetired(value: unknown, where: string, version: number): RetiredFile {
  const file = record(value, where, 'retired file');
  onlyKeys(file, ['path', 'retiredAtVersion', 'retiredAtMs'], where);
  const filePath = relativePath(file.path, `${where}.path`);
  const retiredAtVersion = count(file.retiredAtVersion, `${where}.retiredAtVersion`);
  if (retiredAtVersion < 1 || retiredAtVersion > version) throw new ManifestError(`${where}.retiredAtVersion: ${retiredAtVersion} is not a version up to ${version}`);
  return { path: filePath, retiredAtVersion, retiredAtMs: count(file.retiredAtMs, `${where}.retiredAtMs`) };
}

function optionalComment(value: unknown, where: string): { comment?: string } {
  return value === undefined ? {} : { comment: text(value, where, true) };
}
