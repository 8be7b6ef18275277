import type { CorpusEntry } from '../corpus.ts';

/**
 * Joins over TPC-H: every join type and shape a planner distributes
 * differently (co-located on the order key in the hash layout, broadcast of a
 * small side, shuffle of both), and the traps of each: the preserved side of an
 * outer join must never be broadcast, keys of different types must be cast to
 * one type before hashing, and a join on an expression has no partition key.
 */
export const JOINS: readonly CorpusEntry[] = [
  // --- inner joins, two and more tables -------------------------------------
  {
    id: 'join-orders-lineitem-colocated',
    sql: 'SELECT o_orderstatus, count(*) AS lines, sum(l_extendedprice) AS value, count(DISTINCT o_orderkey) AS orders FROM orders JOIN lineitem ON l_orderkey = o_orderkey GROUP BY o_orderstatus ORDER BY o_orderstatus',
    orderBy: [0],
    note: 'the join on the order key: co-located in the hash layout, a shuffle or broadcast in the even layout',
  },
  {
    id: 'join-orders-lineitem-rows',
    sql: 'SELECT o_orderkey, o_orderdate, l_linenumber, l_quantity FROM orders JOIN lineitem ON l_orderkey = o_orderkey WHERE o_orderkey < 300 ORDER BY o_orderkey, l_linenumber',
    orderBy: [0, 2],
  },
  {
    id: 'join-lineitem-orders-reversed',
    sql: 'SELECT l_returnflag, o_orderpriority, count(*) AS n FROM lineitem, orders WHERE o_orderkey = l_orderkey AND l_shipdate > o_orderdate + 100 GROUP BY ALL ORDER BY 1, 2',
    orderBy: [0, 1],
    note: 'comma join with the key in WHERE and a second, cross-table predicate',
  },
  {
    id: 'join-customer-orders-not-colocated',
    sql: 'SELECT c_mktsegment, count(*) AS orders, sum(o_totalprice) AS total FROM customer JOIN orders ON o_custkey = c_custkey GROUP BY c_mktsegment ORDER BY c_mktsegment',
    orderBy: [0],
    note: 'orders is partitioned by order key, not customer key: never co-located',
  },
  {
    id: 'join-four-way-chain',
    sql: "SELECT n_name, count(*) AS lines, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem JOIN orders ON o_orderkey = l_orderkey JOIN customer ON c_custkey = o_custkey JOIN nation ON n_nationkey = c_nationkey WHERE o_orderdate >= DATE '1996-01-01' AND o_orderdate < DATE '1996-03-01' GROUP BY n_name ORDER BY n_name",
    orderBy: [0],
  },
  {
    id: 'join-five-way-star',
    sql: "SELECT r_name, p_mfgr, count(*) AS n, min(ps_supplycost) AS cheapest FROM partsupp JOIN part ON p_partkey = ps_partkey JOIN supplier ON s_suppkey = ps_suppkey JOIN nation ON n_nationkey = s_nationkey JOIN region ON r_regionkey = n_regionkey WHERE p_size < 10 GROUP BY ALL ORDER BY r_name, p_mfgr",
    orderBy: [0, 1],
  },
  {
    id: 'join-lineitem-part-supplier',
    sql: "SELECT p_brand, s_nationkey, count(*) AS n, sum(l_quantity) AS qty FROM lineitem JOIN part ON p_partkey = l_partkey JOIN supplier ON s_suppkey = l_suppkey WHERE p_container = 'SM BOX' GROUP BY ALL ORDER BY p_brand, s_nationkey",
    orderBy: [0, 1],
    note: 'two dimension joins of the big table on different keys',
  },
  {
    id: 'join-lineitem-partsupp-composite',
    sql: 'SELECT l_orderkey, l_linenumber, ps_availqty, ps_supplycost FROM lineitem JOIN partsupp ON ps_partkey = l_partkey AND ps_suppkey = l_suppkey WHERE l_orderkey < 200 ORDER BY l_orderkey, l_linenumber',
    orderBy: [0, 1],
    note: 'composite join key',
  },
  {
    id: 'join-using',
    sql: 'SELECT k, count(*) AS n FROM (SELECT o_orderkey AS k, o_orderstatus FROM orders) o JOIN (SELECT l_orderkey AS k, l_quantity FROM lineitem) l USING (k) WHERE k % 1000 = 7 GROUP BY k ORDER BY k',
    orderBy: [0],
    note: 'USING merges the key columns into one',
  },
  {
    id: 'join-natural',
    sql: 'SELECT n_regionkey, count(*) AS nations FROM nation NATURAL JOIN (SELECT r_regionkey AS n_regionkey, r_name FROM region) GROUP BY n_regionkey ORDER BY n_regionkey',
    orderBy: [0],
  },
  {
    id: 'join-filter-in-on-vs-where',
    sql: "SELECT c_custkey, count(o_orderkey) AS urgent FROM customer LEFT JOIN orders ON o_custkey = c_custkey AND o_orderpriority = '1-URGENT' WHERE c_custkey <= 30 GROUP BY c_custkey ORDER BY c_custkey",
    orderBy: [0],
    note: 'a predicate in a LEFT JOIN ON clause filters the inner side only; moving it to WHERE would drop customers',
  },

  // --- outer joins -------------------------------------------------------------
  {
    id: 'join-left-customers-orders',
    sql: 'SELECT c_nationkey, count(*) AS row_count, count(o_orderkey) AS orders, count(*) FILTER (WHERE o_orderkey IS NULL) AS without FROM customer LEFT JOIN orders ON o_custkey = c_custkey GROUP BY c_nationkey ORDER BY c_nationkey',
    orderBy: [0],
    note: 'a third of customers have no orders: the preserved side must be read once, never broadcast',
  },
  {
    id: 'join-right-orders-customers',
    sql: 'SELECT c_nationkey, count(*) AS row_count, count(o_orderkey) AS orders FROM orders RIGHT JOIN customer ON o_custkey = c_custkey GROUP BY c_nationkey ORDER BY c_nationkey',
    orderBy: [0],
    note: 'the same as the LEFT JOIN above, with the preserved side on the right',
  },
  {
    id: 'join-full-customers-suppliers-by-nation',
    sql: 'SELECT coalesce(c.k, s.k) AS nationkey, c.n AS customers, s.n AS suppliers FROM (SELECT c_nationkey AS k, count(*) AS n FROM customer WHERE c_acctbal > 9000 GROUP BY 1) c FULL JOIN (SELECT s_nationkey AS k, count(*) AS n FROM supplier WHERE s_acctbal < 0 GROUP BY 1) s ON c.k = s.k ORDER BY nationkey',
    orderBy: [0],
  },
  {
    id: 'join-full-outer-unmatched-both',
    sql: 'SELECT count(*) AS n, count(o.o_orderkey) AS left_side, count(l.l_orderkey) AS right_side FROM (SELECT o_orderkey FROM orders WHERE o_orderkey % 3 = 0) o FULL OUTER JOIN (SELECT DISTINCT l_orderkey FROM lineitem WHERE l_orderkey % 2 = 0) l ON l.l_orderkey = o.o_orderkey',
    note: 'rows unmatched on either side appear exactly once',
  },
  {
    id: 'join-left-small-preserved',
    sql: "SELECT n_name, count(c_custkey) AS rich FROM nation LEFT JOIN customer ON c_nationkey = n_nationkey AND c_acctbal > 9900 GROUP BY n_name ORDER BY n_name",
    orderBy: [0],
    note: 'the small preserved side (nation) must not be broadcast to every task of customer, or its unmatched rows repeat',
  },
  {
    id: 'join-left-big-preserved',
    sql: 'SELECT l_returnflag, count(*) AS lines, count(n_name) AS matched FROM lineitem LEFT JOIN nation ON n_nationkey = l_suppkey % 30 GROUP BY l_returnflag ORDER BY l_returnflag',
    orderBy: [0],
    note: 'the small side may be broadcast here (it is not preserved); keys 25..29 match nothing',
  },
  {
    id: 'join-right-small-preserved',
    sql: "SELECT r_name, count(n_nationkey) AS nations FROM (SELECT * FROM nation WHERE n_name LIKE '%A%') n RIGHT JOIN region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name",
    orderBy: [0],
  },
  {
    id: 'join-left-then-inner',
    sql: "SELECT c_custkey, o_orderkey, l_linenumber FROM customer LEFT JOIN orders ON o_custkey = c_custkey LEFT JOIN lineitem ON l_orderkey = o_orderkey AND l_returnflag = 'R' WHERE c_custkey <= 8 ORDER BY c_custkey, o_orderkey NULLS FIRST, l_linenumber NULLS FIRST",
    orderBy: [0, 1, 2],
  },
  {
    id: 'join-left-is-null-anti',
    sql: "SELECT p_partkey, p_name FROM part LEFT JOIN (SELECT * FROM lineitem WHERE l_shipmode = 'AIR' AND l_quantity > 45) l ON l_partkey = p_partkey WHERE l_orderkey IS NULL ORDER BY p_partkey LIMIT 40",
    orderBy: [0],
    note: 'anti join written as LEFT JOIN ... IS NULL',
  },
  {
    id: 'join-full-null-count',
    sql: "SELECT o_orderstatus, count(*) AS n FROM (SELECT * FROM orders WHERE o_orderdate < DATE '1992-02-01') o FULL JOIN (SELECT * FROM customer WHERE c_mktsegment = 'BUILDING') c ON o_custkey = c_custkey GROUP BY o_orderstatus ORDER BY o_orderstatus NULLS FIRST",
    orderBy: [0],
    note: 'unmatched customers form the NULL group',
  },

  // --- self-joins, cross joins, non-equi joins -----------------------------------
  {
    id: 'join-self-lineitem-same-order',
    sql: 'SELECT a.l_orderkey, a.l_linenumber AS first_line, b.l_linenumber AS later_line FROM lineitem a JOIN lineitem b ON a.l_orderkey = b.l_orderkey AND a.l_linenumber < b.l_linenumber WHERE a.l_orderkey < 100 ORDER BY 1, 2, 3',
    orderBy: [0, 1, 2],
  },
  {
    id: 'join-self-customer-same-phone-prefix',
    sql: 'SELECT a.c_nationkey, count(*) AS pairs FROM customer a JOIN customer b ON substr(a.c_phone, 1, 2) = substr(b.c_phone, 1, 2) AND a.c_custkey < b.c_custkey WHERE a.c_custkey <= 200 AND b.c_custkey <= 200 GROUP BY a.c_nationkey ORDER BY a.c_nationkey',
    orderBy: [0],
    note: 'self-join on an expression key',
  },
  {
    id: 'join-cross-small',
    sql: 'SELECT r_name, n_name FROM region CROSS JOIN nation WHERE n_nationkey < 3 ORDER BY r_name, n_name',
    orderBy: [0, 1],
  },
  {
    id: 'join-cross-with-big',
    sql: "SELECT r_name, count(*) AS n FROM region, orders WHERE o_orderdate = DATE '1995-03-15' GROUP BY r_name ORDER BY r_name",
    orderBy: [0],
    note: 'cross product of a tiny table with a filtered big one',
  },
  {
    id: 'join-non-equi-between',
    sql: 'SELECT s_suppkey, count(*) AS cheaper_parts FROM supplier JOIN part ON p_retailprice BETWEEN s_acctbal - 5 AND s_acctbal + 5 WHERE s_suppkey <= 40 GROUP BY s_suppkey ORDER BY s_suppkey',
    orderBy: [0],
    note: 'range join: no equality key at all',
  },
  {
    id: 'join-inequality-only',
    sql: 'SELECT n1.n_name, count(*) AS smaller FROM nation n1 JOIN nation n2 ON n2.n_nationkey < n1.n_nationkey GROUP BY n1.n_name ORDER BY n1.n_name',
    orderBy: [0],
  },
  {
    id: 'join-or-condition',
    sql: 'SELECT c_custkey, count(*) AS matches FROM customer JOIN supplier ON c_nationkey = s_nationkey OR c_custkey = s_suppkey WHERE c_custkey <= 20 GROUP BY c_custkey ORDER BY c_custkey',
    orderBy: [0],
    note: 'OR of two equalities is not a hash join key',
  },

  // --- keys on expressions and keys of different types --------------------------
  {
    id: 'join-expression-key-phone',
    sql: "SELECT n_name, count(*) AS customers FROM customer JOIN nation ON CAST(substr(c_phone, 1, 2) AS INTEGER) - 10 = n_nationkey GROUP BY n_name ORDER BY n_name",
    orderBy: [0],
    note: 'the join key is computed from a string; the phone prefix is nationkey + 10',
  },
  {
    id: 'join-bigint-integer-keys',
    sql: 'SELECT o_orderkey, c_name FROM orders JOIN customer ON o_orderkey = c_custkey WHERE o_orderkey < 100 ORDER BY o_orderkey',
    orderBy: [0],
    note: 'o_orderkey BIGINT = c_custkey INTEGER: both sides must hash as one type',
  },
  {
    id: 'join-decimal-integer-keys',
    sql: 'SELECT p_size, count(*) AS lines FROM lineitem JOIN part ON l_quantity = p_size AND l_partkey = p_partkey GROUP BY p_size ORDER BY p_size',
    orderBy: [0],
    note: 'l_quantity DECIMAL(15,2) = p_size INTEGER: a DECIMAL hashes its scaled integer, so a shuffle must cast both keys to one type',
  },
  {
    id: 'join-decimal-integer-keys-only',
    sql: 'SELECT p_size, count(*) AS pairs FROM (SELECT DISTINCT l_quantity FROM lineitem) q JOIN (SELECT DISTINCT p_size FROM part) s ON q.l_quantity = s.p_size GROUP BY p_size ORDER BY p_size',
    orderBy: [0],
    note: 'the DECIMAL = INTEGER equality is the only join key',
  },
  {
    id: 'join-varchar-to-integer-cast',
    sql: 'SELECT n.n_name, count(*) AS n FROM (SELECT CAST(s_nationkey AS VARCHAR) AS k FROM supplier) s JOIN nation n ON s.k = CAST(n.n_nationkey AS VARCHAR) GROUP BY n.n_name ORDER BY n.n_name',
    orderBy: [0],
  },
  {
    id: 'join-double-key',
    sql: 'SELECT count(*) AS n FROM (SELECT o_totalprice::DOUBLE AS p FROM orders WHERE o_orderkey < 5000) a JOIN (SELECT o_totalprice::DOUBLE AS p FROM orders WHERE o_orderkey < 5000) b ON a.p = b.p',
  },
  {
    id: 'join-date-key',
    sql: "SELECT o_orderdate, count(*) AS shipped_same_day FROM orders JOIN lineitem ON l_shipdate = o_orderdate WHERE o_orderdate BETWEEN DATE '1994-06-01' AND DATE '1994-06-05' AND l_orderkey % 50 = 0 GROUP BY o_orderdate ORDER BY o_orderdate",
    orderBy: [0],
  },

  // --- joins with aggregation and derived tables ---------------------------------
  {
    id: 'join-aggregate-then-join',
    sql: 'SELECT c_custkey, c_name, t.total FROM customer JOIN (SELECT o_custkey, sum(o_totalprice) AS total FROM orders GROUP BY o_custkey) t ON t.o_custkey = c_custkey ORDER BY t.total DESC, c_custkey LIMIT 10',
    orderBy: [2, 0],
  },
  {
    id: 'join-two-aggregates',
    sql: 'SELECT o.k, o.orders, l.lines FROM (SELECT o_orderkey % 10 AS k, count(*) AS orders FROM orders GROUP BY 1) o JOIN (SELECT l_orderkey % 10 AS k, count(*) AS lines FROM lineitem GROUP BY 1) l ON o.k = l.k ORDER BY o.k',
    orderBy: [0],
  },
  {
    id: 'join-group-by-join-key',
    sql: 'SELECT l_orderkey, count(*) AS n, max(o_totalprice) AS price FROM lineitem JOIN orders ON o_orderkey = l_orderkey GROUP BY l_orderkey ORDER BY n DESC, l_orderkey LIMIT 20',
    orderBy: [1, 0],
    note: 'grouping on the co-location key could finish on the workers',
  },
  {
    id: 'join-lateral',
    sql: 'SELECT c_custkey, o.o_orderkey, o.o_totalprice FROM customer, LATERAL (SELECT o_orderkey, o_totalprice FROM orders WHERE o_custkey = c_custkey ORDER BY o_totalprice DESC, o_orderkey LIMIT 2) o WHERE c_custkey <= 10 ORDER BY c_custkey, o.o_totalprice DESC',
    orderBy: [0, 2],
    note: 'a correlated lateral subquery with a per-row top-N',
  },
  {
    id: 'join-unnest-values',
    sql: "SELECT v.mode, count(l_orderkey) AS n FROM (VALUES ('AIR'), ('RAIL'), ('BOAT'), ('CARRIER PIGEON')) v(mode) LEFT JOIN lineitem ON l_shipmode = v.mode GROUP BY v.mode ORDER BY v.mode",
    orderBy: [0],
    note: 'a VALUES list as the preserved side; one value matches nothing',
  },
  {
    id: 'join-generate-series',
    sql: 'SELECT d.day, count(o_orderkey) AS orders FROM generate_series(DATE \'1995-01-01\', DATE \'1995-01-10\', INTERVAL 1 DAY) d(day) LEFT JOIN orders ON o_orderdate = d.day GROUP BY d.day ORDER BY d.day',
    orderBy: [0],
  },
  // --- filters and outer or positional joins ------------------------------
  {
    id: 'full-join-where-is-null',
    sql: 'SELECT count(*) AS n FROM orders o FULL JOIN lineitem l ON o.o_orderkey = l.l_orderkey WHERE o.o_orderkey IS NULL',
    note: 'a WHERE test on the NULL-filled side of a FULL join must not prune or filter that side before the join (no partition has a NULL key: pruning them all made every line item unmatched)',
  },
  {
    id: 'right-join-where-is-null',
    sql: 'SELECT count(*) AS n, count(c.c_custkey) AS customers FROM orders o RIGHT JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderkey IS NULL',
  },
  {
    id: 'left-join-anti-pattern',
    sql: 'SELECT c.c_custkey FROM customer c LEFT JOIN orders o ON c.c_custkey = o.o_custkey WHERE o.o_orderkey IS NULL ORDER BY 1 LIMIT 20',
    orderBy: [0],
  },
  {
    id: 'positional-join-filter',
    sql: 'SELECT count(*) AS n, sum(a.o_orderkey - b.o_orderkey) AS drift FROM orders a POSITIONAL JOIN orders b WHERE b.o_orderkey > 100000',
    note: 'a filter on one side of a POSITIONAL join must not be applied before it (it shifts the positions)',
  },
];
