import type { CorpusEntry } from '../corpus.ts';

/**
 * DECIMAL arithmetic and types: sums widen to DECIMAL(38,s), products add
 * scales, averages are DOUBLE, DECIMAL keys compare with integers, and every
 * result's type (numeric vs float8) must be DuckDB's.
 */
export const DECIMALS: readonly CorpusEntry[] = [
  {
    id: 'decimal-sum-widening',
    sql: 'SELECT (SELECT sum(amount) FROM events) AS s3, (SELECT sum(amount) FROM transfers) AS s4, (SELECT sum(balance) FROM accounts) AS s2',
    note: 'DECIMAL(10,3), DECIMAL(18,4) and DECIMAL(12,2) sums are DECIMAL(38,s)',
  },
  {
    id: 'decimal-negative-and-null',
    sql: 'SELECT tier, sum(balance) AS s, min(balance) AS lo, max(balance) AS hi, count(balance) AS n, avg(balance) AS a FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
  },
  {
    id: 'decimal-multiply-scale',
    sql: 'SELECT event_id, amount * amount AS sq, amount * 1.5 AS one_and_half, amount / 4 AS quarter, amount // 1 AS whole, amount % 1 AS frac FROM events WHERE event_id <= 12 ORDER BY event_id',
    orderBy: [0],
    note: 'DECIMAL * DECIMAL adds scales; / is a DOUBLE division',
  },
  {
    id: 'decimal-round-trunc-cast',
    sql: 'SELECT transfer_id, amount, round(amount, 1) AS r1, round(amount) AS r0, trunc(amount) AS t, amount::DECIMAL(6,1) AS narrowed, amount::INTEGER AS i FROM transfers WHERE transfer_id <= 10 ORDER BY transfer_id',
    orderBy: [0],
  },
  {
    id: 'decimal-key-equals-integer-filter',
    sql: 'SELECT entry_id, acct_ref FROM ledger WHERE acct_ref = 7 ORDER BY entry_id',
    orderBy: [0],
    note: 'ledger is hashed on a DECIMAL key: the bucket of 7 is the bucket of 7.00::DECIMAL(9,2), not of the integer 7',
  },
  {
    id: 'decimal-key-fractional-filter',
    sql: 'SELECT entry_id, acct_ref FROM ledger WHERE acct_ref IN (13.5, 23.50, 14) ORDER BY entry_id',
    orderBy: [0],
  },
  {
    id: 'decimal-group-by-key',
    sql: 'SELECT acct_ref, count(*) AS n, sum(delta) AS delta FROM ledger WHERE acct_ref < 12 OR acct_ref IS NULL GROUP BY acct_ref ORDER BY acct_ref NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'decimal-compare-double',
    sql: 'SELECT count(*) AS n FROM events WHERE amount > 1.25::DOUBLE AND amount <= 3.5',
  },
  {
    id: 'decimal-tpch-discounted-price',
    sql: 'SELECT l_orderkey, l_linenumber, l_extendedprice * (1 - l_discount) AS net, l_extendedprice * (1 - l_discount) * (1 + l_tax) AS gross FROM lineitem WHERE l_orderkey < 40 ORDER BY l_orderkey, l_linenumber',
    orderBy: [0, 1],
  },
  {
    id: 'decimal-sum-of-products-grouped',
    sql: 'SELECT l_linestatus, sum(l_quantity * l_extendedprice) AS s, sum(l_discount * l_tax) AS dt, max(l_quantity * l_discount) AS m FROM lineitem GROUP BY 1 ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'decimal-avg-is-double',
    sql: 'SELECT kind, avg(amount) AS a, sum(amount) / count(amount) AS manual FROM events GROUP BY kind ORDER BY kind NULLS FIRST',
    orderBy: [0],
  },
  {
    id: 'decimal-distinct-values',
    sql: 'SELECT DISTINCT l_discount FROM lineitem ORDER BY 1',
    orderBy: [0],
  },
  {
    id: 'decimal-large-precision',
    sql: 'SELECT sum(l_extendedprice::DECIMAL(38,10) * l_quantity) AS s, sum(l_extendedprice::DECIMAL(18,3)) AS s3 FROM lineitem',
  },
];
