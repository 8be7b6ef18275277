/**
 * Parsing of COPY, following PostgreSQL's grammar. Only COPY … TO STDOUT is
 * served (a query's or a table's rows, in text or CSV format); COPY FROM would
 * write and COPY TO a file or program would touch the gateway's file system.
 *
 *   COPY { table [(columns)] | (query) } TO STDOUT [[WITH] (option [, …])]
 *   COPY … TO STDOUT [WITH] [BINARY] [DELIMITER [AS] 'd'] [NULL [AS] 'n']
 *        [CSV [HEADER] [QUOTE [AS] 'q'] [ESCAPE [AS] 'e'] [FORCE QUOTE {columns | *}]]   (pre-9.0 syntax)
 */
import { TokenReader, type Token } from './lexer.ts';

export interface CopyOptions {
  readonly format: 'text' | 'csv';
  readonly delimiter: string;
  readonly null: string;
  readonly header: boolean;
  readonly quote: string;
  readonly escape: string;
  /** Column names whose non-null values are always quoted (CSV), or 'all'. */
  readonly forceQuote: readonly string[] | 'all';
}

export interface CopyStatement {
  readonly kind: 'copy';
  /** The query whose rows are copied (for COPY table, a SELECT of its columns). */
  readonly query: string;
  readonly options: CopyOptions;
}

export interface CopyRefusal {
  readonly kind: 'refused';
  readonly sqlstate: string;
  readonly message: string;
}

class CopyError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseCopy(sql: string): CopyStatement | CopyRefusal {
  try {
    return parse(new TokenReader(sql));
  } catch (error) {
    if (error instanceof CopyError) return { kind: 'refused', sqlstate: error.sqlstate, message: error.message };
    throw error;
  }
}

function parse(reader: TokenReader): CopyStatement {
  reader.acceptWord('copy');
  let oldBinary = reader.acceptWord('binary');
  let query: string;
  if (reader.acceptSymbol('(')) {
    const close = reader.matchingParen();
    if (close === undefined) throw syntax(undefined);
    const open = reader.tokens[reader.position - 1];
    query = reader.text.slice(open.end, reader.tokens[close].start).trim();
    reader.seek(close + 1);
  } else {
    query = tableQuery(reader);
  }
  if (reader.acceptWord('from')) {
    throw new CopyError('25006', 'cannot execute COPY FROM: pondgate serves read-only queries');
  }
  if (!reader.acceptWord('to')) throw syntax(reader.peek());
  const target = reader.next();
  if (target?.kind === 'string' || (target?.kind === 'word' && target.value === 'program')) {
    throw new CopyError('42501', 'COPY to a file or program is not allowed: pondgate sends COPY output to the client only (use COPY … TO STDOUT, or psql\'s \\copy)');
  }
  if (target?.kind !== 'word' || target.value !== 'stdout') throw syntax(target);
  const builder = new OptionsBuilder();
  reader.acceptWord('with'); // WITH ( … ) or the old option list; WITH itself is optional
  if (reader.acceptSymbol('(')) parseOptionList(reader, builder);
  else oldBinary = parseOldOptions(reader, builder) || oldBinary;
  if (!reader.done) throw syntax(reader.peek());
  if (oldBinary) builder.set('format', 'binary');
  return { kind: 'copy', query, options: builder.build() };
}

/** COPY table [(columns)]: the SELECT that reads them, with the names as written. */
function tableQuery(reader: TokenReader): string {
  const parts: string[] = [identifier(reader.next())];
  while (reader.acceptSymbol('.')) parts.push(identifier(reader.next()));
  let columns = '*';
  if (reader.acceptSymbol('(')) {
    const names: string[] = [];
    do names.push(identifier(reader.next()));
    while (reader.acceptSymbol(','));
    if (!reader.acceptSymbol(')')) throw syntax(reader.peek());
    columns = names.join(', ');
  }
  return `SELECT ${columns} FROM ${parts.join('.')}`;
}

