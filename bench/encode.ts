/**
 * Micro-benchmark of the gateway's result encoding: Arrow RecordBatches (as
 * the gateway holds them, built by an in-process DuckDB through the same
 * client-bound wrapping) turned into DataRow messages, text and binary, with
 * no network, workers or client involved. It isolates the JavaScript cost per
 * row that bounds how fast one connection can stream.
 *
 *   node --import tsx bench/encode.ts                      # all shapes, both encoders
 *   node --import tsx bench/encode.ts --rows 2000000 --shape narrow --encoder batch
 *   node --cpu-prof --import tsx bench/encode.ts --shape wide --encoder legacy
 *
 * Options: --rows <n> rows per shape (default 2,000,000; the wide shape uses a
 * quarter), --shape narrow|mixed|wide|nulls (repeatable; default all),
 * --encoder legacy|batch (repeatable; default both), --format text|binary
 * (repeatable; default both), --runs <n> (default 3; the best run is reported),
 * --select 'SELECT … FROM range({rows})' (repeatable: ad-hoc shapes; alone, only those run).
 *
 * "legacy" is the per-value path (one formatter call per cell, writeDataRow per
 * row); "batch" is the column-wise encoder the connection uses. Both write
 * into a MessageWriter and hand out a Buffer every 256 KiB, as the connection
 * does, and the bytes of both are compared once per shape and format.
 */
import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Field, RecordBatch } from 'apache-arrow';
import { queryArrow } from '../src/arrow/read-result.ts';
import { makeTextFormatter, type TextFormatOptions } from '../src/pg/text-format.ts';
import { makeBinaryFormatter } from '../src/pg/binary-format.ts';
import { MessageWriter, writeDataRow, type FieldValue } from '../gateway/wire/backend.ts';
import { makeBatchEncoder } from '../gateway/wire/row-encoder.ts';
import { wideSelect } from './wide-table.ts';

const FLUSH_BYTES = 256 * 1024;

interface Shape {
  readonly name: string;
  readonly rowsFactor: number;
  readonly select: (rows: number) => string;
}

const SHAPES: readonly Shape[] = [
  {
    // bench/wire.ts's narrow table.
    name: 'narrow',
    rowsFactor: 1,
    select: (n) => `SELECT range AS id, (range % 1000)::INTEGER AS v FROM range(${n})`,
  },
  {
    // One column of each common scalar type.
    name: 'mixed',
    rowsFactor: 1,
    select: (n) => `SELECT (range % 100000)::INTEGER AS i, range * 7919 AS b, range / 7.0::DOUBLE AS d,
        'name-' || range::VARCHAR AS s, DATE '2000-01-01' + (range % 10000)::INTEGER AS day,
        TIMESTAMP '2020-01-01 00:00:00' + to_seconds(range * 7) AS ts,
        ((range % 10000000)::DECIMAL(12,2) / 100)::DECIMAL(12,2) AS amount, range % 3 = 0 AS flag
      FROM range(${n})`,
  },
  {
    // bench/wire.ts's wide table.
    name: 'wide',
    rowsFactor: 0.25,
    select: wideSelect,
  },
  {
    // Every fifth value NULL, plus non-ASCII text and timestamptz.
    name: 'nulls',
    rowsFactor: 0.5,
    select: (n) => `SELECT CASE WHEN range % 5 = 0 THEN NULL ELSE range END AS id,
        CASE WHEN range % 5 = 1 THEN NULL ELSE 'grüße-' || range::VARCHAR END AS s,
        CASE WHEN range % 5 = 2 THEN NULL ELSE range * 0.001::DOUBLE END AS d,
        CASE WHEN range % 5 = 3 THEN NULL ELSE TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(range) END AS tz
      FROM range(${n})`,
  },
];

type Format = 'text' | 'binary';
type EncoderName = 'legacy' | 'batch';

/** Encodes all rows of `batches`; `sink` receives each flushed buffer. */
type Encode = (batches: readonly RecordBatch[], sink: (b: Buffer) => void) => void;

