import type { CorpusEntry } from '../corpus.ts';

/**
 * Set operations: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL], BY NAME, with
 * NULLs (set operations treat NULL as equal to NULL), duplicates, empty inputs,
 * mixed column types, and an ORDER BY / LIMIT over the whole.
 */
export const SET_OPS: readonly CorpusEntry[] = [
  {
    id: 'set-union-dedup-nulls',
    sql: 'SELECT zone FROM accounts UNION SELECT code FROM zones ORDER BY zone NULLS FIRST',
    orderBy: [0],
    note: 'UNION keeps one NULL: set operations compare NULLs as equal',
  },
  {
    id: 'set-union-all-counts',
    sql: 'SELECT k, count(*) AS n FROM (SELECT acct_id AS k FROM events UNION ALL SELECT acct_id FROM transfers UNION ALL SELECT acct_id FROM readings) GROUP BY k ORDER BY n DESC, k NULLS FIRST LIMIT 10',
    orderBy: [1, 0],
    note: 'BIGINT, INTEGER and TINYINT inputs: the result is BIGINT',
  },
  {
    id: 'set-intersect-nulls',
    sql: 'SELECT zone FROM accounts INTERSECT SELECT code FROM zones ORDER BY 1 NULLS FIRST',
    orderBy: [0],
    note: 'NULL is in both inputs, so it is in the intersection',
  },
  {
    id: 'set-except-nulls',
    sql: 'SELECT code FROM zones EXCEPT SELECT zone FROM accounts ORDER BY 1',
    orderBy: [0],
    note: 'zone 9 only; NULL is removed because accounts has NULL zones too',
  },
  {
    id: 'set-intersect-all',
    sql: 'SELECT acct_id FROM events WHERE acct_id <= 10 INTERSECT ALL SELECT acct_id FROM transfers WHERE acct_id <= 10 ORDER BY 1',
    orderBy: [0],
    note: 'INTERSECT ALL keeps min(count left, count right) copies',
  },
  {
    id: 'set-except-all',
    sql: 'SELECT acct_id FROM transfers WHERE acct_id <= 30 EXCEPT ALL SELECT acct_id FROM accounts ORDER BY 1',
    orderBy: [0],
    note: 'EXCEPT ALL subtracts one copy per matching row',
  },
  {
    id: 'set-union-by-name',
    sql: "SELECT 'zone' AS kind, name, code FROM zones UNION ALL BY NAME SELECT 'one' AS kind, label AS name FROM one_row ORDER BY kind, name",
    orderBy: [0, 1],
    note: 'BY NAME fills the missing column with NULL',
  },
  {
    id: 'set-union-empty-table',
    sql: 'SELECT id, label FROM no_rows UNION ALL SELECT id, label FROM one_row UNION SELECT id, label FROM no_rows',
  },
  {
    id: 'set-except-everything',
    sql: 'SELECT acct_id FROM accounts EXCEPT SELECT acct_id FROM accounts ORDER BY 1',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'set-union-mixed-types',
    sql: 'SELECT amount AS v FROM one_row UNION ALL SELECT acct_id FROM accounts WHERE acct_id < 3 UNION ALL SELECT balance FROM accounts WHERE acct_id = 4 ORDER BY v',
    orderBy: [0],
    note: 'DECIMAL(12,2) and INTEGER unify to a DECIMAL',
  },
  {
    id: 'set-union-tpch-keys',
    sql: "SELECT o_custkey AS k FROM orders WHERE o_orderdate = DATE '1996-06-06' UNION SELECT c_custkey FROM customer WHERE c_acctbal > 9990 ORDER BY k",
    orderBy: [0],
  },
  {
    id: 'set-intersect-tpch',
    sql: "SELECT l_orderkey FROM lineitem WHERE l_shipmode = 'AIR' AND l_orderkey < 2000 INTERSECT SELECT o_orderkey FROM orders WHERE o_orderpriority = '1-URGENT' ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'set-except-tpch-big',
    sql: "SELECT count(*) AS n FROM (SELECT o_orderkey FROM orders EXCEPT SELECT l_orderkey FROM lineitem WHERE l_returnflag = 'N')",
  },
  {
    id: 'set-nested-parentheses',
    sql: '(SELECT acct_id FROM accounts WHERE acct_id < 10 UNION SELECT acct_id FROM transfers WHERE acct_id < 5) EXCEPT (SELECT acct_id FROM events WHERE kind = \'buy\' INTERSECT SELECT id FROM one_row) ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'set-union-order-limit',
    sql: 'SELECT acct_id, balance FROM accounts WHERE tier = 0 UNION ALL SELECT acct_id, amount FROM transfers WHERE transfer_id < 20 ORDER BY balance DESC NULLS LAST, acct_id LIMIT 8',
    orderBy: [1, 0],
  },
  {
    id: 'set-union-in-cte-twice',
    sql: 'WITH ids AS (SELECT acct_id FROM events UNION SELECT acct_id FROM transfers) SELECT (SELECT count(*) FROM ids) AS n, (SELECT count(*) FROM ids WHERE acct_id IS NULL) AS nulls, (SELECT max(acct_id) FROM ids) AS hi',
  },
  {
    id: 'set-union-aggregates',
    sql: "SELECT 'events' AS src, count(*) AS n, sum(amount) AS total FROM events UNION ALL SELECT 'transfers', count(*), sum(amount) FROM transfers UNION ALL SELECT 'no_rows', count(*), sum(amount) FROM no_rows",
    note: 'DECIMAL(10,3) and DECIMAL(18,4) sums unify; the empty table gives 0 and NULL',
  },
];
