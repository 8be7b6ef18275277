// The column-wise DataRow encoder must produce exactly the bytes of the
// per-value path (text-format.ts / binary-format.ts formatters + writeDataRow),
// which is tested byte for byte against PostgreSQL 15 elsewhere. So the old
// path is the oracle here: random columns of every type, with NULLs, in text
// and binary, sliced and whole, encoded in one go and in small pieces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Binary, Bool, Data, DataType, DateDay, FixedSizeBinary, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, makeData, RecordBatch, Schema, Struct,
  TimeMicrosecond, Timestamp, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, TimeUnit, Uint16, Uint32, Uint64, Uint8, Utf8,
} from 'apache-arrow';
import { makeTextFormatter, type TextFormatOptions } from '../../src/pg/text-format.ts';
import { makeBinaryFormatter } from '../../src/pg/binary-format.ts';
import { MessageWriter, writeDataRow, type FieldValue } from './backend.ts';
import { makeBatchEncoder } from './row-encoder.ts';

/** One column type under test: its Arrow type, DuckDB type and a generator of raw cell values. */
interface ColumnKind {
  readonly duck: string;
  readonly type: () => DataType;
  readonly values: fc.Arbitrary<unknown>;
  /** Binary format exists for it (else both encoders must refuse). */
  readonly binary: boolean;
}

const INT64_MAX = 2n ** 63n - 1n;
const big = (bits: number, signed: boolean): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.bigInt({ min: signed ? -(2n ** BigInt(bits - 1)) : 0n, max: signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n }),
    fc.bigInt({ min: signed ? -(2n ** 53n) : 0n, max: 2n ** 53n }),
    fc.bigInt({ min: -1000n, max: 1000n }).map((v) => (signed ? v : v < 0n ? -v : v)),
  );
const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
// Doubles with few decimals hit the fast text path; fc.double() covers the rest (NaN, infinities, -0, subnormals).
const doubles = fc.oneof(fc.double(), fc.integer().map((i) => i / 4), fc.integer({ min: -1e9, max: 1e9 }).map((i) => i / 10000), fc.integer().map((i) => i / 7),
  // Up to 15 significant digits at any scale: the fast shortest-text path.
  fc.tuple(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.integer({ min: 0, max: 22 })).map(([m, k]) => m / 10 ** k),
  fc.tuple(fc.integer({ min: 1, max: 999999999999999 }), fc.integer({ min: -4, max: 14 })).map(([m, e]) => Number(`${m}e${e - 14}`)),
  fc.constantFrom(1e-4, 9.9999e-5, 0.1, 0.09999999999999999, 0.30000000000000004, 999999999.9999, 1e9, 1e14, 99999999999999.98, 999999999999999.9, 1e15, 123456789012.3456, 2 ** 50, 5e-324));
const floats = fc.oneof(fc.float(), fc.integer({ min: -2e6, max: 2e6 }), fc.integer({ min: -1e6, max: 1e6 }).map((i) => Math.fround(i / 8)));
const micros = fc.oneof(
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
  fc.bigInt({ min: 1_500_000_000_000_000n, max: 1_800_000_000_000_000n }),
  fc.bigInt({ min: -INT64_MAX, max: INT64_MAX }),
  fc.constantFrom(INT64_MAX, -INT64_MAX, 0n, -1n, -62_135_596_800_000_000n, -62_135_596_800_000_001n, 253_402_300_799_999_999n, 253_402_300_800_000_000n),
);
const days = fc.oneof(int(-800_000, 3_000_000), int(-2_100_000_000, 2_100_000_000), fc.constantFrom(2147483647, -2147483647, -719162, -719163, 2932896, 2932897, 0, -1));

