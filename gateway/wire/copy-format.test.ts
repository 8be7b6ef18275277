import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageWriter, writeCopyData, writeDataRow } from './backend.ts';
import type { CopyOptions } from '../sql/copy-statement.ts';
import { CopyRowEncoder } from './copy-format.ts';
import type { TextValue } from '../../src/pg/text-format.ts';

const TEXT: CopyOptions = { format: 'text', delimiter: '\t', null: '\\N', header: false, quote: '"', escape: '"', forceQuote: [] };
const CSV: CopyOptions = { ...TEXT, format: 'csv', delimiter: ',', null: '' };

function rows(options: CopyOptions, names: string[], values: TextValue[][]): string {
  const encoder = new CopyRowEncoder(options, names);
  let out = '';
  const header = encoder.header();
  if (header) out += Buffer.from(header).toString('utf8');
  for (const row of values) out += Buffer.from(encoder.encode(row)).toString('utf8');
  return out;
}

describe('COPY text format', () => {
  it('escapes backslash, the delimiter and control characters as PostgreSQL does', () => {
    assert.equal(rows(TEXT, ['a', 'b'], [['x\ty', 'back\\slash'], ['line\nbreak\r', null]]), 'x\\ty\tback\\\\slash\nline\\nbreak\\r\t\\N\n');
    assert.equal(rows(TEXT, ['a'], [['\b\f\v\u0001é😀']]), '\\b\\f\\v\u0001é😀\n');
    assert.equal(rows({ ...TEXT, delimiter: '|' }, ['a', 'b'], [['a|b\tc', '']]), 'a\\|b\\tc|\n');
    assert.equal(rows({ ...TEXT, delimiter: '\u0001' }, ['a'], [['x\u0001y']]), 'x\\\u0001y\n');
  });

  it('writes NULL as the null string, unescaped, and a value equal to it escaped', () => {
    assert.equal(rows({ ...TEXT, null: 'NULL' }, ['a', 'b'], [[null, 'NULL']]), 'NULL\tNULL\n');
    assert.equal(rows(TEXT, ['a'], [['\\N']]), '\\\\N\n');
  });

  it('takes UTF-8 bytes as the formatters produce them', () => {
    assert.equal(rows(TEXT, ['a'], [[new TextEncoder().encode('ü\tü')]]), 'ü\\tü\n');
  });

  it('writes a header line of the column names when asked', () => {
    assert.equal(rows({ ...TEXT, header: true }, ['a b', 'c\td'], [['1', '2']]), 'a b\tc\\td\n1\t2\n');
  });
});

describe('COPY csv format', () => {
  it('quotes values with the delimiter, quote, CR or LF, doubling quotes', () => {
    assert.equal(rows(CSV, ['a', 'b', 'c', 'd'], [['plain', 'a,b', 'say "hi"', 'two\nlines']]), 'plain,"a,b","say ""hi""","two\nlines"\n');
    assert.equal(rows(CSV, ['a'], [['cr\r']]), '"cr\r"\n');
    assert.equal(rows(CSV, ['a', 'b'], [[' lead', 'tab\there']]), ' lead,tab\there\n');
  });

  it('writes NULL unquoted and quotes a value equal to the null string', () => {
    assert.equal(rows(CSV, ['a', 'b', 'c'], [[null, '', 'x']]), ',"",x\n');
    assert.equal(rows({ ...CSV, null: 'NA' }, ['a', 'b'], [[null, 'NA']]), 'NA,"NA"\n');
  });

  it('quotes \\. alone in a one-column row, so it cannot end the data', () => {
    assert.equal(rows(CSV, ['a'], [['\\.']]), '"\\."\n');
    assert.equal(rows(CSV, ['a', 'b'], [['\\.', 'x']]), '\\.,x\n');
  });

  it('uses the escape character before quotes and escapes', () => {
    assert.equal(rows({ ...CSV, escape: '\\' }, ['a'], [['a"b\\c,']]), '"a\\"b\\\\c,"\n');
    assert.equal(rows({ ...CSV, escape: '\\' }, ['a'], [['a\\b']]), 'a\\b\n');
    assert.equal(rows({ ...CSV, quote: "'", escape: "'", delimiter: ';' }, ['a', 'b'], [["it's", 'x;y"']]), "'it''s';'x;y\"'\n");
  });

  it('forces quotes on FORCE_QUOTE columns but never on NULL or the header', () => {
    assert.equal(rows({ ...CSV, header: true, forceQuote: ['b'] }, ['a', 'b'], [['1', '2'], ['3', null]]), 'a,b\n1,"2"\n3,\n');
    assert.equal(rows({ ...CSV, forceQuote: 'all' }, ['a', 'b'], [['1', '2']]), '"1","2"\n');
    assert.deepEqual(new CopyRowEncoder({ ...CSV, forceQuote: ['a', 'zz'] }, ['a']).unknownForceQuoteColumns(), ['zz']);
  });

  it('writes the header through the same quoting rules', () => {
    assert.equal(rows({ ...CSV, header: true }, ['a,b', 'count_star()', 'x"y'], []), '"a,b",count_star(),"x""y"\n');
  });
});

describe('COPY lines from DataRows', () => {
  // The column-wise path (DataRows written by the row encoder, then rewritten) must give the
  // bytes of the per-value path, encode(), for every option set and value.
  const options = fc.record({
    format: fc.constantFrom<'text' | 'csv'>('text', 'csv'),
    delimiter: fc.constantFrom('\t', ',', '|', ';', '\u0001'),
    null: fc.constantFrom('\\N', '', 'NULL', 'NA'),
    quote: fc.constantFrom('"', "'"),
    escape: fc.constantFrom('"', '\\', "'"),
    forceAll: fc.boolean(),
    forceFirst: fc.boolean(),
  });
  const value = fc.option(fc.oneof(fc.string(), fc.constantFrom('\\.', '\\N', 'NULL', 'NA', '', 'a,b', 'x\ty', 'q"u\'o', 'line\r\n', 'é😀\\'), fc.string({ unit: 'grapheme' })), { nil: null, freq: 5 });

  it('writes the bytes encode() writes, row for row', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 4 }).chain((n) => fc.array(fc.array(value, { minLength: n, maxLength: n }), { maxLength: 8 })), (o, table) => {
        const columns = table[0]?.length ?? 1;
        const names = Array.from({ length: columns }, (_, i) => `c${i}`);
        const copyOptions: CopyOptions = {
          format: o.format, delimiter: o.delimiter, null: o.null, header: false, quote: o.quote, escape: o.escape,
          forceQuote: o.forceAll ? 'all' : o.forceFirst ? ['c0'] : [],
        };
        const expected = new MessageWriter();
        const perValue = new CopyRowEncoder(copyOptions, names);
        for (const row of table) writeCopyData(expected, perValue.encode(row));
        const dataRows = new MessageWriter();
        for (const row of table) writeDataRow(dataRows, row);
        const actual = new MessageWriter();
        const count = new CopyRowEncoder(copyOptions, names).writeDataRows(dataRows.reserve(0), dataRows.length, actual);
        assert.equal(count, table.length);
        assert.deepEqual(Buffer.from(actual.finish()), Buffer.from(expected.finish()));
      }),
      { numRuns: 500 },
    );
  });
});
