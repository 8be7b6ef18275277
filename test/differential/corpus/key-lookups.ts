import type { CorpusEntry } from '../corpus.ts';

/**
 * Key lookups (`SELECT columns FROM t WHERE key = value`) that the gateway's
 * key index answers once it holds the task's files (gateway/exec/key-index.ts).
 * Each entry is checked twice: as planned (the lane or a worker runs it), and
 * again once EXPLAIN ANALYZE names the key index, which must then give
 * DuckDB's rows and types: every column type of the edge tables, NULLs,
 * duplicate keys, odd strings, text compared with an integer key, no match.
 * (Lookups with a LIMIT are in test/cluster/key-index.test.ts: the corpus
 * holds no LIMIT without ORDER BY.)
 */
const lookup = (id: string, sql: string, extra: Partial<CorpusEntry> = {}): CorpusEntry => ({ id: `key-lookup-${id}`, sql, keyIndex: true, ...extra });

export const KEY_LOOKUPS: readonly CorpusEntry[] = [
  lookup('every-type', 'SELECT * FROM accounts WHERE acct_id = 8', { note: 'NULL owner; DECIMAL, TIMESTAMPTZ, TINYINT, BOOLEAN columns' }),
  lookup('text-on-integer', "SELECT owner, balance, opened_at FROM accounts WHERE acct_id = '42'", { note: 'DuckDB casts the text to the INTEGER key' }),
  lookup('reversed-alias', 'SELECT a.owner AS who, a.acct_id, a.owner FROM accounts a WHERE 33 = a.acct_id', { note: 'value first, a column twice' }),
  lookup('odd-string', "SELECT acct_id, balance FROM accounts WHERE owner = 'O''Brien; DROP'"),
  lookup('odd-string-unicode', "SELECT acct_id FROM accounts WHERE owner = 'Zoë -- not a comment'"),
  lookup('duplicates', 'SELECT * FROM events WHERE acct_id = 7', { note: 'most of the table: one key, many rows across batches' }),
  lookup('duplicates-projected', 'SELECT kind, amount, score FROM events WHERE qty = 4'),
  lookup('no-match', 'SELECT event_id, kind FROM events WHERE acct_id = 999', { expectEmpty: true }),
  lookup('bigint-key', 'SELECT * FROM events WHERE event_id = 3999'),
  lookup('varchar-key', "SELECT * FROM zones WHERE name = 'north'"),
  lookup('integer-key-null-rows', 'SELECT name, utc_offset FROM zones WHERE code = 9'),
  lookup('tinyint-key', 'SELECT reading_id, value, taken_at FROM readings WHERE acct_id = 5'),
  lookup('ubigint-key', 'SELECT * FROM readings WHERE sensor = 3'),
  lookup('decimal-column-out', 'SELECT entry_id, acct_ref, delta, booked_on FROM ledger WHERE entry_id = 13'),
  lookup('one-row', 'SELECT * FROM one_row WHERE id = 7'),
  lookup('time-zone', 'SELECT acct_id, opened_at FROM accounts WHERE acct_id = 50', { timeZone: 'America/New_York', note: 'TIMESTAMPTZ rendered in the session\'s zone, not the build\'s' }),
  lookup('time-zone-half-hour', 'SELECT * FROM one_row WHERE id = 7', { timeZone: 'Asia/Kolkata' }),
  lookup('star-qualified', "SELECT t.* FROM transfers t WHERE memo = 'memo 4'"),
];
