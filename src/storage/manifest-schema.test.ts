import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, assertRelativePath, partitionOf, partitionPaths, referencedPaths, resolveDataPath, tableBytes, tablePaths, tableRows, type Manifest, type TableEntry } from './manifest.ts';
import { ManifestFormatError, parseManifest } from './manifest-schema.ts';

const stats = { min: '1', max: '9', nulls: 0 };
const file = (path: string, rows = 5, bytes = 100) => ({ path, rows, bytes, columns: { k: stats, v: { min: null, max: null, nulls: rows } } });

const orders: TableEntry = {
  name: 'orders',
  columns: [{ name: 'k', type: 'BIGINT', comment: 'order key' }, { name: 'v', type: 'INTEGER[]' }],
  partitioning: { scheme: 'hash', column: 'k', keyType: 'BIGINT', buckets: 2, hashedBy: 'v1.5.6' },
  partitions: [partitionOf([file('orders/w1/part-00000.parquet'), file('orders/w1/part-00000b.parquet', 3, 40)]), partitionOf([file('orders/w1/part-00001.parquet')])],
  comment: 'one row per order',
};

const valid: Manifest = {
  format: 2,
  version: 7,
  tables: { orders },
  views: { big_orders: { name: 'big_orders', sql: 'SELECT * FROM orders WHERE k > 5', comment: 'for the dashboard' } },
  retired: [{ path: 'orders/w0/part-00000.parquet', retiredAtVersion: 6, retiredAtMs: 1_700_000_000_000 }],
};

/** A deep copy of `valid` changed by `edit`, parsed. */
function parseEdited(edit: (m: any) => void): Manifest {
  const copy = JSON.parse(JSON.stringify(valid));
  edit(copy);
  return parseManifest(copy, 'm.json');
}

const rejects = (edit: (m: any) => void, message: RegExp) =>
  assert.throws(() => parseEdited(edit), (e: Error) => e instanceof ManifestError && message.test(e.message), String(message));

test('a valid manifest round-trips through JSON unchanged, views and comments included', () => {
  assert.deepEqual(parseManifest(JSON.parse(JSON.stringify(valid)), 'm.json'), valid);
});

test('helpers: paths, rows and bytes of partitions and tables', () => {
  assert.deepEqual(partitionPaths(orders.partitions[0]), ['orders/w1/part-00000.parquet', 'orders/w1/part-00000b.parquet']);
  assert.deepEqual(orders.partitions[0], { files: orders.partitions[0].files, rows: 8, bytes: 140 });
  assert.equal(tablePaths(orders).length, 3);
  assert.equal(tableRows(orders), 13);
  assert.equal(tableBytes(orders), 240);
  assert.deepEqual([...referencedPaths(valid)].sort(), tablePaths(orders).sort());
});

test('paths must stay inside the data directory and have one spelling', () => {
  for (const bad of ['/etc/passwd', '../x.parquet', 'a/../../x', 'a//b', './a', 'a/./b', 'a\\b', '', 'a/', 'a\0b']) {
    assert.throws(() => assertRelativePath(bad), ManifestError, JSON.stringify(bad));
    if (bad !== '') rejects((m) => (m.tables.orders.partitions[1].files[0].path = bad), /partitions\[1\]\.files\[0\]\.path: .*must be relative/);
  }
  rejects((m) => (m.tables.orders.partitions[1].files[0].path = ''), /files\[0\]\.path: expected a non-empty string/);
  assert.equal(resolveDataPath('/data', 'orders/w1/p.parquet'), '/data/orders/w1/p.parquet');
  assert.throws(() => resolveDataPath('/data', '../secret'), ManifestError);
  rejects((m) => (m.retired[0].path = '../outside'), /retired\[0\]\.path: .*must be relative/);
});

test('format 1 and unknown formats are told apart', () => {
  assert.throws(() => parseEdited((m) => (m.format = 1)), (e: Error) => e instanceof ManifestFormatError && /format 1; it is upgraded/.test(e.message));
  assert.throws(() => parseEdited((m) => (m.format = 3)), (e: Error) => e instanceof ManifestFormatError && /unsupported manifest format 3/.test(e.message));
});

