import type { CorpusEntry } from '../corpus.ts';

/**
 * Correlated subqueries that the planner rewrites into joins with grouped
 * derived tables (gateway/plan/decorrelate.ts), and neighbours it must leave
 * alone: NULL keys on both sides, an empty inner table, several correlation
 * columns, groups the inner side does not have (a NULL aggregate drops the
 * row), count (0 over no rows: never rewritten), stars over the outer FROM.
 * The rewrite is off by default (`pondgate.decorrelate`): every entry turns it on.
 */
const ON = { 'pondgate.decorrelate': 'on' } as const;

export const DECORRELATION: readonly CorpusEntry[] = ([
  // --- EXISTS → join with the grouped inner keys ------------------------------------
  {
    id: 'decorrelate-exists-null-keys-both-sides',
    sql: 'SELECT e.event_id, e.acct_id FROM events e WHERE e.event_id <= 300 AND EXISTS (SELECT 1 FROM transfers t WHERE t.acct_id = e.acct_id AND t.amount > 50) ORDER BY e.event_id',
    orderBy: [0],
    note: 'events.acct_id and transfers.acct_id both have NULLs; a NULL outer key matches nothing',
  },
  {
    id: 'decorrelate-exists-empty-inner',
    sql: 'SELECT a.acct_id FROM accounts a WHERE EXISTS (SELECT 1 FROM no_rows n WHERE n.id = a.acct_id) ORDER BY a.acct_id',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'decorrelate-exists-duplicate-inner-keys',
    sql: 'SELECT a.acct_id, a.owner FROM accounts a WHERE EXISTS (SELECT * FROM events e WHERE e.acct_id = a.acct_id AND e.kind = \'buy\') ORDER BY a.acct_id',
    orderBy: [0],
    note: 'account 7 has most events: the join must not multiply its row',
  },
  {
    id: 'decorrelate-exists-two-columns',
    sql: 'SELECT ps_partkey, ps_suppkey, ps_availqty FROM partsupp WHERE ps_partkey < 60 AND EXISTS (SELECT * FROM lineitem WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey AND l_quantity > 40) ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'decorrelate-exists-grouped-outer',
    sql: 'SELECT a.tier, count(*) AS n, sum(a.balance) AS total FROM accounts a WHERE EXISTS (SELECT 1 FROM events e WHERE e.acct_id = a.acct_id AND e.score > 100) GROUP BY a.tier ORDER BY a.tier',
    orderBy: [0],
  },
  {
    id: 'decorrelate-exists-in-derived-table',
    sql: 'SELECT z, count(*) AS n FROM (SELECT a.zone AS z FROM accounts a WHERE EXISTS (SELECT 1 FROM zones WHERE zones.code = a.zone)) AS s GROUP BY z ORDER BY z',
    orderBy: [0],
    note: 'zones.code INTEGER against accounts.zone SMALLINT; zone NULL and zone 4 have no zone row',
  },
  // --- scalar aggregates → join with the grouped aggregate --------------------------
  {
    id: 'decorrelate-scalar-min-missing-groups',
    sql: 'SELECT z.code, z.name FROM zones z WHERE z.utc_offset >= (SELECT min(a.tier) FROM accounts a WHERE a.zone = z.code) ORDER BY z.name',
    orderBy: [1],
    note: 'zone 9 and the NULL zone have no accounts: min is NULL and the row is dropped',
  },
  {
    id: 'decorrelate-scalar-avg-null-keys',
    sql: 'SELECT e.event_id, e.amount FROM events e WHERE e.event_id <= 400 AND e.amount > (SELECT avg(t.amount) / 20 FROM transfers t WHERE t.acct_id = e.acct_id) ORDER BY e.event_id',
    orderBy: [0],
  },
  {
    id: 'decorrelate-scalar-max-equal',
    sql: 'SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem l WHERE l_orderkey < 600 AND l_extendedprice = (SELECT max(l2.l_extendedprice) FROM lineitem l2 WHERE l2.l_orderkey = l.l_orderkey AND l2.l_shipmode <> \'AIR\') ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'decorrelate-scalar-sum-two-columns',
    sql: 'SELECT ps_partkey, ps_suppkey FROM partsupp WHERE ps_partkey < 300 AND ps_availqty > (SELECT 0.5 * sum(l_quantity) FROM lineitem WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey AND l_shipdate < DATE \'1995-01-01\') ORDER BY 1, 2',
    orderBy: [0, 1],
  },
  {
    id: 'decorrelate-scalar-filter-and-exists-together',
    sql: 'SELECT a.acct_id FROM accounts a WHERE a.balance < (SELECT max(t.amount) FILTER (WHERE t.memo IS NOT NULL) FROM transfers t WHERE t.acct_id = a.acct_id) AND EXISTS (SELECT 1 FROM events e WHERE e.acct_id = a.acct_id) ORDER BY a.acct_id',
    orderBy: [0],
  },
  // --- left as they are (must stay exact) -------------------------------------------
  {
    id: 'decorrelate-count-stays-exact',
    sql: 'SELECT a.acct_id FROM accounts a WHERE a.tier >= (SELECT count(*) FROM events e WHERE e.acct_id = a.acct_id) ORDER BY a.acct_id',
    orderBy: [0],
    note: 'accounts without events count 0 and are kept',
  },
  {
    id: 'decorrelate-not-exists-null-keys',
    sql: 'SELECT e.event_id, e.acct_id FROM events e WHERE e.event_id <= 300 AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.acct_id = e.acct_id) ORDER BY e.event_id',
    orderBy: [0],
    note: 'NULL and orphan keys are kept by NOT EXISTS',
  },
  {
    id: 'decorrelate-star-over-outer',
    sql: 'SELECT * FROM zones z WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.zone = z.code) ORDER BY z.name',
    orderBy: [1],
  },
  {
    id: 'decorrelate-exists-under-or',
    sql: 'SELECT z.name FROM zones z WHERE z.code = 9 OR EXISTS (SELECT 1 FROM accounts a WHERE a.zone = z.code AND a.tier = 2) ORDER BY z.name',
    orderBy: [0],
  },
  {
    id: 'decorrelate-exists-with-aggregate',
    sql: 'SELECT a.acct_id FROM accounts a WHERE a.acct_id <= 5 AND EXISTS (SELECT count(*) FROM no_rows n WHERE n.id = a.acct_id) ORDER BY a.acct_id',
    orderBy: [0],
    note: 'an aggregate makes one row: EXISTS is true for every account',
  },
  {
    id: 'decorrelate-exists-non-equality-residual',
    sql: 'SELECT l1.l_orderkey, l1.l_suppkey FROM lineitem l1 WHERE l1.l_orderkey < 200 AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey) ORDER BY 1, 2',
    orderBy: [0, 1],
  },
] satisfies CorpusEntry[]).map((entry) => ({ ...entry, settings: ON }));
