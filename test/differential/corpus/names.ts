import type { CorpusEntry } from '../corpus.ts';

/**
 * Names that can mean an output alias or a table column. DuckDB binds a bare
 * ORDER BY name (and DISTINCT ON) to the output alias first, a qualified
 * ORDER BY name to the table column; GROUP BY, WHERE, QUALIFY and window
 * clauses to the table column first; HAVING to a grouped column, else the
 * alias. Each entry is built so that the other reading gives another answer
 * (or an error): a planner that rewrites these clauses must bind as DuckDB
 * does.
 */
export const NAMES: readonly CorpusEntry[] = [
  // --- ORDER BY -------------------------------------------------------------------------
  {
    id: 'alias-order-by-swapped-names',
    sql: 'SELECT acct_id AS tier, tier AS acct_id FROM accounts ORDER BY tier, acct_id LIMIT 7',
    orderBy: [0, 1],
    note: 'ORDER BY tier is the alias (the account id)',
  },
  {
    id: 'alias-order-by-qualified-is-column',
    sql: 'SELECT -acct_id AS acct_id, owner FROM accounts ORDER BY accounts.acct_id LIMIT 5',
    orderBy: [0],
    note: 'a qualified name is the table column, even though an alias has its last part',
  },
  {
    id: 'alias-order-by-desc-topn',
    sql: 'SELECT event_id AS amount, amount AS event_id FROM events ORDER BY amount DESC LIMIT 6',
    orderBy: [0],
    note: 'top-N on the alias; pushing ORDER BY the table column amount returns other rows',
  },
  {
    id: 'alias-order-by-aggregate-alias',
    sql: 'SELECT o_orderpriority AS o_orderstatus, count(*) AS n FROM orders GROUP BY o_orderpriority ORDER BY o_orderstatus DESC LIMIT 3',
    orderBy: [0],
  },
  {
    id: 'alias-order-by-count-named-like-key',
    sql: 'SELECT l_returnflag AS l_linestatus, l_linestatus AS l_returnflag, count(*) AS n FROM lineitem GROUP BY ALL ORDER BY l_returnflag, l_linestatus',
    orderBy: [1, 0],
    note: 'the partial-aggregate merge must order by the swapped aliases',
  },
  {
    id: 'alias-order-by-group-key-alias',
    sql: 'SELECT acct_id % 5 AS acct_id, count(*) AS n FROM events WHERE acct_id < 20 GROUP BY acct_id ORDER BY acct_id, n',
    orderBy: [0, 1],
    note: 'GROUP BY acct_id is the table column; ORDER BY acct_id the alias (acct_id % 5)',
  },
  {
    id: 'alias-order-by-join-alias',
    sql: 'SELECT e.event_id AS acct_id, a.owner FROM events e JOIN accounts a USING (acct_id) ORDER BY acct_id LIMIT 5',
    orderBy: [0],
  },
  {
    id: 'alias-order-by-quoted-case',
    sql: 'SELECT acct_id AS "Tier", tier FROM accounts ORDER BY "Tier" LIMIT 4',
    orderBy: [0],
    note: 'identifiers match case-insensitively: "Tier" is the alias, which shadows the column tier',
  },
  {
    id: 'alias-order-by-position',
    sql: 'SELECT tier AS zone, zone AS tier FROM accounts WHERE acct_id < 30 ORDER BY 2 NULLS FIRST, 1',
    orderBy: [1, 0],
  },
  {
    id: 'alias-order-by-tpch-topn',
    sql: 'SELECT o_totalprice AS o_orderkey, o_orderkey AS o_totalprice FROM orders ORDER BY o_orderkey DESC, o_totalprice LIMIT 5',
    orderBy: [0, 1],
  },

  // --- GROUP BY, WHERE, HAVING ------------------------------------------------------------
  {
    id: 'alias-group-by-is-column',
    sql: 'SELECT length(o_orderpriority) AS o_orderpriority, count(*) AS n FROM orders GROUP BY o_orderpriority',
    note: 'GROUP BY the table column: two priorities have the same length, so grouping by the alias would merge them',
  },
  {
    id: 'alias-group-by-column-with-null',
    sql: 'SELECT zone % 2 AS zone, count(*) AS n FROM accounts GROUP BY zone',
    note: 'six groups (zones 0..4 and NULL), not three',
  },
  {
    id: 'alias-group-by-alias-when-no-column',
    sql: 'SELECT acct_id % 3 AS bucket, count(*) AS n, sum(balance) AS b FROM accounts GROUP BY bucket ORDER BY bucket',
    orderBy: [0],
  },
  {
    id: 'alias-where-is-column',
    sql: 'SELECT acct_id, acct_id % 4 AS tier FROM accounts WHERE tier = 1 ORDER BY acct_id LIMIT 6',
    orderBy: [0],
    note: 'WHERE tier is the table column',
  },
  {
    id: 'alias-where-subquery-is-column',
    sql: 'SELECT acct_id AS zone FROM accounts WHERE zone IN (SELECT code FROM zones WHERE code > 2) ORDER BY zone LIMIT 4',
    orderBy: [0],
  },
  {
    id: 'alias-having-grouped-column',
    sql: 'SELECT count(*) AS zone, zone AS z FROM accounts GROUP BY zone HAVING zone >= 2 ORDER BY z',
    orderBy: [1],
    note: 'HAVING zone is the grouped column, not the count alias',
  },
  {
    id: 'alias-having-alias-when-not-grouped',
    sql: 'SELECT tier AS zone, count(*) AS n FROM accounts GROUP BY tier HAVING zone = 1',
    note: 'zone is not grouped, so HAVING zone is the alias (tier)',
  },
  {
    id: 'alias-having-aggregate-alias',
    sql: 'SELECT zone, count(*) AS n FROM accounts GROUP BY zone HAVING n < 22 ORDER BY zone NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'alias-having-tpch',
    sql: 'SELECT o_orderstatus AS o_orderpriority, count(*) AS o_orderstatus FROM orders GROUP BY o_orderstatus HAVING o_orderstatus <> \'P\' ORDER BY 1',
    orderBy: [0],
    note: 'HAVING o_orderstatus is the grouped column; as the count alias the comparison with a string would not bind',
  },

  // --- QUALIFY, windows, DISTINCT ON ---------------------------------------------------------
  {
    id: 'alias-qualify-partition-is-column',
    sql: 'SELECT acct_id, -acct_id AS tier FROM accounts QUALIFY row_number() OVER (PARTITION BY tier ORDER BY acct_id) = 1 ORDER BY acct_id',
    orderBy: [0],
    note: 'PARTITION BY tier is the table column (3 partitions), not the alias (120)',
  },
  {
    id: 'alias-qualify-predicate-is-column',
    sql: 'SELECT acct_id, acct_id % 2 AS zone FROM accounts QUALIFY zone = 1 AND row_number() OVER (ORDER BY acct_id) < 40 ORDER BY acct_id',
    orderBy: [0],
  },
  {
    id: 'alias-window-order-is-column',
    sql: 'SELECT acct_id, -acct_id AS tier, row_number() OVER (ORDER BY tier, acct_id) AS rn FROM accounts ORDER BY acct_id LIMIT 8',
    orderBy: [0],
  },
  {
    id: 'alias-distinct-on-is-alias',
    sql: 'SELECT DISTINCT ON (zone) acct_id % 7 AS zone, acct_id FROM accounts ORDER BY zone, acct_id',
    orderBy: [0, 1],
    note: 'DISTINCT ON zone is the alias: seven rows, not six',
  },
  {
    id: 'alias-distinct-on-tpch',
    sql: 'SELECT DISTINCT ON (o_custkey) o_orderkey % 10 AS o_custkey, o_orderkey, o_totalprice FROM orders WHERE o_orderkey < 2000 ORDER BY o_custkey, o_orderkey DESC',
    orderBy: [0, 1],
  },
  {
    id: 'alias-distinct-alias-of-other-column',
    sql: 'SELECT DISTINCT tier AS zone FROM accounts ORDER BY zone',
    orderBy: [0],
  },
  {
    id: 'alias-quoted-identifiers-special',
    sql: 'SELECT acct_id AS "a;b", owner AS "it\'s", balance AS "Cost Total $", zone AS "select" FROM accounts ORDER BY "a;b" LIMIT 3',
    orderBy: [0],
    note: 'quoted names with a semicolon, a quote, spaces and a keyword',
  },
  {
    id: 'collate-nocase-group-order',
    sql: "SELECT lower(c_mktsegment) COLLATE nocase AS seg, count(*) AS n, 'lower' AS side FROM customer GROUP BY 1 UNION ALL SELECT upper(c_mktsegment) COLLATE nocase, count(*), 'upper' FROM customer GROUP BY 1 ORDER BY 1, 2, 3",
    orderBy: [0, 1, 2],
    note: 'a collation is part of the expression type: grouped or ordered again at a merge, the rows would compare as bytes (side breaks the ties between a lower- and an upper-case segment, equal under nocase, so the order is unique)',
  },
];
