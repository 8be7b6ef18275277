// The ordered merge's premise, checked against DuckDB itself: for every type sortKeyType()
// allows and every modifier, the byte order of create_sort_key is DuckDB's ORDER BY order (rows
// the key ties are peers of ORDER BY, and a row with a smaller key never sorts after one with
// a larger key; ORDER BY peers may differ in their keys: ties come in any order), and
// DuckDB orders the key BLOBs by memcmp, as the tasks sort by them and the gateway merges them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DuckDBBlobValue, DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_NULL_ORDER, DEFAULT_ORDER, sortKeyModifier, sortKeySql, sortKeyType } from './sort-key.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** SQL literals of one type: each arbitrary yields expressions of that type (NULL included). */
const LITERALS: Record<string, fc.Arbitrary<string>> = {
  BOOLEAN: fc.boolean().map(String),
  TINYINT: fc.integer({ min: -128, max: 127 }).map((v) => `CAST(${v} AS TINYINT)`),
  SMALLINT: fc.integer({ min: -32768, max: 32767 }).map((v) => `CAST(${v} AS SMALLINT)`),
  INTEGER: fc.integer().map((v) => `CAST(${v} AS INTEGER)`),
  BIGINT: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => `CAST(${v} AS BIGINT)`),
  HUGEINT: fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }).map((v) => `CAST(${v} AS HUGEINT)`),
  UTINYINT: fc.integer({ min: 0, max: 255 }).map((v) => `CAST(${v} AS UTINYINT)`),
  USMALLINT: fc.integer({ min: 0, max: 65535 }).map((v) => `CAST(${v} AS USMALLINT)`),
  UINTEGER: fc.nat().map((v) => `CAST(${v} AS UINTEGER)`),
  UBIGINT: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => `CAST(${v} AS UBIGINT)`),
  UHUGEINT: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((v) => `CAST(${v} AS UHUGEINT)`),
  FLOAT: fc.oneof(fc.float(), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity)).map((v) => `${quote(Object.is(v, -0) ? '-0.0' : String(v))}::FLOAT`),
  DOUBLE: fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e-300, -1e300)).map((v) => `${quote(Object.is(v, -0) ? '-0.0' : String(v))}::DOUBLE`),
  'DECIMAL(4,1)': fc.integer({ min: -9999, max: 9999 }).map((v) => `(${v}::DECIMAL(4,0) / 10)::DECIMAL(4,1)`),
  'DECIMAL(9,4)': fc.integer({ min: -999_999_999, max: 999_999_999 }).map((v) => `${quote(scaled(BigInt(v), 4))}::DECIMAL(9,4)`),
  'DECIMAL(18,3)': fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }).map((v) => `${quote(scaled(v, 3))}::DECIMAL(18,3)`),
  'DECIMAL(38,10)': fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }).map((v) => `${quote(scaled(v, 10))}::DECIMAL(38,10)`),
  VARCHAR: fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !s.includes('\0')).map((s) => `${quote(s)}::VARCHAR`),
  BLOB: fc.uint8Array({ maxLength: 6 }).map((b) => `from_hex(${quote(hex(b))})`),
  DATE: fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }).map((d) => `(DATE '1970-01-01' + ${d})`), fc.constantFrom("'infinity'::DATE", "'-infinity'::DATE")),
  TIME: fc.integer({ min: 0, max: 86_400_000_000 - 1 }).map((us) => `(TIME '00:00:00' + to_microseconds(${us}))`),
  TIMESTAMP: fc.oneof(timestampMicros().map((us) => `make_timestamp(${us}::BIGINT)`), fc.constantFrom("'infinity'::TIMESTAMP", "'-infinity'::TIMESTAMP")),
  TIMESTAMP_S: timestampMicros().map((us) => `make_timestamp(${us}::BIGINT)::TIMESTAMP_S`),
  TIMESTAMP_MS: timestampMicros().map((us) => `make_timestamp(${us}::BIGINT)::TIMESTAMP_MS`),
  TIMESTAMP_NS: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map((ns) => `make_timestamp_ns(${ns}::BIGINT)`),
  'TIMESTAMP WITH TIME ZONE': fc.oneof(timestampMicros().map((us) => `make_timestamp(${us}::BIGINT)::TIMESTAMPTZ`), fc.constantFrom("'infinity'::TIMESTAMPTZ")),
  UUID: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `${quote(hex(b).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'))}::UUID`),
};

function scaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

function timestampMicros(): fc.Arbitrary<bigint> {
  // Years about 1700 to 2300, microseconds and all; small ranges too, so values tie.
  return fc.oneof(fc.bigInt({ min: -8_000_000_000_000_000n, max: 10_000_000_000_000_000n }), fc.bigInt({ min: -3n, max: 3n }));
}

const MODIFIERS = fc.constantFrom(
  { type: 'ASCENDING', null_order: 'NULLS LAST' },
  { type: 'ASCENDING', null_order: 'NULLS FIRST' },
  { type: 'DESCENDING', null_order: 'NULLS LAST' },
  { type: 'DESCENDING', null_order: 'NULLS FIRST' },
  { type: 'ORDER_DEFAULT', null_order: 'NULLS FIRST' },
  { type: 'ORDER_DEFAULT', null_order: 'ORDER_DEFAULT' },
  { type: 'DESCENDING', null_order: 'ORDER_DEFAULT' },
);

/** The SQL text of an ORDER BY item with these modifiers (defaults left out, as a client writes them). */
function orderText(column: string, item: { type: string; null_order: string }): string {
  const direction = item.type === 'ASCENDING' ? ' ASC' : item.type === 'DESCENDING' ? ' DESC' : '';
  const nulls = item.null_order === 'ORDER_DEFAULT' ? '' : ` ${item.null_order}`;
  return `${column}${direction}${nulls}`;
}

/** Values of `type`, one in six NULL, a few repeated so ties occur. */
function column(type: string): fc.Arbitrary<string[]> {
  const value = fc.oneof({ weight: 5, arbitrary: LITERALS[type] }, { weight: 1, arbitrary: fc.constant(`NULL::${type}`) });
  return fc.array(value, { minLength: 1, maxLength: 25 }).chain((values) => fc.shuffledSubarray([...values, ...values.slice(0, 3)], { minLength: values.length }));
}

interface KeyedRow {
  readonly i: number;
  readonly key: Buffer;
  /** dense_rank() under DuckDB's own ORDER BY of the same keys: peers share it. */
  readonly rank: bigint;
}

/** Checks the sort key against ORDER BY for rows (a, b) of the given types and modifiers. */
async function checkKeys(columns: { values: string[]; item: { type: string; null_order: string } }[]): Promise<void> {
  const rows = columns[0].values.map((_, i) => `(${i}, ${columns.map((c) => c.values[i % c.values.length]).join(', ')})`);
  const names = columns.map((_, c) => `v${c}`);
  const key = sortKeySql(columns.map((c, n) => ({ sql: names[n], modifier: sortKeyModifier(c.item)! })));
  const order = columns.map((c, n) => orderText(names[n], c.item)).join(', ');
  const sql = `SELECT i, ${key} AS k, dense_rank() OVER (ORDER BY ${order}) AS r FROM (VALUES ${rows.join(', ')}) AS t(i, ${names.join(', ')})`;
  const reader = await connection.runAndReadAll(sql);
  const keyed: KeyedRow[] = reader.getRows().map(([i, k, r]) => ({ i: Number(i), key: Buffer.from((k as DuckDBBlobValue).bytes), rank: r as bigint }));
  const byKey = [...keyed].sort((a, b) => Buffer.compare(a.key, b.key) || a.i - b.i);
  for (let j = 1; j < byKey.length; j++) {
    const [p, q] = [byKey[j - 1], byKey[j]];
    const tie = Buffer.compare(p.key, q.key) === 0;
    assert.ok(tie ? p.rank === q.rank : p.rank <= q.rank, `rows ${p.i} and ${q.i}: key order and ORDER BY ${order} disagree (${sql})`);
  }
}

