/**
 * PostgreSQL error positions from DuckDB error locations.
 *
 * PostgreSQL's ErrorResponse field P is a 1-based index, in characters (code
 * points, not bytes), into the whole query string the client sent — for a
 * simple Query holding several statements too. DuckDB instead appends a
 * "LINE n: <line>" context and a caret line to its messages, where the caret
 * column counts *render width* (wide CJK and emoji count 2, control characters
 * such as TAB count 0) and long lines are cut to a window around the error with
 * "..." on either side. We invert that rendering against the SQL text DuckDB
 * was given, and give no position unless the rendered line matches that text
 * exactly: the error may concern SQL the gateway wrote itself (a rewritten or
 * parameter-bound query), where a position would point at the wrong place.
 */
import type { DuckDBErrorLocation } from './errors.ts';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The UTF-16 index in `sql` of the error, or undefined when it cannot be placed reliably. */
export function locateInSql(location: DuckDBErrorLocation, sql: string): number | undefined {
  return location.kind === 'offset' ? codePointIndex(sql, location.offset) : locateCaret(location, sql);
}

/** PostgreSQL's position for a UTF-16 index into the client's query string. */
export function pgPosition(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one character.
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) n++;
  }
  return n;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function codePointIndex(sql: string, offset: number): number | undefined {
  let i = 0;
  for (let n = 0; n < offset; n++) {
    if (i >= sql.length) return undefined;
    i += isHighSurrogate(sql.charCodeAt(i)) && i + 1 < sql.length ? 2 : 1;
  }
  return i;
}

function locateCaret(location: Extract<DuckDBErrorLocation, { kind: 'caret' }>, sql: string): number | undefined {
  const lineStart = startOfLine(sql, location.line);
  if (lineStart === undefined) return undefined;
  const lineEnd = sql.slice(lineStart).search(/[\r\n]/);
  const line = lineEnd < 0 ? sql.slice(lineStart) : sql.slice(lineStart, lineStart + lineEnd);
  const prefix = `LINE ${location.line}: `.length;
  const { shown } = location;
  for (const cutStart of shown.startsWith('...') ? [false, true] : [false]) {
    for (const cutEnd of shown.endsWith('...') ? [false, true] : [false]) {
      const body = shown.slice(cutStart ? 3 : 0, cutEnd ? shown.length - 3 : shown.length);
      const at = cutStart ? line.indexOf(body, 1) : line.startsWith(body) ? 0 : -1;
      if (at < 0) continue;
      // An uncut end must be the end of the line; a cut one must leave something out.
      if (cutEnd ? at + body.length >= line.length : at + body.length !== line.length) continue;
      const inBody = indexAtWidth(body, location.column - prefix - (cutStart ? 3 : 0));
      if (inBody !== undefined) return lineStart + at + inBody;
    }
  }
  return undefined;
}

/** DuckDB counts a line break at each CR or LF, but a CRLF pair as one. */
function startOfLine(sql: string, line: number): number | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const rel = sql.slice(start).search(/\r\n|\r|\n/);
    if (rel < 0) return undefined;
    start += rel + (sql.startsWith('\r\n', start + rel) ? 2 : 1);
  }
  return start;
}

/** Index of the grapheme whose rendering starts `width` columns into `text`. */
function indexAtWidth(text: string, width: number): number | undefined {
  if (width < 0) return undefined;
  let acc = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const w = renderWidth(segment);
    // Zero-width characters (TAB...) before the error share its column; errors point at tokens, not at them.
    if (acc === width && w > 0 && !/^\s/.test(segment)) return index;
    acc += w;
    if (acc > width) return undefined;
  }
  return acc === width ? text.length : undefined;
}

// utf8proc's widths, as far as SQL text needs them: control characters 0,
// East Asian wide and fullwidth characters and emoji 2, everything else 1.
function renderWidth(grapheme: string): number {
  const cp = grapheme.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/^[\p{Mn}\p{Me}\p{Cf}]/u.test(grapheme)) return 0;
  if (/^\p{Emoji_Presentation}/u.test(grapheme)) return 2;
  return isWide(cp) ? 2 : 1;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
