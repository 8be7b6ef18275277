import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Binary, Bool, Int32, Int64, makeData, RecordBatch, Schema, Field, Struct, Utf8, vectorFromArray, FixedSizeBinary } from 'apache-arrow';
import { orderedMerge, type MergeProgress } from './ordered-merge.ts';

interface Row {
  readonly key: Uint8Array;
  readonly stream: number;
  readonly position: number;
  readonly label: string | null;
  readonly flag: boolean | null;
  readonly big: bigint;
  readonly fixed: Uint8Array;
}

const schema = new Schema([
  new Field('stream', new Int32(), false),
  new Field('position', new Int32(), false),
  new Field('label', new Utf8(), true),
  new Field('flag', new Bool(), true),
  new Field('big', new Int64(), false),
  new Field('fixed', new FixedSizeBinary(4), false),
  new Field('__key', new Binary(), false),
]);

function batchOf(rows: readonly Row[]): RecordBatch {
  const vectors = [
    vectorFromArray(rows.map((r) => r.stream), new Int32()),
    vectorFromArray(rows.map((r) => r.position), new Int32()),
    vectorFromArray(rows.map((r) => r.label), new Utf8()),
    vectorFromArray(rows.map((r) => r.flag), new Bool()),
    vectorFromArray(rows.map((r) => r.big), new Int64()),
    vectorFromArray(rows.map((r) => r.fixed), new FixedSizeBinary(4)),
    vectorFromArray(rows.map((r) => r.key), new Binary()),
  ];
  const children = vectors.map((v) => v.data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

async function* streamOf(batches: readonly RecordBatch[]): AsyncGenerator<RecordBatch> {
  for (const batch of batches) {
    await Promise.resolve();
    yield batch;
  }
}

function rowsOut(batches: readonly RecordBatch[]): Omit<Row, 'key'>[] {
  const out: Omit<Row, 'key'>[] = [];
  for (const batch of batches) {
    assert.equal(batch.schema.fields.length, 6, 'the key column is dropped');
    for (let i = 0; i < batch.numRows; i++) {
      const fixed = batch.getChildAt(5)!.get(i) as Uint8Array;
      out.push({
        stream: batch.getChildAt(0)!.get(i) as number,
        position: batch.getChildAt(1)!.get(i) as number,
        label: batch.getChildAt(2)!.get(i) as string | null,
        flag: batch.getChildAt(3)!.get(i) as boolean | null,
        big: batch.getChildAt(4)!.get(i) as bigint,
        fixed: Uint8Array.from(fixed),
      });
    }
  }
  return out;
}

const withoutKey = ({ key: _key, ...rest }: Row): Omit<Row, 'key'> => ({ ...rest, fixed: Uint8Array.from(rest.fixed) });

interface RunSpec {
  readonly keys: Uint8Array[];
  readonly cuts: number[];
  readonly labels: (string | null)[];
  readonly flags: (boolean | null)[];
}

/** Sorted runs of rows, each cut into batches at the given points (empty batches included). */
const runArbitrary: fc.Arbitrary<RunSpec[]> = fc.array(
  fc.record({
    keys: fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 60, size: 'max' }),
    cuts: fc.array(fc.nat({ max: 60 }), { maxLength: 5 }),
    labels: fc.array(fc.option(fc.string({ maxLength: 6 }), { nil: null }), { minLength: 60, maxLength: 60 }),
    flags: fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: 60, maxLength: 60 }),
  }),
  { maxLength: 6 },
);

/** `disjoint`: each stream's keys start with its own byte, so the merge copies long ranges of one batch. */
function buildRuns(runs: readonly RunSpec[], disjoint = false): { rows: Row[][]; batches: RecordBatch[][] } {
  const rows = runs.map((run, stream) =>
    run.keys
      .map((key) => (disjoint ? Uint8Array.of(stream, ...key) : key))
      .sort((a, b) => Buffer.compare(a, b))
      .map((key, position): Row => ({
        key,
        stream,
        position,
        label: run.labels[position],
        flag: run.flags[position],
        big: BigInt(stream) * 10_000_000_000n + BigInt(position),
        fixed: Uint8Array.of(stream, position, 0xff, 0),
      })),
  );
  const batches = rows.map((sorted, i) => {
    const cuts = [...new Set([0, ...runs[i].cuts.filter((c) => c <= sorted.length), sorted.length])].sort((a, b) => a - b);
    const out: RecordBatch[] = [];
    for (let c = 0; c + 1 < cuts.length; c++) out.push(batchOf(sorted.slice(cuts[c], cuts[c + 1])));
    // A zero-row batch now and then, as a task with no rows sends.
    if (runs[i].cuts.includes(0)) out.push(batchOf([]));
    return out;
  });
  return { rows, batches };
}

