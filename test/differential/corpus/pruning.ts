import type { CorpusEntry } from '../corpus.ts';

/**
 * Predicates a planner may use to skip partitions: by per-file min/max
 * (TPC-H's even layout keeps key ranges per file; readings is in reading_id
 * and date order; flights in date order) and by hash bucket (equality on
 * the hash key picks one bucket). A file must be kept whenever a predicate
 * or a statistic is not understood: functions of the column, literals of
 * another type, NULL tests (min/max say nothing about NULLs), text stats of
 * numbers (compared as text, '100' < '99').
 */
export const PRUNING: readonly CorpusEntry[] = [
  // --- ranges over min/max ------------------------------------------------------------
  {
    id: 'prune-range-low-keys',
    sql: 'SELECT o_orderkey, o_custkey FROM orders WHERE o_orderkey < 40 ORDER BY o_orderkey',
    orderBy: [0],
  },
  {
    id: 'prune-range-between',
    sql: 'SELECT count(*) AS n, min(l_orderkey) AS lo, max(l_orderkey) AS hi FROM lineitem WHERE l_orderkey BETWEEN 10000 AND 10100',
  },
  {
    id: 'prune-range-or-two-ends',
    sql: 'SELECT count(*) AS n FROM orders WHERE o_orderkey < 50 OR o_orderkey > 59000',
  },
  {
    id: 'prune-equality-existing-key',
    sql: 'SELECT o_orderkey, o_orderstatus, o_totalprice FROM orders WHERE o_orderkey = 28001',
  },
  {
    id: 'prune-in-list-keys',
    sql: 'SELECT l_orderkey, l_linenumber FROM lineitem WHERE l_orderkey IN (1, 33, 28001, 59969) ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'prune-not-between',
    sql: 'SELECT count(*) AS n FROM orders WHERE NOT (o_orderkey BETWEEN 10 AND 59000)',
  },
  {
    id: 'prune-not-equal',
    sql: 'SELECT count(*) AS n FROM customer WHERE c_custkey <> 5',
  },
  {
    id: 'prune-contradiction',
    sql: 'SELECT count(*) AS n FROM orders WHERE o_orderkey < 10 AND o_orderkey > 20',
    note: 'no row qualifies: the count is still one row, 0',
  },
  {
    id: 'prune-equals-null-literal',
    sql: 'SELECT o_orderkey FROM orders WHERE o_orderkey = NULL ORDER BY 1',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'prune-function-of-column',
    sql: 'SELECT o_orderkey FROM orders WHERE o_orderkey + 0 = 33 OR abs(o_orderkey - 40) < 1 OR CAST(o_orderkey AS VARCHAR) = \'28002\' ORDER BY 1',
    orderBy: [0],
    note: 'predicates over an expression of the column cannot use its statistics',
  },
  {
    id: 'prune-string-literal-on-integer',
    sql: "SELECT count(*) AS n, max(o_orderkey) AS hi FROM orders WHERE o_orderkey < '100'",
    note: "the literal is cast to the column's type: 100, not the text '100' (which sorts before '99')",
  },
  {
    id: 'prune-decimal-literal-on-integer',
    sql: 'SELECT o_orderkey FROM orders WHERE o_orderkey = 33.0 OR o_orderkey < 2.5 OR o_orderkey BETWEEN 34.5 AND 36.2 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'prune-text-stats-numeric-order',
    sql: 'SELECT count(*) AS n FROM customer WHERE c_custkey >= 9 AND c_custkey <= 1000',
    note: "a planner comparing min/max as text would think '9' > '1000'",
  },
  {
    id: 'prune-column-compare-column',
    sql: 'SELECT count(*) AS n FROM lineitem WHERE l_shipdate < l_commitdate AND l_commitdate < l_receiptdate',
  },
  {
    id: 'prune-varchar-range',
    sql: "SELECT c_custkey, c_name FROM customer WHERE c_name > 'Customer#000001490' ORDER BY c_custkey",
    orderBy: [0],
  },
  {
    id: 'prune-varchar-prefix-like',
    sql: "SELECT count(*) AS n FROM customer WHERE c_name LIKE 'Customer#0000001%'",
  },
  {
    id: 'prune-varchar-function',
    sql: "SELECT count(*) AS n FROM customer WHERE lower(c_name) = 'customer#000000007' OR c_name ILIKE 'CUSTOMER#000000008'",
  },
  {
    id: 'prune-date-sorted-table',
    sql: "SELECT taken_on, count(*) AS n FROM readings WHERE taken_on >= DATE '2023-04-04' GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'prune-timestamp-vs-date-literal',
    sql: "SELECT count(*) AS n, max(taken_at) AS last FROM readings WHERE taken_at < DATE '2023-03-26'",
  },
  {
    id: 'prune-double-range',
    sql: 'SELECT reading_id, value FROM readings WHERE value > 150 ORDER BY reading_id',
    orderBy: [0],
  },
  {
    id: 'prune-is-null',
    sql: 'SELECT count(*) AS n FROM readings WHERE acct_id IS NULL OR value IS NULL',
    note: 'min/max say nothing about NULLs: no file may be skipped for IS NULL',
  },
  {
    id: 'prune-is-not-null-and-range',
    sql: 'SELECT count(*) AS n FROM readings WHERE acct_id IS NOT NULL AND acct_id > 120',
    note: 'TINYINT values above 120',
  },
  {
    id: 'prune-ubigint',
    sql: 'SELECT sensor, count(*) AS n FROM readings WHERE sensor = 3 OR sensor >= 48 GROUP BY sensor ORDER BY sensor',
    orderBy: [0],
  },
  {
    id: 'prune-empty-partition-boundary',
    sql: 'SELECT reading_id FROM readings WHERE reading_id BETWEEN 199 AND 202 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'prune-flights-day',
    sql: "SELECT origin, count(*) AS n FROM flights WHERE date >= TIMESTAMP '2001-02-01' AND date < TIMESTAMP '2001-02-02' GROUP BY origin ORDER BY n DESC, origin LIMIT 5",
    orderBy: [1, 0],
  },
  {
    id: 'prune-flights-date-literal',
    sql: "SELECT count(*) AS n, min(date) AS first FROM flights WHERE date >= DATE '2001-06-30'",
  },

  // --- hash buckets --------------------------------------------------------------------
  {
    id: 'prune-hash-equality',
    sql: 'SELECT acct_id, owner, balance FROM accounts WHERE acct_id = 7',
  },
  {
    id: 'prune-hash-equality-bigint-column',
    sql: 'SELECT count(*) AS n, sum(amount) AS s FROM events WHERE acct_id = 7',
  },
  {
    id: 'prune-hash-equality-decimal-literal',
    sql: 'SELECT count(*) AS n FROM events WHERE acct_id = 18.0',
    note: 'the literal is a DECIMAL; the bucket is that of the column type (BIGINT 18)',
  },
  {
    id: 'prune-hash-equality-string-literal',
    sql: "SELECT acct_id, owner FROM accounts WHERE acct_id = '9'",
  },
  {
    id: 'prune-hash-equality-cast-literal',
    sql: 'SELECT acct_id FROM accounts WHERE acct_id = 10::SMALLINT OR acct_id = CAST(11 AS BIGINT) ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'prune-hash-equality-expression',
    sql: 'SELECT acct_id, tier FROM accounts WHERE acct_id = 3 + 4 AND tier = 1',
  },
  {
    id: 'prune-hash-cast-column',
    sql: 'SELECT count(*) AS n FROM events WHERE acct_id::INTEGER = 7 OR acct_id::VARCHAR = \'8\'',
  },
  {
    id: 'prune-hash-is-null',
    sql: 'SELECT count(*) AS n, min(event_id) AS first FROM events WHERE acct_id IS NULL',
    note: 'NULL keys sit in the bucket of hash(NULL)',
  },
  {
    id: 'prune-hash-in-list-with-null',
    sql: 'SELECT acct_id, count(*) AS n FROM events WHERE acct_id IN (7, 501, NULL, 999) GROUP BY acct_id ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'prune-hash-or-keys',
    sql: 'SELECT acct_id, count(*) AS n FROM transfers WHERE acct_id = 8 OR acct_id = 15 OR acct_id = 130 GROUP BY acct_id ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'prune-hash-join-with-equality',
    sql: 'SELECT e.kind, count(*) AS n FROM events e JOIN accounts a ON a.acct_id = e.acct_id WHERE a.acct_id = 18 GROUP BY e.kind ORDER BY e.kind NULLS FIRST',
    orderBy: [0],
    note: 'the equality on one side implies it on the other',
  },
  {
    id: 'prune-hash-coalesce',
    sql: 'SELECT count(*) AS n FROM events WHERE coalesce(acct_id, 7) = 7',
    note: 'NULL keys match too: not a bucket lookup',
  },
  {
    id: 'prune-hash-layout-orderkey',
    sql: 'SELECT l_orderkey, l_linenumber, l_partkey FROM lineitem WHERE l_orderkey = 33 ORDER BY l_linenumber',
    orderBy: [1],
    note: 'in the hash layout, the bucket of 33',
  },
  {
    id: 'prune-string-literal-integer',
    sql: "SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderkey = ' 33 ' OR o_orderkey = '+3' OR o_orderkey < '9' ORDER BY 1",
    orderBy: [0],
    note: 'a string literal (what a bound text parameter becomes) is cast to the column type: compared as numbers, not text',
  },
  {
    id: 'prune-string-literal-integer-range',
    sql: "SELECT count(*) AS n FROM orders WHERE o_orderkey > '100' AND o_orderkey <= '1000'",
  },
  {
    id: 'prune-string-literal-date',
    sql: "SELECT count(*) AS n FROM lineitem WHERE l_shipdate >= '1995-01-01' AND l_shipdate < '1995-02-01'",
  },
  {
    id: 'prune-hash-string-literal-key',
    sql: "SELECT l_orderkey, l_linenumber FROM lineitem WHERE l_orderkey = '33' ORDER BY 2",
    orderBy: [1],
    note: 'in the hash layout, the bucket of the literal cast to the key type',
  },
];
