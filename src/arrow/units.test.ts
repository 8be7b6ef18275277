/** Unit tests of the pure pieces: type mapping, SQL text, bitmaps, IPC splitting. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeData, RecordBatch, Struct, Utf8, Int32, Bool, Field, Schema } from 'apache-arrow';
import { copyBits, countSetBits, setBits } from './bits.ts';
import { decodeMessage, encodeBatch, encodeEmpty, pieces } from './ipc.ts';
import { queryArrow, readResultBatches } from './read-result.ts';
import { columnName, schemaForColumns, uniqueFieldNames } from './schema.ts';
import { assertSafeTypeString } from './sql.ts';
import { stagingTableSql, restoreViewSql } from './to-duckdb.ts';
import { transportSql } from './transport-sql.ts';
import { mapDuckDBType } from './types.ts';

describe('type mapping', () => {
  const cases: Array<[string, string, string]> = [
    ['BOOLEAN', 'Bool', 'native'],
    ['UBIGINT', 'Uint64', 'native'],
    ['HUGEINT', 'FixedSizeBinary[16]', 'native'],
    ['DECIMAL(4,1)', 'Int16', 'native'],
    ['DECIMAL(9,2)', 'Int32', 'native'],
    ['DECIMAL(18,3)', 'Int64', 'native'],
    ['DECIMAL(19,0)', 'FixedSizeBinary[16]', 'native'],
    ['DATE', 'Date32<DAY>', 'native'],
    ['TIME', 'Time64<MICROSECOND>', 'native'],
    ['TIMESTAMP_NS', 'Timestamp<NANOSECOND>', 'native'],
    ['TIMESTAMP WITH TIME ZONE', 'Timestamp<MICROSECOND, UTC>', 'native'],
    ['UUID', 'FixedSizeBinary[16]', 'native'],
    ['BLOB', 'Binary', 'native'],
    ['INTEGER[]', 'Utf8', 'varchar'],
    ['STRUCT("a" INTEGER)', 'Utf8', 'varchar'],
    ['TIME WITH TIME ZONE', 'Utf8', 'varchar'],
    ['JSON', 'Utf8', 'varchar'],
  ];
  for (const [duck, arrow, transport] of cases) {
    test(`${duck} -> ${arrow} (${transport})`, () => {
      const m = mapDuckDBType(duck);
      assert.equal(String(m.arrowType), arrow);
      assert.equal(m.transport, transport);
      assert.equal(m.transportDuckdbType, transport === 'native' ? duck : 'VARCHAR');
    });
  }

  test('unsafe type strings are refused, real ones pass', () => {
    for (const ok of ['INTEGER[]', `ENUM('a;b', 'c''--d')`, 'STRUCT("x)" INTEGER, b MAP(VARCHAR, INTEGER[]))']) {
      assert.doesNotThrow(() => assertSafeTypeString(ok));
    }
    for (const bad of ['INTEGER); DROP TABLE x; --', 'INTEGER -- x', 'VARCHAR(', 'INT /* */', `ENUM('a)`, '']) {
      assert.throws(() => assertSafeTypeString(bad), /unsafe or malformed/);
    }
  });

  test('duplicate names become unique field names that remember the original', () => {
    assert.deepEqual(uniqueFieldNames(['a', 'a', 'a_1', 'b', 'a']), ['a', 'a_2', 'a_1', 'b', 'a_3']);
    const schema = schemaForColumns([{ name: 'x', type: 'INTEGER' }, { name: 'x', type: 'VARCHAR' }]);
    assert.deepEqual(schema.fields.map(columnName), ['x', 'x']);
  });
});

describe('SQL generation', () => {
  test('transportSql leaves native-only queries alone and wraps others positionally', () => {
    assert.equal(transportSql('SELECT 1', [{ name: 'x', type: 'INTEGER' }]), 'SELECT 1');
    assert.equal(
      transportSql('SELECT 1 AS "a""b", [2] AS "a""b";  ', [
        { name: 'a"b', type: 'INTEGER' },
        { name: 'a"b', type: 'INTEGER[]' },
      ]),
      'SELECT "c0", CAST("c1" AS VARCHAR) AS "c1" FROM (\nSELECT 1 AS "a""b", [2] AS "a""b"\n) AS t("c0", "c1")',
    );
  });

  test('wrapped SQL runs, survives a trailing comment, and keeps ORDER BY order', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const sql = 'SELECT i, [i] AS l FROM range(3000) t(i) ORDER BY i DESC -- newest first';
    const result = await queryArrow(conn, sql, { targetBytes: 1024 });
    const ids = result.batches.flatMap((b) => [...(b.getChildAt(0)?.toArray() as BigInt64Array)]);
    assert.deepEqual(ids.slice(0, 3), [2999n, 2998n, 2997n]);
    assert.equal(ids.length, 3000);
    assert.ok(ids.every((v, i) => v === BigInt(2999 - i)));
    conn.closeSync();
    instance.closeSync();
  });

  test('an unwrapped non-native column is refused, not misread', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await assert.rejects(readResultBatches(await conn.stream('SELECT [1, 2] AS l')), /LIST|unsupported.*transportSql/);
    conn.closeSync();
    instance.closeSync();
  });

  test('staging table and view statements', () => {
    const schema = schemaForColumns([
      { name: 'id', type: 'BIGINT' },
      { name: 'tags', type: 'VARCHAR[]' },
      { name: 'u', type: 'UNION("n" INTEGER, "s" VARCHAR)' },
    ]);
    const stage = { catalog: 'gw', schema: 'q1', name: 'stage' };
    assert.equal(stagingTableSql(schema, stage), 'CREATE TABLE "gw"."q1"."stage" ("c0" BIGINT, "c1" VARCHAR, "c2" VARCHAR)');
    assert.equal(
      restoreViewSql(schema, { ...stage, name: 'r' }, stage, { orReplace: true }),
      'CREATE OR REPLACE VIEW "gw"."q1"."r" AS SELECT "c0" AS "id", CAST("c1" AS VARCHAR[]) AS "tags", ' +
        'CASE WHEN "c2" IS NULL THEN NULL ELSE CAST("c2" AS UNION("n" INTEGER, "s" VARCHAR)) END AS "u" FROM "gw"."q1"."stage"',
    );
  });
});

describe('bitmaps', () => {
  const naive = (bits: Uint8Array, i: number): number => (bits[i >> 3] >> (i & 7)) & 1;
  test('copyBits matches a bit-by-bit copy at every alignment', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let trial = 0; trial < 300; trial++) {
      const src = Uint8Array.from({ length: 40 }, () => rand() & 255);
      const dst = Uint8Array.from({ length: 40 }, () => rand() & 255);
      const before = dst.slice();
      const s = rand() % 64;
      const d = rand() % 64;
      const n = rand() % 200;
      copyBits(src, s, dst, d, n);
      for (let i = 0; i < 320; i++) {
        const expected = i >= d && i < d + n ? naive(src, s + i - d) : naive(before, i);
        assert.equal(naive(dst, i), expected, `trial ${trial} bit ${i}`);
      }
    }
  });
  test('setBits and countSetBits', () => {
    const bits = new Uint8Array(10);
    setBits(bits, 3, 60);
    assert.equal(countSetBits(bits, 80), 60);
    assert.equal(countSetBits(bits, 10), 7);
    assert.equal(naive(bits, 2), 0);
    assert.equal(naive(bits, 63), 0);
  });
});

describe('IPC messages', () => {
  function stringBatch(values: Array<string | null>): RecordBatch {
    const fields = [new Field('s', new Utf8(), true, new Map([['duckdb_type', 'VARCHAR'], ['pondgate_transport', 'native']]))];
    const bytes: number[] = [];
    const offsets = [0];
    const validity = new Uint8Array((values.length + 7) >> 3);
    values.forEach((v, i) => {
      if (v !== null) {
        bytes.push(...Buffer.from(v));
        validity[i >> 3] |= 1 << (i & 7);
      }
      offsets.push(bytes.length);
    });
    const child = makeData({
      type: new Utf8(),
      length: values.length,
      nullCount: values.filter((v) => v === null).length,
      nullBitmap: validity,
      valueOffsets: new Int32Array(offsets),
      data: new Uint8Array(bytes),
    });
    return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: values.length, nullCount: 0, children: [child] }));
  }

  test('splits by rows within the limit and keeps every row in order', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? null : 'v'.repeat(i % 300)));
    const messages = encodeBatch(stringBatch(values), { maxBytes: 8192 });
    assert.ok(messages.length > 10);
    const back: Array<string | null> = [];
    for (const m of messages) {
      assert.ok(m.byteLength <= 8192);
      const decoded = decodeMessage(m);
      assert.equal(decoded.schema.fields[0].metadata.get('duckdb_type'), 'VARCHAR');
      for (const b of decoded.batches) back.push(...(b.getChildAt(0)?.toArray() as Array<string | null>));
    }
    assert.deepEqual(back, values);
  });

  test('a row larger than the limit is a message of its own, sent in pieces that join back to it', () => {
    const values = ['x', 'y'.repeat(10000), 'z'];
    const messages = encodeBatch(stringBatch(values), { maxBytes: 4096 });
    const large = messages.filter((m) => m.byteLength > 4096);
    assert.equal(large.length, 1);
    const split = pieces(large[0]!, 4096);
    assert.ok(split.length >= 3 && split.every((p) => p.byteLength <= 4096));
    assert.deepEqual(Buffer.concat(split), Buffer.from(large[0]!));
    const back: Array<string | null> = [];
    for (const m of messages) for (const b of decodeMessage(m).batches) back.push(...(b.getChildAt(0)?.toArray() as Array<string | null>));
    assert.deepEqual(back, values);
    assert.deepEqual(pieces(messages[0]!, 4096), [messages[0]]);
  });

  test('bool and nullable columns split correctly at odd offsets', () => {
    const n = 1001;
    const fields = [new Field('b', new Bool()), new Field('i', new Int32())];
    const boolBits = new Uint8Array((n + 7) >> 3);
    const valid = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) boolBits[i >> 3] |= 1 << (i & 7);
      if (i % 5 !== 0) valid[i >> 3] |= 1 << (i & 7);
    }
    const children = [
      makeData({ type: new Bool(), length: n, nullCount: 0, data: boolBits }),
      makeData({ type: new Int32(), length: n, nullCount: 201, nullBitmap: valid, data: Int32Array.from({ length: n }, (_, i) => i) }),
    ];
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
    const messages = encodeBatch(batch, { maxBytes: 1500 });
    assert.ok(messages.length > 2);
    const bools: unknown[] = [];
    const ints: unknown[] = [];
    for (const m of messages) {
      for (const b of decodeMessage(m).batches) {
        bools.push(...(b.getChildAt(0)?.toArray() as boolean[]));
        for (let i = 0; i < b.numRows; i++) ints.push(b.getChildAt(1)?.get(i));
      }
    }
    assert.deepEqual(bools, Array.from({ length: n }, (_, i) => i % 3 === 0));
    assert.deepEqual(ints, Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i)));
  });

  test('a small batch whose schema outweighs its rows still splits within the limit', () => {
    // Small buffers take the encode-whole-first path; here the schema alone is most of a message.
    const n = 24;
    const fields = Array.from({ length: 40 }, (_, c) => new Field(`column_${c}_${'x'.repeat(50)}`, new Int32()));
    const children = fields.map((_, c) => makeData({ type: new Int32(), length: n, nullCount: 0, data: Int32Array.from({ length: n }, (_, i) => i * 100 + c) }));
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
    const whole = encodeBatch(batch, { maxBytes: 1 << 20 });
    assert.equal(whole.length, 1);
    const maxBytes = whole[0]!.byteLength - 1;
    assert.ok(40 * n * 4 <= maxBytes / 2, 'the rows must be small enough for the encode-whole-first path');
    const messages = encodeBatch(batch, { maxBytes });
    assert.ok(messages.length >= 2);
    const rows: number[][] = [];
    for (const m of messages) {
      assert.ok(m.byteLength <= maxBytes, `message of ${m.byteLength} bytes exceeds ${maxBytes}`);
      for (const b of decodeMessage(m).batches) for (let i = 0; i < b.numRows; i++) rows.push(fields.map((_, c) => b.getChildAt(c)?.get(i) as number));
    }
    assert.deepEqual(rows, Array.from({ length: n }, (_, i) => fields.map((_, c) => i * 100 + c)));
  });

  test('schema-only message decodes to the schema', () => {
    const schema = schemaForColumns([{ name: 'a', type: 'DECIMAL(38,2)' }]);
    const decoded = decodeMessage(encodeEmpty(schema));
    assert.equal(decoded.schema.fields[0].metadata.get('duckdb_type'), 'DECIMAL(38,2)');
    assert.equal(decoded.batches.reduce((n, b) => n + b.numRows, 0), 0);
  });
});
