/**
 * What the manifest's statistics say, read the way DuckDB would compare the
 * values: a comparator per column type over the min/max text the writer
 * recorded, partition sizes, and the key ranges that make a table
 * range-partitioned on a column.
 *
 * Everything here answers "unknown" rather than guess: a value whose text it
 * cannot order exactly (NaN, infinities, unusual date forms, time zones other
 * than UTC, nested types) gives no comparator, and callers then keep files and
 * make no claim about ranges.
 */
import { partitionPaths, type ColumnDef, type PartitionEntry, type TableEntry } from '../../src/storage/manifest.ts';

export type Comparator = (a: string, b: string) => number;

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/** A comparator for the text form of values of a DuckDB type, when its order is certain. */
export function comparatorFor(type: string): { compare: Comparator; valid: (text: string) => boolean } | undefined {
  const t = type.toUpperCase();
  if (INTEGER.test(t)) return { compare: (a, b) => compareBigInt(BigInt(a), BigInt(b)), valid: (x) => /^-?\d+$/.test(x) };
  const decimal = DECIMAL.exec(t);
  if (decimal) {
    const scale = Number(decimal[2]);
    return { compare: (a, b) => compareBigInt(scaled(a, scale), scaled(b, scale)), valid: (x) => /^-?\d+(\.\d+)?$/.test(x) };
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') {
    return { compare: (a, b) => Number(a) - Number(b), valid: (x) => Number.isFinite(Number(x)) && x.trim() !== '' };
  }
  if (t === 'DATE') return { compare: compareText, valid: (x) => DATE_TEXT.test(x) };
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_S' || t === 'TIMESTAMP_NS') {
    // Equal-length prefixes order like the instants; a shorter fraction sorts first, as it should.
    return { compare: compareText, valid: (x) => TIMESTAMP_TEXT.test(x) };
  }
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') {
    return { compare: (a, b) => compareText(a.slice(0, -3), b.slice(0, -3)), valid: (x) => x.endsWith('+00') && TIMESTAMP_TEXT.test(x.slice(0, -3)) };
  }
  if (t === 'VARCHAR') return { compare: compareUtf8, valid: () => true };
  if (t === 'BOOLEAN') return { compare: (a, b) => Number(a === 'true') - Number(b === 'true'), valid: (x) => x === 'true' || x === 'false' };
  return undefined;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return negative ? -digits : digits;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** DuckDB orders VARCHAR by bytes of UTF-8 (not by UTF-16 code units, as JS does). */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---------------------------------------------------------------- sizes

/** Approximate bytes per value as stored, for apportioning a file's bytes to its columns. */
export function typeWidth(type: string): number {
  const t = type.toUpperCase();
  if (/^(BOOLEAN|TINYINT|UTINYINT)$/.test(t)) return 1;
  if (/^(SMALLINT|USMALLINT)$/.test(t)) return 2;
  if (/^(INTEGER|UINTEGER|DATE|FLOAT|REAL)$/.test(t)) return 4;
  if (/^(HUGEINT|UHUGEINT|UUID|INTERVAL)$/.test(t)) return 16;
  if (/^DECIMAL/.test(t) || /^(BIGINT|UBIGINT|DOUBLE|TIMESTAMP|TIME)/.test(t)) return 8;
  return 24;
}

export interface PartitionSize {
  readonly rows: number;
  readonly bytes: number;
}

/** Rows and bytes of a partition (bytes estimated from the row width when the manifest says 0). */
export function partitionSize(table: TableEntry, partition: PartitionEntry): PartitionSize {
  const rowWidth = table.columns.reduce((sum, c) => sum + typeWidth(c.type), 0);
  return { rows: partition.rows, bytes: partition.bytes > 0 ? partition.bytes : partition.rows * rowWidth * 0.5 };
}

/** The share of a row's bytes that `columns` take (by type width). */
export function columnShare(table: TableEntry, columns: readonly string[]): number {
  const wanted = new Set(columns.map((c) => c.toLowerCase()));
  const total = table.columns.reduce((sum, c) => sum + typeWidth(c.type), 0);
  const part = table.columns.filter((c) => wanted.has(c.name.toLowerCase())).reduce((sum, c) => sum + typeWidth(c.type), 0);
  return total > 0 ? Math.max(part, 1) / total : 1;
}

