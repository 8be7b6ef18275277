/**
 * SELECT statements producing the 8 TPC-H tables, as pure functions of the
 * scale factor, seed and the slice of keys wanted. Each statement emits rows in
 * key order without joins or sorts, so a slice can be streamed straight into a
 * Parquet file (DuckDB keeps insertion order) and two runs give identical files.
 *
 * Key types: o_orderkey / l_orderkey are BIGINT (the sparse order keys reach
 * 4 * 1.5M * SF and overflow INTEGER above SF ~350); all other keys and small
 * integers are INTEGER. Money and l_quantity are DECIMAL(15,2).
 */
import { randomSql, type RandomSql } from './tpch-random.ts';
import {
  ADJECTIVES, ADVERBS, COLORS, CONTAINER_SYLLABLE_1, CONTAINER_SYLLABLE_2, NATIONS, NOUNS, PREPOSITIONS,
  PRIORITIES, REGIONS, SEGMENTS, SHIP_INSTRUCTIONS, SHIP_MODES, TYPE_SYLLABLE_1, TYPE_SYLLABLE_2,
  TYPE_SYLLABLE_3, VERBS,
} from './tpch-vocab.ts';
import { bucketExpr, hashKeySql } from '../storage/bucket.ts';
import { sqlString } from '../storage/duckdb.ts';

export interface TpchParams {
  readonly scaleFactor: number;
  readonly seed: number;
}

export interface TpchCounts {
  readonly supplier: number;
  readonly customer: number;
  readonly part: number;
  readonly orders: number;
  readonly clerks: number;
}

/** Row counts of the scaled tables (partsupp = 4 * part, lineitem ~ 4 * orders). */
export function tpchCounts(scaleFactor: number): TpchCounts {
  if (!(scaleFactor > 0) || !Number.isFinite(scaleFactor)) throw new RangeError(`scale factor must be > 0, got ${scaleFactor}`);
  const scaled = (base: number) => Math.max(1, Math.round(base * scaleFactor));
  return {
    supplier: scaled(10_000),
    customer: scaled(150_000),
    part: scaled(200_000),
    orders: scaled(1_500_000),
    clerks: scaled(1_000),
  };
}

/** Dates of the spec (clause 4.2.2.12). */
export const START_DATE = '1992-01-01';
export const CURRENT_DATE = '1995-06-17';
/** Last order date: ENDDATE (1998-12-31) minus 151 days. */
export const LAST_ORDER_DATE = '1998-08-02';
const ORDER_DATE_SPAN_DAYS = (Date.parse(LAST_ORDER_DATE) - Date.parse(START_DATE)) / 86_400_000;

/** Type of o_orderkey / l_orderkey, and so the type their hash buckets are computed on. */
export const ORDER_KEY_TYPE = 'BIGINT';

/** A slice of orders: order indices [from, to) (0-based), or one hash bucket of o_orderkey. */
export type OrderSlice =
  | { readonly kind: 'range'; readonly from: number; readonly to: number }
  | { readonly kind: 'bucket'; readonly bucket: number; readonly buckets: number };

/** Per-table salt of the random streams. Order-level values are shared by orders and lineitem. */
const T = { region: 1, nation: 2, supplier: 3, customer: 4, part: 5, partsupp: 6, orders: 7, lineitem: 8 } as const;

// Streams: one per random column, so columns are independent of each other.
// Below 50: RandomSql.balanced also uses stream + 50.
const S = {
  comment: 1, address: 2, nation: 3, phone1: 4, phone2: 5, phone3: 6, acctbal: 7, segment: 8,
  colorStart: 9, colorStep: 10, brand: 12, type1: 13, type2: 14, type3: 15, size: 16,
  availqty: 19, supplycost: 20, customer: 21, orderdate: 22, priority: 23, clerk: 24, lines: 25,
  partkey: 26, suppidx: 27, quantity: 28, discount: 29, tax: 30, shipdays: 31, commitdays: 32,
  receiptdays: 33, returnflag: 34, instruct: 35, mode: 36, complaints: 37,
} as const;

const digits9 = (sql: string) => `lpad(${sql}::VARCHAR, 9, '0')`;
const money = (centsSql: string) => `(${centsSql} / 100.0)::DECIMAL(15,2)`;
const phone = (r: RandomSql, nationSql: string, key: string) =>
  `(${nationSql} + 10)::VARCHAR || '-' || ${r.int(S.phone1, key, 100, 999)}::VARCHAR || '-' || ` +
  `${r.int(S.phone2, key, 100, 999)}::VARCHAR || '-' || ${r.int(S.phone3, key, 1000, 9999)}::VARCHAR`;
