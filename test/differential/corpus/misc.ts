import type { CorpusEntry } from '../corpus.ts';

/**
 * Plain scans and projections over the edge tables (empty partitions, the
 * one-row and empty tables), DISTINCT, the result types a client sees
 * (SMALLINT, TINYINT, UBIGINT, BOOLEAN, INTERVAL, LIST, STRUCT), and table
 * functions mixed with tables.
 */
export const MISC: readonly CorpusEntry[] = [
  {
    id: 'scan-empty-partitions-all-rows',
    sql: 'SELECT * FROM readings WHERE reading_id % 25 = 0',
    note: 'unordered multiset over a table with two empty partition files',
  },
  {
    id: 'scan-one-row-table',
    sql: 'SELECT * FROM one_row',
  },
  {
    id: 'scan-empty-table',
    sql: 'SELECT * FROM no_rows',
    expectEmpty: true,
    note: 'an empty table still has its columns and types',
  },
  {
    id: 'scan-empty-table-ordered',
    sql: 'SELECT id, label FROM no_rows ORDER BY id LIMIT 3',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'scan-count-empty-table',
    sql: 'SELECT count(*) AS n FROM no_rows',
  },
  {
    id: 'scan-zones-all',
    sql: 'SELECT * FROM zones',
  },
  {
    id: 'scan-null-filter-skewed',
    sql: 'SELECT event_id, kind, amount FROM events WHERE acct_id IS NULL AND kind IS NOT NULL ORDER BY event_id',
    orderBy: [0],
  },
  {
    id: 'distinct-null-values',
    sql: 'SELECT DISTINCT zone, active FROM accounts ORDER BY zone NULLS FIRST, active NULLS FIRST',
    orderBy: [0, 1],
    note: 'DISTINCT treats NULLs as equal',
  },
  {
    id: 'distinct-across-partitions',
    sql: 'SELECT DISTINCT acct_id FROM events WHERE acct_id < 20 OR acct_id IS NULL',
  },
  {
    id: 'distinct-on-ordered',
    sql: 'SELECT DISTINCT ON (acct_id) acct_id, event_id, amount FROM events WHERE acct_id <= 10 ORDER BY acct_id, amount DESC NULLS LAST, event_id',
    orderBy: [0, 2, 1],
  },
  {
    id: 'types-small-integers',
    sql: 'SELECT zone, tier, zone + tier AS s, zone * 1000 AS big, tier::UTINYINT AS u FROM accounts WHERE acct_id <= 10 ORDER BY zone NULLS FIRST, tier',
    orderBy: [0, 1],
  },
  {
    id: 'types-ubigint-boolean',
    sql: 'SELECT sensor, sensor * 2 AS doubled, sensor > 25 AS high, count(*) AS n FROM readings GROUP BY sensor ORDER BY sensor LIMIT 8',
    orderBy: [0],
  },
  {
    id: 'types-interval',
    sql: "SELECT tier, max(opened_at) - min(opened_at) AS span, INTERVAL '1 day 2 hours' * tier AS iv, age(TIMESTAMPTZ '2024-01-01 00:00:00+00', min(opened_at)) AS a FROM accounts GROUP BY tier ORDER BY tier",
    orderBy: [0],
  },
  {
    id: 'types-list-and-struct',
    sql: "SELECT acct_id, [acct_id, zone] AS pair, {'id': acct_id, 'owner': owner} AS s, string_split(owner, ' ') AS words FROM accounts WHERE acct_id IN (3, 5, 8, 11) ORDER BY acct_id",
    orderBy: [0],
    note: 'LIST is a PostgreSQL array, STRUCT is json; NULL elements and odd strings inside',
  },
  {
    id: 'types-unnest-list',
    sql: 'SELECT acct_id, unnest([acct_id, acct_id * 10]) AS v FROM accounts WHERE acct_id <= 3 ORDER BY acct_id, v',
    orderBy: [0, 1],
  },
  {
    id: 'types-case-mixed-results',
    sql: "SELECT acct_id, CASE WHEN balance IS NULL THEN 'none' WHEN balance < 0 THEN 'debt' ELSE 'ok' END AS state, coalesce(balance, 0) AS b, nullif(tier, 0) AS t FROM accounts WHERE acct_id % 13 IN (0, 1) ORDER BY acct_id",
    orderBy: [0],
  },
  {
    id: 'table-function-range-join',
    sql: 'SELECT r.i, count(e.event_id) AS n FROM range(0, 10) r(i) LEFT JOIN events e ON e.qty = r.i GROUP BY r.i ORDER BY r.i',
    orderBy: [0],
  },
  {
    id: 'expr-string-functions-edge',
    sql: "SELECT acct_id, owner, replace(owner, ';', ',') AS r, position(';' IN owner) AS p, regexp_replace(owner, '[^a-z]', '', 'g') AS letters, owner || '''' AS quoted FROM accounts WHERE acct_id IN (3, 5, 13, 21, 34, 55) ORDER BY acct_id",
    orderBy: [0],
  },
  {
    id: 'expr-boolean-three-valued',
    sql: 'SELECT active, NOT active AS inactive, active AND tier = 1 AS a1, active OR tier = 1 AS o1, active IS DISTINCT FROM true AS d, count(*) AS n FROM accounts GROUP BY ALL ORDER BY active NULLS FIRST, a1 NULLS FIRST, o1 NULLS FIRST',
    orderBy: [0, 2, 3],
  },
];
