import type { CorpusEntry } from '../corpus.ts';

/** The first queries of the suite: one or a few per SQL feature over TPC-H and flights. */
export const BASICS: readonly CorpusEntry[] = [
  // --- constants, no table -------------------------------------------------
  { id: 'const-one', sql: 'SELECT 1 AS one' },
  {
    id: 'const-division',
    sql: 'SELECT 5/2 AS slash, 5//2 AS int_div, 7 % 3 AS modulo, -7 // 2 AS neg_int_div, 1.5 * 2 AS dec_mul',
    note: 'DuckDB: / is float division (2.5), // is integer division',
  },
  {
    id: 'const-misc',
    sql: "SELECT 'abc' || 'def' AS s, NULL::INTEGER AS n, CAST(2.5 AS DECIMAL(4,2)) AS d, DATE '2024-02-29' + INTERVAL 1 YEAR AS next_year, TRUE AND NULL AS tri",
    note: 'NULL and three-valued logic in a constant row',
  },

  // --- simple aggregates, no GROUP BY --------------------------------------
  { id: 'agg-count-star', sql: 'SELECT count(*) AS n FROM lineitem' },
  {
    id: 'agg-ints',
    sql: 'SELECT count(l_orderkey) AS n, sum(l_linenumber) AS s, min(l_orderkey) AS lo, max(l_orderkey) AS hi, avg(l_linenumber) AS a FROM lineitem',
  },
  {
    id: 'agg-decimals',
    sql: 'SELECT sum(l_extendedprice) AS s, min(l_discount) AS lo, max(l_tax) AS hi, avg(l_quantity) AS a FROM lineitem',
    note: 'sum of DECIMAL(15,2) is exact; avg of DECIMAL is DOUBLE',
  },
  {
    id: 'agg-doubles',
    sql: 'SELECT sum(l_quantity::DOUBLE) AS s, min(l_extendedprice::DOUBLE) AS lo, max(l_extendedprice::DOUBLE) AS hi, avg(l_discount::DOUBLE) AS a FROM lineitem',
    note: 'double sums differ in the last bits when partial sums are combined',
  },
  {
    id: 'agg-dates',
    sql: 'SELECT min(l_shipdate) AS first_ship, max(l_shipdate) AS last_ship, count(DISTINCT l_shipdate) AS days, max(l_receiptdate - l_shipdate) AS max_transit FROM lineitem',
  },
  {
    id: 'agg-varchar',
    sql: 'SELECT min(c_name) AS lo, max(c_name) AS hi, min(c_mktsegment) AS seg_lo, max(c_mktsegment) AS seg_hi, max(length(c_comment)) AS longest FROM customer',
  },
  {
    id: 'agg-empty-input',
    sql: 'SELECT count(*) AS n, count(o_orderkey) AS nk, sum(o_totalprice) AS s, max(o_orderdate) AS d FROM orders WHERE false',
    note: 'an aggregate over no rows is one row: 0, 0, NULL, NULL',
  },

  // --- GROUP BY / HAVING -----------------------------------------------------
  {
    id: 'group-returnflag',
    sql: 'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty, avg(l_extendedprice) AS avg_price FROM lineitem GROUP BY l_returnflag, l_linestatus',
    note: 'no ORDER BY: compared as a multiset',
  },
  {
    id: 'group-positional',
    sql: 'SELECT year(o_orderdate) AS y, count(*) AS n, sum(o_totalprice) AS total FROM orders GROUP BY 1 ORDER BY y',
    orderBy: [0],
  },
  {
    id: 'group-by-all',
    sql: 'SELECT o_orderstatus, o_orderpriority, count(*) AS n, min(o_totalprice) AS lo FROM orders GROUP BY ALL ORDER BY o_orderstatus, o_orderpriority',
    orderBy: [0, 1],
  },
  {
    id: 'having-count',
    sql: 'SELECT c_nationkey, count(*) AS n FROM customer GROUP BY c_nationkey HAVING count(*) > 40 ORDER BY n DESC, c_nationkey',
    orderBy: [1, 0],
  },
  {
    id: 'having-sum-decimal',
    sql: 'SELECT o_custkey, count(*) AS n, sum(o_totalprice) AS total FROM orders GROUP BY o_custkey HAVING sum(o_totalprice) > 3000000 ORDER BY total DESC, o_custkey',
    orderBy: [2, 0],
  },
  {
    id: 'alias-in-order-by',
    sql: 'SELECT o_orderpriority AS prio, count(*) AS cnt FROM orders GROUP BY prio ORDER BY cnt DESC, prio',
    orderBy: [1, 0],
  },
  {
    id: 'group-transit-days',
    sql: 'SELECT l_shipmode, avg(l_receiptdate - l_shipdate) AS avg_days, max(l_commitdate - l_shipdate) AS max_slack FROM lineitem GROUP BY l_shipmode ORDER BY l_shipmode',
    orderBy: [0],
    note: 'DATE - DATE is an integer number of days',
  },

  // --- ORDER BY, NULLS, LIMIT/OFFSET, top-N ---------------------------------
  {
    id: 'order-nulls-first',
    sql: 'SELECT n_nationkey, n_name, CASE WHEN n_regionkey = 1 THEN NULL ELSE n_regionkey END AS r FROM nation ORDER BY r ASC NULLS FIRST, n_nationkey',
    orderBy: [2, 0],
  },
  {
    id: 'order-desc-nulls-last',
    sql: 'SELECT s_suppkey, NULLIF(s_nationkey % 5, 0) AS m FROM supplier ORDER BY m DESC NULLS LAST, s_suppkey',
    orderBy: [1, 0],
  },
  {
    id: 'order-desc-default-nulls',
    sql: 'SELECT n_nationkey, NULLIF(n_regionkey, 2) AS r FROM nation ORDER BY r DESC, n_nationkey DESC',
    orderBy: [1, 0],
    note: 'default NULL placement differs between PostgreSQL and DuckDB; the reference (DuckDB) decides',
  },
  {
    id: 'limit-offset',
    sql: 'SELECT o_orderkey, o_custkey, o_totalprice FROM orders ORDER BY o_orderkey LIMIT 10 OFFSET 20',
    orderBy: [0],
  },
  {
    id: 'topn-scan-lineitem',
    sql: 'SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 15',
    orderBy: [2, 0, 1],
  },
  {
    id: 'topn-scan-dates',
    sql: 'SELECT o_orderkey, o_orderdate, o_totalprice FROM orders ORDER BY o_orderdate, o_orderkey LIMIT 5',
    orderBy: [1, 0],
  },
  {
    id: 'select-star-limit',
    sql: 'SELECT * FROM lineitem ORDER BY l_orderkey, l_linenumber LIMIT 20',
    orderBy: [0, 3],
    note: 'assumes the standard lineitem column order (l_linenumber is column 3)',
  },
  { id: 'select-star-nation', sql: 'SELECT * FROM nation ORDER BY n_nationkey', orderBy: [0] },

  // --- filters ---------------------------------------------------------------
  {
    id: 'filter-eq',
    sql: "SELECT count(*) AS n, sum(l_quantity) AS qty FROM lineitem WHERE l_returnflag = 'R'",
  },
  {
    id: 'filter-in',
    sql: "SELECT l_shipmode, count(*) AS n FROM lineitem WHERE l_shipmode IN ('MAIL', 'SHIP', 'AIR') GROUP BY l_shipmode ORDER BY l_shipmode",
    orderBy: [0],
  },
  {
    id: 'filter-between-dates',
    sql: "SELECT count(*) AS n, sum(l_extendedprice) AS total FROM lineitem WHERE l_shipdate BETWEEN DATE '1994-01-01' AND DATE '1994-12-31'",
  },
  {
    id: 'filter-like',
    sql: "SELECT p_partkey, p_name, p_type FROM part WHERE p_name LIKE '%green%' AND p_type LIKE 'PROMO%' ORDER BY p_partkey",
    orderBy: [0],
  },
  {
    id: 'filter-not-in-not-like',
    sql: "SELECT p_brand, count(*) AS n FROM part WHERE p_brand NOT IN ('Brand#11', 'Brand#55') AND p_container NOT LIKE 'SM%' GROUP BY p_brand ORDER BY p_brand",
    orderBy: [0],
  },
  {
    id: 'filter-or-not',
    sql: "SELECT count(*) AS n FROM orders WHERE (o_orderstatus = 'F' OR o_orderpriority = '1-URGENT') AND NOT (o_totalprice < 100000)",
  },
  {
    id: 'filter-is-null-outer',
    sql: 'SELECT count(*) AS customers_without_orders FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey WHERE o.o_orderkey IS NULL',
  },
  {
    id: 'filter-is-not-null',
    sql: 'SELECT count(*) AS n FROM supplier WHERE NULLIF(s_nationkey, 0) IS NOT NULL AND s_acctbal > 0',
  },

  // --- expressions -------------------------------------------------------------
  {
    id: 'expr-case',
    sql: "SELECT CASE WHEN o_totalprice > 300000 THEN 'large' WHEN o_totalprice > 100000 THEN 'medium' ELSE 'small' END AS size, count(*) AS n FROM orders GROUP BY size ORDER BY size",
    orderBy: [0],
  },
  {
    id: 'expr-arithmetic',
    sql: 'SELECT l_orderkey, l_linenumber, l_quantity * 2 + 1 AS q, l_extendedprice / l_quantity AS unit_price, l_linenumber / 2 AS half, l_linenumber // 2 AS int_half, l_orderkey % 7 AS m, -l_tax AS neg FROM lineitem ORDER BY l_orderkey, l_linenumber LIMIT 25',
    orderBy: [0, 1],
  },
  {
    id: 'expr-casts',
    sql: "SELECT o_orderkey, CAST(o_totalprice AS BIGINT) AS price_int, o_totalprice::DOUBLE AS price_dbl, CAST(o_orderdate AS VARCHAR) AS date_text, o_orderkey::VARCHAR || '/' || o_custkey::VARCHAR AS label, TRY_CAST(o_clerk AS INTEGER) AS bad_cast, CAST('42' AS BIGINT) + o_shippriority AS c FROM orders ORDER BY o_orderkey LIMIT 10",
    orderBy: [0],
  },
  {
    id: 'expr-strings',
    sql: "SELECT c_custkey, upper(c_mktsegment) AS seg, lower(c_name) AS name, length(c_address) AS len, substr(c_phone, 1, 2) AS cc, replace(c_name, 'Customer#', 'C') AS short, concat_ws('/', c_mktsegment, c_nationkey) AS joined, strpos(c_name, '#') AS pos, trim('  x  ') AS t, left(c_phone, 6) AS l FROM customer ORDER BY c_custkey LIMIT 20",
    orderBy: [0],
  },
  {
    id: 'expr-date-trunc',
    sql: "SELECT date_trunc('month', o_orderdate) AS month, count(*) AS n FROM orders WHERE o_orderdate < DATE '1993-01-01' GROUP BY month ORDER BY month",
    orderBy: [0],
  },
  {
    id: 'expr-extract',
    sql: 'SELECT extract(year FROM l_shipdate) AS y, extract(quarter FROM l_shipdate) AS q, count(*) AS n FROM lineitem GROUP BY ALL ORDER BY y, q',
    orderBy: [0, 1],
  },
  {
    id: 'expr-date-arithmetic',
    sql: "SELECT o_orderkey, o_orderdate, o_orderdate + INTERVAL 30 DAY AS due, o_orderdate + 7 AS week_later, date_diff('day', o_orderdate, DATE '1999-01-01') AS days_left, o_orderdate - INTERVAL 1 MONTH AS month_before FROM orders ORDER BY o_orderkey LIMIT 10",
    orderBy: [0],
  },
  {
    id: 'expr-strftime',
    sql: "SELECT strftime(o_orderdate, '%Y-%m') AS ym, count(*) AS n FROM orders WHERE o_orderdate >= DATE '1997-01-01' GROUP BY ym ORDER BY ym",
    orderBy: [0],
  },
  {
    id: 'expr-coalesce-nullif',
    sql: 'SELECT n_nationkey, COALESCE(NULLIF(n_regionkey, 0), -1) AS r, NULLIF(n_name, n_name) AS always_null, COALESCE(NULL, n_comment, \'none\') IS NOT NULL AS has FROM nation ORDER BY n_nationkey',
    orderBy: [0],
  },

  // --- NULL handling -----------------------------------------------------------
  {
    id: 'null-count-vs-count-star-outer',
    sql: 'SELECT c.c_mktsegment, count(*) AS row_count, count(o.o_orderkey) AS order_count, count(DISTINCT c.c_custkey) AS customers, sum(o.o_totalprice) AS total FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY 1 ORDER BY 1',
    orderBy: [0],
    note: 'customers without orders give NULL order columns: count(col) < count(*)',
  },
  {
    id: 'null-outer-rows',
    sql: 'SELECT c.c_custkey, o.o_orderkey, o.o_totalprice FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey WHERE c.c_custkey <= 12 ORDER BY c.c_custkey, o.o_orderkey NULLS FIRST',
    orderBy: [0, 1],
  },
  {
    id: 'null-coalesce-outer',
    sql: 'SELECT c.c_custkey, COALESCE(sum(o.o_totalprice), 0) AS total, count(o.o_orderkey) AS orders, count(*) AS row_count FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY c.c_custkey ORDER BY c.c_custkey LIMIT 50',
    orderBy: [0],
  },
  {
    id: 'null-nullif-flights',
    sql: 'SELECT count(*) AS n, count(delay) AS with_delay, count(NULLIF(delay, 0)) AS nonzero_delay, sum(NULLIF(delay, 0)) AS s, avg(NULLIF(delay, 0)) AS a FROM flights',
  },

  // --- decimals ----------------------------------------------------------------
  {
    id: 'decimal-revenue',
    sql: 'SELECT l_returnflag, sum(l_extendedprice * (1 - l_discount)) AS disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS charge, avg(l_discount) AS avg_disc FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag',
    orderBy: [0],
  },
  {
    id: 'decimal-avg-and-ratio',
    sql: 'SELECT o_orderpriority, avg(o_totalprice) AS a, sum(o_totalprice) / count(*) AS manual_avg, round(sum(o_totalprice), -3) AS rounded FROM orders GROUP BY 1 ORDER BY 1',
    orderBy: [0],
    note: 'rounding an exact DECIMAL sum is deterministic',
  },
  {
    id: 'decimal-multiply-topn',
    sql: 'SELECT ps_partkey, ps_suppkey, ps_supplycost * ps_availqty AS value FROM partsupp ORDER BY value DESC, ps_partkey, ps_suppkey LIMIT 10',
    orderBy: [2, 0, 1],
  },

  // --- joins ---------------------------------------------------------------------
  {
    id: 'join-inner',
    sql: 'SELECT n_name, count(*) AS customers, sum(c_acctbal) AS balance FROM customer JOIN nation ON c_nationkey = n_nationkey GROUP BY n_name ORDER BY n_name',
    orderBy: [0],
  },
  {
    id: 'join-three-way',
    sql: 'SELECT r_name, n_name, count(*) AS suppliers FROM supplier JOIN nation ON s_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey GROUP BY ALL ORDER BY r_name, n_name',
    orderBy: [0, 1],
  },
  {
    id: 'join-lineitem-orders',
    sql: "SELECT o_orderpriority, count(*) AS lines, sum(l_quantity) AS qty FROM orders JOIN lineitem ON l_orderkey = o_orderkey WHERE o_orderdate >= DATE '1995-01-01' AND o_orderdate < DATE '1995-04-01' GROUP BY o_orderpriority ORDER BY o_orderpriority",
    orderBy: [0],
  },
  {
    id: 'join-semi-exists',
    sql: "SELECT count(*) AS n FROM customer c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey AND o.o_orderpriority = '1-URGENT')",
  },
  {
    id: 'join-anti-not-exists-count',
    sql: 'SELECT count(*) AS n FROM customer c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)',
  },
  {
    id: 'join-anti-not-exists-rows',
    sql: "SELECT o_orderkey, o_orderstatus FROM orders o WHERE o_orderkey <= 200 AND NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_returnflag = 'R') ORDER BY o_orderkey",
    orderBy: [0],
  },
  {
    id: 'join-self-nation',
    sql: 'SELECT a.n_name AS nation, b.n_name AS neighbour FROM nation a JOIN nation b ON a.n_regionkey = b.n_regionkey AND a.n_nationkey < b.n_nationkey ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'join-self-orders',
    sql: 'SELECT count(*) AS pairs FROM orders a JOIN orders b ON a.o_custkey = b.o_custkey AND a.o_orderkey < b.o_orderkey AND a.o_orderpriority = b.o_orderpriority',
  },

  // --- subqueries ------------------------------------------------------------------
  {
    id: 'subquery-in',
    sql: "SELECT count(*) AS n, sum(l_quantity) AS qty FROM lineitem WHERE l_orderkey IN (SELECT o_orderkey FROM orders WHERE o_orderpriority = '1-URGENT')",
  },
  {
    id: 'subquery-scalar-where',
    sql: 'SELECT c_custkey, c_acctbal FROM customer WHERE c_acctbal > (SELECT max(c_acctbal) - 100 FROM customer) ORDER BY c_custkey',
    orderBy: [0],
  },
  {
    id: 'subquery-scalar-select',
    sql: 'SELECT n_name, (SELECT count(*) FROM supplier s WHERE s.s_nationkey = n.n_nationkey) AS suppliers FROM nation n ORDER BY n_name',
    orderBy: [0],
  },
  {
    id: 'subquery-correlated',
    sql: 'SELECT o_orderkey, o_custkey, o_totalprice FROM orders o WHERE o_custkey <= 100 AND o_totalprice = (SELECT max(o2.o_totalprice) FROM orders o2 WHERE o2.o_custkey = o.o_custkey) ORDER BY o_orderkey',
    orderBy: [0],
  },

  // --- window functions --------------------------------------------------------------
  {
    id: 'window-row-number',
    sql: 'SELECT * FROM (SELECT c_nationkey, c_custkey, c_acctbal, row_number() OVER (PARTITION BY c_nationkey ORDER BY c_acctbal DESC, c_custkey) AS rn FROM customer) WHERE rn <= 3 ORDER BY c_nationkey, rn',
    orderBy: [0, 3],
  },
  {
    id: 'window-rank',
    sql: 'SELECT n_regionkey, n_name, rank() OVER (PARTITION BY n_regionkey ORDER BY length(n_name)) AS rk, dense_rank() OVER (ORDER BY n_regionkey) AS drk FROM nation ORDER BY n_regionkey, n_name',
    orderBy: [0, 1],
  },
  {
    id: 'window-sum-partition',
    sql: 'SELECT o_orderkey, o_custkey, o_totalprice, sum(o_totalprice) OVER (PARTITION BY o_custkey) AS cust_total, sum(o_totalprice) OVER (PARTITION BY o_custkey ORDER BY o_orderkey) AS running FROM orders WHERE o_custkey <= 20 ORDER BY o_orderkey',
    orderBy: [0],
  },
  {
    id: 'window-lag-lead',
    sql: 'SELECT y, n, n - lag(n) OVER (ORDER BY y) AS change, lead(n, 1, 0) OVER (ORDER BY y) AS next_n FROM (SELECT year(o_orderdate) AS y, count(*) AS n FROM orders GROUP BY 1) ORDER BY y',
    orderBy: [0],
  },
  {
    id: 'window-qualify',
    sql: 'SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem WHERE l_orderkey <= 100 QUALIFY row_number() OVER (PARTITION BY l_orderkey ORDER BY l_extendedprice DESC, l_linenumber) = 1 ORDER BY l_orderkey',
    orderBy: [0],
  },

  // --- CTEs -----------------------------------------------------------------------------
  {
    id: 'cte-simple',
    sql: 'WITH per_customer AS (SELECT o_custkey, count(*) AS n FROM orders GROUP BY o_custkey) SELECT n, count(*) AS customers FROM per_customer GROUP BY n ORDER BY n',
    orderBy: [0],
  },
  {
    id: 'cte-referenced-twice-max',
    sql: 'WITH revenue AS (SELECT l_suppkey, sum(l_extendedprice * (1 - l_discount)) AS total FROM lineitem GROUP BY l_suppkey) SELECT l_suppkey, total FROM revenue WHERE total = (SELECT max(total) FROM revenue) ORDER BY l_suppkey',
    orderBy: [0],
  },
  {
    id: 'cte-referenced-twice-join',
    sql: 'WITH yearly AS (SELECT year(o_orderdate) AS y, sum(o_totalprice) AS total FROM orders GROUP BY 1) SELECT a.y, a.total, b.total AS previous FROM yearly a LEFT JOIN yearly b ON b.y = a.y - 1 ORDER BY a.y',
    orderBy: [0],
    note: 'the first year has a NULL previous total',
  },

  // --- DISTINCT ---------------------------------------------------------------------------
  {
    id: 'distinct-ordered',
    sql: 'SELECT DISTINCT l_shipmode, l_shipinstruct FROM lineitem ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  { id: 'distinct-unordered', sql: 'SELECT DISTINCT c_mktsegment FROM customer' },
  {
    id: 'count-distinct',
    sql: 'SELECT l_returnflag, count(DISTINCT l_orderkey) AS orders, count(DISTINCT l_partkey) AS parts FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },

  // --- set operations -----------------------------------------------------------------------
  {
    id: 'set-union',
    sql: 'SELECT n_name AS name FROM nation WHERE n_regionkey = 0 UNION SELECT r_name FROM region ORDER BY name',
    orderBy: [0],
  },
  {
    id: 'set-union-all-duplicates',
    sql: "SELECT 'orders' AS t, count(*) AS n FROM orders UNION ALL SELECT 'customer', count(*) FROM customer UNION ALL SELECT 'orders', count(*) FROM orders",
    note: 'duplicate rows must both be there (multiset comparison)',
  },
  {
    id: 'set-intersect',
    sql: 'SELECT c_nationkey AS k FROM customer INTERSECT SELECT s_nationkey FROM supplier ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'set-except',
    sql: "SELECT o_orderkey FROM orders WHERE o_orderkey <= 100 EXCEPT SELECT l_orderkey FROM lineitem WHERE l_returnflag = 'R' ORDER BY 1",
    orderBy: [0],
  },

  // --- ordered-set and ordered aggregates ------------------------------------------------------
  {
    id: 'agg-median-quantile',
    sql: 'SELECT l_shipmode, median(l_quantity) AS med, quantile_cont(l_extendedprice, 0.9) AS p90, quantile_disc(l_discount, 0.5) AS disc_med FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-string-agg-ordered',
    sql: "SELECT r_name, string_agg(n_name, ', ' ORDER BY n_name) AS nations FROM region JOIN nation ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name",
    orderBy: [0],
  },

  // --- qualified and quoted names ----------------------------------------------------------------
  { id: 'name-public-qualified', sql: 'SELECT count(*) AS n, sum(l_quantity) AS qty FROM public.lineitem' },
  {
    id: 'name-quoted-qualified',
    sql: 'SELECT "public"."flights"."origin", count(*) AS n FROM "public"."flights" GROUP BY "public"."flights"."origin" HAVING count(*) > 20000 ORDER BY n DESC, "public"."flights"."origin"',
    orderBy: [1, 0],
  },

  // --- empty results --------------------------------------------------------------------------------
  { id: 'empty-where-false', sql: 'SELECT * FROM nation WHERE false', expectEmpty: true },
  {
    id: 'empty-filter',
    sql: 'SELECT o_orderkey, o_totalprice FROM orders WHERE o_totalprice < 0 ORDER BY o_orderkey',
    orderBy: [0],
    expectEmpty: true,
  },

  // --- flights ------------------------------------------------------------------------------------------
  {
    id: 'flights-by-month',
    sql: "SELECT date_trunc('month', date) AS month, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'flights-by-hour',
    sql: 'SELECT hour(date) AS h, count(*) AS n, sum(delay) AS total_delay FROM flights GROUP BY h ORDER BY h',
    orderBy: [0],
  },
  {
    id: 'flights-origin-having',
    sql: 'SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY origin HAVING count(*) > 1000 ORDER BY origin',
    orderBy: [0],
  },
  {
    id: 'flights-top-routes',
    sql: 'SELECT origin, destination, count(*) AS n FROM flights GROUP BY ALL ORDER BY n DESC, origin, destination LIMIT 10',
    orderBy: [2, 0, 1],
  },
  {
    id: 'flights-per-day-strftime',
    sql: "SELECT strftime(date, '%Y-%m-%d') AS day, count(*) AS n, max(delay) AS worst FROM flights WHERE date < TIMESTAMP '2001-01-08' GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'flights-distance-buckets',
    sql: 'SELECT distance // 500 * 500 AS bucket, count(*) AS n, min(distance) AS lo, max(distance) AS hi FROM flights GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'flights-late-share',
    sql: 'SELECT origin, count(*) FILTER (WHERE delay > 15) AS late, count(*) AS n, count(*) FILTER (WHERE delay > 15) / count(*) AS late_share FROM flights GROUP BY origin HAVING count(*) > 50000 ORDER BY origin',
    orderBy: [0],
  },
  {
    id: 'flights-median-delay',
    sql: "SELECT origin, quantile_disc(delay, 0.5) AS median_delay, median(distance) AS median_distance FROM flights WHERE origin IN ('ATL', 'ORD', 'LAX', 'DFW') GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'flights-topn-scan',
    sql: 'SELECT date, delay, origin, destination FROM flights ORDER BY delay DESC, date, origin, destination LIMIT 10',
    orderBy: [1, 0, 2, 3],
    note: 'rows still tied on every key are identical, so the LIMIT cut is deterministic',
  },
  {
    id: 'flights-weekday',
    sql: "SELECT dayofweek(date) AS dow, extract('month' FROM date) AS m, count(*) AS n FROM flights GROUP BY ALL ORDER BY dow, m",
    orderBy: [0, 1],
  },
  {
    id: 'alias-shadows-column-topn',
    sql: 'SELECT c_nationkey AS c_custkey, c_custkey AS k FROM customer ORDER BY c_custkey, k LIMIT 5',
    orderBy: [0, 1],
    note: 'ORDER BY c_custkey means the output alias (c_nationkey), not the table column: a top-N pushed with the table column returned the wrong rows',
  },
  {
    id: 'alias-shadows-group-key-order',
    sql: 'SELECT o_custkey % 7 AS o_orderstatus, count(*) AS n FROM orders GROUP BY o_custkey % 7, o_orderstatus ORDER BY o_orderstatus, n',
    orderBy: [0, 1],
    note: 'the ORDER BY name is the alias although o_orderstatus is also a grouped table column',
  },
  {
    id: 'escape-string-with-quote',
    sql: String.raw`SELECT E'it\'s; here' AS s, count(*) AS n FROM nation WHERE n_name <> E'x\'y;z' AND n_comment <> 'a\'`,
    note: 'an E-string escapes its quote with a backslash; a standard string ends at the quote after a backslash',
  },
  {
    id: 'flights-count-distinct-routes',
    sql: "SELECT count(DISTINCT origin || '-' || destination) AS routes, count(DISTINCT origin) AS origins FROM flights",
  },
];