/** An identifier token, quoted for SQL text (unquoted words keep PostgreSQL's lower-case folding). */
function identifier(token: Token | undefined): string {
  if (token?.kind !== 'word' && token?.kind !== 'ident') throw syntax(token);
  return `"${token.value.replace(/"/g, '""')}"`;
}

function parseOptionList(reader: TokenReader, builder: OptionsBuilder): void {
  do {
    const name = reader.next();
    if (name?.kind !== 'word') throw syntax(name);
    const value = optionValue(reader, name.value);
    builder.set(name.value, value);
  } while (reader.acceptSymbol(','));
  if (!reader.acceptSymbol(')')) throw syntax(reader.peek());
}

/** The value of a parenthesized option: a string, word, number, *, a (column list) or nothing. */
function optionValue(reader: TokenReader, name: string): string | string[] | undefined {
  const token = reader.peek();
  if (!token || (token.kind === 'symbol' && (token.value === ',' || token.value === ')'))) return undefined;
  if (token.kind === 'symbol' && token.value === '*') {
    reader.next();
    return '*';
  }
  if (token.kind === 'symbol' && token.value === '(') {
    reader.next();
    const names: string[] = [];
    do {
      const item = reader.next();
      if (item?.kind !== 'word' && item?.kind !== 'ident') throw syntax(item);
      names.push(item.value);
    } while (reader.acceptSymbol(','));
    if (!reader.acceptSymbol(')')) throw syntax(reader.peek());
    return names;
  }
  if (token.kind === 'symbol' && (token.value === '-' || token.value === '+')) throw syntax(token);
  reader.next();
  if (token.kind === 'symbol') throw new CopyError('42601', `syntax error at or near "${token.value}" in COPY option "${name}"`);
  return token.value;
}

/** The pre-9.0 option list; returns whether BINARY was given. */
function parseOldOptions(reader: TokenReader, builder: OptionsBuilder): boolean {
  let binary = false;
  for (;;) {
    if (reader.acceptWord('binary')) binary = true;
    else if (reader.acceptWord('delimiter')) builder.set('delimiter', stringAfterAs(reader));
    else if (reader.acceptWord('null')) builder.set('null', stringAfterAs(reader));
    else if (reader.acceptWord('csv')) builder.set('format', 'csv');
    else if (reader.acceptWord('header')) builder.set('header', 'true');
    else if (reader.acceptWord('quote')) builder.set('quote', stringAfterAs(reader));
    else if (reader.acceptWord('escape')) builder.set('escape', stringAfterAs(reader));
    else if (reader.acceptWord('encoding')) builder.set('encoding', stringAfterAs(reader));
    else if (reader.acceptWord('force', 'quote')) {
      if (reader.acceptSymbol('*')) builder.set('force_quote', '*');
      else {
        const names: string[] = [];
        do {
          const item = reader.next();
          if (item?.kind !== 'word' && item?.kind !== 'ident') throw syntax(item);
          names.push(item.value);
        } while (reader.acceptSymbol(','));
        builder.set('force_quote', names);
      }
    } else if (reader.acceptWord('force', 'not', 'null') || reader.acceptWord('force', 'null')) {
      throw new CopyError('0A000', 'COPY force not null and force null are available only in COPY FROM');
    } else return binary;
  }
}

function stringAfterAs(reader: TokenReader): string {
  reader.acceptWord('as');
  const token = reader.next();
  if (token?.kind !== 'string') throw syntax(token);
  return token.value;
}

/** Collects options, then checks them as PostgreSQL's ProcessCopyOptions does. */
class OptionsBuilder {
  private readonly seen = new Set<string>();
  private format: 'text' | 'csv' | undefined;
  private delimiter: string | undefined;
  private nullString: string | undefined;
  private header = false;
  private quote: string | undefined;
  private escape: string | undefined;
  private forceQuote: string[] | 'all' = [];

