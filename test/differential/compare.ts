/**
 * Comparison of two query results for the differential suite: the gateway's
 * answer (seen through a PostgreSQL client) against one in-process DuckDB's
 * answer over the same Parquet files.
 *
 * The rules below are the project's contract for "the gateway answered
 * correctly". They are deliberately strict where the answer is determined by
 * SQL and lenient only where SQL itself leaves freedom:
 *
 * 1. Values are PostgreSQL TEXT output strings (`string | null` per cell).
 *    Both sides must already be rendered to PG text by the caller; this module
 *    never looks at native values, so one rendering path decides formatting
 *    and the comparison cannot hide a formatting difference the client sees.
 * 2. Column count, column names (exact, case-sensitive) and column type OIDs
 *    must be equal, because a PG client decodes values by OID.
 * 3. Columns whose OID is float4 (700) or float8 (701) compare with relative
 *    tolerance 1e-9: `|a-b| <= 1e-9 * max(|a|,|b|)`; NaN equals NaN, and an
 *    infinity equals only the same infinity. Distributed aggregation sums
 *    doubles in another order, so the last bits legitimately differ. No other
 *    type is a float: numeric (1700) is exact even when DuckDB computed it
 *    from a DOUBLE, since its text is what the client sees. A float cell that
 *    does not parse as a number is compared as text.
 * 4. Without ORDER BY (`orderBy` undefined or empty) rows compare as
 *    multisets: duplicates count, so a missing or extra duplicate is a diff.
 * 5. With ORDER BY (`orderBy` = 0-based output column indexes of the sort
 *    keys) the sequence of key values must be equal row by row, but rows tied
 *    on all keys may come in any order: consecutive rows with equal keys form
 *    a group, the two sides must have the same sequence of groups (by key,
 *    float keys with tolerance), and each pair of groups compares as a
 *    multiset. Grouping uses the exact key text within one side.
 * 6. A result must have at least one row, unless the corpus entry says
 *    `expectEmpty: true`; then both results must have no rows. An accidental
 *    empty result would otherwise make any two engines agree.
 *
 * The result is a structured diff (or null when equal) whose `message` makes a
 * useful assertion message: the first differing row and column, both values,
 * and the row counts.
 */
import { AssertionError } from 'node:assert';

/** One cell as PostgreSQL text output; SQL NULL is `null`. */
export type TextCell = string | null;
export type TextRow = readonly TextCell[];

export interface ResultColumn {
  readonly name: string;
  /** PostgreSQL type OID as sent in RowDescription (e.g. 20 int8, 701 float8, 1700 numeric). */
  readonly typeOid: number;
}

export interface TextResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly TextRow[];
}

export interface CompareOptions {
  /** 0-based output column indexes of the ORDER BY keys; undefined or empty means unordered. */
  readonly orderBy?: readonly number[];
  /** The query is expected to return no rows (both sides must be empty). */
  readonly expectEmpty?: boolean;
  /** Relative tolerance for float4/float8 columns; the contract value is the default. */
  readonly floatTolerance?: number;
}

export const FLOAT4_OID = 700;
export const FLOAT8_OID = 701;
export const NUMERIC_OID = 1700;
export const DEFAULT_FLOAT_TOLERANCE = 1e-9;

export type DiffKind =
  | 'column-count'
  | 'column-name'
  | 'column-type'
  | 'bad-order-by'
  | 'empty'
  | 'not-empty'
  | 'order'
  | 'value'
  | 'missing-rows'
  | 'extra-rows';

export interface ResultDiff {
  readonly kind: DiffKind;
  /** Multi-line human-readable description, suitable as an assertion message. */
  readonly message: string;
  readonly expectedRowCount: number;
  readonly actualRowCount: number;
  /**
   * Row index of the first difference, in the result the shown row comes
   * from: the expected result, except for `extra-rows` (the actual result).
   */
  readonly row?: number;
  readonly column?: number;
  readonly columnName?: string;
  readonly expectedValue?: TextCell;
  readonly actualValue?: TextCell;
  readonly expectedRow?: TextRow;
  readonly actualRow?: TextRow;
  /** Rows of the expected side with no partner in the actual side (a sample, at most 5). */
  readonly missingRows?: readonly TextRow[];
  readonly missingCount?: number;
  /** Rows of the actual side with no partner in the expected side (a sample, at most 5). */
  readonly extraRows?: readonly TextRow[];
  readonly extraCount?: number;
}

const SAMPLE = 5;

export function isFloatOid(oid: number): boolean {
  return oid === FLOAT4_OID || oid === FLOAT8_OID;
}

