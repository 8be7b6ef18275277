import type { CorpusEntry } from '../corpus.ts';

/**
 * Window functions with and without PARTITION BY, on the distribution key
 * (events/accounts are hashed on acct_id, so a window partitioned by it could
 * run on the workers) and on other keys, with frames, NULL partition keys,
 * and QUALIFY. Every window ORDER BY is total within its partition, so
 * row_number, lag and first_value are deterministic.
 */
export const WINDOWS: readonly CorpusEntry[] = [
  {
    id: 'window-global-row-number',
    sql: 'SELECT acct_id, row_number() OVER (ORDER BY balance DESC NULLS LAST, acct_id) AS rn FROM accounts ORDER BY rn LIMIT 15',
    orderBy: [1],
    note: 'no PARTITION BY: one window over all partitions',
  },
  {
    id: 'window-global-running-total-tpch',
    sql: 'SELECT l_orderkey, l_linenumber, sum(l_quantity) OVER (ORDER BY l_orderkey, l_linenumber ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS last4, count(*) OVER (ORDER BY l_orderkey RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS so_far FROM lineitem WHERE l_orderkey < 2000 ORDER BY l_orderkey, l_linenumber',
    orderBy: [0, 1],
    note: 'a window over rows of every partition, ordered across partition boundaries',
  },
  {
    id: 'window-partition-by-distribution-key',
    sql: 'SELECT event_id, acct_id, row_number() OVER (PARTITION BY acct_id ORDER BY event_id) AS rn, count(*) OVER (PARTITION BY acct_id) AS n FROM events WHERE event_id % 97 = 0 ORDER BY event_id',
    orderBy: [0],
    note: 'partitioned by the hash key: each window partition lives in one bucket',
  },
  {
    id: 'window-partition-by-other-key',
    sql: 'SELECT event_id, kind, rank() OVER (PARTITION BY kind ORDER BY amount DESC NULLS LAST) AS rk, dense_rank() OVER (PARTITION BY kind ORDER BY qty) AS dr FROM events WHERE event_id <= 60 ORDER BY event_id',
    orderBy: [0],
    note: 'rank and dense_rank give ties the same number, so ties in the window ORDER BY are fine',
  },
  {
    id: 'window-null-partition-key',
    sql: 'SELECT acct_id, zone, row_number() OVER (PARTITION BY zone ORDER BY acct_id) AS rn, sum(balance) OVER (PARTITION BY zone) AS zone_balance FROM accounts WHERE acct_id <= 45 ORDER BY acct_id',
    orderBy: [0],
    note: 'NULL zones form one window partition',
  },
  {
    id: 'window-running-sum-rows-frame',
    sql: 'SELECT transfer_id, acct_id, amount, sum(amount) OVER (PARTITION BY acct_id ORDER BY transfer_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM transfers WHERE acct_id <= 10 ORDER BY transfer_id',
    orderBy: [0],
  },
  {
    id: 'window-moving-average',
    sql: 'SELECT reading_id, value, avg(value) OVER (ORDER BY reading_id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS smooth FROM readings WHERE reading_id <= 60 ORDER BY reading_id',
    orderBy: [0],
  },
  {
    id: 'window-range-frame-interval',
    sql: 'SELECT event_id, occurred_at, count(*) OVER (ORDER BY occurred_at RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW) AS last_hour FROM events WHERE event_id <= 50 ORDER BY event_id',
    orderBy: [0],
  },
  {
    id: 'window-groups-frame-exclude',
    sql: 'SELECT acct_id, tier, sum(acct_id) OVER (ORDER BY tier GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS s FROM accounts WHERE acct_id <= 12 ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'window-lag-lead-partitioned',
    sql: 'SELECT event_id, acct_id, lag(amount) OVER w AS prev_amount, lead(kind, 2, \'-\') OVER w AS next2 FROM events WHERE acct_id BETWEEN 8 AND 10 WINDOW w AS (PARTITION BY acct_id ORDER BY event_id) ORDER BY event_id',
    orderBy: [0],
    note: 'a named window',
  },
  {
    id: 'window-first-last-nth',
    sql: 'SELECT acct_id, tier, first_value(owner) OVER w AS first_owner, last_value(owner) OVER w AS last_owner, nth_value(acct_id, 2) OVER w AS second FROM accounts WHERE acct_id <= 20 WINDOW w AS (PARTITION BY tier ORDER BY acct_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'window-ntile-percent-rank-cume-dist',
    sql: 'SELECT acct_id, ntile(4) OVER (ORDER BY acct_id) AS quartile, percent_rank() OVER (ORDER BY tier) AS pr, cume_dist() OVER (ORDER BY tier) AS cd FROM accounts WHERE acct_id <= 30 ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'window-over-aggregate',
    sql: 'SELECT o_orderpriority, count(*) AS n, sum(count(*)) OVER () AS total, rank() OVER (ORDER BY count(*) DESC) AS rk FROM orders GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'window-tpch-top-per-group',
    sql: 'SELECT * FROM (SELECT l_shipmode, l_orderkey, l_linenumber, l_extendedprice, row_number() OVER (PARTITION BY l_shipmode ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber) AS rn FROM lineitem) WHERE rn <= 2 ORDER BY l_shipmode, rn',
    orderBy: [0, 4],
  },
  {
    id: 'window-tpch-orderkey-partition',
    sql: 'SELECT l_orderkey, l_linenumber, sum(l_quantity) OVER (PARTITION BY l_orderkey) AS order_qty, l_quantity / sum(l_quantity) OVER (PARTITION BY l_orderkey) AS share FROM lineitem WHERE l_orderkey < 120 ORDER BY l_orderkey, l_linenumber',
    orderBy: [0, 1],
    note: 'PARTITION BY the co-location key of the hash layout',
  },
  {
    id: 'window-count-distinct',
    sql: 'SELECT DISTINCT kind, count(DISTINCT acct_id) OVER (PARTITION BY kind) AS accounts FROM events ORDER BY kind NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'window-empty-partitions-table',
    sql: 'SELECT reading_id, row_number() OVER (ORDER BY reading_id) AS rn, lag(reading_id) OVER (ORDER BY reading_id) AS prev FROM readings WHERE reading_id BETWEEN 195 AND 205 ORDER BY reading_id',
    orderBy: [0],
    note: 'the rows straddle an empty partition file',
  },
  {
    id: 'window-one-row-and-empty',
    sql: 'SELECT id, row_number() OVER () AS rn, count(*) OVER () AS n, sum(amount) OVER () AS s FROM one_row UNION ALL SELECT id, row_number() OVER (), count(*) OVER (), sum(amount) OVER () FROM no_rows',
    note: 'row_number() OVER () over a single row is deterministic',
  },

  // --- QUALIFY -----------------------------------------------------------------------------
  {
    id: 'qualify-top-per-account',
    sql: 'SELECT acct_id, event_id, amount FROM events WHERE acct_id <= 12 QUALIFY row_number() OVER (PARTITION BY acct_id ORDER BY amount DESC NULLS LAST, event_id) = 1 ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'qualify-with-alias',
    sql: 'SELECT acct_id, tier, rank() OVER (PARTITION BY tier ORDER BY balance DESC NULLS LAST, acct_id) AS rk FROM accounts QUALIFY rk <= 3 ORDER BY tier, rk',
    orderBy: [1, 2],
  },
  {
    id: 'qualify-aggregate-window',
    sql: 'SELECT c_nationkey, c_custkey, c_acctbal FROM customer QUALIFY c_acctbal = max(c_acctbal) OVER (PARTITION BY c_nationkey) ORDER BY c_nationkey, c_custkey',
    orderBy: [0, 1],
  },
  {
    id: 'qualify-after-group-by',
    sql: 'SELECT acct_id, count(*) AS n FROM events WHERE acct_id IS NOT NULL GROUP BY acct_id QUALIFY rank() OVER (ORDER BY count(*) DESC) <= 3 ORDER BY n DESC, acct_id',
    orderBy: [1, 0],
  },
  {
    id: 'qualify-null-partition',
    sql: 'SELECT kind, event_id FROM events QUALIFY row_number() OVER (PARTITION BY kind ORDER BY event_id DESC) = 1 ORDER BY kind NULLS FIRST',
    orderBy: [0],
  },
];
