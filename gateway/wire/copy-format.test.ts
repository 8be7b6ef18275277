import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
