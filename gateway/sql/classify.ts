/**
 * Classifies one statement by what the gateway must do with it. Queries go to
 * DuckDB's own parser and the planner; session statements (SET, SHOW, BEGIN …)
 * are answered by the gateway itself; everything that would write data or
 * change DuckDB's configuration is refused with a SQLSTATE.
 *
 * The leading keyword decides most cases. node-sql-parser classifies the rest
 * (its AST `type`), but its SQL output is never trusted: for SELECTs the planner
 * works on DuckDB's AST.
 */
import nodeSqlParser from 'node-sql-parser';
import { parseComment, type CommentStatement } from './comment-statement.ts';
import { parseCopy, type CopyStatement } from './copy-statement.ts';
import { parseCursorStatement, type CursorStatement } from './cursor-statements.ts';
import { stripLeadingComments } from './split.ts';

export type TransactionAction = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollback_to';

export type Statement =
  | { readonly kind: 'query'; readonly sql: string }
  | { readonly kind: 'explain'; readonly analyze: boolean; readonly sql: string }
  | { readonly kind: 'set'; readonly name: string; readonly value: string | undefined; readonly local: boolean }
  /**
   * SET SESSION CHARACTERISTICS AS TRANSACTION … (scope session: the defaults of later transactions)
   * and SET TRANSACTION … (scope transaction: the current one), as the parameters they set.
   */
  | { readonly kind: 'set_transaction'; readonly scope: 'session' | 'transaction'; readonly settings: ReadonlyArray<{ readonly name: string; readonly value: string }> }
  /** DISCARD ALL | PLANS | SEQUENCES | TEMP: ALL resets the session (settings, cursors, prepared statements). */
  | { readonly kind: 'discard'; readonly what: 'all' | 'plans' | 'sequences' | 'temp' }
  | { readonly kind: 'reset'; readonly name: string | undefined }
  | { readonly kind: 'show'; readonly name: string }
  | { readonly kind: 'transaction'; readonly action: TransactionAction; readonly tag: string }
  | { readonly kind: 'noop'; readonly tag: string }
  /** DEALLOCATE [PREPARE] name | ALL: drops the session's prepared statement (undefined = all). */
  | { readonly kind: 'deallocate'; readonly name: string | undefined }
  | CursorStatement
  | CopyStatement
  | CommentStatement
  | { readonly kind: 'refused'; readonly sqlstate: string; readonly message: string };

const QUERY_KEYWORDS = new Set(['select', 'with', 'values', 'table', 'from', '(', 'pivot', 'unpivot', 'describe', 'summarize']);
const WRITE_KEYWORDS = new Set(['insert', 'update', 'delete', 'merge', 'create', 'drop', 'alter', 'truncate', 'grant', 'revoke', 'comment', 'refresh', 'upsert', 'replace']);
const PRIVILEGED_KEYWORDS = new Set(['attach', 'detach', 'install', 'load', 'pragma', 'export', 'import', 'call', 'checkpoint', 'force', 'vacuum', 'use', 'analyze', 'prepare', 'execute', 'update_extensions']);

const sqlParser = new nodeSqlParser.Parser();