  set(name: string, value: string | string[] | undefined): void {
    if (this.seen.has(name)) throw new CopyError('42601', 'conflicting or redundant options');
    this.seen.add(name);
    const text = (): string => {
      if (typeof value !== 'string') throw new CopyError('22023', `${name} requires a string value`);
      return value;
    };
    switch (name) {
      case 'format': {
        const format = text().toLowerCase();
        if (format === 'binary') throw new CopyError('0A000', 'COPY format "binary" is not supported; use text or csv');
        if (format !== 'text' && format !== 'csv') throw new CopyError('22023', `COPY format "${format}" not recognized`);
        this.format = format;
        return;
      }
      case 'header': {
        const flag = value === undefined ? 'true' : text().toLowerCase();
        if (['true', 'on', '1', 'yes'].includes(flag)) this.header = true;
        else if (['false', 'off', '0', 'no'].includes(flag)) this.header = false;
        else if (flag === 'match') throw new CopyError('0A000', 'cannot use "match" with HEADER in COPY TO');
        else throw new CopyError('22023', `header requires a Boolean value or "match"`);
        return;
      }
      case 'delimiter':
        this.delimiter = text();
        return;
      case 'null':
        this.nullString = text();
        return;
      case 'quote':
        this.quote = text();
        return;
      case 'escape':
        this.escape = text();
        return;
      case 'force_quote':
        this.forceQuote = value === '*' ? 'all' : Array.isArray(value) ? value : (() => {
          throw new CopyError('22023', 'argument to option "force_quote" must be a list of column names');
        })();
        return;
      case 'encoding':
        if (!/^utf-?8$|^unicode$/i.test(text())) throw new CopyError('0A000', `COPY encoding "${text()}" is not supported; pondgate sends UTF8`);
        return;
      case 'force_not_null':
      case 'force_null':
      case 'freeze':
        throw new CopyError('0A000', `COPY ${name} is available only in COPY FROM`);
      default:
        throw new CopyError('42601', `option "${name}" not recognized`);
    }
  }

  build(): CopyOptions {
    const format = this.format ?? 'text';
    const csv = format === 'csv';
    const delimiter = this.delimiter ?? (csv ? ',' : '\t');
    const nullString = this.nullString ?? (csv ? '' : '\\N');
    const quote = this.quote ?? '"';
    const escape = this.escape ?? quote;
    if (!isOneByte(delimiter)) throw new CopyError('0A000', 'COPY delimiter must be a single one-byte character');
    if (delimiter === '\n' || delimiter === '\r') throw new CopyError('22023', 'COPY delimiter cannot be newline or carriage return');
    if (nullString.includes('\n') || nullString.includes('\r')) throw new CopyError('22023', 'COPY null representation cannot use newline or carriage return');
    if (!csv && '\\.abcdefghijklmnopqrstuvwxyz0123456789'.includes(delimiter)) {
      throw new CopyError('22023', `COPY delimiter cannot be "${delimiter}"`);
    }
    if (!csv && this.quote !== undefined) throw new CopyError('0A000', 'COPY quote available only in CSV mode');
    if (!csv && this.escape !== undefined) throw new CopyError('0A000', 'COPY escape available only in CSV mode');
    if (!csv && this.seen.has('force_quote')) throw new CopyError('0A000', 'COPY force quote available only in CSV mode');
    if (csv && !isOneByte(quote)) throw new CopyError('0A000', 'COPY quote must be a single one-byte character');
    if (csv && !isOneByte(escape)) throw new CopyError('0A000', 'COPY escape must be a single one-byte character');
    if (csv && delimiter === quote) throw new CopyError('22023', 'COPY delimiter and quote must be different');
    if (nullString.includes(delimiter)) throw new CopyError('22023', 'COPY delimiter must not appear in the NULL specification');
    if (csv && nullString.includes(quote)) throw new CopyError('22023', 'CSV quote character must not appear in the NULL specification');
    return { format, delimiter, null: nullString, header: this.header, quote, escape, forceQuote: this.forceQuote };
  }
}

function isOneByte(text: string): boolean {
  return text.length === 1 && text.charCodeAt(0) < 0x80;
}

function syntax(token: Token | undefined): CopyError {
  return new CopyError('42601', token ? `syntax error at or near "${token.value}"` : 'syntax error at end of input');
}
