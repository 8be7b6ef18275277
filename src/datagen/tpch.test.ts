import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateTpch, TPCH_TABLES } from './tpch.ts';
import { tpchCounts } from './tpch-sql.ts';
import { TPCH_QUERIES } from './tpch-queries.ts';
import { evenRanges } from '../storage/bucket.ts';
import { openStorageDb, queryRows, sqlString, type StorageDb } from '../storage/duckdb.ts';
import { resolveDataPath, tablePaths, type Manifest } from '../storage/manifest.ts';
import { readManifest } from '../storage/manifest-store.ts';

const SF = 0.01;
const PARTITIONS = 4;
let root: string;
let even: string; // SF 0.01, 4 even partitions
let again: string; // same arguments again (determinism)
let hashed: string; // SF 0.01, 4 hash buckets on the order key
let manifest: Manifest;
let db: StorageDb;
const progress: [string, number, number][] = [];

// Each table has one write directory: <table>/<write>/part-*.parquet.
const files = (dir: string, table: string) => `read_parquet(${sqlString(path.join(dir, table, '*', '*.parquet'))})`;
const rows = (sql: string) => queryRows(db.connection, sql);
const one = async (sql: string): Promise<unknown> => Object.values((await rows(sql))[0])[0];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-tpch-test-'));
  [even, again, hashed] = ['even', 'again', 'hashed'].map((d) => path.join(root, d));
  const common = { scaleFactor: SF, partitions: PARTITIONS, threads: 2, memoryLimit: '1GB' } as const;
  manifest = await generateTpch({ ...common, outDir: even, onProgress: (t, p, r) => progress.push([t, p, r]) });
  await generateTpch({ ...common, outDir: again });
  await generateTpch({ ...common, outDir: hashed, hashKey: true });
  db = await openStorageDb({ threads: 2, memoryLimit: '1GB' });
  for (const table of TPCH_TABLES) await db.connection.run(`CREATE VIEW ${table} AS SELECT * FROM ${files(even, table)}`);
});