// PG prints float specials as NaN / Infinity / -Infinity; the plain number
// pattern keeps '' or ' 1' from parsing as 0 / 1 the way Number() would.
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses PG float text; undefined when the text is not a number. */
export function parseFloatText(text: string): number | undefined {
  if (NUMBER_TEXT.test(text)) return Number(text);
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

/** Float equality by the contract: relative tolerance, NaN == NaN, same-sign infinities equal. */
export function floatsEqual(a: number, b: number, tolerance: number = DEFAULT_FLOAT_TOLERANCE): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** Cell equality for a column: exact text, or tolerant numbers for float columns. */
export function cellsEqual(a: TextCell, b: TextCell, isFloat: boolean, tolerance: number = DEFAULT_FLOAT_TOLERANCE): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  if (!isFloat) return false;
  const x = parseFloatText(a);
  const y = parseFloatText(b);
  if (x === undefined || y === undefined) return false;
  return floatsEqual(x, y, tolerance);
}

/**
 * Compares `actual` (the gateway's answer) to `expected` (the reference
 * engine's answer). Returns null when they agree by the module's rules, else
 * the first difference found, in this order of checks: columns, ORDER BY
 * indexes, emptiness, then rows.
 */
export function compareResults(expected: TextResult, actual: TextResult, options: CompareOptions = {}): ResultDiff | null {
  const tolerance = options.floatTolerance ?? DEFAULT_FLOAT_TOLERANCE;
  const counts = { expectedRowCount: expected.rows.length, actualRowCount: actual.rows.length };
  const countText = `rows: expected ${counts.expectedRowCount}, actual ${counts.actualRowCount}`;

  const header = compareColumns(expected.columns, actual.columns);
  if (header) return { ...header, ...counts, message: `${header.message}\n${countText}` };

  const width = expected.columns.length;
  const orderBy = options.orderBy ?? [];
  for (const index of orderBy) {
    if (!Number.isInteger(index) || index < 0 || index >= width) {
      return {
        kind: 'bad-order-by',
        ...counts,
        message: `orderBy index ${index} is not an output column (result has ${width} columns)`,
      };
    }
  }

  if (options.expectEmpty) {
    if (counts.expectedRowCount !== 0 || counts.actualRowCount !== 0) {
      return { kind: 'not-empty', ...counts, message: `query is marked expectEmpty but returned rows; ${countText}` };
    }
    return null;
  }
  if (counts.expectedRowCount === 0 || counts.actualRowCount === 0) {
    return {
      kind: 'empty',
      ...counts,
      message: `empty result (a corpus query must return at least one row unless marked expectEmpty); ${countText}`,
    };
  }

  // Checked per row so that a malformed result names the offending row rather than failing later.
  for (const [side, result] of [['expected', expected], ['actual', actual]] as const) {
    const bad = result.rows.findIndex((r) => r.length !== width);
    if (bad >= 0) {
      return {
        kind: 'column-count',
        ...counts,
        row: bad,
        message: `${side} row ${bad} has ${result.rows[bad].length} cells, but there are ${width} columns`,
      };
    }
  }

  const floats = expected.columns.map((c) => isFloatOid(c.typeOid));
  const ctx: RowContext = { floats, tolerance, columns: expected.columns };
  const diff = orderBy.length > 0
    ? compareOrdered(expected.rows, actual.rows, orderBy, ctx)
    : compareMultiset(expected.rows, actual.rows, 0, 0, ctx);
  if (!diff) return null;
  return { ...diff, ...counts, message: `${diff.message}\n${countText}` };
}

/**
 * Throws an AssertionError carrying the formatted diff when the results
 * differ; `label` (e.g. the corpus id) prefixes the message so a failing
 * suite run names the query.
 */
export function assertResultsMatch(expected: TextResult, actual: TextResult, options: CompareOptions = {}, label = 'query'): void {
  const diff = compareResults(expected, actual, options);
  if (diff) {
    throw new AssertionError({ message: `${label}: ${formatDiff(diff)}`, actual: diff.actualRowCount, expected: diff.expectedRowCount, operator: 'compareResults' });
  }
}

/** Formats a diff (or null) for an assertion message. */
export function formatDiff(diff: ResultDiff | null): string {
  return diff === null ? 'results are equal' : `[${diff.kind}] ${diff.message}`;
}

type PartialDiff = Omit<ResultDiff, 'expectedRowCount' | 'actualRowCount'>;

interface RowContext {
  readonly floats: readonly boolean[];
  readonly tolerance: number;
  readonly columns: readonly ResultColumn[];
}