const KINDS: readonly ColumnKind[] = [
  { duck: 'BOOLEAN', type: () => new Bool(), values: fc.boolean(), binary: true },
  { duck: 'TINYINT', type: () => new Int8(), values: int(-128, 127), binary: true },
  { duck: 'SMALLINT', type: () => new Int16(), values: int(-32768, 32767), binary: true },
  { duck: 'INTEGER', type: () => new Int32(), values: int(-2147483648, 2147483647), binary: true },
  { duck: 'BIGINT', type: () => new Int64(), values: big(64, true), binary: true },
  { duck: 'UTINYINT', type: () => new Uint8(), values: int(0, 255), binary: true },
  { duck: 'USMALLINT', type: () => new Uint16(), values: int(0, 65535), binary: true },
  { duck: 'UINTEGER', type: () => new Uint32(), values: int(0, 4294967295), binary: true },
  { duck: 'UBIGINT', type: () => new Uint64(), values: big(64, false), binary: true },
  { duck: 'FLOAT', type: () => new Float32(), values: floats, binary: true },
  { duck: 'DOUBLE', type: () => new Float64(), values: doubles, binary: true },
  { duck: 'DECIMAL(4,1)', type: () => new Int16(), values: int(-9999, 9999), binary: true },
  { duck: 'DECIMAL(9,4)', type: () => new Int32(), values: int(-999999999, 999999999), binary: true },
  { duck: 'DECIMAL(12,2)', type: () => new Int64(), values: big(40, true), binary: true },
  { duck: 'DECIMAL(18,0)', type: () => new Int64(), values: big(60, true), binary: true },
  { duck: 'DECIMAL(18,3)', type: () => new Int64(), values: big(60, true), binary: true },
  { duck: 'DECIMAL(18,15)', type: () => new Int64(), values: big(60, true), binary: true },
  { duck: 'DECIMAL(18,17)', type: () => new Int64(), values: big(60, true), binary: true },
  { duck: 'HUGEINT', type: () => new FixedSizeBinary(16), values: fc.uint8Array({ minLength: 16, maxLength: 16 }), binary: true },
  { duck: 'INTERVAL', type: () => new FixedSizeBinary(16), values: fc.tuple(int(-1000, 1000), int(-1000, 1000), big(40, true)), binary: true },
  { duck: 'VARCHAR', type: () => new Utf8(), values: fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ minLength: 20, maxLength: 200 })), binary: true },
  { duck: 'INTEGER[]', type: () => new Utf8(), values: fc.array(fc.option(int(-5, 5)), { maxLength: 4 }).map((a) => JSON.stringify(a)), binary: true },
  { duck: 'BLOB', type: () => new Binary(), values: fc.uint8Array({ maxLength: 90 }), binary: true },
  { duck: 'DATE', type: () => new DateDay(), values: days, binary: true },
  { duck: 'TIME', type: () => new TimeMicrosecond(), values: fc.bigInt({ min: 0n, max: 86_400_000_000n }), binary: true },
  { duck: 'TIMESTAMP', type: () => new TimestampMicrosecond(), values: micros, binary: true },
  { duck: 'TIMESTAMP_S', type: () => new TimestampSecond(), values: fc.oneof(fc.bigInt({ min: -(2n ** 44n), max: 2n ** 44n }), fc.constantFrom(INT64_MAX, -INT64_MAX)), binary: true },
  { duck: 'TIMESTAMP_MS', type: () => new TimestampMillisecond(), values: fc.oneof(fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }), fc.constantFrom(INT64_MAX, -INT64_MAX)), binary: true },
  { duck: 'TIMESTAMP_NS', type: () => new TimestampNanosecond(), values: micros, binary: true },
  { duck: 'TIMESTAMP WITH TIME ZONE', type: () => new Timestamp(TimeUnit.MICROSECOND, 'UTC'), values: micros, binary: true },
];

