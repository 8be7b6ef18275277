import type { CorpusEntry } from '../corpus.ts';

/**
 * Semi and anti joins: IN, EXISTS, NOT EXISTS, and NOT IN, which is not an
 * anti join: an empty inner side keeps every row, a NULL anywhere in the inner
 * side keeps none, and a NULL probe value matches nothing (so NOT IN drops
 * it whenever the inner side is non-empty). Every task of a distributed NOT IN
 * needs the whole inner side's emptiness and NULLs.
 */
export const SEMI_ANTI: readonly CorpusEntry[] = [
  // --- IN / EXISTS (semi) over TPC-H -------------------------------------------
  {
    id: 'semi-in-subquery-orders',
    sql: "SELECT o_orderpriority, count(*) AS n FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem WHERE l_shipmode = 'MAIL' AND l_quantity > 45) GROUP BY 1 ORDER BY 1",
    orderBy: [0],
    note: 'the inner side has duplicates: a semi join must not multiply rows',
  },
  {
    id: 'semi-exists-correlated-lineitem',
    sql: "SELECT count(*) AS n, sum(o_totalprice) AS total FROM orders o WHERE EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_commitdate < l.l_receiptdate AND l.l_shipmode = 'AIR')",
  },
  {
    id: 'semi-exists-extra-correlation',
    sql: 'SELECT s_suppkey, s_name FROM supplier s WHERE EXISTS (SELECT 1 FROM customer c WHERE c.c_nationkey = s.s_nationkey AND c.c_acctbal > s.s_acctbal + 9000) ORDER BY s_suppkey',
    orderBy: [0],
    note: 'equality plus a non-equality correlation',
  },
  {
    id: 'semi-in-two-columns',
    sql: 'SELECT ps_partkey, ps_suppkey FROM partsupp WHERE (ps_partkey, ps_suppkey) IN (SELECT l_partkey, l_suppkey FROM lineitem WHERE l_orderkey < 300) ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'semi-in-bigint-integer',
    sql: 'SELECT c_custkey FROM customer WHERE c_custkey IN (SELECT o_orderkey FROM orders WHERE o_orderkey < 200) ORDER BY c_custkey',
    orderBy: [0],
    note: 'INTEGER probe, BIGINT inner side',
  },
  {
    id: 'semi-any',
    sql: "SELECT count(*) AS n FROM part WHERE p_size = ANY (SELECT DISTINCT l_linenumber FROM lineitem WHERE l_returnflag = 'A')",
  },
  {
    id: 'semi-in-aggregate-subquery',
    sql: 'SELECT c_custkey, c_name FROM customer WHERE c_custkey IN (SELECT o_custkey FROM orders GROUP BY o_custkey HAVING count(*) >= 25) ORDER BY c_custkey',
    orderBy: [0],
  },
  {
    id: 'semi-in-skewed-duplicates',
    sql: 'SELECT acct_id, owner FROM accounts WHERE acct_id IN (SELECT acct_id FROM events WHERE kind IS NOT NULL) ORDER BY acct_id',
    orderBy: [0],
    note: 'the inner side holds acct 7 some 2000 times: the semi join must return it once',
  },
  {
    id: 'semi-exists-uncorrelated',
    sql: "SELECT count(*) AS n FROM nation WHERE EXISTS (SELECT 1 FROM orders WHERE o_orderstatus = 'P')",
    note: 'an uncorrelated EXISTS is all or nothing',
  },

  // --- NOT EXISTS (anti) ----------------------------------------------------------
  {
    id: 'anti-not-exists-parts',
    sql: 'SELECT count(*) AS never_ordered FROM part p WHERE NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_partkey = p.p_partkey)',
  },
  {
    id: 'anti-not-exists-suppliers-orders',
    sql: "SELECT s_suppkey FROM supplier s WHERE s_suppkey <= 100 AND NOT EXISTS (SELECT 1 FROM lineitem l JOIN orders o ON o.o_orderkey = l.l_orderkey WHERE l.l_suppkey = s.s_suppkey AND o.o_orderpriority = '1-URGENT' AND l.l_quantity > 45 AND o.o_orderdate >= DATE '1997-01-01') ORDER BY s_suppkey",
    orderBy: [0],
  },
  {
    id: 'anti-not-exists-null-keys',
    sql: 'SELECT e.acct_id, count(*) AS n FROM events e WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.acct_id = e.acct_id) GROUP BY e.acct_id ORDER BY e.acct_id NULLS FIRST',
    orderBy: [0],
    note: 'NOT EXISTS keeps NULL-key rows (the equality is never true); NOT IN would not',
  },
  {
    id: 'anti-not-exists-empty-table',
    sql: 'SELECT count(*) AS n FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM no_rows n WHERE n.id = a.acct_id)',
  },

  // --- NOT IN and its NULL semantics -------------------------------------------------
  {
    id: 'anti-not-in-no-nulls',
    sql: 'SELECT count(*) AS n FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)',
    note: 'no NULLs anywhere: the same as NOT EXISTS',
  },
  {
    id: 'anti-not-in-inner-null',
    sql: 'SELECT a.acct_id FROM accounts a WHERE a.zone NOT IN (SELECT code FROM zones) ORDER BY a.acct_id',
    orderBy: [0],
    expectEmpty: true,
    note: 'zones.code has a NULL: x NOT IN (..., NULL) is never true, so no row survives',
  },
  {
    id: 'anti-not-in-inner-null-filtered',
    sql: 'SELECT a.acct_id, a.zone FROM accounts a WHERE a.zone NOT IN (SELECT code FROM zones WHERE code IS NOT NULL AND code < 3) ORDER BY a.acct_id',
    orderBy: [0],
    note: 'without the NULL: zones 3 and 4 survive, NULL zones do not (NULL NOT IN non-empty set is NULL)',
  },
  {
    id: 'anti-not-in-empty-inner',
    sql: 'SELECT count(*) AS n, count(zone) AS with_zone FROM accounts WHERE zone NOT IN (SELECT id FROM no_rows)',
    note: 'an empty inner side keeps every row, NULL probes included',
  },
  {
    id: 'anti-not-in-empty-after-filter',
    sql: 'SELECT count(*) AS n FROM events WHERE acct_id NOT IN (SELECT acct_id FROM accounts WHERE acct_id > 1000)',
    note: 'the inner side is empty only after its filter; NULL acct_ids are kept',
  },
  {
    id: 'anti-not-in-null-probe',
    sql: 'SELECT e.acct_id, count(*) AS n FROM events e WHERE e.acct_id NOT IN (SELECT acct_id FROM accounts) GROUP BY e.acct_id ORDER BY e.acct_id',
    orderBy: [0],
    note: 'orphans survive; NULL probes are dropped because the inner side is not empty',
  },
  {
    id: 'anti-not-in-null-in-partition',
    sql: 'SELECT count(*) AS n FROM accounts WHERE acct_id NOT IN (SELECT acct_id FROM events WHERE event_id > 3000)',
    note: 'the inner NULLs live in one bucket of events: every task must learn of them (the count is 0)',
  },
  {
    id: 'anti-not-in-list-with-null',
    sql: 'SELECT acct_id FROM accounts WHERE zone NOT IN (1, 2, NULL) ORDER BY acct_id',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'anti-not-in-list',
    sql: 'SELECT zone, count(*) AS n FROM accounts WHERE zone NOT IN (1, 2) GROUP BY zone ORDER BY zone',
    orderBy: [0],
  },
  {
    id: 'anti-in-list-with-null',
    sql: 'SELECT zone, count(*) AS n FROM accounts WHERE zone IN (1, 2, NULL) GROUP BY zone ORDER BY zone',
    orderBy: [0],
    note: 'IN with a NULL element still finds the non-NULL matches',
  },
  {
    id: 'anti-not-in-as-value',
    sql: 'SELECT zone, zone NOT IN (SELECT code FROM zones WHERE code <> 0) AS not_in, zone IN (SELECT code FROM zones) AS is_in, count(*) AS n FROM accounts GROUP BY ALL ORDER BY zone NULLS FIRST',
    orderBy: [0],
    note: 'as a value, NOT IN / IN are three-valued: TRUE, FALSE or NULL',
  },
  {
    id: 'anti-not-in-correlated',
    sql: 'SELECT a.acct_id FROM accounts a WHERE a.acct_id <= 30 AND a.tier NOT IN (SELECT e.qty FROM events e WHERE e.acct_id = a.acct_id) ORDER BY a.acct_id',
    orderBy: [0],
    note: 'correlated NOT IN: per account, the inner side is that account\'s events (empty for many)',
  },
  {
    id: 'anti-all',
    sql: 'SELECT acct_id FROM accounts WHERE balance > ALL (SELECT amount FROM transfers WHERE acct_id = 5) ORDER BY acct_id',
    orderBy: [0],
    note: '> ALL over a set without NULLs; NULL balances are dropped',
  },
  {
    id: 'anti-not-in-tpch-with-nullif',
    sql: 'SELECT count(*) AS n FROM nation WHERE n_nationkey NOT IN (SELECT NULLIF(s_nationkey, 3) FROM supplier)',
    note: 'a NULL produced by an expression in the inner side: the count is 0',
  },
  {
    id: 'semi-in-with-null-inner',
    sql: 'SELECT z.name FROM zones z WHERE z.code IN (SELECT zone FROM accounts) ORDER BY z.name',
    orderBy: [0],
    note: 'NULLs in the inner side do not matter to IN',
  },
  {
    id: 'semi-exists-empty-partitions',
    sql: 'SELECT a.acct_id FROM accounts a WHERE EXISTS (SELECT 1 FROM readings r WHERE r.acct_id = a.acct_id AND r.value > 150) ORDER BY a.acct_id',
    orderBy: [0],
  },
];
