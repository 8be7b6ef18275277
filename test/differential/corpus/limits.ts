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
];