/** A column of `kind` holding `cells` (null = SQL NULL). */
function column(kind: ColumnKind, cells: readonly unknown[]): Data {
  const type = kind.type();
  const n = cells.length;
  const validity = new Uint8Array(Math.ceil(n / 8) || 1);
  let nullCount = 0;
  cells.forEach((v, i) => {
    if (v === null) nullCount++;
    else validity[i >> 3] |= 1 << (i & 7);
  });
  const present = <T>(fallback: T) => cells.map((v) => (v === null ? fallback : v));
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? validity : undefined };
  if (type instanceof Bool) {
    const bits = new Uint8Array(Math.ceil(n / 8) || 1);
    cells.forEach((v, i) => {
      if (v === true) bits[i >> 3] |= 1 << (i & 7);
    });
    return makeData({ ...base, type, data: bits });
  }
  if (type instanceof Utf8 || type instanceof Binary) {
    const parts = present<unknown>(type instanceof Utf8 ? '' : new Uint8Array()).map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array)));
    const offsets = new Int32Array(n + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
    const data = Buffer.concat(parts);
    return type instanceof Utf8 ? makeData({ ...base, type, valueOffsets: offsets, data }) : makeData({ ...base, type: type as Binary, valueOffsets: offsets, data });
  }
  if (type instanceof FixedSizeBinary) {
    const bytes = new Uint8Array(16 * n);
    present<unknown>(null).forEach((v, i) => {
      if (v instanceof Uint8Array) bytes.set(v, 16 * i);
      else if (Array.isArray(v)) {
        const view = new DataView(bytes.buffer, 16 * i, 16);
        view.setInt32(0, v[0] as number, true);
        view.setInt32(4, v[1] as number, true);
        view.setBigInt64(8, v[2] as bigint, true);
      }
    });
    return makeData({ ...base, type, data: bytes });
  }
  const ctor = (type as unknown as { ArrayType: new (n: number) => ArrayLike<unknown> & { [i: number]: unknown } }).ArrayType;
  const arr = new ctor(n);
  const zero = ctor === BigInt64Array || ctor === BigUint64Array ? 0n : 0;
  present<unknown>(zero).forEach((v, i) => (arr[i] = v));
  return makeData({ ...base, type, data: arr } as unknown as Parameters<typeof makeData>[0]) as Data;
}

function batchOf(kinds: readonly ColumnKind[], columns: readonly (readonly unknown[])[]): RecordBatch {
  const fields = kinds.map((k, i) => new Field(`c${i}`, k.type(), true, new Map([['duckdb_type', k.duck]])));
  const children = kinds.map((k, i) => column(k, columns[i]));
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: columns[0]?.length ?? 0, nullCount: 0, children }));
}

/** The old path: one formatter call per cell, writeDataRow per row. */
function legacy(batch: RecordBatch, formats: readonly (0 | 1)[], options: TextFormatOptions): Buffer {
  const w = new MessageWriter();
  const fs = batch.schema.fields.map((f, i) => (formats[i] === 1 ? makeBinaryFormatter(f, options) : makeTextFormatter(f, options)));
  const values: FieldValue[] = new Array<FieldValue>(fs.length);
  const children = batch.data.children;
  for (let r = 0; r < batch.numRows; r++) {
    for (let c = 0; c < fs.length; c++) values[c] = fs[c](children[c], r);
    writeDataRow(w, values);
  }
  return w.finish();
}

/** The new path, in pieces of at most `step` rows and stopping at `stopBytes`, to exercise resumption. */
function columnar(batch: RecordBatch, formats: readonly (0 | 1)[], options: TextFormatOptions, step: number, stopBytes: number): Buffer {
  const w = new MessageWriter(64);
  const encoder = makeBatchEncoder(batch.schema.fields, formats, options);
  const out: Buffer[] = [];
  let row = 0;
  while (row < batch.numRows) {
    const next = encoder.encode(w, batch, row, Math.min(batch.numRows, row + step), stopBytes);
    assert.ok(next > row, 'progress');
    row = next;
    out.push(w.finish());
  }
  return Buffer.concat(out);
}

/** Outcome of encoding: the bytes or the error message. */
function attempt(f: () => Buffer): string {
  try {
    return f().toString('hex');
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

for (const kind of KINDS) {
  for (const format of [0, 1] as const) {
    test(`${kind.duck} ${format === 0 ? 'text' : 'binary'}: same bytes as the per-value encoder`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.option(kind.values, { freq: 4 }), { maxLength: 40 }),
          fc.constantFrom(...ZONES),
          fc.constantFrom(1, 0, -3, 3),
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 0, max: 5 }),
          (cells, timeZone, extraFloatDigits, step, sliceAt) => {
            const options = { timeZone, extraFloatDigits };
            // A bigint column next to the one under test; and NULLs only in the first row sometimes.
            const kinds = [kind, KINDS[4]];
            const other = cells.map((_, i) => (i % 3 === 0 ? null : BigInt(i)));
            let batch = batchOf(kinds, [cells, other]);
            if (sliceAt > 0 && sliceAt < batch.numRows) batch = batch.slice(sliceAt);
            const formats = [format, 1 - format] as (0 | 1)[];
            const want = attempt(() => legacy(batch, formats, options));
            assert.equal(attempt(() => columnar(batch, formats, options, step, 1 << 20)), want);
            assert.equal(attempt(() => columnar(batch, formats, options, 1000, 16)), want);
          },
        ),
        { numRuns: 150 },
      );
    });
  }
}