after(async () => {
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

test('evenRanges splits without gaps and sizes differ by at most one', () => {
  assert.deepEqual(evenRanges(0, 10, 3), [[0, 3], [3, 6], [6, 10]]);
  assert.deepEqual(evenRanges(1, 3, 2), [[1, 2], [2, 3]]);
});

test('row counts follow the spec ratios', async () => {
  const c = tpchCounts(SF);
  const expected: Record<string, number> = {
    region: 5, nation: 25, supplier: c.supplier, customer: c.customer, part: c.part, partsupp: 4 * c.part, orders: c.orders,
  };
  assert.deepEqual([c.supplier, c.customer, c.part, c.orders], [100, 1500, 2000, 15000]);
  for (const [table, n] of Object.entries(expected)) assert.equal(Number(await one(`SELECT count(*) FROM ${table}`)), n, table);
  const lineitems = Number(await one('SELECT count(*) FROM lineitem'));
  assert.ok(lineitems > 3.8 * c.orders && lineitems < 4.2 * c.orders, `lineitem ${lineitems} should be ~4 per order`);
  assert.equal(Number(await one('SELECT max(l_linenumber) FROM lineitem')), 7);
});

test('manifest records partitions, row counts, sizes, DuckDB types and stats', async () => {
  assert.deepEqual(Object.keys(manifest.tables).sort(), [...TPCH_TABLES].sort());
  assert.deepEqual(await readManifest(even), manifest);
  for (const table of Object.values(manifest.tables)) {
    assert.equal(table.partitions.length, ['region', 'nation'].includes(table.name) ? 1 : PARTITIONS, table.name);
    assert.deepEqual(table.partitioning, { scheme: 'even' });
    const total = table.partitions.reduce((s, p) => s + p.rows, 0);
    assert.equal(total, Number(await one(`SELECT count(*) FROM ${table.name}`)), table.name);
    // One fresh directory per table and run, one file per partition.
    const directory = path.posix.dirname(table.partitions[0].files[0].path);
    assert.match(directory, new RegExp(`^${table.name}/\\d{8}T\\d{6}Z-[0-9a-f]{8}$`));
    table.partitions.forEach((p, i) => assert.deepEqual(p.files.map((f) => f.path), [`${directory}/part-${String(i).padStart(5, '0')}.parquet`]));
    for (const p of table.partitions) {
      const [file] = p.files;
      assert.equal(file.bytes, (await stat(resolveDataPath(even, file.path))).size, file.path);
      assert.deepEqual([p.rows, p.bytes], [file.rows, file.bytes]);
      assert.deepEqual(Object.keys(file.columns), table.columns.map((c) => c.name));
    }
  }
  const types = Object.fromEntries(manifest.tables.lineitem.columns.map((c) => [c.name, c.type]));
  assert.deepEqual(types, {
    l_orderkey: 'BIGINT', l_partkey: 'INTEGER', l_suppkey: 'INTEGER', l_linenumber: 'INTEGER', l_quantity: 'DECIMAL(15,2)',
    l_extendedprice: 'DECIMAL(15,2)', l_discount: 'DECIMAL(15,2)', l_tax: 'DECIMAL(15,2)', l_returnflag: 'VARCHAR',
    l_linestatus: 'VARCHAR', l_shipdate: 'DATE', l_commitdate: 'DATE', l_receiptdate: 'DATE', l_shipinstruct: 'VARCHAR',
    l_shipmode: 'VARCHAR', l_comment: 'VARCHAR',
  });
  assert.deepEqual(manifest.tables.orders.columns.map((c) => c.name), [
    'o_orderkey', 'o_custkey', 'o_orderstatus', 'o_totalprice', 'o_orderdate', 'o_orderpriority', 'o_clerk', 'o_shippriority', 'o_comment',
  ]);
  // Stats of every partition equal what the file holds.
  for (const [i, part] of manifest.tables.orders.partitions.entries()) {
    const [file] = part.files;
    const [s] = await rows(`SELECT min(o_orderkey)::VARCHAR AS lo, max(o_orderdate)::VARCHAR AS hi, count(*) - count(o_comment) AS nulls
      FROM read_parquet(${sqlString(resolveDataPath(even, file.path))})`);
    assert.equal(file.columns.o_orderkey.min, s.lo, `partition ${i}`);
    assert.equal(file.columns.o_orderdate.max, s.hi, `partition ${i}`);
    assert.equal(file.columns.o_comment.nulls, Number(s.nulls), `partition ${i}`);
  }
  // Even partitions are key ranges in order.
  const keys = manifest.tables.customer.partitions.map((p) => p.files[0].columns.c_custkey);
  for (let i = 1; i < keys.length; i++) assert.ok(Number(keys[i - 1].max) < Number(keys[i].min));
  assert.equal(progress.length, 2 + 4 * PARTITIONS + 2 * PARTITIONS);
  assert.deepEqual(progress[0], ['region', 0, 5]);
});

test('key relationships hold', async () => {
  const zero = async (what: string, sql: string) => assert.equal(Number(await one(sql)), 0, what);
  await zero('l_orderkey in orders', 'SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders)');
  await zero('every order has line items', 'SELECT count(*) FROM orders WHERE o_orderkey NOT IN (SELECT l_orderkey FROM lineitem)');
  await zero('o_custkey in customer', 'SELECT count(*) FROM orders WHERE o_custkey NOT IN (SELECT c_custkey FROM customer)');
  await zero('no orders for custkey % 3 = 0', 'SELECT count(*) FROM orders WHERE o_custkey % 3 = 0');
  await zero('(l_partkey, l_suppkey) in partsupp',
    'SELECT count(*) FROM lineitem l ANTI JOIN partsupp ps ON ps.ps_partkey = l.l_partkey AND ps.ps_suppkey = l.l_suppkey');
  await zero('ps_partkey in part', 'SELECT count(*) FROM partsupp WHERE ps_partkey NOT IN (SELECT p_partkey FROM part)');
  await zero('ps_suppkey in supplier', 'SELECT count(*) FROM partsupp WHERE ps_suppkey NOT IN (SELECT s_suppkey FROM supplier)');
  await zero('partsupp key unique', 'SELECT count(*) - count(DISTINCT (ps_partkey, ps_suppkey)) FROM partsupp');
  await zero('order key unique', 'SELECT count(*) - count(DISTINCT o_orderkey) FROM orders');
  await zero('nation -> region', 'SELECT count(*) FROM nation WHERE n_regionkey NOT IN (SELECT r_regionkey FROM region)');
  await zero('supplier -> nation', 'SELECT count(*) FROM supplier WHERE s_nationkey NOT IN (SELECT n_nationkey FROM nation)');
  await zero('customer -> nation', 'SELECT count(*) FROM customer WHERE c_nationkey NOT IN (SELECT n_nationkey FROM nation)');
  // Sparse order keys: only the first 8 of every 32.
  await zero('sparse order keys', 'SELECT count(*) FROM orders WHERE (o_orderkey - 1) % 32 >= 8');
});

test('value domains follow the spec', async () => {
  const combos = (await rows('SELECT DISTINCT l_returnflag || l_linestatus AS c FROM lineitem ORDER BY 1')).map((r) => r.c);
  assert.deepEqual(combos, ['AF', 'NF', 'NO', 'RF']);
  const zero = async (what: string, where: string, table = 'lineitem') =>
    assert.equal(Number(await one(`SELECT count(*) FROM ${table} WHERE ${where}`)), 0, what);
  await zero('orderdate range', "o_orderdate < DATE '1992-01-01' OR o_orderdate > DATE '1998-08-02'", 'orders');
  await zero('dates relative to the order', `NOT (l_shipdate - o_orderdate BETWEEN 1 AND 121 AND l_commitdate - o_orderdate BETWEEN 30 AND 90
    AND l_receiptdate - l_shipdate BETWEEN 1 AND 30)`, 'lineitem JOIN orders ON l_orderkey = o_orderkey');
  await zero('returnflag rule', "(l_receiptdate <= DATE '1995-06-17') <> (l_returnflag IN ('R', 'A'))");
  await zero('linestatus rule', "(l_shipdate > DATE '1995-06-17') <> (l_linestatus = 'O')");
  await zero('quantity, discount, tax', 'l_quantity NOT BETWEEN 1 AND 50 OR l_discount NOT BETWEEN 0 AND 0.10 OR l_tax NOT BETWEEN 0 AND 0.08');
  await zero('extendedprice = quantity * retailprice', 'l_extendedprice <> l_quantity * p_retailprice', 'lineitem JOIN part ON l_partkey = p_partkey');
  await zero('retailprice formula', 'p_retailprice * 100 <> 90000 + ((p_partkey // 10) % 20001) + 100 * (p_partkey % 1000)', 'part');
  await zero('brand matches manufacturer', "substr(p_brand, 7, 1) <> substr(p_mfgr, 14, 1) OR p_size NOT BETWEEN 1 AND 50", 'part');
  await zero('orderstatus and totalprice from line items', `o_orderstatus <> CASE WHEN f = n THEN 'F' WHEN f = 0 THEN 'O' ELSE 'P' END
    OR o_totalprice <> total`, `orders JOIN (SELECT l_orderkey, count(*) n, count(*) FILTER (l_linestatus = 'F') f,
      sum(l_extendedprice * (1 + l_tax) * (1 - l_discount))::DECIMAL(15,2) total FROM lineitem GROUP BY ALL) ON l_orderkey = o_orderkey`);
  await zero('phone country code', "NOT regexp_full_match(c_phone, '\\d\\d-\\d{3}-\\d{3}-\\d{4}') OR substr(c_phone, 1, 2)::INTEGER <> c_nationkey + 10", 'customer');
  await zero('supplier phone', 'substr(s_phone, 1, 2)::INTEGER <> s_nationkey + 10', 'supplier');
  await zero('acctbal range', 'c_acctbal NOT BETWEEN -999.99 AND 9999.99', 'customer');
  const distinct = async (column: string, table: string) =>
    (await rows(`SELECT DISTINCT ${column} AS v FROM ${table} ORDER BY 1`)).map((r) => r.v);
  assert.deepEqual(await distinct('c_mktsegment', 'customer'), ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY']);
  assert.deepEqual(await distinct('o_orderpriority', 'orders'), ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW']);
  assert.deepEqual(await distinct('l_shipmode', 'lineitem'), ['AIR', 'FOB', 'MAIL', 'RAIL', 'REG AIR', 'SHIP', 'TRUCK']);
  assert.deepEqual(await distinct('l_shipinstruct', 'lineitem'), ['COLLECT COD', 'DELIVER IN PERSON', 'NONE', 'TAKE BACK RETURN']);
  assert.equal(Number(await one('SELECT count(DISTINCT p_type) FROM part')), 150);
  assert.equal(Number(await one('SELECT count(DISTINCT p_container) FROM part')), 40);
  assert.equal(Number(await one("SELECT count(*) FROM part WHERE len(string_split(p_name, ' ')) <> 5 OR len(list_distinct(string_split(p_name, ' '))) <> 5")), 0);
  // Comment words: the LIKE patterns of Q13 and Q16 match a small fraction.
  const special = Number(await one("SELECT avg((o_comment LIKE '%special%requests%')::INTEGER) FROM orders"));
  assert.ok(special > 0 && special < 0.05, `special requests fraction ${special}`);
  assert.ok(Number(await one("SELECT count(*) FROM supplier WHERE s_comment LIKE '%Customer%Complaints%'")) >= 1);
  assert.ok(Number(await one("SELECT count(*) FROM supplier WHERE s_comment LIKE '%Customer%Recommends%'")) >= 1);
  // Balanced nations: every nation has suppliers and customers even at SF 0.01.
  assert.equal(Number(await one('SELECT count(DISTINCT s_nationkey) FROM supplier')), 25);
  assert.deepEqual((await rows('SELECT r_name FROM region ORDER BY r_regionkey')).map((r) => r.r_name), ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST']);
  assert.equal(await one('SELECT n_name FROM nation WHERE n_nationkey = 24'), 'UNITED STATES');
});

test('generation is deterministic: same arguments give byte-identical files', async () => {
  // Write directories are named by time and chance; the files in them are compared.
  const digest = async (dir: string) => {
    const out: Record<string, string> = {};
    for (const table of Object.values((await readManifest(dir)).tables)) {
      for (const file of tablePaths(table)) {
        out[`${table.name}/${path.posix.basename(file)}`] = createHash('sha256').update(await readFile(resolveDataPath(dir, file))).digest('hex');
      }
    }
    return out;
  };
  const a = await digest(even);
  assert.equal(Object.keys(a).length, 2 + 6 * PARTITIONS);
  assert.deepEqual(await digest(again), a);
});

test('hash partitioning: union of partitions equals the even data set', async () => {
  for (const table of TPCH_TABLES) {
    const [a, b] = [files(even, table), files(hashed, table)];
    const diff = await one(`SELECT (SELECT count(*) FROM (FROM ${a} EXCEPT ALL FROM ${b})) + (SELECT count(*) FROM (FROM ${b} EXCEPT ALL FROM ${a}))`);
    assert.equal(Number(diff), 0, table);
  }
});

test('hash partitioning co-locates lineitem with orders', async () => {
  const m = await readManifest(hashed);
  const [{ version }] = await rows('SELECT library_version AS version FROM pragma_version()');
  const hash = { scheme: 'hash', keyType: 'BIGINT', buckets: PARTITIONS, hashedBy: version };
  assert.deepEqual(m.tables.orders.partitioning, { ...hash, column: 'o_orderkey' });
  assert.deepEqual(m.tables.lineitem.partitioning, { ...hash, column: 'l_orderkey' });
  assert.deepEqual(m.tables.customer.partitioning, { scheme: 'even' });
  const bucketed = (table: string, key: string) =>
    `(SELECT ${key} AS k, regexp_extract(filename, 'part-(\\d+)', 1)::INTEGER AS p
      FROM read_parquet(${sqlString(path.join(hashed, table, '*', '*.parquet'))}, filename = true))`;
  // Every row sits in the bucket hash(key) % N, in both tables ...
  for (const [table, key] of [['orders', 'o_orderkey'], ['lineitem', 'l_orderkey']]) {
    assert.equal(Number(await one(`SELECT count(*) FROM ${bucketed(table, key)} WHERE hash(k) % ${PARTITIONS} <> p`)), 0, table);
  }
  // ... so every line item is in the same partition as its order.
  const [r] = await rows(`SELECT count(*) AS n, count(*) FILTER (l.p <> o.p) AS misplaced
    FROM ${bucketed('lineitem', 'l_orderkey')} l JOIN ${bucketed('orders', 'o_orderkey')} o ON l.k = o.k`);
  assert.equal(Number(r.misplaced), 0);
  assert.equal(Number(r.n), Number(await one('SELECT count(*) FROM lineitem')));
  for (const part of m.tables.orders.partitions) assert.ok(part.rows > 0);
});

test('all 22 TPC-H queries return rows at SF 0.01', async () => {
  assert.deepEqual(TPCH_QUERIES.map((q) => q.id), Array.from({ length: 22 }, (_, i) => i + 1));
  for (const q of TPCH_QUERIES) {
    const result = await rows(q.sql);
    assert.ok(result.length >= 1, `Q${q.id} returned no rows`);
    // Single-row aggregates (Q6, Q14, Q17, Q19) must aggregate something.
    assert.ok(Object.values(result[0]).some((v) => v !== null), `Q${q.id} returned only NULLs`);
  }
});
