import type { CorpusEntry } from '../corpus.ts';

/**
 * Joins over the edge tables (src/datagen/edge.ts): NULL and orphan keys,
 * one key holding most rows, co-located tables (accounts/events, hashed
 * alike), tables on the same key with another bucket count (transfers) or
 * another key type (ledger's DECIMAL key), empty partitions (readings), a
 * one-row and an empty table.
 */
export const EDGE_JOINS: readonly CorpusEntry[] = [
  // --- NULL keys ---------------------------------------------------------------
  {
    id: 'join-inner-null-keys',
    sql: 'SELECT count(*) AS n, count(DISTINCT e.acct_id) AS accounts, sum(e.amount) AS amount FROM events e JOIN accounts a ON a.acct_id = e.acct_id',
    note: 'events with a NULL or orphan acct_id match nothing',
  },
  {
    id: 'join-left-null-keys',
    sql: 'SELECT a.acct_id IS NULL AS unmatched, e.acct_id IS NULL AS null_key, count(*) AS n FROM events e LEFT JOIN accounts a ON a.acct_id = e.acct_id GROUP BY ALL ORDER BY 1, 2',
    orderBy: [0, 1],
    note: 'NULL-key rows of the preserved side are kept once each',
  },
  {
    id: 'join-right-null-keys',
    sql: 'SELECT z.code, z.name, count(a.acct_id) AS accounts FROM accounts a RIGHT JOIN zones z ON a.zone = z.code GROUP BY z.code, z.name ORDER BY z.name',
    orderBy: [1],
    note: 'zone 9 and the NULL-code zone have no accounts; accounts with a NULL zone disappear',
  },
  {
    id: 'join-full-null-keys',
    sql: 'SELECT a.zone, z.code, count(*) AS n FROM accounts a FULL JOIN zones z ON a.zone = z.code GROUP BY ALL ORDER BY a.zone NULLS FIRST, z.code NULLS FIRST',
    orderBy: [0, 1],
    note: 'NULL never equals NULL: accounts with NULL zone and the zone with NULL code both come out unmatched',
  },
  {
    id: 'join-is-not-distinct-from',
    sql: 'SELECT z.name, count(*) AS accounts FROM accounts a JOIN zones z ON a.zone IS NOT DISTINCT FROM z.code GROUP BY z.name ORDER BY z.name',
    orderBy: [0],
    note: 'IS NOT DISTINCT FROM matches NULL with NULL: the NULL-zone accounts join the unknown zone',
  },
  {
    id: 'join-left-anti-orphans',
    sql: 'SELECT e.acct_id, count(*) AS n FROM events e LEFT JOIN accounts a ON a.acct_id = e.acct_id WHERE a.acct_id IS NULL GROUP BY e.acct_id ORDER BY e.acct_id NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'join-varchar-null-keys',
    sql: "SELECT k.kind, count(e.event_id) AS n FROM (VALUES ('buy'), ('refund'), (NULL), ('nothing')) k(kind) LEFT JOIN events e ON e.kind = k.kind GROUP BY k.kind ORDER BY k.kind NULLS LAST",
    orderBy: [0],
  },
  {
    id: 'join-boolean-nullable-key',
    sql: 'SELECT a.active, count(*) AS pairs FROM accounts a JOIN accounts b ON a.active = b.active GROUP BY a.active ORDER BY a.active',
    orderBy: [0],
  },

  // --- co-location, bucket counts and key types ------------------------------------
  {
    id: 'join-colocated-events-accounts',
    sql: 'SELECT e.kind, a.tier, count(*) AS n, sum(e.amount) AS amount, sum(a.balance) AS balance FROM events e JOIN accounts a USING (acct_id) GROUP BY ALL ORDER BY e.kind NULLS FIRST, a.tier',
    orderBy: [0, 1],
    note: 'events.acct_id BIGINT and accounts.acct_id INTEGER hash alike and both have 4 buckets: co-located',
  },
  {
    id: 'join-colocated-skewed-key',
    sql: "SELECT a.owner, e.kind, count(*) AS n, min(e.occurred_at) AS first_at FROM events e JOIN accounts a ON a.acct_id = e.acct_id WHERE e.acct_id = 7 GROUP BY ALL ORDER BY e.kind NULLS FIRST",
    orderBy: [1],
    note: '60% of events have acct_id 7',
  },
  {
    id: 'join-different-bucket-counts',
    sql: 'SELECT a.tier, count(*) AS transfers, sum(t.amount) AS amount FROM transfers t JOIN accounts a ON a.acct_id = t.acct_id GROUP BY a.tier ORDER BY a.tier',
    orderBy: [0],
    note: 'transfers has 3 buckets, accounts 4: not co-located although hashed on the same key',
  },
  {
    id: 'join-transfers-events-nullable-both',
    sql: 'SELECT t.memo, count(*) AS n, sum(e.qty) AS qty FROM transfers t JOIN events e ON e.acct_id = t.acct_id WHERE t.transfer_id <= 60 GROUP BY t.memo ORDER BY t.memo NULLS FIRST',
    orderBy: [0],
    note: 'INTEGER = BIGINT key, NULLs on both sides, 3 and 4 buckets',
  },
  {
    id: 'join-bigint-to-integer-to-acct',
    sql: 'SELECT t.to_acct, a.owner, count(*) AS n FROM transfers t JOIN accounts a ON a.acct_id = t.to_acct WHERE t.to_acct <= 12 GROUP BY ALL ORDER BY t.to_acct',
    orderBy: [0],
  },
  {
    id: 'join-decimal-key-ledger',
    sql: 'SELECT a.acct_id, count(*) AS entries, sum(l.delta) AS delta FROM ledger l JOIN accounts a ON a.acct_id = l.acct_ref GROUP BY a.acct_id ORDER BY a.acct_id',
    orderBy: [0],
    note: 'ledger is hashed on a DECIMAL(9,2) key with the same bucket count as accounts, yet not co-located: 7.00 and 7 hash differently',
  },
  {
    id: 'join-decimal-key-left-unmatched',
    sql: 'SELECT l.acct_ref, l.entry_id, a.acct_id FROM ledger l LEFT JOIN accounts a ON a.acct_id = l.acct_ref WHERE a.acct_id IS NULL ORDER BY l.entry_id',
    orderBy: [1],
    note: 'fractional refs (x.50), refs above 120 and NULL refs match nothing',
  },
  {
    id: 'join-tinyint-key-empty-partitions',
    sql: 'SELECT a.zone, count(*) AS readings, count(r.value) AS with_value FROM readings r JOIN accounts a ON a.acct_id = r.acct_id GROUP BY a.zone ORDER BY a.zone NULLS FIRST',
    orderBy: [0],
    note: 'readings.acct_id TINYINT = INTEGER; readings has two empty partitions',
  },
  {
    id: 'join-ubigint-key',
    sql: 'SELECT r.sensor, count(*) AS n FROM readings r JOIN accounts a ON a.acct_id = r.sensor WHERE r.sensor < 10 GROUP BY r.sensor ORDER BY r.sensor',
    orderBy: [0],
    note: 'UBIGINT = INTEGER',
  },
  {
    id: 'join-smallint-integer-dimension',
    sql: 'SELECT z.name, z.utc_offset, count(*) AS accounts FROM accounts a JOIN zones z ON z.code = a.zone GROUP BY ALL ORDER BY z.name',
    orderBy: [0],
    note: 'accounts.zone SMALLINT = zones.code INTEGER',
  },
  {
    id: 'join-edge-three-way',
    sql: 'SELECT z.name, e.kind, count(*) AS n FROM events e JOIN accounts a ON a.acct_id = e.acct_id JOIN zones z ON z.code = a.zone GROUP BY ALL ORDER BY z.name, e.kind NULLS FIRST',
    orderBy: [0, 1],
  },
  {
    id: 'join-edge-expression-key',
    sql: 'SELECT z.name, count(*) AS accounts FROM accounts a JOIN zones z ON a.acct_id % 10 = z.code GROUP BY z.name ORDER BY z.name',
    orderBy: [0],
  },

  // --- skew --------------------------------------------------------------------------
  {
    id: 'join-skew-self',
    sql: "SELECT count(*) AS pairs, count(DISTINCT a.event_id) AS refunds FROM events a JOIN events b ON a.acct_id = b.acct_id WHERE a.kind = 'refund' AND b.kind = 'close'",
    note: 'the product on the hot key dominates',
  },
  {
    id: 'join-skew-group-by-key',
    sql: 'SELECT e.acct_id, count(*) AS n, sum(e.amount) AS amount, max(t.amount) AS biggest_transfer FROM events e JOIN transfers t ON t.acct_id = e.acct_id GROUP BY e.acct_id ORDER BY n DESC, e.acct_id LIMIT 5',
    orderBy: [1, 0],
  },

  // --- one-row and empty tables --------------------------------------------------------
  {
    id: 'join-empty-table-inner',
    sql: 'SELECT a.acct_id, n.label FROM accounts a JOIN no_rows n ON n.id = a.acct_id ORDER BY a.acct_id',
    orderBy: [0],
    expectEmpty: true,
  },
  {
    id: 'join-empty-table-left',
    sql: 'SELECT count(*) AS n, count(n.id) AS matched, min(a.acct_id) AS lo FROM accounts a LEFT JOIN no_rows n ON n.id = a.acct_id',
  },
  {
    id: 'join-empty-table-right',
    sql: 'SELECT z.name, n.label FROM no_rows n RIGHT JOIN zones z ON n.id = z.code ORDER BY z.name',
    orderBy: [0],
  },
  {
    id: 'join-empty-table-full',
    sql: 'SELECT o.id, o.label, n.id AS missing FROM one_row o FULL JOIN no_rows n ON n.id = o.id',
  },
  {
    id: 'join-empty-table-cross',
    sql: 'SELECT count(*) AS n FROM accounts CROSS JOIN no_rows',
    note: 'a cross product with an empty table is empty, so count(*) is 0',
  },
  {
    id: 'join-one-row-cross',
    sql: 'SELECT a.acct_id, o.label, a.balance + o.amount AS total FROM accounts a CROSS JOIN one_row o WHERE a.acct_id < 6 ORDER BY a.acct_id',
    orderBy: [0],
  },
  {
    id: 'join-one-row-hot-key',
    sql: 'SELECT o.label, e.kind, count(*) AS n FROM events e JOIN one_row o ON o.id = e.acct_id GROUP BY ALL ORDER BY e.kind NULLS FIRST',
    orderBy: [1],
    note: 'the one row joins the hot key 7',
  },
  {
    id: 'join-empty-partitions-self',
    sql: 'SELECT a.sensor, count(*) AS pairs FROM readings a JOIN readings b ON a.sensor = b.sensor AND a.reading_id < b.reading_id WHERE a.sensor < 5 GROUP BY a.sensor ORDER BY a.sensor',
    orderBy: [0],
  },

  // --- range and as-of joins on TIMESTAMPTZ ---------------------------------------------
  {
    id: 'join-timestamptz-range',
    sql: 'SELECT t.transfer_id, count(*) AS events_within_10min FROM transfers t JOIN events e ON e.occurred_at BETWEEN t.sent_at AND t.sent_at + INTERVAL 10 MINUTE WHERE t.transfer_id <= 50 GROUP BY t.transfer_id ORDER BY t.transfer_id',
    orderBy: [0],
  },
  {
    id: 'join-asof',
    sql: 'SELECT e.event_id, e.occurred_at, t.transfer_id, t.sent_at AS transfer_at FROM events e ASOF JOIN transfers t ON e.acct_id = t.acct_id AND e.occurred_at >= t.sent_at WHERE e.event_id % 50 = 1 ORDER BY e.event_id',
    orderBy: [0],
    note: 'transfer times are unique, so the nearest earlier transfer is unique',
  },
  {
    id: 'join-asof-left',
    sql: 'SELECT e.event_id, t.transfer_id FROM events e ASOF LEFT JOIN transfers t ON e.acct_id = t.acct_id AND e.occurred_at >= t.sent_at WHERE e.event_id <= 40 ORDER BY e.event_id',
    orderBy: [0],
    note: 'early events and NULL keys have no earlier transfer: NULL on the right',
  },
];
