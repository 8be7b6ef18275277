/**
 * Parsing of the SQL-level cursor statements, following PostgreSQL's grammar:
 *
 *   DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query
 *   FETCH | MOVE [direction] [FROM | IN] name
 *   CLOSE name | CLOSE ALL
 *
 * where direction is NEXT, PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n, n, ALL,
 * FORWARD [n | ALL] or BACKWARD [n | ALL].
 */
import { TokenReader, type Token } from './lexer.ts';

/** Where a FETCH or MOVE goes, normalized: a negative count has become the other direction. */
export type FetchDirection =
  | { readonly kind: 'forward'; readonly count: number | 'all' }
  | { readonly kind: 'backward'; readonly count: number | 'all' }
  | { readonly kind: 'absolute'; readonly position: number }
  | { readonly kind: 'relative'; readonly offset: number };

export type CursorStatement =
  | {
      readonly kind: 'declare';
      readonly name: string;
      readonly hold: boolean;
      /** true for SCROLL, false for NO SCROLL, undefined when neither was said. */
      readonly scroll: boolean | undefined;
      readonly binary: boolean;
      readonly query: string;
    }
  | { readonly kind: 'fetch'; readonly move: boolean; readonly name: string; readonly direction: FetchDirection }
  | { readonly kind: 'close_cursor'; /** undefined for CLOSE ALL */ readonly name: string | undefined };

export interface SyntaxRefusal {
  readonly kind: 'refused';
  readonly sqlstate: string;
  readonly message: string;
}

class CursorSyntaxError extends Error {}

export function parseCursorStatement(sql: string): CursorStatement | SyntaxRefusal {
  const reader = new TokenReader(sql);
  try {
    const keyword = reader.next()?.value;
    switch (keyword) {
      case 'declare':
        return parseDeclare(reader);
      case 'fetch':
      case 'move':
        return parseFetch(reader, keyword === 'move');
      case 'close':
        return parseClose(reader);
      default:
        throw new CursorSyntaxError(`syntax error at or near "${keyword ?? ''}"`);
    }
  } catch (error) {
    if (error instanceof CursorSyntaxError) return { kind: 'refused', sqlstate: '42601', message: error.message };
    throw error;
  }
}

function parseDeclare(reader: TokenReader): CursorStatement {
  const name = cursorName(reader.next());
  let binary = false;
  let scroll: boolean | undefined;
  for (;;) {
    if (reader.acceptWord('binary')) binary = true;
    else if (reader.acceptWord('insensitive') || reader.acceptWord('asensitive')) continue;
    else if (reader.acceptWord('no', 'scroll')) scroll = false;
    else if (reader.acceptWord('scroll')) scroll = true;
    else break;
  }
  if (!reader.acceptWord('cursor')) throw unexpected(reader.peek());
  let hold = false;
  if (reader.acceptWord('with', 'hold')) hold = true;
  else if (reader.acceptWord('without', 'hold')) hold = false;
  if (!reader.acceptWord('for')) throw unexpected(reader.peek());
  const query = reader.rest();
  if (query === '') throw new CursorSyntaxError('syntax error at end of input');
  return { kind: 'declare', name, hold, scroll, binary, query };
}

function parseFetch(reader: TokenReader, move: boolean): CursorStatement {
  const direction = parseDirection(reader);
  reader.acceptWord('from') || reader.acceptWord('in');
  const name = cursorName(reader.next());
  if (!reader.done) throw unexpected(reader.peek());
  return { kind: 'fetch', move, name, direction };
}

/** The direction words; a bare name (FETCH c) means NEXT. */
function parseDirection(reader: TokenReader): FetchDirection {
  const token = reader.peek();
  // A direction keyword followed by nothing is the cursor's name (FETCH next is a syntax error in PostgreSQL too).
  const isLast = reader.peek(1) === undefined;
  if (token?.kind === 'word' && !isLast) {
    switch (token.value) {
      case 'next':
        reader.next();
        return { kind: 'forward', count: 1 };
      case 'prior':
        reader.next();
        return { kind: 'backward', count: 1 };
      case 'first':
        reader.next();
        return { kind: 'absolute', position: 1 };
      case 'last':
        reader.next();
        return { kind: 'absolute', position: -1 };
      case 'absolute':
        reader.next();
        return { kind: 'absolute', position: signedInteger(reader) };
      case 'relative':
        reader.next();
        return { kind: 'relative', offset: signedInteger(reader) };
      case 'all':
        reader.next();
        return { kind: 'forward', count: 'all' };
      case 'forward':
      case 'backward': {
        reader.next();
        const backward = token.value === 'backward';
        const count = optionalCount(reader);
        return counted(backward, count ?? 1);
      }
    }
  }
  const count = optionalCount(reader);
  return count === undefined ? { kind: 'forward', count: 1 } : counted(false, count);
}

function counted(backward: boolean, count: number | 'all'): FetchDirection {
  if (count !== 'all' && count < 0) return { kind: backward ? 'forward' : 'backward', count: -count };
  return { kind: backward ? 'backward' : 'forward', count };
}

/** n, -n, +n or ALL when one comes next (and a cursor name follows it). */
function optionalCount(reader: TokenReader): number | 'all' | undefined {
  const token = reader.peek();
  if (token?.kind === 'word' && token.value === 'all' && reader.peek(1)) {
    reader.next();
    return 'all';
  }
  if (token?.kind === 'number' || (token?.kind === 'symbol' && (token.value === '-' || token.value === '+'))) return signedInteger(reader);
  return undefined;
}

function signedInteger(reader: TokenReader): number {
  let sign = 1;
  if (reader.acceptSymbol('-')) sign = -1;
  else reader.acceptSymbol('+');
  const token = reader.next();
  if (token?.kind !== 'number' || !/^[0-9]+$/.test(token.value)) throw unexpected(token);
  const value = Number(token.value);
  if (!Number.isSafeInteger(value)) throw new CursorSyntaxError(`value "${token.value}" is out of range for type bigint`);
  return sign * value;
}

function parseClose(reader: TokenReader): CursorStatement {
  const token = reader.peek();
  if (token?.kind === 'word' && token.value === 'all' && reader.peek(1) === undefined) return { kind: 'close_cursor', name: undefined };
  const name = cursorName(reader.next());
  if (!reader.done) throw unexpected(reader.peek());
  return { kind: 'close_cursor', name };
}

/** Unquoted names fold to lower case, as PostgreSQL's identifiers do. */
function cursorName(token: Token | undefined): string {
  if (token?.kind === 'word' || token?.kind === 'ident') return token.value;
  throw unexpected(token);
}

function unexpected(token: Token | undefined): CursorSyntaxError {
  return new CursorSyntaxError(token ? `syntax error at or near "${token.kind === 'ident' ? `"${token.value}"` : token.value}"` : 'syntax error at end of input');
}