export function classify(text: string): Statement {
  const sql = stripLeadingComments(text);
  const words = sql.toLowerCase().match(/^\(|[a-z_]+/g) ?? [];
  const first = sql.startsWith('(') ? '(' : (words[0] ?? '');
  if (QUERY_KEYWORDS.has(first)) return { kind: 'query', sql };
  switch (first) {
    case 'explain':
      return classifyExplain(sql);
    case 'set':
      return classifySet(sql);
    case 'reset':
      return classifyReset(sql);
    case 'show':
      return { kind: 'show', name: normalizeName(sql.slice(4).trim()) };
    case 'begin':
    case 'start':
      return { kind: 'transaction', action: 'begin', tag: 'BEGIN' };
    case 'commit':
    case 'end':
      return { kind: 'transaction', action: 'commit', tag: 'COMMIT' };
    case 'abort':
      return { kind: 'transaction', action: 'rollback', tag: 'ROLLBACK' };
    case 'rollback':
      return /^rollback\s+(work\s+|transaction\s+)?to\b/i.test(sql)
        ? { kind: 'transaction', action: 'rollback_to', tag: 'ROLLBACK' }
        : { kind: 'transaction', action: 'rollback', tag: 'ROLLBACK' };
    case 'savepoint':
      return { kind: 'transaction', action: 'savepoint', tag: 'SAVEPOINT' };
    case 'release':
      return { kind: 'transaction', action: 'release', tag: 'RELEASE' };
    case 'discard':
      return classifyDiscard(sql);
    case 'deallocate':
      return classifyDeallocate(sql);
    case 'declare':
    case 'fetch':
    case 'move':
    case 'close':
      return parseCursorStatement(sql);
    case 'copy':
      return parseCopy(sql);
    case 'comment':
      return parseComment(sql);
  }
  if (WRITE_KEYWORDS.has(first)) return readOnly(first);
  if (PRIVILEGED_KEYWORDS.has(first)) {
    return {
      kind: 'refused',
      sqlstate: '42501',
      message: `${first.toUpperCase()} is not allowed: pondgate answers read-only queries over its catalog's tables`,
    };
  }
  return classifyWithNodeSqlParser(sql);
}

function readOnly(keyword: string): Statement {
  return {
    kind: 'refused',
    sqlstate: '25006',
    message: `cannot execute ${keyword.toUpperCase()}: pondgate serves read-only queries`,
  };
}

function classifyWithNodeSqlParser(sql: string): Statement {
  try {
    const ast = sqlParser.astify(sql, { database: 'postgresql' });
    const type = (Array.isArray(ast) ? ast[0] : ast)?.type;
    if (type === 'select') return { kind: 'query', sql };
    if (typeof type === 'string') return readOnly(type);
  } catch {
    // Not PostgreSQL that node-sql-parser knows; DuckDB's parser gets the last word below.
  }
  // Let DuckDB's parser produce the syntax error (or, for DuckDB-only syntax, the answer).
  return { kind: 'query', sql };
}

/** `EXPLAIN (ANALYZE, VERBOSE false) …`: an option list, not a parenthesized query such as `(SELECT …) EXCEPT …`. */
const EXPLAIN_OPTIONS = /^\s*[a-z_]+(\s+[a-z0-9_'"]+)?(\s*,\s*[a-z_]+(\s+[a-z0-9_'"]+)?)*\s*$/i;

function classifyExplain(sql: string): Statement {
  const optionGroup = /^explain\s+\(([^)]*)\)/i.exec(sql);
  const match = optionGroup && EXPLAIN_OPTIONS.test(optionGroup[1]) && !/^\s*(select|with|values|from|table)\b/i.test(optionGroup[1])
    ? /^explain\s+(?:\(([^)]*)\)\s*)?(analy[sz]e\s+)?(verbose\s+)?([\s\S]*)$/i.exec(sql)
    : /^explain\s+()(analy[sz]e\s+)?(verbose\s+)?([\s\S]*)$/i.exec(sql);
  const options = match?.[1]?.toLowerCase() ?? '';
  return {
    kind: 'explain',
    analyze: Boolean(match?.[2]) || /\banaly[sz]e\b(?!\s+false)/.test(options),
    sql: match?.[4] ?? '',
  };
}

function classifyDiscard(sql: string): Statement {
  const what = /^discard\s+(all|plans|sequences|temp|temporary)\s*$/i.exec(sql)?.[1]?.toLowerCase();
  if (what === undefined) return { kind: 'refused', sqlstate: '42601', message: `syntax error in DISCARD statement: ${sql}` };
  return { kind: 'discard', what: what === 'temporary' ? 'temp' : (what as 'all' | 'plans' | 'sequences' | 'temp') };
}

/**
 * The transaction modes of SET TRANSACTION and SET SESSION CHARACTERISTICS AS TRANSACTION
 * (ISOLATION LEVEL …, READ ONLY | READ WRITE, [NOT] DEFERRABLE, comma-separated or not).
 */
function classifyTransactionModes(sql: string, modes: string, scope: 'session' | 'transaction'): Statement {
  const prefix = scope === 'session' ? 'default_transaction_' : 'transaction_';
  const settings: Array<{ name: string; value: string }> = [];
  let rest = modes.trim();
  while (rest !== '') {
    const mode = /^(?:isolation\s+level\s+(serializable|repeatable\s+read|read\s+committed|read\s+uncommitted)|read\s+(only|write)|(not\s+)?deferrable)\s*,?\s*/i.exec(rest);
    if (!mode) return { kind: 'refused', sqlstate: '42601', message: `syntax error in transaction modes: ${sql}` };
    if (mode[1] !== undefined) settings.push({ name: `${prefix}isolation`, value: mode[1].toLowerCase().replace(/\s+/g, ' ') });
    else if (mode[2] !== undefined) settings.push({ name: `${prefix}read_only`, value: mode[2].toLowerCase() === 'only' ? 'on' : 'off' });
    else settings.push({ name: `${prefix}deferrable`, value: mode[3] === undefined ? 'on' : 'off' });
    rest = rest.slice(mode[0].length);
  }
  if (settings.length === 0) return { kind: 'refused', sqlstate: '42601', message: `syntax error in transaction modes: ${sql}` };
  return { kind: 'set_transaction', scope, settings };
}

function classifySet(sql: string): Statement {
  // SET [SESSION | LOCAL] name { TO | = } value | SET TIME ZONE value
  // | SET [SESSION CHARACTERISTICS AS] TRANSACTION modes
  const body = sql.replace(/^set\s+/i, '');
  const characteristics = /^session\s+characteristics\s+as\s+transaction\s+([\s\S]*)$/i.exec(body);
  if (characteristics) return classifyTransactionModes(sql, characteristics[1], 'session');
  const transaction = /^transaction\s+(?!snapshot\b)([\s\S]*)$/i.exec(body);
  if (transaction) return classifyTransactionModes(sql, transaction[1], 'transaction');
  const local = /^local\s+/i.test(body);
  const rest = body.replace(/^(session|local)\s+/i, '');
  const timeZone = /^time\s+zone\s+([\s\S]+)$/i.exec(rest);
  if (timeZone) return { kind: 'set', name: 'timezone', value: parseSetValue(timeZone[1]), local };
  const match = /^("[^"]+"|[A-Za-z_][\w.]*)\s*(?:=|\bto\b)\s*([\s\S]*)$/i.exec(rest);
  if (!match) return { kind: 'refused', sqlstate: '42601', message: `syntax error in SET statement: ${sql}` };
  return { kind: 'set', name: normalizeName(match[1]), value: parseSetValue(match[2]), local };
}

function classifyDeallocate(sql: string): Statement {
  const target = sql.replace(/^deallocate\s+(prepare\s+)?/i, '').replace(/[\s;]+$/, '');
  if (/^all$/i.test(target)) return { kind: 'deallocate', name: undefined };
  if (!/^("(?:[^"]|"")+"|[A-Za-z_][\w$]*)$/.test(target)) return { kind: 'refused', sqlstate: '42601', message: `syntax error in DEALLOCATE statement: ${sql}` };
  return { kind: 'deallocate', name: target.startsWith('"') ? target.slice(1, -1).replace(/""/g, '"') : target.toLowerCase() };
}

function classifyReset(sql: string): Statement {
  const name = sql.replace(/^reset\s+/i, '').trim();
  return { kind: 'reset', name: /^all$/i.test(name) ? undefined : normalizeName(name) };
}

/** SET values: 'quoted', "quoted", bare words, numbers, lists (joined as PostgreSQL does), DEFAULT. */
function parseSetValue(raw: string): string | undefined {
  const text = raw.trim();
  if (/^default$/i.test(text) || /^local$/i.test(text)) return undefined;
  const items = text.match(/'(?:[^']|'')*'|"(?:[^"]|"")*"|[^,\s]+/g) ?? [];
  return items
    .map((item) => {
      if (item.startsWith("'")) return item.slice(1, -1).replace(/''/g, "'");
      if (item.startsWith('"')) return item.slice(1, -1).replace(/""/g, '"');
      return item;
    })
    .join(', ');
}

function normalizeName(raw: string): string {
  const name = raw.trim();
  if (name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1);
  return name.toLowerCase();
}