function compareColumns(expected: readonly ResultColumn[], actual: readonly ResultColumn[]): PartialDiff | null {
  if (expected.length !== actual.length) {
    return {
      kind: 'column-count',
      message: `column count differs: expected ${expected.length} (${expected.map((c) => c.name).join(', ')}), ` +
        `actual ${actual.length} (${actual.map((c) => c.name).join(', ')})`,
    };
  }
  for (let i = 0; i < expected.length; i++) {
    if (expected[i].name !== actual[i].name) {
      return {
        kind: 'column-name',
        column: i,
        columnName: expected[i].name,
        message: `column ${i} name differs: expected ${JSON.stringify(expected[i].name)}, actual ${JSON.stringify(actual[i].name)}`,
      };
    }
  }
  for (let i = 0; i < expected.length; i++) {
    if (expected[i].typeOid !== actual[i].typeOid) {
      return {
        kind: 'column-type',
        column: i,
        columnName: expected[i].name,
        message: `column ${i} (${expected[i].name}) type OID differs: expected ${expected[i].typeOid}, actual ${actual[i].typeOid}`,
      };
    }
  }
  return null;
}

function showRow(row: TextRow): string {
  return `(${row.map((c) => (c === null ? 'NULL' : JSON.stringify(c))).join(', ')})`;
}

function showCell(c: TextCell): string {
  return c === null ? 'NULL' : JSON.stringify(c);
}

function keyOf(row: TextRow, orderBy: readonly number[]): string {
  // JSON keeps NULL distinct from the string 'null' and separators unambiguous.
  return JSON.stringify(orderBy.map((i) => row[i]));
}

interface Group {
  readonly start: number;
  readonly rows: TextRow[];
}

function groupByKey(rows: readonly TextRow[], orderBy: readonly number[]): Group[] {
  const groups: Group[] = [];
  let lastKey: string | undefined;
  rows.forEach((row, i) => {
    const key = keyOf(row, orderBy);
    if (key !== lastKey || groups.length === 0) {
      groups.push({ start: i, rows: [row] });
      lastKey = key;
    } else {
      groups[groups.length - 1].rows.push(row);
    }
  });
  return groups;
}

function compareOrdered(expected: readonly TextRow[], actual: readonly TextRow[], orderBy: readonly number[], ctx: RowContext): PartialDiff | null {
  const eg = groupByKey(expected, orderBy);
  const ag = groupByKey(actual, orderBy);
  const keyNames = orderBy.map((i) => ctx.columns[i].name).join(', ');
  for (let g = 0; g < Math.min(eg.length, ag.length); g++) {
    const e = eg[g];
    const a = ag[g];
    const keyColumn = orderBy.find((i) => !cellsEqual(e.rows[0][i], a.rows[0][i], ctx.floats[i], ctx.tolerance));
    if (keyColumn !== undefined) {
      return {
        kind: 'order',
        row: e.start,
        column: keyColumn,
        columnName: ctx.columns[keyColumn].name,
        expectedValue: e.rows[0][keyColumn],
        actualValue: a.rows[0][keyColumn],
        expectedRow: e.rows[0],
        actualRow: a.rows[0],
        message: `ORDER BY keys (${keyNames}) differ at expected row ${e.start} / actual row ${a.start}, ` +
          `column ${keyColumn} (${ctx.columns[keyColumn].name}): expected ${showCell(e.rows[0][keyColumn])}, actual ${showCell(a.rows[0][keyColumn])}\n` +
          `expected row: ${showRow(e.rows[0])}\nactual row:   ${showRow(a.rows[0])}`,
      };
    }
    const diff = compareMultiset(e.rows, a.rows, e.start, a.start, ctx);
    if (diff) return { ...diff, message: `among rows tied on ORDER BY keys (${keyNames}) = ${keyOf(e.rows[0], orderBy)}: ${diff.message}` };
  }
  if (eg.length !== ag.length) {
    const longer = eg.length > ag.length ? eg : ag;
    const first = longer[Math.min(eg.length, ag.length)];
    const missing = eg.length > ag.length;
    const rows = longer.slice(Math.min(eg.length, ag.length)).flatMap((g) => g.rows);
    return {
      kind: missing ? 'missing-rows' : 'extra-rows',
      row: first.start,
      ...(missing
        ? { missingRows: rows.slice(0, SAMPLE), missingCount: rows.length }
        : { extraRows: rows.slice(0, SAMPLE), extraCount: rows.length }),
      message: `${missing ? 'actual ends early' : 'actual has extra rows'} from ${missing ? 'expected' : 'actual'} row ${first.start}: ` +
        `${rows.length} row(s), first ${showRow(first.rows[0])}`,
    };
  }
  return null;
}

/**
 * Total order used to align two multisets: non-float columns first by exact
 * text, then float columns numerically. Floats go last so that two rows
 * whose floats differ in the last bits still sort next to their partners
 * whenever their exact columns identify them.
 */