function legacyEncoder(format: Format, options: TextFormatOptions): Encode {
  return (batches, sink) => {
    const w = new MessageWriter(64 * 1024);
    const fields = batches[0].schema.fields;
    const formatters = fields.map((f: Field) => (format === 'binary' ? makeBinaryFormatter(f, options) : makeTextFormatter(f, options)));
    const values: FieldValue[] = new Array<FieldValue>(fields.length);
    for (const batch of batches) {
      const columns = batch.data.children;
      for (let row = 0; row < batch.numRows; row++) {
        for (let c = 0; c < values.length; c++) values[c] = formatters[c](columns[c], row);
        writeDataRow(w, values);
        if (w.length >= FLUSH_BYTES) sink(w.finish());
      }
    }
    if (w.length > 0) sink(w.finish());
  };
}

function batchEncoder(format: Format, options: TextFormatOptions): Encode {
  return (batches, sink) => {
    const w = new MessageWriter(64 * 1024);
    const fields = batches[0].schema.fields;
    const encoder = makeBatchEncoder(fields, fields.map(() => (format === 'binary' ? 1 : 0)), options);
    for (const batch of batches) {
      let row = 0;
      while (row < batch.numRows) {
        row = encoder.encode(w, batch, row, batch.numRows, FLUSH_BYTES);
        if (w.length >= FLUSH_BYTES) sink(w.finish());
      }
    }
    if (w.length > 0) sink(w.finish());
  };
}

function parseArgs(argv: readonly string[]): { rows: number; shapes: string[]; encoders: EncoderName[]; formats: Format[]; runs: number; selects: string[] } {
  const multi = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (m === null) throw new Error(`unexpected argument ${argv[i]}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    multi.set(m[1], [...(multi.get(m[1]) ?? []), value]);
  }
  const one = (k: string, d: number): number => Number(multi.get(k)?.[0] ?? d);
  return {
    rows: one('rows', 2_000_000),
    runs: one('runs', 3),
    shapes: multi.get('shape') ?? SHAPES.map((s) => s.name),
    encoders: (multi.get('encoder') ?? ['legacy', 'batch']) as EncoderName[],
    formats: (multi.get('format') ?? ['text', 'binary']) as Format[],
    selects: multi.get('select') ?? [],
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  const options: TextFormatOptions = { timeZone: 'UTC', extraFloatDigits: 1 };
  process.stdout.write(`node ${process.version}; rows/s = best of ${args.runs} run(s)\n\n`);
  process.stdout.write('| shape | rows | format | encoder | rows/s | MB/s |\n|---|---:|---|---|---:|---:|\n');
  // --select 'SQL with {rows}' adds an ad-hoc shape (e.g. one column, to time one type).
  const custom: Shape[] = args.selects.map((sql, i) => ({ name: `select${i + 1}`, rowsFactor: 1, select: (n) => sql.replaceAll('{rows}', String(n)) }));
  const shapes = args.selects.length > 0 && !process.argv.includes('--shape') ? custom : [...SHAPES.filter((s) => args.shapes.includes(s.name)), ...custom];
  for (const shape of shapes) {
    const rows = Math.round(args.rows * shape.rowsFactor);
    const { batches } = await queryArrow(connection, shape.select(rows), { mode: 'client' });
    for (const format of args.formats) {
      const digests = new Map<EncoderName, string>();
      for (const name of args.encoders) {
        const encode = name === 'legacy' ? legacyEncoder(format, options) : batchEncoder(format, options);
        // Verification pass (also warms up the JIT).
        const hash = createHash('sha1');
        let bytes = 0;
        encode(batches, (b) => {
          hash.update(b);
          bytes += b.length;
        });
        digests.set(name, hash.digest('hex'));
        let best = Infinity;
        for (let r = 0; r < args.runs; r++) {
          const t0 = process.hrtime.bigint();
          encode(batches, () => undefined);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          best = Math.min(best, ms);
        }
        const rps = rows / (best / 1000);
        const mbps = bytes / 1e6 / (best / 1000);
        process.stdout.write(`| ${shape.name} | ${rows} | ${format} | ${name} | ${fmt(rps)} | ${mbps.toFixed(0)} |\n`);
      }
      if (new Set(digests.values()).size > 1) {
        process.stdout.write(`!! ${shape.name} ${format}: encoders produced different bytes\n`);
        process.exitCode = 1;
      }
    }
  }
  connection.closeSync();
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
}

await main();
