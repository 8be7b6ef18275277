/**
 * A small PostgreSQL lexer for the statements the gateway parses itself
 * (DECLARE/FETCH/MOVE/CLOSE, COPY): it yields words, quoted identifiers,
 * strings, numbers and symbols with their positions, and skips whitespace and
 * comments, so the query embedded in such a statement can be cut out of the
 * original text unchanged.
 */
import { spanAt } from './scanner.ts';

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'symbol';

export interface Token {
  readonly kind: TokenKind;
  /** Words lower-cased; identifiers and strings unquoted; symbols and numbers as written. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const span = spanAt(text, i);
    if (span) {
      const content = text.slice(span.contentStart, span.contentEnd);
      switch (span.kind) {
        case 'identifier':
          tokens.push({ kind: 'ident', value: content.replace(/""/g, '"'), start: i, end: span.end });
          break;
        case 'string':
          tokens.push({ kind: 'string', value: content.replace(/''/g, "'"), start: i, end: span.end });
          break;
        case 'escape-string':
          tokens.push({ kind: 'string', value: unescapeE(content), start: i, end: span.end });
          break;
        case 'dollar-string':
          tokens.push({ kind: 'string', value: content, start: i, end: span.end });
          break;
        case 'line-comment':
        case 'block-comment':
          break;
      }
      i = span.end;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      const match = /^[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', value: match[0].toLowerCase(), start: i, end: i + match[0].length });
      i += match[0].length;
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      tokens.push({ kind: 'symbol', value: ch, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

function unescapeE(raw: string): string {
  const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return raw.replace(/''/g, "'").replace(/\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)/gs, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return simple[e] ?? e;
  });
}


/** A cursor over tokens with the few look-ahead helpers the statement parsers need. */
export class TokenReader {
  private index = 0;

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[] = tokenize(text),
  ) {}

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  next(): Token | undefined {
    return this.tokens[this.index++];
  }

  /** True (and consumed) when the next token is the keyword `word`. */
  acceptWord(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const token = this.tokens[this.index + k];
      if (!token || token.kind !== 'word' || token.value !== words[k]) return false;
    }
    this.index += words.length;
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'symbol' || token.value !== symbol) return false;
    this.index++;
    return true;
  }

  /** The rest of the original text from the next token on (comments before it dropped). */
  rest(): string {
    const token = this.peek();
    return token ? this.text.slice(token.start).trim() : '';
  }

  /** Index of the token that closes the parenthesis opened by the token just consumed. */
  matchingParen(): number | undefined {
    let depth = 1;
    for (let k = this.index; k < this.tokens.length; k++) {
      const token = this.tokens[k];
      if (token.kind !== 'symbol') continue;
      if (token.value === '(') depth++;
      else if (token.value === ')' && --depth === 0) return k;
    }
    return undefined;
  }

  seek(index: number): void {
    this.index = index;
  }

  get position(): number {
    return this.index;
  }
}