const acctbal = (r: RandomSql, key: string) => money(`(${r.int(S.acctbal, key, 0, 1_099_998)} - 99_999)`);

/** Comment sentences of different lengths; all follow "adjective noun verb adverb ..." */
const SHORT_SENTENCE = [ADJECTIVES, NOUNS, VERBS, ADVERBS];
const LONG_SENTENCE = [ADVERBS, ADJECTIVES, NOUNS, VERBS, PREPOSITIONS, ADJECTIVES, NOUNS];

export function regionSql(p: TpchParams): string {
  const r = randomSql(p.seed, T.region);
  return `SELECT i::INTEGER AS r_regionkey, ${listSql(REGIONS)}[i + 1] AS r_name,
    ${r.sentence(S.comment, 'i', LONG_SENTENCE)} AS r_comment
  FROM range(0, ${REGIONS.length}) t(i)`;
}

export function nationSql(p: TpchParams): string {
  const r = randomSql(p.seed, T.nation);
  return `SELECT i::INTEGER AS n_nationkey, ${listSql(NATIONS.map(([name]) => name))}[i + 1] AS n_name,
    [${NATIONS.map(([, region]) => region).join(', ')}][i + 1]::INTEGER AS n_regionkey,
    ${r.sentence(S.comment, 'i', LONG_SENTENCE)} AS n_comment
  FROM range(0, ${NATIONS.length}) t(i)`;
}

/** Suppliers with keys [from, to). */
export function supplierSql(p: TpchParams, from: number, to: number): string {
  const r = randomSql(p.seed, T.supplier);
  const suppliers = tpchCounts(p.scaleFactor).supplier;
  // The spec puts "Customer ... Complaints" into 5 comments per 10,000
  // suppliers (Q16 excludes them) and "Customer ... Recommends" into another
  // 5. A stride (not a coin flip) guarantees at least one of each even at SF 0.01.
  const stride = Math.max(1, Math.floor(suppliers / Math.max(1, Math.round(suppliers / 2000))));
  const offset = `((k + ${p.seed % stride + stride}) % ${stride})`;
  const base = r.sentence(S.comment, 'k', SHORT_SENTENCE);
  return `SELECT k::INTEGER AS s_suppkey, 'Supplier#' || ${digits9('k')} AS s_name,
    ${r.text(S.address, 'k', 10, 40)} AS s_address, nat::INTEGER AS s_nationkey,
    ${phone(r, 'nat', 'k')} AS s_phone, ${acctbal(r, 'k')} AS s_acctbal,
    CASE ${offset}
      WHEN 0 THEN ${base} || ' Customer ' || ${r.pick(S.complaints, 'k', ADVERBS)} || ' Complaints'
      WHEN ${Math.floor(stride / 2)} THEN ${base} || ' Customer ' || ${r.pick(S.complaints, 'k', ADVERBS)} || ' Recommends'
      ELSE ${base} END AS s_comment
  FROM (SELECT i AS k, ${r.balanced(S.nation, 'i - 1', NATIONS.length)} AS nat FROM range(${from}, ${to}) t(i))`;
}

/** Customers with keys [from, to). */
export function customerSql(p: TpchParams, from: number, to: number): string {
  const r = randomSql(p.seed, T.customer);
  return `SELECT k::INTEGER AS c_custkey, 'Customer#' || ${digits9('k')} AS c_name,
    ${r.text(S.address, 'k', 10, 40)} AS c_address, nat::INTEGER AS c_nationkey,
    ${phone(r, 'nat', 'k')} AS c_phone, ${acctbal(r, 'k')} AS c_acctbal,
    ${r.pick(S.segment, 'k', SEGMENTS)} AS c_mktsegment,
    ${r.sentence(S.comment, 'k', LONG_SENTENCE)} AS c_comment
  FROM (SELECT i AS k, ${r.balanced(S.nation, 'i - 1', NATIONS.length)} AS nat FROM range(${from}, ${to}) t(i))`;
}

/** Steps coprime to 92: walking the colour list with one of them never repeats within 5 words. */
const COLOR_STEPS = Array.from({ length: COLORS.length - 1 }, (_, i) => i + 1).filter((s) => gcd(s, COLORS.length) === 1);

/** Retail price in cents, the spec's formula (clause 4.2.3). */
const retailCents = (partkeySql: string) => `(90000 + ((${partkeySql} // 10) % 20001) + 100 * (${partkeySql} % 1000))`;

