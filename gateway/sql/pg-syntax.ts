/**
 * PostgreSQL spellings that DuckDB's parser rejects but that mean nothing
 * more than their plain form in the queries clients send, rewritten in the
 * text before DuckDB parses it:
 *
 *   OPERATOR(pg_catalog.~)      → ~      (psql's \d, \dt … patterns; any operator)
 *   COLLATE pg_catalog.default  → (none) (the default collation is what DuckDB uses anyway)
 *   ::pg_catalog.text           → ::text (DuckDB's parser takes no qualified type names in a
 *                                 `::` cast; the catalog rewrite still sees ::regtype … unqualified)
 *
 * Only tokens are matched (the lexer skips string literals, quoted identifiers
 * and comments), so text inside those is never changed. DuckDB's `~` is a full
 * regular-expression match where PostgreSQL's searches, which makes no
 * difference for psql, whose patterns are anchored with ^…$.
 */
import { tokenize, type Token } from './lexer.ts';

/** Characters PostgreSQL operators are made of. */
const OPERATOR_CHARS = /^[+\-*/<>=~!@#%^&|`?]$/;

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.value === word;
const isSymbol = (token: Token | undefined, symbol: string): boolean => token?.kind === 'symbol' && token.value === symbol;

/** `default` or `"default"`: the same collation name. */
const isDefault = (token: Token | undefined): boolean => (token?.kind === 'word' || token?.kind === 'ident') && token.value === 'default';

/** OPERATOR(pg_catalog.<op>) at tokens[i]: the operator and the index just past `)`. */
function qualifiedOperator(tokens: readonly Token[], i: number): { operator: string; next: number } | undefined {
  if (!isWord(tokens[i], 'operator') || !isSymbol(tokens[i + 1], '(') || !isWord(tokens[i + 2], 'pg_catalog') || !isSymbol(tokens[i + 3], '.')) {
    return undefined;
  }
  let j = i + 4;
  let operator = '';
  // The operator's characters are adjacent symbol tokens: `~~*` is three of them.
  while (tokens[j]?.kind === 'symbol' && OPERATOR_CHARS.test(tokens[j].value) && (operator === '' || tokens[j].start === tokens[j - 1].end)) {
    operator += tokens[j].value;
    j++;
  }
  if (operator === '' || !isSymbol(tokens[j], ')')) return undefined;
  return { operator, next: j + 1 };
}

/** The statement with those spellings replaced; unchanged (the same string) when it has none. */
export function normalizePgSyntax(sql: string): string {
  if (!/operator|collate|pg_catalog/i.test(sql)) return sql;
  const tokens = tokenize(sql);
  const replacements: Replacement[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const operator = qualifiedOperator(tokens, i);
    if (operator !== undefined) {
      replacements.push({ start: tokens[i].start, end: tokens[operator.next - 1].end, text: ` ${operator.operator} ` });
      i = operator.next - 1;
    } else if (isSymbol(tokens[i], ':') && isSymbol(tokens[i + 1], ':') && tokens[i + 1].start === tokens[i].end
      && isWord(tokens[i + 2], 'pg_catalog') && isSymbol(tokens[i + 3], '.') && tokens[i + 4]?.kind === 'word') {
      replacements.push({ start: tokens[i + 2].start, end: tokens[i + 3].end, text: '' });
      i += 3;
    } else if (isWord(tokens[i], 'collate') && isWord(tokens[i + 1], 'pg_catalog') && isSymbol(tokens[i + 2], '.') && isDefault(tokens[i + 3])) {
      replacements.push({ start: tokens[i].start, end: tokens[i + 3].end, text: ' ' });
      i += 3;
    }
  }
  if (replacements.length === 0) return sql;
  let out = '';
  let at = 0;
  for (const r of replacements) {
    out += sql.slice(at, r.start) + r.text;
    at = r.end;
  }
  return out + sql.slice(at);
}