describe('create_sort_key', () => {
  it("DuckDB's ORDER BY defaults are the ones the planner resolves", async () => {
    const reader = await connection.runAndReadAll("SELECT current_setting('default_order'), current_setting('default_null_order')");
    assert.deepEqual(reader.getRows()[0], [DEFAULT_ORDER, DEFAULT_NULL_ORDER]);
  });

  for (const type of Object.keys(LITERALS)) {
    it(`orders ${type} as ORDER BY does, under every modifier`, async () => {
      assert.ok(sortKeyType(type), type);
      await fc.assert(
        fc.asyncProperty(column(type), MODIFIERS, async (values, item) => checkKeys([{ values, item }])),
        { numRuns: 25 },
      );
    });
  }

  it('orders two keys of mixed types as ORDER BY does', async () => {
    const types = Object.keys(LITERALS);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...types).chain((a) => fc.tuple(column(a), MODIFIERS)),
        fc.constantFrom(...types).chain((b) => fc.tuple(column(b), MODIFIERS)),
        async ([a, ma], [b, mb]) => checkKeys([{ values: a, item: ma }, { values: b, item: mb }]),
      ),
      { numRuns: 60 },
    );
  });

  it('sorts key BLOBs by memcmp in DuckDB (the tasks ORDER BY the key)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 5 }), { minLength: 1, maxLength: 30 }), async (blobs) => {
        const rows = blobs.map((b, i) => `(${i}, from_hex(${quote(hex(b))}))`).join(', ');
        const reader = await connection.runAndReadAll(`SELECT i FROM (VALUES ${rows}) AS t(i, k) ORDER BY k, i`);
        const want = blobs.map((b, i) => ({ b, i })).sort((x, y) => Buffer.compare(x.b, y.b) || x.i - y.i).map((x) => x.i);
        assert.deepEqual(reader.getRows().map(([i]) => Number(i)), want);
      }),
      { numRuns: 50 },
    );
  });

  it('is not ORDER BY order for INTERVAL (normalized in comparisons, not in the key)', async () => {
    const reader = await connection.runAndReadAll(
      `SELECT ${sortKeySql([{ sql: "INTERVAL '1 month'", modifier: 'ASC NULLS LAST' }])} < ${sortKeySql([{ sql: "INTERVAL '31 days'", modifier: 'ASC NULLS LAST' }])}, INTERVAL '1 month' < INTERVAL '31 days'`,
    );
    assert.deepEqual(reader.getRows()[0], [false, true]);
  });

  it('refuses types it has not checked, and resolves default modifiers', () => {
    for (const type of ['INTEGER[]', 'STRUCT(a INTEGER)', 'MAP(VARCHAR, INTEGER)', 'JSON', 'BIT', 'INTERVAL', "ENUM('a', 'b')", 'VARIANT']) assert.ok(!sortKeyType(type), type);
    assert.ok(sortKeyType('DECIMAL(15,2)') && sortKeyType('timestamp with time zone'));
    assert.equal(sortKeyModifier({ type: 'ORDER_DEFAULT', null_order: 'ORDER_DEFAULT' }), 'ASC NULLS LAST');
    assert.equal(sortKeyModifier({ type: 'DESCENDING', null_order: 'ORDER_DEFAULT' }), 'DESC NULLS LAST');
    assert.equal(sortKeyModifier({ type: 'DESCENDING', null_order: 'NULLS FIRST' }), 'DESC NULLS FIRST');
    assert.equal(sortKeyModifier({ type: 'ASCENDING', null_order: 'NULLS_FIRST' }), 'ASC NULLS FIRST');
    assert.equal(sortKeyModifier({ type: 'ASCENDING', null_order: 'SOMETHING ELSE' }), undefined);
  });
});