/*
 * Manufacturer, brand and container are drawn jointly and balanced (see
 * RandomSql.balanced): every 1000 consecutive parts hold each of the 25 brands
 * x 40 containers once, so selective Q17/Q19 predicates such as
 * Brand#23 + MED BOX match parts even at SF 0.01.
 */
const BRAND_CONTAINER_COMBOS = 25 * CONTAINER_SYLLABLE_1.length * CONTAINER_SYLLABLE_2.length;

/** Parts with keys [from, to). */
export function partSql(p: TpchParams, from: number, to: number): string {
  const r = randomSql(p.seed, T.part);
  const colors = listSql(COLORS);
  const name = [0, 1, 2, 3, 4].map((j) => `${colors}[1 + (c0 + ${j} * cs) % ${COLORS.length}]`).join(` || ' ' || `);
  return `SELECT k::INTEGER AS p_partkey, ${name} AS p_name,
    'Manufacturer#' || (bc % 5 + 1)::VARCHAR AS p_mfgr,
    'Brand#' || (bc % 5 + 1)::VARCHAR || ((bc // 5) % 5 + 1)::VARCHAR AS p_brand,
    ${r.pick(S.type1, 'k', TYPE_SYLLABLE_1)} || ' ' || ${r.pick(S.type2, 'k', TYPE_SYLLABLE_2)} || ' ' ||
      ${r.pick(S.type3, 'k', TYPE_SYLLABLE_3)} AS p_type,
    ${r.int(S.size, 'k', 1, 50)}::INTEGER AS p_size,
    ${listSql(CONTAINER_SYLLABLE_1)}[1 + (bc // 25) % 5] || ' ' || ${listSql(CONTAINER_SYLLABLE_2)}[1 + bc // 125] AS p_container,
    ${money(retailCents('k'))} AS p_retailprice,
    ${r.sentence(S.comment, 'k', [ADJECTIVES, NOUNS, VERBS])} AS p_comment
  FROM (SELECT i AS k, ${r.int(S.colorStart, 'i', 0, COLORS.length - 1)} AS c0,
      [${COLOR_STEPS.join(', ')}][1 + (${r.hash(S.colorStep, 'i')} % ${COLOR_STEPS.length})::INTEGER] AS cs,
      ${r.balanced(S.brand, 'i - 1', BRAND_CONTAINER_COMBOS)} AS bc
    FROM range(${from}, ${to}) t(i))`;
}

/** The spec's supplier of the i-th (0..3) partsupp row of a part. */
const suppkeyOf = (partkeySql: string, iSql: string, suppliers: number) =>
  `((${partkeySql} + ${iSql} * (${Math.floor(suppliers / 4)} + (${partkeySql} - 1) // ${suppliers})) % ${suppliers} + 1)`;

/** The 4 partsupp rows of each part with key in [from, to). */
export function partsuppSql(p: TpchParams, from: number, to: number): string {
  const r = randomSql(p.seed, T.partsupp);
  const suppliers = tpchCounts(p.scaleFactor).supplier;
  const key = 'k * 4 + i';
  return `SELECT k::INTEGER AS ps_partkey, ${suppkeyOf('k', 'i', suppliers)}::INTEGER AS ps_suppkey,
    ${r.int(S.availqty, key, 1, 9999)}::INTEGER AS ps_availqty,
    ${money(r.int(S.supplycost, key, 100, 100_000))} AS ps_supplycost,
    ${r.sentence(S.comment, key, LONG_SENTENCE)} AS ps_comment
  FROM (SELECT k, unnest(range(4)) AS i FROM range(${from}, ${to}) t(k))`;
}

/**
 * The order keys of a slice with the per-order values lineitem needs.
 * Keys are sparse as in the spec: of each 32 consecutive keys only the first 8 are used.
 */
function orderKeysSql(p: TpchParams, slice: OrderSlice): string {
  const r = randomSql(p.seed, T.orders);
  const total = tpchCounts(p.scaleFactor).orders;
  const [from, to, filter] =
    slice.kind === 'range'
      ? [slice.from, slice.to, '']
      : [0, total, `WHERE ${bucketExpr(hashKeySql('o_orderkey', ORDER_KEY_TYPE), slice.buckets)} = ${slice.bucket}`];
  return `SELECT o_orderkey,
      (DATE '${START_DATE}' + ${r.int(S.orderdate, 'o_orderkey', 0, ORDER_DATE_SPAN_DAYS)}::INTEGER) AS o_orderdate,
      ${r.int(S.lines, 'o_orderkey', 1, 7)} AS lines
    FROM (SELECT ((i // 8) * 32 + i % 8 + 1)::${ORDER_KEY_TYPE} AS o_orderkey FROM range(${from}, ${to}) t(i)) ${filter}`;
}