function canonicalComparator(ctx: RowContext): (a: TextRow, b: TextRow) => number {
  const width = ctx.floats.length;
  const exact = [...Array(width).keys()].filter((i) => !ctx.floats[i]);
  const floats = [...Array(width).keys()].filter((i) => ctx.floats[i]);
  const cmpText = (x: TextCell, y: TextCell): number => {
    if (x === y) return 0;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  };
  const cmpFloat = (x: TextCell, y: TextCell): number => {
    const nx = x === null ? undefined : parseFloatText(x);
    const ny = y === null ? undefined : parseFloatText(y);
    if (nx === undefined || ny === undefined || Number.isNaN(nx) || Number.isNaN(ny)) {
      // Unparseable and NaN sort by text, after numbers, so the order stays total.
      const rank = (v: number | undefined): number => (v === undefined ? 2 : Number.isNaN(v) ? 1 : 0);
      const r = rank(nx) - rank(ny);
      return r !== 0 ? r : cmpText(x, y);
    }
    return nx < ny ? -1 : nx > ny ? 1 : 0;
  };
  return (a, b) => {
    for (const i of exact) {
      const c = cmpText(a[i], b[i]);
      if (c !== 0) return c;
    }
    for (const i of floats) {
      const c = cmpFloat(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  };
}

function rowsEqual(a: TextRow, b: TextRow, ctx: RowContext): boolean {
  return a.every((cell, i) => cellsEqual(cell, b[i], ctx.floats[i], ctx.tolerance));
}

function compareMultiset(expected: readonly TextRow[], actual: readonly TextRow[], expectedStart: number, actualStart: number, ctx: RowContext): PartialDiff | null {
  const cmp = canonicalComparator(ctx);
  const e = [...expected].sort(cmp);
  const a = [...actual].sort(cmp);
  const missing: TextRow[] = [];
  const extra: TextRow[] = [];
  const hasFloats = ctx.floats.some((f) => f);
  // Merge walk over both sorted lists: exact matches pair up, the rest is missing or extra.
  let i = 0;
  let j = 0;
  while (i < e.length && j < a.length) {
    if (rowsEqual(e[i], a[j], ctx)) {
      i++;
      j++;
    } else if (cmp(e[i], a[j]) <= 0) {
      missing.push(e[i++]);
    } else {
      extra.push(a[j++]);
    }
  }
  missing.push(...e.slice(i));
  extra.push(...a.slice(j));
  if (hasFloats && missing.length > 0 && extra.length > 0) {
    // Tolerant equality is not transitive, so the sorted walk can misalign
    // rows that do have partners; pair the leftovers greedily before
    // reporting them (quadratic, but only over the leftovers).
    for (let m = missing.length - 1; m >= 0; m--) {
      const k = extra.findIndex((row) => rowsEqual(missing[m], row, ctx));
      if (k >= 0) {
        missing.splice(m, 1);
        extra.splice(k, 1);
      }
    }
  }
  if (missing.length === 0 && extra.length === 0) return null;

  const where = (rows: readonly TextRow[], row: TextRow, start: number): number => start + rows.indexOf(row);
  const sample = {
    missingRows: missing.slice(0, SAMPLE),
    missingCount: missing.length,
    extraRows: extra.slice(0, SAMPLE),
    extraCount: extra.length,
  };
  const listing =
    (missing.length ? `\nmissing from actual (${missing.length}): ${missing.slice(0, SAMPLE).map(showRow).join(' ')}` : '') +
    (extra.length ? `\nextra in actual (${extra.length}): ${extra.slice(0, SAMPLE).map(showRow).join(' ')}` : '');
  if (missing.length > 0 && extra.length > 0) {
    // Pair the first unmatched rows and point at the first cell that differs.
    const er = missing[0];
    const ar = extra[0];
    const column = er.findIndex((cell, c) => !cellsEqual(cell, ar[c], ctx.floats[c], ctx.tolerance));
    const col = column >= 0 ? column : 0;
    return {
      kind: 'value',
      row: where(expected, er, expectedStart),
      column: col,
      columnName: ctx.columns[col].name,
      expectedValue: er[col],
      actualValue: ar[col],
      expectedRow: er,
      actualRow: ar,
      ...sample,
      message: `value differs in column ${col} (${ctx.columns[col].name}): expected ${showCell(er[col])}, actual ${showCell(ar[col])}` +
        `${ctx.floats[col] ? ` (float, relative tolerance ${ctx.tolerance})` : ''}\n` +
        `expected row ${where(expected, er, expectedStart)}: ${showRow(er)}\nactual row ${where(actual, ar, actualStart)}:   ${showRow(ar)}` +
        listing,
    };
  }
  if (missing.length > 0) {
    return {
      kind: 'missing-rows',
      row: where(expected, missing[0], expectedStart),
      expectedRow: missing[0],
      ...sample,
      message: `${missing.length} expected row(s) missing from actual${listing}`,
    };
  }
  return {
    kind: 'extra-rows',
    row: where(actual, extra[0], actualStart),
    actualRow: extra[0],
    ...sample,
    message: `${extra.length} extra row(s) in actual${listing}`,
  };
}
