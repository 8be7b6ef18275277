/**
 * The one place that knows where PostgreSQL's non-code spans end: string
 * constants (standard '…', escape E'…' with backslash escapes, dollar-quoted
 * $tag$…$tag$), quoted identifiers "…", line comments -- and nested block
 * comments /* … *\/. Every scanner of SQL text in the gateway (statement
 * splitting, the small lexer, keyword classification) skips these spans through
 * this module, so they cannot disagree about where a string ends.
 *
 * Rules (PostgreSQL's scan.l, standard_conforming_strings = on):
 * - `'…'`: a doubled quote is a quote; a backslash is an ordinary character.
 * - `E'…'`: also `\x` escapes any character, so `E'\''` is one quote. The E
 *   only starts such a string at a token start (`namE'x'` is not one).
 * - `$tag$…$tag$`: tag is empty or an identifier without `$`; a `$` inside an
 *   identifier (`a$b`) or a parameter (`$1`) starts nothing.
 * - `"…"`: a doubled quote is a quote.
 */

export type SpanKind = 'string' | 'escape-string' | 'dollar-string' | 'identifier' | 'line-comment' | 'block-comment';

export interface Span {
  readonly kind: SpanKind;
  /** Index just past the span (the text's length when it is unterminated). */
  readonly end: number;
  /** Where the span's content starts and ends (inside the quotes / tags). */
  readonly contentStart: number;
  readonly contentEnd: number;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** True when text[i] continues an identifier or keyword that started before it. */
function continuesWord(text: string, i: number): boolean {
  return i > 0 && IDENT_CHAR.test(text[i - 1]);
}

/** The string, quoted identifier or comment starting at `i`, or undefined when code starts there. */
export function spanAt(text: string, i: number): Span | undefined {
  const ch = text[i];
  const next = text[i + 1];
  if (ch === "'") return quoted(text, 'string', i, "'", false);
  if ((ch === 'E' || ch === 'e') && next === "'" && !continuesWord(text, i)) return quoted(text, 'escape-string', i + 1, "'", true);
  if (ch === '"') return quoted(text, 'identifier', i, '"', false);
  if (ch === '-' && next === '-') {
    const newline = text.indexOf('\n', i);
    const end = newline === -1 ? text.length : newline + 1;
    return { kind: 'line-comment', end, contentStart: i + 2, contentEnd: newline === -1 ? text.length : newline };
  }
  if (ch === '/' && next === '*') {
    const end = skipBlockComment(text, i);
    return { kind: 'block-comment', end, contentStart: i + 2, contentEnd: Math.max(i + 2, end - 2) };
  }
  if (ch === '$' && !continuesWord(text, i)) {
    const tag = DOLLAR_TAG.exec(text.slice(i, i + 256));
    if (!tag) return undefined;
    const close = text.indexOf(tag[0], i + tag[0].length);
    const end = close === -1 ? text.length : close + tag[0].length;
    return { kind: 'dollar-string', end, contentStart: i + tag[0].length, contentEnd: close === -1 ? text.length : close };
  }
  return undefined;
}

/** The span of quoted text whose opening quote is at `open`. */
function quoted(text: string, kind: SpanKind, open: number, quote: string, backslashEscapes: boolean): Span {
  let j = open + 1;
  while (j < text.length) {
    const c = text[j];
    if (backslashEscapes && c === '\\') j += 2;
    else if (c === quote) {
      if (text[j + 1] === quote) j += 2;
      else return { kind, end: j + 1, contentStart: open + 1, contentEnd: j };
    } else j++;
  }
  // Unterminated: the span runs to the end (DuckDB reports the syntax error).
  return { kind, end: text.length, contentStart: open + 1, contentEnd: text.length };
}

/** Index just past the block comment starting at `i` (PostgreSQL block comments nest). */
export function skipBlockComment(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (text.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return text.length;
}

/**
 * Calls `visit` for each index of code (outside strings, quoted identifiers and
 * comments), in order; `visit` returns how many characters it consumed (at least 1)
 * or undefined for one.
 */
export function forEachCodeIndex(text: string, visit: (i: number) => number | void): void {
  let i = 0;
  while (i < text.length) {
    const span = spanAt(text, i);
    if (span) {
      i = span.end;
      continue;
    }
    const consumed = visit(i);
    i += typeof consumed === 'number' && consumed > 0 ? consumed : 1;
  }
}
