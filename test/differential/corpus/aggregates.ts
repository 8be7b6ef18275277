import type { CorpusEntry } from '../corpus.ts';

/**
 * The aggregate rule table: one or more entries per aggregate a planner
 * splits into partial and final steps (or must not split), with NULL inputs,
 * NULL group keys, empty and one-row inputs, DISTINCT, FILTER, grouping sets.
 *
 * Determinism: order-sensitive aggregates carry an ORDER BY that is total
 * within the group; arg_min/arg_max/min_by/max_by pick by a key that is unique
 * within the group; mode is used only where one value clearly wins;
 * approx_quantile only on groups small enough to be exact.
 */
export const AGGREGATES: readonly CorpusEntry[] = [
  // --- variance and standard deviation ----------------------------------------------
  {
    id: 'agg-var-stddev-global',
    sql: 'SELECT var_samp(l_quantity) AS vs, var_pop(l_quantity) AS vp, stddev_samp(l_extendedprice) AS ss, stddev_pop(l_extendedprice) AS sp, variance(l_discount) AS v, stddev(l_tax) AS s FROM lineitem',
    note: 'a stable combine (count, mean, M2) is needed; sums of squares cancel',
  },
  {
    id: 'agg-var-stddev-grouped',
    sql: 'SELECT l_shipmode, var_samp(l_extendedprice) AS vs, stddev_pop(l_quantity) AS sp FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-var-single-row-groups',
    sql: 'SELECT acct_id, count(*) AS n, var_samp(amount) AS vs, var_pop(amount) AS vp, stddev_samp(score) AS ss FROM events WHERE acct_id > 100 GROUP BY acct_id ORDER BY acct_id',
    orderBy: [0],
    note: 'groups of one row: var_samp is NULL, var_pop is 0',
  },
  {
    id: 'agg-var-large-offset',
    sql: 'SELECT var_samp(o_orderkey + 1000000000) AS vs, stddev_pop(o_orderkey::DOUBLE + 1000000000) AS sp FROM orders',
    note: 'a large mean with a small spread: sums of squares lose about 1e-5 of the variance, Welford about 1e-10 (and DuckDB itself differs by more than 1e-9 across file orders with an offset of 1e12)',
  },
  {
    id: 'agg-var-empty-and-one-row',
    sql: 'SELECT (SELECT var_samp(amount) FROM no_rows) AS v_empty, (SELECT var_pop(amount) FROM one_row) AS vp_one, (SELECT stddev_samp(amount) FROM one_row) AS ss_one',
  },

  // --- bool and bit aggregates ----------------------------------------------------------
  {
    id: 'agg-bool-and-or',
    sql: 'SELECT zone, bool_and(active) AS all_active, bool_or(active) AS any_active, count(active) AS known FROM accounts GROUP BY zone ORDER BY zone NULLS FIRST',
    orderBy: [0],
    note: 'NULL actives are ignored; a NULL group key is its own group',
  },
  {
    id: 'agg-bool-over-expression',
    sql: "SELECT l_returnflag, bool_and(l_shipdate < l_receiptdate) AS always_before, bool_or(l_discount = 0.10) AS some_ten FROM lineitem GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'agg-bit-ops',
    sql: 'SELECT tier, bit_and(acct_id) AS band, bit_or(acct_id) AS bor, bit_xor(acct_id) AS bxor FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
  },
  {
    id: 'agg-bit-ops-tpch',
    sql: 'SELECT l_linenumber, bit_or(l_orderkey) AS bor, bit_xor(l_partkey) AS bxor, bit_and(l_suppkey | 1) AS band FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },

  // --- arg_min / arg_max / min_by / max_by ---------------------------------------------------
  {
    id: 'agg-arg-min-max',
    sql: 'SELECT zone, arg_min(owner, acct_id) AS first_owner, arg_max(balance, acct_id) AS last_balance, min_by(acct_id, opened_at) AS earliest, max_by(acct_id, opened_at) AS latest FROM accounts GROUP BY zone ORDER BY zone NULLS FIRST',
    orderBy: [0],
    note: 'the ordering keys are unique within each group',
  },
  {
    id: 'agg-arg-max-tpch',
    sql: 'SELECT o_custkey, arg_max(o_orderkey, o_totalprice) AS priciest, max(o_totalprice) AS price, arg_min(o_orderdate, o_orderkey) AS first_date FROM orders WHERE o_custkey <= 40 GROUP BY o_custkey ORDER BY o_custkey',
    orderBy: [0],
  },
  {
    id: 'agg-arg-min-null-values',
    sql: 'SELECT tier, arg_min(balance, acct_id) AS balance_of_lowest_id, arg_min(acct_id, balance) AS id_of_lowest_balance FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
    note: 'rows whose ordering value is NULL are skipped; a NULL result value is returned as is',
  },

  // --- DISTINCT aggregates and FILTER ---------------------------------------------------------
  {
    id: 'agg-count-distinct-multiple',
    sql: 'SELECT l_shipmode, count(DISTINCT l_suppkey) AS suppliers, count(DISTINCT l_partkey) AS parts, count(*) AS lines FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-sum-avg-distinct',
    sql: 'SELECT l_returnflag, sum(DISTINCT l_quantity) AS sq, avg(DISTINCT l_discount) AS ad, count(DISTINCT l_tax) AS ct FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-count-distinct-nulls',
    sql: 'SELECT count(DISTINCT acct_id) AS accounts, count(DISTINCT kind) AS kinds, count(DISTINCT (acct_id, kind)) AS pairs, count(*) AS n FROM events',
    note: 'count(DISTINCT x) ignores NULL; a row value is never NULL',
  },
  {
    id: 'agg-count-distinct-no-group',
    sql: 'SELECT count(DISTINCT o_custkey) AS customers, count(DISTINCT o_clerk) AS clerks FROM orders',
  },
  {
    id: 'agg-filter-clause',
    sql: "SELECT l_shipmode, count(*) FILTER (WHERE l_returnflag = 'R') AS returned, sum(l_quantity) FILTER (WHERE l_discount > 0.05) AS discounted_qty, avg(l_tax) FILTER (WHERE l_linenumber = 1) AS first_line_tax FROM lineitem GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'agg-filter-distinct',
    sql: "SELECT zone, count(DISTINCT acct_id) FILTER (WHERE kind = 'buy') AS buyers, sum(amount) FILTER (WHERE amount < 0) AS negative FROM events JOIN accounts USING (acct_id) GROUP BY zone ORDER BY zone NULLS FIRST",
    orderBy: [0],
  },
  {
    id: 'agg-filter-nothing-passes',
    sql: 'SELECT count(*) FILTER (WHERE false) AS none, sum(amount) FILTER (WHERE amount > 1000) AS no_sum, count(*) AS n FROM events',
  },
  {
    id: 'agg-count-if',
    sql: "SELECT kind, count_if(amount > 0) AS positive, count_if(score IS NULL) AS no_score FROM events GROUP BY kind ORDER BY kind NULLS FIRST",
    orderBy: [0],
  },

  // --- GROUPING SETS / ROLLUP / CUBE / GROUP BY ALL -------------------------------------------
  {
    id: 'agg-rollup',
    sql: 'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty FROM lineitem GROUP BY ROLLUP (l_returnflag, l_linestatus) ORDER BY l_returnflag NULLS LAST, l_linestatus NULLS LAST',
    orderBy: [0, 1],
  },
  {
    id: 'agg-cube-grouping',
    sql: 'SELECT o_orderstatus, o_orderpriority, grouping(o_orderstatus, o_orderpriority) AS g, count(*) AS n FROM orders GROUP BY CUBE (o_orderstatus, o_orderpriority) ORDER BY g, o_orderstatus, o_orderpriority',
    orderBy: [2, 0, 1],
  },
  {
    id: 'agg-grouping-sets',
    sql: 'SELECT c_mktsegment, c_nationkey, count(*) AS n, sum(c_acctbal) AS bal FROM customer GROUP BY GROUPING SETS ((c_mktsegment), (c_nationkey), ()) ORDER BY c_mktsegment NULLS FIRST, c_nationkey NULLS FIRST',
    orderBy: [0, 1],
  },
  {
    id: 'agg-rollup-null-keys',
    sql: 'SELECT zone, tier, grouping(zone) AS gz, grouping(tier) AS gt, count(*) AS n FROM accounts GROUP BY ROLLUP (zone, tier) ORDER BY gz, gt, zone NULLS FIRST, tier NULLS FIRST',
    orderBy: [2, 3, 0, 1],
    note: 'a NULL zone group and the rolled-up NULL are told apart only by grouping()',
  },
  {
    id: 'agg-group-by-all-expressions',
    sql: 'SELECT year(o_orderdate) AS y, o_orderstatus, count(*) AS n, avg(o_totalprice) AS a FROM orders GROUP BY ALL ORDER BY y, o_orderstatus',
    orderBy: [0, 1],
  },
  {
    id: 'agg-group-by-null-keys',
    sql: 'SELECT kind, acct_id IS NULL AS no_acct, count(*) AS n, sum(amount) AS amount, count(amount) AS with_amount FROM events GROUP BY ALL ORDER BY kind NULLS FIRST, no_acct',
    orderBy: [0, 1],
  },

  // --- holistic and ordered aggregates ---------------------------------------------------------
  {
    id: 'agg-median-quantiles-edge',
    sql: 'SELECT kind, median(amount) AS med, quantile_cont(score, 0.25) AS q1, quantile_disc(qty, 0.75) AS q3, quantile_disc(occurred_at, 0.5) AS mid_at FROM events GROUP BY kind ORDER BY kind NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'agg-quantile-list',
    sql: 'SELECT l_returnflag, quantile_disc(l_quantity, [0.1, 0.5, 0.9]) AS qs FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-mode-skewed',
    sql: 'SELECT mode(acct_id) AS hot_account, mode(qty) FILTER (WHERE acct_id = 7 AND qty = 3) AS three FROM events',
    note: 'acct 7 holds 60% of events, so the mode is unique',
  },
  {
    id: 'agg-string-agg-ordered-edge',
    sql: "SELECT zone, string_agg(owner, '|' ORDER BY acct_id) AS owners, count(owner) AS n FROM accounts WHERE acct_id <= 40 GROUP BY zone ORDER BY zone NULLS FIRST",
    orderBy: [0],
    note: 'the NULL owner is skipped; odd characters in the strings survive',
  },
  {
    id: 'agg-list-ordered',
    sql: 'SELECT tier, list(acct_id ORDER BY acct_id DESC) AS ids, array_agg(zone ORDER BY acct_id) AS zones FROM accounts WHERE acct_id <= 24 GROUP BY tier ORDER BY tier',
    orderBy: [0],
    note: 'list elements include NULL zones',
  },
  {
    id: 'agg-string-agg-tpch-ordered',
    sql: "SELECT o_orderkey, string_agg(l_shipmode, ',' ORDER BY l_linenumber) AS modes, list(l_quantity ORDER BY l_linenumber) AS qtys FROM orders JOIN lineitem ON l_orderkey = o_orderkey WHERE o_orderkey < 100 GROUP BY o_orderkey ORDER BY o_orderkey",
    orderBy: [0],
  },
  {
    id: 'agg-string-agg-distinct-ordered',
    sql: "SELECT r_name, string_agg(DISTINCT c_mktsegment, ',' ORDER BY c_mktsegment) AS segments FROM customer JOIN nation ON n_nationkey = c_nationkey JOIN region ON r_regionkey = n_regionkey GROUP BY r_name ORDER BY r_name",
    orderBy: [0],
  },
  {
    id: 'agg-approx-count-distinct',
    sql: 'SELECT l_returnflag, approx_count_distinct(l_partkey) AS parts, approx_count_distinct(l_orderkey) AS orders FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
    note: "HyperLogLog registers merge order-independently, so the estimate is DuckDB's own whatever the split",
  },
  {
    id: 'agg-approx-quantile-small-groups',
    sql: 'SELECT tier, approx_quantile(acct_id, 0.5) AS med FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
    note: 'groups of 40 values are below the t-digest compression, so the estimate does not depend on input order',
  },
  {
    id: 'agg-any-value-functional',
    sql: 'SELECT n_nationkey, any_value(n_name) AS name, count(c_custkey) AS customers FROM nation LEFT JOIN customer ON c_nationkey = n_nationkey GROUP BY n_nationkey ORDER BY n_nationkey',
    orderBy: [0],
    note: 'n_name is determined by n_nationkey, so any_value is deterministic',
  },
  {
    id: 'agg-product-and-entropy',
    sql: 'SELECT tier, product(CASE WHEN acct_id <= 12 THEN acct_id END) AS prod, entropy(zone) AS h FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
  },
  {
    id: 'agg-histogram',
    sql: 'SELECT tier, histogram(zone) AS zones FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
    note: 'a MAP result, sent as json',
  },

  // --- sums and averages by type --------------------------------------------------------------
  {
    id: 'agg-sum-integer-is-hugeint',
    sql: 'SELECT sum(l_orderkey) AS s, sum(l_linenumber::SMALLINT) AS small, sum(l_suppkey::BIGINT) AS big, avg(l_orderkey) AS a FROM lineitem',
    note: 'sum of BIGINT is HUGEINT (numeric), sum of SMALLINT is HUGEINT too in DuckDB; the final step must keep the type',
  },
  {
    id: 'agg-avg-integer-types',
    sql: 'SELECT tier, avg(acct_id) AS a, avg(zone) AS az, sum(zone) AS sz, avg(tier) AS avg_tier FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
  },
  {
    id: 'agg-sum-doubles-nonnegative',
    sql: 'SELECT kind, sum(score) AS s, avg(score) AS a, min(score) AS lo, max(score) AS hi FROM events GROUP BY kind ORDER BY kind NULLS FIRST',
    orderBy: [0],
    note: 'scores are never negative, so a partial sum cannot cancel; compared with the float tolerance',
  },
  {
    id: 'agg-min-max-types',
    sql: 'SELECT min(opened_at) AS first_open, max(opened_at) AS last_open, min(owner) AS lo_owner, max(owner) AS hi_owner, min(active) AS min_active, max(balance) AS hi_bal, min(tier) AS lo_tier FROM accounts',
  },
  {
    id: 'agg-empty-table-all',
    sql: 'SELECT count(*) AS n, count(id) AS c, sum(amount) AS s, avg(amount) AS a, min(stamped_at) AS lo, max(label) AS hi, bool_or(id > 0) AS b, string_agg(label, \',\' ORDER BY id) AS labels, list(id ORDER BY id) AS ids FROM no_rows',
    note: 'over no rows: 0, 0, then NULL for everything else',
  },
  {
    id: 'agg-empty-table-grouped',
    sql: 'SELECT label, count(*) AS n FROM no_rows GROUP BY label',
    expectEmpty: true,
    note: 'a grouped aggregate over no rows has no groups',
  },
  {
    id: 'agg-one-row-table',
    sql: 'SELECT count(*) AS n, sum(amount) AS s, avg(amount) AS a, median(amount) AS m, stddev_pop(amount) AS sd, min(stamped_at) AS t FROM one_row',
  },
  {
    id: 'agg-empty-partitions',
    sql: 'SELECT count(*) AS n, count(acct_id) AS with_acct, sum(value) AS s, min(taken_at) AS first, max(taken_on) AS last, count(DISTINCT sensor) AS sensors FROM readings',
    note: 'two of the five partitions are empty files',
  },
  {
    id: 'agg-having-on-aggregate-not-selected',
    sql: 'SELECT acct_id FROM events GROUP BY acct_id HAVING sum(qty) > 80 AND count(*) < 100 ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'agg-having-null-group',
    sql: 'SELECT acct_id, count(*) AS n FROM events GROUP BY acct_id HAVING acct_id IS NULL OR acct_id > 110 ORDER BY acct_id NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'agg-nested-in-expression',
    sql: 'SELECT l_shipmode, (sum(l_extendedprice) - min(l_extendedprice)) / count(*) AS x, max(l_quantity) - min(l_quantity) AS spread, count(*) * 2 AS twice FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'agg-distinct-select-on-aggregates',
    sql: 'SELECT DISTINCT count(*) OVER () AS total, tier FROM accounts ORDER BY tier',
    orderBy: [1],
  },
  {
    id: 'agg-covar-corr',
    sql: 'SELECT l_returnflag, covar_pop(l_quantity, l_extendedprice) AS cv, corr(l_quantity, l_extendedprice) AS r, regr_slope(l_extendedprice, l_quantity) AS slope FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
];
