/**
 * Splits a simple-query string into statements at top-level semicolons.
 * PostgreSQL runs each statement of a Query message in turn, so the gateway
 * must find the boundaries itself, respecting quotes, dollar quotes and comments.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === "'" || ch === '"') {
      i = skipQuoted(text, i, ch);
    } else if (ch === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(text, i);
    } else if (ch === '$') {
      i = skipDollarQuoted(text, i);
    } else if (ch === ';') {
      statements.push(text.slice(start, i));
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  statements.push(text.slice(start));
  return statements.filter((s) => !isBlank(s));
}

/** True when the text holds nothing but whitespace and comments (PostgreSQL's EmptyQueryResponse). */
export function isBlank(text: string): boolean {
  return stripLeadingComments(text).length === 0;
}

/** Removes leading whitespace and comments, so the first keyword can be read. */
export function stripLeadingComments(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i);
    } else {
      return text.slice(i).trimEnd();
    }
  }
}

function skipQuoted(text: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < text.length) {
    if (text[j] === quote) {
      if (text[j + 1] === quote) j += 2; // doubled quote is an escaped quote
      else return j + 1;
    } else j++;
  }
  return text.length;
}

/** Index just past the block comment starting at `i` (PostgreSQL block comments nest). */
export function skipBlockComment(text: string, i: number): number {
  // PostgreSQL block comments nest.
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

function skipDollarQuoted(text: string, i: number): number {
  const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i));
  if (!tag) return i + 1; // a positional parameter such as $1
  const end = text.indexOf(tag[0], i + tag[0].length);
  return end === -1 ? text.length : end + tag[0].length;
}