// ---------------------------------------------------------------- per-partition column statistics

export interface ValueRange {
  readonly min: string;
  readonly max: string;
  /** Rows whose value is NULL. */
  readonly nulls: number;
}

/**
 * The range of `column` over a partition's files: undefined when any file lacks
 * statistics for it (then nothing may be concluded), `'empty'` when every value is
 * NULL or the partition has no rows.
 */
export function partitionRange(partition: PartitionEntry, column: ColumnDef): ValueRange | 'empty' | undefined {
  const order = comparatorFor(column.type);
  if (!order) return undefined;
  let min: string | undefined;
  let max: string | undefined;
  let nulls = 0;
  for (const file of partition.files) {
    const stats = file.columns[column.name];
    // A file without statistics for the column: nothing may be concluded.
    if (!stats) return undefined;
    nulls += stats.nulls;
    if (stats.min === null || stats.max === null) continue;
    if (!order.valid(stats.min) || !order.valid(stats.max)) return undefined;
    if (min === undefined || order.compare(stats.min, min) < 0) min = stats.min;
    if (max === undefined || order.compare(stats.max, max) > 0) max = stats.max;
  }
  if (min === undefined || max === undefined) return 'empty';
  return { min, max, nulls };
}

/** Paths of a partition's files. */
export const partitionFilePaths = partitionPaths;

// ---------------------------------------------------------------- range partitioning

/**
 * A table whose partitions hold disjoint ranges of `column` (as an even split of
 * rows in key order does): rows with equal keys are then in one partition, and
 * a bucket function can send other rows to the partition whose range holds them.
 */
export interface RangeLayout {
  readonly table: TableEntry;
  readonly column: ColumnDef;
  /** Partitions with rows in this column, ordered by their ranges. */
  readonly ordered: readonly { readonly partition: number; readonly min: string; readonly max: string }[];
  /** Partitions whose column is entirely NULL (or that are empty): they hold no key. */
  readonly keyless: readonly number[];
  readonly compare: Comparator;
}

const layouts = new WeakMap<TableEntry, Map<string, RangeLayout | undefined>>();

/** The range layout of `table` on `columnName`, when its statistics prove the ranges disjoint. */
export function rangeLayout(table: TableEntry, columnName: string): RangeLayout | undefined {
  let cache = layouts.get(table);
  if (!cache) layouts.set(table, (cache = new Map()));
  const key = columnName.toLowerCase();
  if (cache.has(key)) return cache.get(key);
  const layout = computeRangeLayout(table, columnName);
  cache.set(key, layout);
  return layout;
}

function computeRangeLayout(table: TableEntry, columnName: string): RangeLayout | undefined {
  if (table.partitions.length < 2) return undefined;
  const column = table.columns.find((c) => c.name.toLowerCase() === columnName.toLowerCase());
  const order = column ? comparatorFor(column.type) : undefined;
  if (!column || !order) return undefined;
  const ordered: { partition: number; min: string; max: string }[] = [];
  const keyless: number[] = [];
  for (const [i, partition] of table.partitions.entries()) {
    const range = partitionRange(partition, column);
    if (range === undefined) return undefined;
    if (range === 'empty') keyless.push(i);
    else ordered.push({ partition: i, min: range.min, max: range.max });
  }
  ordered.sort((a, b) => order.compare(a.min, b.min));
  for (let i = 1; i < ordered.length; i++) {
    if (order.compare(ordered[i - 1].max, ordered[i].min) >= 0) return undefined;
  }
  if (ordered.length < 2) return undefined;
  return { table, column, ordered, keyless, compare: order.compare };
}

/** Index (into `layout.ordered`) of the range a value falls in: the first whose max is not below it. */
export function rangeIndexOf(layout: RangeLayout, value: string): number {
  for (let i = 0; i < layout.ordered.length; i++) {
    if (layout.compare(value, layout.ordered[i].max) <= 0) return i;
  }
  return layout.ordered.length - 1;
}