/** Sorting the concatenation: by key, ties by stream then position (the merge's tie order). */
function expected(rows: readonly Row[][], offset: number, limit: number | undefined): Omit<Row, 'key'>[] {
  const all = rows.flat().sort((a, b) => Buffer.compare(a.key, b.key) || a.stream - b.stream || a.position - b.position);
  return all.slice(offset, limit === undefined ? undefined : offset + limit).map(withoutKey);
}

async function collect(source: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of source) out.push(batch);
  return out;
}

describe('orderedMerge', () => {
  it('equals sorting the concatenation of the sorted runs, with OFFSET and LIMIT after the merge', async () => {
    await fc.assert(
      fc.asyncProperty(runArbitrary, fc.boolean(), fc.nat({ max: 80 }), fc.option(fc.nat({ max: 200 }), { nil: undefined }), fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(1000)), async (runs, disjoint, offset, limit, maxRows) => {
        const { rows, batches } = buildRuns(runs, disjoint);
        const progress: MergeProgress = { rowsMerged: 0, rowsOut: 0 };
        const out = await collect(orderedMerge(batches.map(streamOf), { offset, limit, maxRows, progress }));
        const want = expected(rows, offset, limit);
        assert.deepEqual(rowsOut(out), want);
        assert.equal(progress.rowsOut, want.length);
        assert.ok(out.every((b) => b.numRows > 0 && b.numRows <= maxRows));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps ties on the key in stream order', async () => {
    const { rows, batches } = buildRuns([
      { keys: [Uint8Array.of(1), Uint8Array.of(1)], cuts: [1], labels: Array(60).fill('a'), flags: Array(60).fill(true) },
      { keys: [Uint8Array.of(1)], cuts: [], labels: Array(60).fill(null), flags: Array(60).fill(null) },
    ]);
    const out = rowsOut(await collect(orderedMerge(batches.map(streamOf), { offset: 0 })));
    assert.deepEqual(out.map((r) => [r.stream, r.position]), [[0, 0], [0, 1], [1, 0]]);
    assert.equal(rows.flat().length, 3);
  });

  it('yields nothing for no streams, empty streams and LIMIT 0', async () => {
    assert.deepEqual(await collect(orderedMerge([], { offset: 0 })), []);
    assert.deepEqual(await collect(orderedMerge([streamOf([]), streamOf([batchOf([])])], { offset: 0 })), []);
    const { batches } = buildRuns([{ keys: [Uint8Array.of(1)], cuts: [], labels: Array(60).fill('x'), flags: Array(60).fill(false) }]);
    assert.deepEqual(await collect(orderedMerge(batches.map(streamOf), { offset: 0, limit: 0 })), []);
  });

  it('reads a stream only when its rows are needed, and returns the streams once the LIMIT is reached', async () => {
    const pulled = [0, 0];
    const returned = [false, false];
    const source = (stream: number, keys: number[][]): AsyncIterable<RecordBatch> => ({
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          next: async () => {
            if (i >= keys.length) return { done: true, value: undefined };
            pulled[stream]++;
            const batch = batchOf(keys[i++].map((k, position) => ({ key: Uint8Array.of(k), stream, position, label: null, flag: null, big: 0n, fixed: new Uint8Array(4) })));
            return { done: false, value: batch };
          },
          return: async () => {
            returned[stream] = true;
            return { done: true, value: undefined };
          },
        };
      },
    });
    // Stream 0 holds the small keys: stream 1's second batch is never needed for 3 rows.
    const merge = orderedMerge([source(0, [[1, 2], [3, 4], [5]]), source(1, [[10, 11], [12]])], { offset: 1, limit: 3 });
    const out = rowsOut(await collect(merge));
    assert.deepEqual(out.map((r) => [r.stream, r.position]), [[0, 1], [0, 0], [0, 1]]);
    assert.deepEqual(pulled, [2, 1]);
    assert.deepEqual(returned, [true, true]);
  });

  it('fails with the error of a stream that fails mid-way', async () => {
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batchOf([{ key: Uint8Array.of(1), stream: 0, position: 0, label: null, flag: null, big: 0n, fixed: new Uint8Array(4) }]);
      throw new Error('task failed');
    }
    const { batches } = buildRuns([{ keys: [Uint8Array.of(2), Uint8Array.of(3)], cuts: [], labels: Array(60).fill('x'), flags: Array(60).fill(false) }]);
    await assert.rejects(collect(orderedMerge([failing(), streamOf(batches[0])], { offset: 0 })), /task failed/);
  });
});
