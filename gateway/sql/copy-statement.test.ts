import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classify.ts';
import type { CopyOptions } from './copy-statement.ts';

const TEXT: CopyOptions = { format: 'text', delimiter: '\t', null: '\\N', header: false, quote: '"', escape: '"', forceQuote: [] };
const CSV: CopyOptions = { ...TEXT, format: 'csv', delimiter: ',', null: '' };

function copy(sql: string): { query: string; options: CopyOptions } {
  const statement = classify(sql);
  assert.equal(statement.kind, 'copy', `${sql}: ${JSON.stringify(statement)}`);
  return statement.kind === 'copy' ? { query: statement.query, options: statement.options } : { query: '', options: TEXT };
}

function refusal(sql: string): string {
  const statement = classify(sql);
  assert.equal(statement.kind, 'refused', sql);
  return statement.kind === 'refused' ? statement.sqlstate : '';
}

describe('COPY … TO STDOUT', () => {
  it('takes a parenthesized query as written, with nested parentheses, strings and comments', () => {
    assert.deepEqual(copy('COPY (SELECT 1) TO STDOUT'), { query: 'SELECT 1', options: TEXT });
    assert.deepEqual(copy("COPY ( SELECT ')', (2) /* ) */ FROM t ) TO STDOUT with csv header").query, "SELECT ')', (2) /* ) */ FROM t");
  });

  it('reads psql \\copy output: the pre-9.0 option syntax', () => {
    assert.deepEqual(copy('COPY ( SELECT * FROM orders ) TO STDOUT with csv header').options, { ...CSV, header: true });
    assert.deepEqual(copy("COPY t TO STDOUT WITH DELIMITER AS '|' NULL AS 'null'").options, { ...TEXT, delimiter: '|', null: 'null' });
    assert.deepEqual(copy("COPY t TO STDOUT CSV QUOTE AS '''' ESCAPE '\\' FORCE QUOTE a, \"B\"").options, {
      ...CSV, quote: "'", escape: '\\', forceQuote: ['a', 'B'],
    });
    assert.deepEqual(copy('COPY t TO STDOUT CSV FORCE QUOTE *').options, { ...CSV, forceQuote: 'all' });
  });

  it('reads the parenthesized option list', () => {
    assert.deepEqual(copy("COPY (SELECT 1) TO STDOUT (FORMAT csv, HEADER, DELIMITER ';', NULL 'x')").options, { ...CSV, header: true, delimiter: ';', null: 'x' });
    assert.deepEqual(copy("COPY (SELECT 1) TO STDOUT WITH (FORMAT 'text', HEADER false, ENCODING 'UTF8')").options, TEXT);
    assert.deepEqual(copy('COPY (SELECT 1) TO STDOUT (FORMAT csv, FORCE_QUOTE (a, b), QUOTE \'*\')').options, { ...CSV, quote: '*', escape: '*', forceQuote: ['a', 'b'] });
    assert.deepEqual(copy('COPY (SELECT 1) TO STDOUT (FORMAT csv, FORCE_QUOTE *)').options, { ...CSV, forceQuote: 'all' });
  });

  it('turns COPY table [(columns)] into a SELECT with the names as written', () => {
    assert.equal(copy('COPY lineitem TO STDOUT').query, 'SELECT * FROM "lineitem"');
    assert.equal(copy('COPY public.Orders (o_orderkey, "O Date") TO STDOUT').query, 'SELECT "o_orderkey", "O Date" FROM "public"."orders"');
  });

  it('refuses COPY FROM (25006), to a file or program (42501), and binary or bad options', () => {
    assert.equal(refusal('COPY t FROM STDIN'), '25006');
    assert.equal(refusal("COPY t (a) FROM '/etc/passwd'"), '25006');
    assert.equal(refusal("COPY (SELECT 1) TO '/tmp/x'"), '42501');
    assert.equal(refusal("COPY t TO PROGRAM 'rm -rf /'"), '42501');
    assert.equal(refusal('COPY t TO STDOUT (FORMAT binary)'), '0A000');
    assert.equal(refusal('COPY BINARY t TO STDOUT'), '0A000');
    assert.equal(refusal("COPY t TO STDOUT (DELIMITER '||')"), '0A000');
    assert.equal(refusal("COPY t TO STDOUT (DELIMITER '\\')"), '22023');
    assert.equal(refusal("COPY t TO STDOUT (QUOTE '\"')"), '0A000');
    assert.equal(refusal("COPY t TO STDOUT (FORMAT csv, DELIMITER '\"')"), '22023');
    assert.equal(refusal('COPY t TO STDOUT (FORMAT csv, FORMAT text)'), '42601');
    assert.equal(refusal('COPY t TO STDOUT (HEADER match)'), '0A000');
    assert.equal(refusal('COPY t TO STDOUT (BOGUS 1)'), '42601');
    assert.equal(refusal('COPY t TO STDERR'), '42601');
    assert.equal(refusal('COPY (SELECT 1 TO STDOUT'), '42601');
  });
});
