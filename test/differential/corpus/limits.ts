import type { CorpusEntry } from '../corpus.ts';

/**
 * LIMIT/OFFSET and top-N pushdown. Each ORDER BY is total (unique keys, or
 * remaining ties are identical rows), so the cut is the same on every engine.
 * A pushed-down top-N must ask each partition for LIMIT + OFFSET rows, keep
 * NULL placement, and not push through anything that changes the row set.
 */
export const LIMITS: readonly CorpusEntry[] = [
  {
    id: 'limit-offset-past-end',
    sql: 'SELECT acct_id FROM accounts ORDER BY acct_id LIMIT 10 OFFSET 500',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'limit-zero',
    sql: 'SELECT acct_id FROM accounts ORDER BY acct_id LIMIT 0',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'limit-offset-only',
    sql: 'SELECT acct_id, owner FROM accounts ORDER BY acct_id OFFSET 115',
    orderBy: [0],
  },
  {
    id: 'limit-offset-across-partitions',
    sql: 'SELECT event_id, acct_id FROM events ORDER BY event_id DESC LIMIT 7 OFFSET 1000',
    orderBy: [0],
  },
  {
    id: 'limit-topn-nulls-first',
    sql: 'SELECT acct_id, balance FROM accounts ORDER BY balance NULLS FIRST, acct_id LIMIT 12',
    orderBy: [1, 0],
    note: 'the NULL balances must come first although each partition has only some of them',
  },
  {
    id: 'limit-topn-desc-nulls-last',
    sql: 'SELECT event_id, score FROM events ORDER BY score DESC NULLS LAST, event_id LIMIT 10',
    orderBy: [1, 0],
  },
  {
    id: 'limit-topn-default-nulls-desc',
    sql: 'SELECT reading_id, value FROM readings ORDER BY value DESC, reading_id LIMIT 5',
    orderBy: [1, 0],
    note: 'DuckDB puts NULLs last by default in both directions',
  },
  {
    id: 'limit-topn-expression-key',
    sql: 'SELECT l_orderkey, l_linenumber, l_extendedprice * (1 - l_discount) AS net FROM lineitem ORDER BY net DESC, l_orderkey, l_linenumber LIMIT 10',
    orderBy: [2, 0, 1],
  },
  {
    id: 'limit-topn-with-where',
    sql: "SELECT o_orderkey, o_orderdate, o_totalprice FROM orders WHERE o_orderstatus = 'P' ORDER BY o_orderdate, o_orderkey LIMIT 10 OFFSET 3",
    orderBy: [1, 0],
  },
  {
    id: 'limit-topn-skewed-partition',
    sql: 'SELECT event_id, acct_id, amount FROM events WHERE acct_id = 7 ORDER BY amount DESC NULLS LAST, event_id LIMIT 9',
    orderBy: [2, 0],
    note: 'all candidates sit in one bucket',
  },
  {
    id: 'limit-topn-empty-partitions',
    sql: 'SELECT reading_id, taken_at FROM readings ORDER BY taken_at DESC LIMIT 4',
    orderBy: [1],
  },
  {
    id: 'limit-after-aggregate',
    sql: 'SELECT acct_id, count(*) AS n FROM events GROUP BY acct_id ORDER BY n DESC, acct_id NULLS FIRST LIMIT 5',
    orderBy: [1, 0],
    note: 'a LIMIT over an aggregate that does not group on the partition key cannot be pushed down',
  },
  {
    id: 'limit-after-aggregate-on-partition-key',
    sql: 'SELECT l_orderkey, sum(l_quantity) AS q FROM lineitem GROUP BY l_orderkey ORDER BY l_orderkey LIMIT 10 OFFSET 5',
    orderBy: [0],
    note: 'grouping on the hash key of the hash layout',
  },
  {
    id: 'limit-in-subquery',
    sql: 'SELECT count(*) AS n, sum(amount) AS s FROM (SELECT amount FROM events ORDER BY event_id LIMIT 100)',
  },
  {
    id: 'limit-in-subquery-then-join',
    sql: 'SELECT a.owner, t.transfer_id FROM (SELECT * FROM transfers ORDER BY amount DESC, transfer_id LIMIT 5) t JOIN accounts a ON a.acct_id = t.acct_id ORDER BY t.transfer_id',
    orderBy: [1],
  },
  {
    id: 'limit-fetch-first',
    sql: 'SELECT c_custkey, c_name FROM customer ORDER BY c_custkey DESC FETCH FIRST 3 ROWS ONLY',
    orderBy: [0],
  },
  {
    id: 'limit-percent',
    sql: 'SELECT acct_id FROM accounts ORDER BY acct_id LIMIT 5%',
    orderBy: [0],
  },
  {
    id: 'limit-distinct-then-limit',
    sql: 'SELECT DISTINCT kind FROM events ORDER BY kind NULLS FIRST LIMIT 3',
    orderBy: [0],
  },
  {
    id: 'limit-union-then-limit',
    sql: 'SELECT acct_id FROM events UNION SELECT acct_id FROM transfers ORDER BY acct_id DESC NULLS LAST LIMIT 4 OFFSET 2',
    orderBy: [0],
  },
  {
    id: 'limit-join-topn',
    sql: 'SELECT o.o_orderkey, l.l_linenumber, l.l_extendedprice FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey ORDER BY l.l_extendedprice DESC, o.o_orderkey, l.l_linenumber LIMIT 6',
    orderBy: [2, 0, 1],
  },
  {
    id: 'limit-one-row-table',
    sql: 'SELECT id, label FROM one_row ORDER BY id LIMIT 5 OFFSET 0',
    orderBy: [0],
  },
  {
    id: 'limit-ties-are-identical-rows',
    sql: 'SELECT tier, zone FROM accounts ORDER BY tier, zone NULLS FIRST LIMIT 25',
    orderBy: [0, 1],
    note: 'rows tied on every key are identical, so the cut is deterministic',
  },
  // The ordered merge: each task sorts its rows by DuckDB's sort key and the gateway merges
  // the sorted streams (gateway/exec/ordered-merge.ts). NULL placement, directions, types.
  {
    id: 'ordered-merge-desc-nulls-first',
    sql: 'SELECT event_id, score FROM events ORDER BY score DESC NULLS FIRST, event_id',
    orderBy: [1, 0],
  },
  {
    id: 'ordered-merge-mixed-directions',
    sql: 'SELECT acct_id, zone, balance FROM accounts ORDER BY zone NULLS FIRST, balance DESC, acct_id',
    orderBy: [1, 2, 0],
  },
  {
    id: 'ordered-merge-decimal-topn',
    sql: 'SELECT transfer_id, amount FROM transfers ORDER BY amount DESC, transfer_id LIMIT 50',
    orderBy: [1, 0],
  },
  {
    id: 'ordered-merge-decimal-scales',
    sql: 'SELECT entry_id, CASE WHEN entry_id % 2 = 0 THEN delta ELSE acct_ref * 1.5 END AS v FROM ledger ORDER BY v NULLS FIRST, entry_id',
    orderBy: [1, 0],
    note: 'DECIMAL(9,2) and DECIMAL(12,3) values unified into one decimal type',
  },
  {
    id: 'ordered-merge-non-ascii-strings',
    sql: "SELECT acct_id, owner || CASE acct_id % 5 WHEN 0 THEN 'é' WHEN 1 THEN 'Z' WHEN 2 THEN '日本' WHEN 3 THEN 'e\u0301' ELSE '' END AS o FROM accounts ORDER BY o DESC NULLS LAST, acct_id",
    orderBy: [1, 0],
    note: 'strings order by their UTF-8 bytes (no collation)',
  },
  {
    id: 'ordered-merge-timestamptz',
    sql: 'SELECT transfer_id, sent_at FROM transfers ORDER BY sent_at DESC, transfer_id LIMIT 20 OFFSET 7',
    orderBy: [1, 0],
    timeZone: 'Asia/Kolkata',
  },
  {
    id: 'ordered-merge-double-specials',
    sql: "SELECT reading_id, CASE reading_id % 6 WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN '-0.0'::DOUBLE WHEN 2 THEN 'inf'::DOUBLE WHEN 3 THEN '-inf'::DOUBLE WHEN 4 THEN 0.0 ELSE value END AS v FROM readings ORDER BY v DESC NULLS FIRST, reading_id",
    orderBy: [1, 0],
    note: 'NaN sorts above infinity, -0.0 ties with 0.0',
  },
  {
    id: 'ordered-merge-alias-shadows-column',
    sql: 'SELECT acct_id AS zone, zone AS acct_id FROM accounts ORDER BY zone DESC, acct_id NULLS FIRST',
    orderBy: [0, 1],
    note: 'ORDER BY zone names the output alias (the table acct_id), not the table zone',
  },
  {
    id: 'ordered-merge-aliases-named-like-stage-columns',
    sql: 'SELECT acct_id AS c1, owner AS c0 FROM accounts ORDER BY c0 DESC NULLS LAST, c1',
    orderBy: [1, 0],
    note: 'the stage names its columns c0, c1 …: the client names must not capture its ORDER BY',
  },
  {
    id: 'ordered-merge-ordinals',
    sql: 'SELECT owner, acct_id, balance FROM accounts ORDER BY 3 DESC NULLS LAST, 2',
    orderBy: [2, 1],
  },
  {
    id: 'ordered-merge-order-by-all',
    sql: 'SELECT tier, zone, acct_id FROM accounts ORDER BY ALL DESC',
    orderBy: [0, 1, 2],
  },
  {
    id: 'ordered-merge-boolean',
    sql: 'SELECT acct_id, active FROM accounts ORDER BY active NULLS FIRST, acct_id DESC',
    orderBy: [1, 0],
  },
  {
    id: 'ordered-merge-offset-near-end',
    sql: 'SELECT event_id, acct_id FROM events ORDER BY event_id DESC LIMIT 10 OFFSET 3995',
    orderBy: [0],
  },
  {
    id: 'ordered-merge-offset-beyond-end',
    sql: 'SELECT event_id FROM events ORDER BY event_id DESC OFFSET 5000',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'ordered-merge-limit-zero',
    sql: 'SELECT reading_id, value FROM readings ORDER BY value LIMIT 0',
    orderBy: [1],
    expectEmpty: true,
  },
  {
    id: 'ordered-merge-empty-partitions',
    sql: 'SELECT taken_on, reading_id, value FROM readings ORDER BY taken_on DESC, value NULLS FIRST, reading_id',
    orderBy: [0, 2, 1],
    note: 'two of the partitions are empty files',
  },
  {
    id: 'ordered-merge-expression-key-topn',
    sql: 'SELECT event_id, amount * 2 AS a2 FROM events ORDER BY a2 DESC NULLS LAST, event_id LIMIT 25 OFFSET 5',
    orderBy: [1, 0],
  },
  {
    id: 'ordered-merge-lineitem-full-sort',
    sql: 'SELECT l_shipdate, l_orderkey, l_linenumber, l_extendedprice FROM lineitem WHERE l_quantity = 1 ORDER BY l_shipdate, l_orderkey DESC, l_linenumber',
    orderBy: [0, 1, 2],
  },
  // DuckDB's top-N optimizer pushes its dynamic filter into the NULL-extended side of an outer
  // join (1.5.6): rows dropped there come out as NULL-extended rows that are not in the answer.
  // Every task and the oracle run these with the optimizer off (src/duckdb/top-n-guard.ts).
  {
    id: 'limit-topn-over-left-join-nullable-side',
    sql: 'SELECT r.reading_id, a.acct_id FROM accounts a LEFT JOIN readings r ON r.acct_id = a.acct_id ORDER BY 1 NULLS FIRST, 2 LIMIT 6',
    orderBy: [0, 1],
    note: 'every account has readings: no NULL may come first',
  },
  {
    id: 'limit-topn-over-right-join-one-task',
    sql: 'SELECT t0.reading_id FROM readings t0 RIGHT JOIN accounts t1 ON t1.acct_id = t0.acct_id ORDER BY 1 NULLS FIRST LIMIT 20',
    orderBy: [0],
    settings: { 'pondgate.distributed': 'off' },
    note: 'the whole statement in one task, as DuckDB plans it (fuzz-ed17fd9dd6 without the forced broadcast)',
  },
  {
    id: 'limit-topn-over-full-join',
    sql: 'SELECT r.reading_id, a.acct_id FROM readings r FULL JOIN accounts a ON a.acct_id = r.acct_id ORDER BY 1 NULLS FIRST, 2 NULLS FIRST LIMIT 8',
    orderBy: [0, 1],
  },
  {
    id: 'limit-topn-over-scalar-subquery',
    sql: 'SELECT a.acct_id, (SELECT max(r.reading_id) FROM readings r WHERE r.acct_id = a.acct_id) AS last_reading FROM accounts a ORDER BY 2 NULLS FIRST, 1 LIMIT 8',
    orderBy: [1, 0],
  },
];
