import type { CorpusEntry } from '../corpus.ts';

/**
 * Text the gateway must scan without understanding it: E-strings with
 * escaped quotes, dollar quotes (plain and tagged), comments holding quotes
 * and semicolons, quoted identifiers, and a trailing semicolon. A scanner that
 * splits statements or rewrites SQL must skip all of them.
 */
export const LITERALS: readonly CorpusEntry[] = [
  {
    id: 'literal-e-string-escaped-quote-filter',
    sql: String.raw`SELECT acct_id, owner FROM accounts WHERE owner = E'O\'Brien; DROP'`,
    note: "E'\\'' is one quote; the semicolon inside the string is not a statement end",
  },
  {
    id: 'literal-e-string-backslash',
    sql: String.raw`SELECT acct_id, owner FROM accounts WHERE owner = E'back\\slash' OR owner = 'back\slash'`,
    note: 'E-string \\\\ is one backslash; a standard string keeps its backslash',
  },
  {
    id: 'literal-e-string-escapes',
    sql: String.raw`SELECT E'tab\there' AS t, E'new\nline' AS n, E'\x41\101' AS octal_hex, length(E'\\') AS one, E'' AS empty FROM one_row`,
  },
  {
    id: 'literal-doubled-quote',
    sql: "SELECT acct_id FROM accounts WHERE owner = 'O''Brien; DROP' OR owner = 'semi;colon' ORDER BY acct_id",
    orderBy: [0],
  },
  {
    id: 'literal-dollar-quote',
    sql: "SELECT acct_id, owner FROM accounts WHERE owner = $$O'Brien; DROP$$ OR owner = $$semi;colon$$ || $$$$ ORDER BY acct_id",
    orderBy: [0],
    note: 'a dollar-quoted string holds a quote and a semicolon; $$$$ is an empty dollar-quoted string',
  },
  {
    id: 'literal-tagged-dollar-quote',
    sql: "SELECT acct_id FROM accounts WHERE owner = $q$$$dollar$$$q$ OR owner = $tag$semi;colon$tag$ ORDER BY acct_id",
    orderBy: [0],
    note: 'a tagged dollar quote may contain $$',
  },
  {
    id: 'literal-line-comment-with-quote',
    sql: "SELECT count(*) AS n -- it's; a comment with a quote\nFROM accounts -- and another ';\nWHERE tier = 1",
  },
  {
    id: 'literal-block-comment-with-quote',
    sql: "SELECT /* don't; split */ count(*) AS n, /* \" ; ' */ max(acct_id) AS hi FROM accounts /* $$ ; */ WHERE zone IS NULL",
  },
  {
    id: 'literal-nested-block-comment',
    sql: "SELECT 1 AS one /* outer /* inner ' ; */ still comment ' */ , count(*) AS n FROM zones",
    note: 'block comments nest, as in PostgreSQL',
  },
  {
    id: 'literal-comment-markers-in-strings',
    sql: "SELECT acct_id, owner FROM accounts WHERE owner IN ('Zoë -- not a comment', '/* not a comment */') ORDER BY acct_id",
    orderBy: [0],
  },
  {
    id: 'literal-trailing-semicolon',
    sql: 'SELECT count(*) AS n FROM events WHERE kind = \'buy\';',
    note: 'one statement with a trailing semicolon: one result',
  },
  {
    id: 'literal-semicolon-in-identifier',
    sql: 'SELECT z."name" AS "x;y", count(*) AS "n""quoted" FROM zones z GROUP BY 1 ORDER BY "x;y"',
    orderBy: [0],
  },
  {
    id: 'literal-string-looks-like-sql',
    sql: "SELECT 'SELECT 1; DROP TABLE accounts; --' AS s, acct_id FROM accounts WHERE acct_id = 3",
  },
  {
    id: 'literal-double-exponent',
    sql: 'SELECT 1e12 AS big, 2.5e-3 AS small, 1E+2 AS hundred, count(*) AS n, max(n_nationkey) * 1e3 AS scaled FROM nation',
    note: 'exponent literals are DOUBLE constants in the parse tree',
  },
  {
    id: 'literal-unicode',
    sql: "SELECT acct_id, owner, length(owner) AS len, upper(owner) AS up FROM accounts WHERE owner LIKE 'Zo%'",
  },
  {
    id: 'literal-e-string-in-join-predicate',
    sql: String.raw`SELECT e.kind, count(*) AS n FROM events e JOIN accounts a ON a.acct_id = e.acct_id AND a.owner <> E'it\'s' WHERE e.kind <> E'\'' GROUP BY e.kind ORDER BY e.kind`,
    orderBy: [0],
  },
  {
    id: 'literal-escaped-like-pattern',
    sql: String.raw`SELECT acct_id FROM accounts WHERE owner LIKE '%\%%' ESCAPE '\' OR owner LIKE '$$%' ORDER BY acct_id`,
    orderBy: [0],
    note: "'\\' in a standard string is one backslash; LIKE ... ESCAPE",
  },
];