test('a column without a binary form is refused when the encoder is made, as by the per-value formatter', () => {
  const field = new Field('c', new Float32(), true, new Map([['duckdb_type', 'FLOAT']]));
  const half = new Field('h', new Float16(), true, new Map([['duckdb_type', 'HALF']]));
  assert.doesNotThrow(() => makeBatchEncoder([field], [1], { timeZone: 'UTC', extraFloatDigits: 1 }));
  assert.throws(() => makeBatchEncoder([half], [1], { timeZone: 'UTC', extraFloatDigits: 1 }), (e: Error & { sqlstate?: string }) => e.sqlstate === '0A000');
});

test('empty batches and zero columns', () => {
  const options = { timeZone: 'UTC', extraFloatDigits: 1 };
  const empty = batchOf([KINDS[3]], [[]]);
  assert.equal(columnar(empty, [0], options, 10, 100).length, 0);
  const none = new RecordBatch(new Schema([]), makeData({ type: new Struct([]), length: 3, nullCount: 0, children: [] }));
  assert.equal(columnar(none, [], options, 10, 1 << 20).toString('hex'), legacy(none, [], options).toString('hex'));
});

test('a value that cannot be encoded fails after the rows before it, as row by row', () => {
  const options = { timeZone: 'UTC', extraFloatDigits: 1 };
  const lists: ColumnKind = { duck: 'INTEGER[][]', type: () => new Utf8(), values: fc.constant(''), binary: true };
  const cells = ['[[1],[2]]', null, '[[3,4],[5,6]]', '[[1,2],[3]]', '[[7]]'];
  const batch = batchOf([lists], [cells]);
  const run = (encode: (w: MessageWriter) => void): [string, string] => {
    const w = new MessageWriter();
    try {
      encode(w);
      return [w.finish().toString('hex'), 'no error'];
    } catch (error) {
      return [w.finish().toString('hex'), (error as Error & { sqlstate?: string }).sqlstate ?? String(error)];
    }
  };
  const want = run((w) => {
    const f = makeBinaryFormatter(batch.schema.fields[0], options);
    for (let r = 0; r < batch.numRows; r++) writeDataRow(w, [f(batch.data.children[0], r)]);
  });
  assert.equal(want[1], '2202E');
  const got = run((w) => makeBatchEncoder(batch.schema.fields, [1], options).encode(w, batch, 0, batch.numRows, 1 << 20));
  assert.deepEqual(got, want);
});

test('runs of worst-case values stay within the space reserved for them', () => {
  // Each value at its longest (mostly the per-value fallback's), 300 times, so no shorter value leaves slack.
  const worst: Array<[string, unknown]> = [
    ['DATE', -2147483646],
    ['DATE', 2147483646],
    ['TIMESTAMP', -INT64_MAX + 1n],
    ['TIMESTAMP WITH TIME ZONE', -INT64_MAX + 1n],
    ['TIMESTAMP_S', -(2n ** 43n)],
    ['BIGINT', -(2n ** 63n)],
    ['UBIGINT', 2n ** 64n - 1n],
    ['DECIMAL(18,3)', -(10n ** 18n) + 1n],
    ['DECIMAL(18,15)', -(10n ** 18n) + 1n],
    ['DOUBLE', -2.2250738585072014e-308],
    ['DOUBLE', -1.2345678901234567e-5],
    ['FLOAT', -1.1754943508222875e-38],
    ['TIME', 86_400_000_000n],
  ];
  for (const [duck, value] of worst) {
    const kind = KINDS.find((k) => k.duck === duck) as ColumnKind;
    const cells = Array.from({ length: 300 }, () => value);
    for (const timeZone of ['UTC', 'Australia/Lord_Howe', 'America/St_Johns']) {
      for (const extraFloatDigits of [1, 0]) {
        const options = { timeZone, extraFloatDigits };
        for (const format of [0, 1] as const) {
          const batch = batchOf([kind], [cells]);
          assert.equal(attempt(() => columnar(batch, [format], options, 1000, 1 << 30)), attempt(() => legacy(batch, [format], options)), `${duck} ${format} ${timeZone}`);
        }
      }
    }
  }
});