/** Line items of the orders of a slice, in (l_orderkey, l_linenumber) order. */
export function lineitemSql(p: TpchParams, slice: OrderSlice): string {
  const r = randomSql(p.seed, T.lineitem);
  const { part, supplier } = tpchCounts(p.scaleFactor);
  const key = 'lk';
  const lines = `SELECT o_orderkey, o_orderdate, unnest(range(1, lines + 1)) AS ln FROM (${orderKeysSql(p, slice)})`;
  // lk: a unique key per line item, the hash key of all its random values.
  const drawn = `SELECT o_orderkey, o_orderdate, ln, lk,
      ${r.int(S.partkey, key, 1, part)} AS pk,
      ${r.int(S.quantity, key, 1, 50)} AS qty,
      (o_orderdate + ${r.int(S.shipdays, key, 1, 121)}::INTEGER) AS ship
    FROM (SELECT *, o_orderkey * 8 + ln AS lk FROM (${lines}))`;
  return `SELECT o_orderkey AS l_orderkey, pk::INTEGER AS l_partkey,
      ${suppkeyOf('pk', r.int(S.suppidx, key, 0, 3), supplier)}::INTEGER AS l_suppkey,
      ln::INTEGER AS l_linenumber, qty::DECIMAL(15,2) AS l_quantity,
      ${money(`qty * ${retailCents('pk')}`)} AS l_extendedprice,
      ${money(r.int(S.discount, key, 0, 10))} AS l_discount,
      ${money(r.int(S.tax, key, 0, 8))} AS l_tax,
      CASE WHEN receipt <= DATE '${CURRENT_DATE}'
        THEN ${r.pick(S.returnflag, key, ['R', 'A'])} ELSE 'N' END AS l_returnflag,
      CASE WHEN ship > DATE '${CURRENT_DATE}' THEN 'O' ELSE 'F' END AS l_linestatus,
      ship AS l_shipdate,
      (o_orderdate + ${r.int(S.commitdays, key, 30, 90)}::INTEGER) AS l_commitdate,
      receipt AS l_receiptdate,
      ${r.pick(S.instruct, key, SHIP_INSTRUCTIONS)} AS l_shipinstruct,
      ${r.pick(S.mode, key, SHIP_MODES)} AS l_shipmode,
      ${r.sentence(S.comment, key, SHORT_SENTENCE)} AS l_comment
    FROM (SELECT *, (ship + ${r.int(S.receiptdays, key, 1, 30)}::INTEGER) AS receipt FROM (${drawn}))`;
}

/**
 * Orders of a slice. Status and total price are derived from the slice's line
 * items, read back from `lineitemSource` (a table expression such as
 * `read_parquet('...')`), exactly as the spec defines them.
 */
export function ordersSql(p: TpchParams, slice: OrderSlice, lineitemSource: string): string {
  const r = randomSql(p.seed, T.orders);
  const { customer, clerks } = tpchCounts(p.scaleFactor);
  // Only customers whose key is not a multiple of 3 place orders (spec), so a
  // third of customers have none (Q13, Q22). Draw the m-th such key directly.
  const withOrders = customer - Math.floor(customer / 3);
  const m = r.int(S.customer, 'o.o_orderkey', 0, withOrders - 1);
  const totals = `SELECT l_orderkey, count(*) AS n,
      count(*) FILTER (WHERE l_linestatus = 'F') AS f, count(*) FILTER (WHERE l_linestatus = 'O') AS o,
      sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS total
    FROM ${lineitemSource} GROUP BY l_orderkey`;
  return `SELECT o.o_orderkey, (3 * (${m} // 2) + (${m} % 2) + 1)::INTEGER AS o_custkey,
      CASE WHEN a.f = a.n THEN 'F' WHEN a.o = a.n THEN 'O' ELSE 'P' END AS o_orderstatus,
      a.total::DECIMAL(15,2) AS o_totalprice, o.o_orderdate,
      ${r.pick(S.priority, 'o.o_orderkey', PRIORITIES)} AS o_orderpriority,
      'Clerk#' || ${digits9(r.int(S.clerk, 'o.o_orderkey', 1, clerks))} AS o_clerk,
      0::INTEGER AS o_shippriority,
      ${r.sentence(S.comment, 'o.o_orderkey', LONG_SENTENCE)} AS o_comment
    FROM (${orderKeysSql(p, slice)}) o JOIN (${totals}) a ON a.l_orderkey = o.o_orderkey
    ORDER BY o.o_orderkey`;
}

function listSql(words: readonly string[]): string {
  return `[${words.map(sqlString).join(', ')}]`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