test('validation is strict and says where', () => {
  rejects((m) => (m.extra = 1), /m\.json: manifest: unknown field "extra"/);
  rejects((m) => (m.tables.orders.partitions[0].files[0].stats = {}), /files\[0\]: unknown field "stats"/);
  rejects((m) => (m.version = -1), /version: expected a non-negative integer/);
  rejects((m) => (m.version = 1.5), /version: expected a non-negative integer/);
  rejects((m) => (m.tables.orders.name = 'other'), /tables\.orders\.name: "other" differs from its key/);
  rejects((m) => (m.tables.orders.columns = []), /at least one column/);
  rejects((m) => m.tables.orders.columns.push({ name: 'K', type: 'INTEGER' }), /column "K" appears twice/);
  rejects((m) => (m.tables.orders.partitions = []), /at least one partition/);
  rejects((m) => (m.tables.orders.partitions[0].files = []), /a partition needs at least one file/);
  rejects((m) => (m.tables.orders.partitions[0].rows = 9), /partitions\[0\]\.rows: 9 is not the sum of its files' rows \(8\)/);
  rejects((m) => (m.tables.orders.partitions[0].bytes = 1), /partitions\[0\]\.bytes: 1 is not the sum/);
  rejects((m) => (m.tables.orders.partitions[1].files[0].columns.w = stats), /files\[0\]\.columns: unknown field "w"/);
  rejects((m) => (m.tables.orders.partitions[1].files[0].columns.v.nulls = 6), /columns\.v\.nulls: 6 nulls in a file of 5 rows/);
  rejects((m) => (m.tables.orders.partitions[1].files[0].columns.k.min = 1), /columns\.k\.min: expected a string/);
  rejects((m) => (m.tables.orders.partitions[1].files[0].path = 'orders/w1/part-00000.parquet'), /is listed twice/);
  rejects((m) => (m.tables.orders.partitioning.scheme = 'range'), /unknown partitioning scheme "range"/);
  rejects((m) => delete m.tables.orders.partitioning.hashedBy, /partitioning\.hashedBy: expected a non-empty string/);
  rejects((m) => (m.tables.orders.partitioning.column = 'nope'), /partitioning\.column: "nope" is not a column/);
  rejects((m) => (m.tables.orders.partitioning.buckets = 3), /partitioning\.buckets: 3 buckets but 2 partitions/);
  rejects((m) => (m.tables.Orders = { ...m.tables.orders, name: 'Orders' }), /clashes with table "orders"/);
  rejects((m) => (m.views.orders = { name: 'orders', sql: 'SELECT 1' }), /views\.orders: a table named "orders" exists/);
  rejects((m) => (m.views.big_orders.sql = ''), /views\.big_orders\.sql: expected a non-empty string/);
  // A retired file that is still referenced would be deleted under a running query.
  rejects((m) => (m.retired[0].path = 'orders/w1/part-00001.parquet'), /retired\[0\]\.path: .* is still referenced/);
  rejects((m) => (m.retired[0].retiredAtVersion = 8), /retiredAtVersion: 8 is not a version up to 7/);
});

test('a file may leave a column without statistics: they are unknown, not empty', () => {
  const m = parseEdited((copy) => delete copy.tables.orders.partitions[1].files[0].columns.v);
  assert.deepEqual(m.tables.orders.partitions[1].files[0].columns, { k: stats });
});

test('a column named __proto__ is an ordinary column', () => {
  const m = parseEdited((copy) => {
    copy.tables.orders.columns.push({ name: '__proto__', type: 'INTEGER' });
    for (const partition of copy.tables.orders.partitions) {
      for (const f of partition.files) Object.defineProperty(f.columns, '__proto__', { value: stats, enumerable: true, configurable: true, writable: true });
    }
  });
  const columns = m.tables.orders.partitions[0].files[0].columns;
  assert.deepEqual(Object.keys(columns), ['k', 'v', '__proto__']);
  assert.equal(Object.getPrototypeOf(columns), Object.prototype);
});
