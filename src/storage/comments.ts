/**
 * Table and column comments (what PostgreSQL's COMMENT ON stores and
 * obj_description/col_description read). Each change is its own manifest
 * commit: read → modify → compare-and-swap, retried on conflict, so comments
 * set concurrently on different objects are all kept.
 *
 * Names resolve as DuckDB resolves them: an exact match first, otherwise
 * case-insensitively. As in PostgreSQL, null or an empty comment removes it.
 */
import { ManifestError, findTable, type ColumnDef, type Manifest, type ManifestContent, type TableEntry } from './manifest.ts';
import { updateManifest, type RetryOptions } from './manifest-store.ts';

export async function setTableComment(dataDir: string, table: string, comment: string | null, options: RetryOptions = {}): Promise<Manifest> {
  return updateManifest(dataDir, (current) => {
    const entry = requireTable(current, table);
    return replaceIfChanged(current, entry, withComment(entry, comment));
  }, options);
}

export async function setColumnComment(dataDir: string, table: string, column: string, comment: string | null, options: RetryOptions = {}): Promise<Manifest> {
  return updateManifest(dataDir, (current) => {
    const entry = requireTable(current, table);
    const target = requireColumn(entry, column);
    const columns = entry.columns.map((c) => (c === target ? withComment(c, comment) : c));
    return replaceIfChanged(current, entry, { ...entry, columns });
  }, options);
}

function requireTable(manifest: Manifest, name: string): TableEntry {
  const entry = findTable(manifest, name);
  if (!entry) throw new ManifestError(`table ${JSON.stringify(name)} does not exist`);
  return entry;
}

function requireColumn(table: TableEntry, name: string): ColumnDef {
  const column = table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!column) throw new ManifestError(`column ${JSON.stringify(name)} of table ${table.name} does not exist; columns are: ${table.columns.map((c) => c.name).join(', ')}`);
  return column;
}

/** `value` with `comment` set, or without one for null / ''. */
function withComment<T extends { readonly comment?: string }>(value: T, comment: string | null): T {
  const { comment: _previous, ...rest } = value;
  return (comment === null || comment === '' ? rest : { ...rest, comment }) as T;
}

/** Undefined (commit nothing) when the comment is already what was asked. */
function replaceIfChanged(manifest: Manifest, previous: TableEntry, next: TableEntry): ManifestContent | undefined {
  if (JSON.stringify(previous) === JSON.stringify(next)) return undefined;
  return { ...manifest, tables: { ...manifest.tables, [next.name]: next } };
}
