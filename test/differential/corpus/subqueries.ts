import type { CorpusEntry } from '../corpus.ts';

/**
 * Subqueries (scalar, correlated, derived tables) and CTEs, including CTEs
 * used twice, a CTE that shadows a table name, and recursive CTEs. A planner
 * that runs an uncorrelated subquery as its own stage and broadcasts the result
 * must keep an empty result and NULLs intact.
 */
export const SUBQUERIES: readonly CorpusEntry[] = [
  // --- scalar subqueries ------------------------------------------------------------
  {
    id: 'subquery-scalar-avg-filter',
    sql: 'SELECT count(*) AS above_average FROM orders WHERE o_totalprice > (SELECT avg(o_totalprice) FROM orders)',
  },
  {
    id: 'subquery-scalar-in-select-list',
    sql: 'SELECT o_orderpriority, count(*) AS n, count(*) / (SELECT count(*) FROM orders) AS share FROM orders GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'subquery-scalar-empty-is-null',
    sql: 'SELECT acct_id, (SELECT max(amount) FROM no_rows) AS nothing, (SELECT label FROM one_row) AS only FROM accounts WHERE acct_id <= 3 ORDER BY acct_id',
    orderBy: [0],
    note: 'a scalar subquery over no rows is NULL',
  },
  {
    id: 'subquery-correlated-count',
    sql: 'SELECT a.acct_id, (SELECT count(*) FROM events e WHERE e.acct_id = a.acct_id) AS events, (SELECT sum(t.amount) FROM transfers t WHERE t.acct_id = a.acct_id) AS transferred FROM accounts a WHERE a.acct_id <= 15 ORDER BY a.acct_id',
    orderBy: [0],
    note: 'correlated count(*) is 0, not NULL, for accounts without events; the sum is NULL',
  },
  {
    id: 'subquery-correlated-max-tpch',
    sql: 'SELECT l_orderkey, l_linenumber, l_quantity FROM lineitem l WHERE l_orderkey < 400 AND l_quantity = (SELECT max(l2.l_quantity) FROM lineitem l2 WHERE l2.l_orderkey = l.l_orderkey) ORDER BY l_orderkey, l_linenumber',
    orderBy: [0, 1],
  },
  {
    id: 'subquery-correlated-avg-compare',
    sql: 'SELECT c_nationkey, count(*) AS above_nation_average FROM customer c WHERE c_acctbal > (SELECT avg(c2.c_acctbal) FROM customer c2 WHERE c2.c_nationkey = c.c_nationkey) GROUP BY c_nationkey ORDER BY c_nationkey',
    orderBy: [0],
  },
  {
    id: 'subquery-correlated-in-having',
    sql: 'SELECT o_custkey, count(*) AS n FROM orders o GROUP BY o_custkey HAVING count(*) > (SELECT count(*) / 2 FROM orders o2 WHERE o2.o_custkey = o.o_custkey - 1) + 15 ORDER BY o_custkey',
    orderBy: [0],
  },
  {
    id: 'subquery-correlated-null-key',
    sql: 'SELECT e.event_id, e.acct_id, (SELECT a.owner FROM accounts a WHERE a.acct_id = e.acct_id) AS owner FROM events e WHERE e.event_id <= 45 AND (e.acct_id IS NULL OR e.acct_id > 100 OR e.event_id % 5 = 0) ORDER BY e.event_id',
    orderBy: [0],
    note: 'NULL and orphan keys give a NULL owner',
  },
  {
    id: 'subquery-exists-in-select',
    sql: 'SELECT z.name, EXISTS (SELECT 1 FROM accounts a WHERE a.zone = z.code) AS used FROM zones z ORDER BY z.name',
    orderBy: [0],
  },
  {
    id: 'subquery-nested-three-levels',
    sql: 'SELECT n_name FROM nation WHERE n_nationkey IN (SELECT c_nationkey FROM customer WHERE c_custkey IN (SELECT o_custkey FROM orders WHERE o_totalprice > (SELECT max(o_totalprice) * 0.95 FROM orders))) ORDER BY n_name',
    orderBy: [0],
  },
  {
    id: 'subquery-derived-table-aggregate',
    sql: 'SELECT bucket, count(*) AS customers FROM (SELECT o_custkey, count(*) // 10 AS bucket FROM orders GROUP BY o_custkey) GROUP BY bucket ORDER BY bucket',
    orderBy: [0],
  },
  {
    id: 'subquery-derived-join-derived',
    sql: 'SELECT x.k, x.n AS events, y.n AS transfers FROM (SELECT acct_id AS k, count(*) AS n FROM events GROUP BY 1) x JOIN (SELECT acct_id AS k, count(*) AS n FROM transfers GROUP BY 1) y ON x.k = y.k ORDER BY x.k',
    orderBy: [0],
    note: 'NULL groups on both sides do not join',
  },
  {
    id: 'subquery-in-case',
    sql: "SELECT acct_id, CASE WHEN acct_id IN (SELECT acct_id FROM transfers WHERE amount > 90) THEN 'big' ELSE 'small' END AS size FROM accounts WHERE acct_id <= 20 ORDER BY acct_id",
    orderBy: [0],
  },

  // --- CTEs ------------------------------------------------------------------------------
  {
    id: 'cte-used-twice-self-join',
    sql: 'WITH per_acct AS (SELECT acct_id, count(*) AS n, sum(amount) AS amount FROM events GROUP BY acct_id) SELECT a.acct_id, a.n, b.n AS next_n FROM per_acct a LEFT JOIN per_acct b ON b.acct_id = a.acct_id + 1 WHERE a.acct_id <= 20 ORDER BY a.acct_id',
    orderBy: [0],
  },
  {
    id: 'cte-used-twice-tpch-share',
    sql: 'WITH nation_rev AS (SELECT c_nationkey, sum(o_totalprice) AS rev FROM orders JOIN customer ON c_custkey = o_custkey GROUP BY c_nationkey) SELECT c_nationkey, rev, rev / (SELECT sum(rev) FROM nation_rev) AS share FROM nation_rev ORDER BY c_nationkey',
    orderBy: [0],
  },
  {
    id: 'cte-chained',
    sql: "WITH big AS (SELECT * FROM orders WHERE o_totalprice > 300000), by_cust AS (SELECT o_custkey, count(*) AS n FROM big GROUP BY o_custkey), top AS (SELECT n, count(*) AS customers FROM by_cust GROUP BY n) SELECT * FROM top ORDER BY n",
    orderBy: [0],
  },
  {
    id: 'cte-shadows-table',
    sql: 'WITH orders AS (SELECT o_orderkey, o_custkey FROM public.orders WHERE o_orderkey < 100) SELECT count(*) AS n, max(o_orderkey) AS hi FROM orders',
    note: 'the CTE named orders hides the table orders; the table stays reachable schema-qualified',
  },
  {
    id: 'cte-shadows-edge-table',
    sql: 'WITH accounts AS (SELECT 1 AS acct_id UNION ALL SELECT 7) SELECT e.acct_id, count(*) AS n FROM events e JOIN accounts USING (acct_id) GROUP BY e.acct_id ORDER BY e.acct_id',
    orderBy: [0],
  },
  {
    id: 'cte-materialized',
    sql: 'WITH m AS MATERIALIZED (SELECT l_orderkey, sum(l_quantity) AS q FROM lineitem GROUP BY l_orderkey) SELECT count(*) AS orders, sum(q) AS total, (SELECT max(q) FROM m) AS biggest FROM m',
  },
  {
    id: 'cte-in-subquery',
    sql: 'SELECT n_name FROM nation WHERE n_nationkey IN (WITH rich AS (SELECT s_nationkey FROM supplier WHERE s_acctbal > 9000) SELECT s_nationkey FROM rich) ORDER BY n_name',
    orderBy: [0],
  },
  {
    id: 'cte-recursive-series',
    sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 12) SELECT r.n, count(a.acct_id) AS accounts FROM r LEFT JOIN accounts a ON a.acct_id % 12 = r.n % 12 GROUP BY r.n ORDER BY r.n',
    orderBy: [0],
  },
  {
    id: 'cte-recursive-over-table',
    sql: 'WITH RECURSIVE chain(acct, depth) AS (SELECT 1, 0 UNION ALL SELECT t.to_acct::INTEGER, c.depth + 1 FROM chain c JOIN transfers t ON t.acct_id = c.acct WHERE c.depth < 3 AND t.transfer_id <= 200) SELECT depth, count(*) AS paths, count(DISTINCT acct) AS accounts FROM chain GROUP BY depth ORDER BY depth',
    orderBy: [0],
    note: 'a recursive walk over a table',
  },
  {
    id: 'cte-empty',
    sql: 'WITH nothing AS (SELECT * FROM accounts WHERE acct_id < 0) SELECT (SELECT count(*) FROM nothing) AS n, (SELECT max(acct_id) FROM nothing) AS hi, EXISTS (SELECT 1 FROM nothing) AS any',
  },
];
