/**
 * Splits a simple-query string into statements at top-level semicolons.
 * PostgreSQL runs each statement of a Query message in turn, so the gateway
 * must find the boundaries itself; strings, quoted identifiers and comments
 * are skipped by the shared scanner (scanner.ts), so a `;` or a quote inside
 * them never splits or unbalances a statement.
 */
import { spanAt } from './scanner.ts';

export { skipBlockComment } from './scanner.ts';

export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const span = spanAt(text, i);
    if (span) {
      i = span.end;
    } else if (text[i] === ';') {
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

/** True when the text holds nothing but whitespace, semicolons' leftovers and comments (PostgreSQL's EmptyQueryResponse). */
export function isBlank(text: string): boolean {
  return stripLeadingComments(text).length === 0;
}

/** Removes leading whitespace and comments, so the first keyword can be read. */
export function stripLeadingComments(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    const span = spanAt(text, i);
    if (span && (span.kind === 'line-comment' || span.kind === 'block-comment')) {
      i = span.end;
    } else {
      return text.slice(i).trimEnd();
    }
  }
}
