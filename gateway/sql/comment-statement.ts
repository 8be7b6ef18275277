/**
 * COMMENT ON TABLE name IS 'text' | NULL and COMMENT ON COLUMN table.column IS …,
 * which pondgate stores in the manifest (psql's \d+, pgjdbc's REMARKS and
 * Metabase's descriptions read them back). Names follow PostgreSQL's rules:
 * unquoted ones are lower-cased, and may be qualified by the schema public or
 * the database. Comments on other kinds of object are refused: pondgate keeps
 * comments for its tables and their columns only.
 */
import { TokenReader, type Token } from './lexer.ts';

export type CommentStatement =
  | { readonly kind: 'comment'; readonly target: 'table'; readonly table: string; readonly comment: string | null }
  | { readonly kind: 'comment'; readonly target: 'column'; readonly table: string; readonly column: string; readonly comment: string | null };

export type CommentParse = CommentStatement | { readonly kind: 'refused'; readonly sqlstate: string; readonly message: string };

const OBJECT_KINDS = ['table', 'column', 'view', 'materialized', 'schema', 'database', 'function', 'index', 'type', 'role', 'sequence', 'extension', 'constraint', 'procedure', 'aggregate', 'foreign', 'trigger'];

function syntaxError(sql: string, what: string): CommentParse {
  return { kind: 'refused', sqlstate: '42601', message: `syntax error in COMMENT statement (${what}): ${sql}` };
}

function name(token: Token | undefined): string | undefined {
  if (token?.kind === 'ident') return token.value;
  if (token?.kind === 'word') return token.value;
  return undefined;
}

/** A dotted name: its parts, each unquoted as PostgreSQL does. */
function dottedName(reader: TokenReader): string[] | undefined {
  const parts: string[] = [];
  for (;;) {
    const part = name(reader.next());
    if (part === undefined) return undefined;
    parts.push(part);
    if (!reader.acceptSymbol('.')) return parts;
  }
}

export function parseComment(sql: string, database = 'pondgate'): CommentParse {
  const reader = new TokenReader(sql);
  if (!reader.acceptWord('comment') || !reader.acceptWord('on')) return syntaxError(sql, 'COMMENT ON expected');
  const kind = reader.peek();
  const target = kind?.kind === 'word' ? kind.value : '';
  if (target !== 'table' && target !== 'column') {
    if (OBJECT_KINDS.includes(target)) {
      return { kind: 'refused', sqlstate: '0A000', message: `COMMENT ON ${target.toUpperCase()} is not supported: pondgate keeps comments on its tables and their columns` };
    }
    return syntaxError(sql, 'TABLE or COLUMN expected');
  }
  reader.next();
  const parts = dottedName(reader);
  if (parts === undefined) return syntaxError(sql, 'name expected');
  // Qualifiers pondgate accepts: the database, then the schema public.
  const minimum = target === 'table' ? 1 : 2;
  if (parts.length < minimum) return syntaxError(sql, 'a column is named table.column');
  let qualifiers = parts.slice(0, parts.length - minimum);
  if (qualifiers.length === 2 && qualifiers[0] !== database) return { kind: 'refused', sqlstate: '0A000', message: `cross-database references are not implemented: ${parts.join('.')}` };
  if (qualifiers.length === 2) qualifiers = qualifiers.slice(1);
  if (qualifiers.length > 1 || (qualifiers.length === 1 && qualifiers[0] !== 'public')) {
    return { kind: 'refused', sqlstate: '3F000', message: `schema "${qualifiers.join('.')}" does not exist` };
  }
  if (!reader.acceptWord('is')) return syntaxError(sql, 'IS expected');
  const value = reader.next();
  let comment: string | null;
  if (value?.kind === 'string') comment = value.value;
  else if (value?.kind === 'word' && value.value === 'null') comment = null;
  else return syntaxError(sql, "a string or NULL expected after IS");
  reader.acceptSymbol(';');
  if (!reader.done) return syntaxError(sql, 'unexpected text after the comment');
  const table = parts[parts.length - minimum];
  return target === 'table'
    ? { kind: 'comment', target, table, comment }
    : { kind: 'comment', target, table, column: parts[parts.length - 1], comment };
}
