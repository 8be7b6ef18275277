import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spanAt } from './scanner.ts';
import { isBlank, splitStatements, stripLeadingComments } from './split.ts';
import { tokenize } from './lexer.ts';

test('E-strings: a backslash escapes the quote, so the string does not end there', () => {
  assert.deepEqual(splitStatements(String.raw`SELECT E'it\'s; here' AS a; SELECT 2`), [String.raw`SELECT E'it\'s; here' AS a`, ' SELECT 2']);
  assert.deepEqual(splitStatements(String.raw`SELECT e'\\'; SELECT 'x'`), [String.raw`SELECT e'\\'`, " SELECT 'x'"]);
  assert.deepEqual(tokenize(String.raw`E'a\'b'`).map((t) => t.value), ["a'b"]);
});

test('standard strings: a backslash is an ordinary character (standard_conforming_strings)', () => {
  assert.deepEqual(splitStatements(String.raw`SELECT 'a\'; SELECT 2`), [String.raw`SELECT 'a\'`, ' SELECT 2']);
  assert.deepEqual(splitStatements("SELECT 'it''s;'; SELECT 2"), ["SELECT 'it''s;'", ' SELECT 2']);
});

test('E only starts an escape string at a token start', () => {
  // `namE'…'` is not valid SQL, but the scan must not treat the backslash as an escape there.
  const span = spanAt(String.raw`typE'a\'`, 4);
  assert.equal(span?.kind, 'string');
  assert.equal(spanAt(String.raw`typE'a\'`, 3), undefined);
});

test('dollar quotes, and dollars that do not start one', () => {
  assert.deepEqual(splitStatements('SELECT $$a;b$$; SELECT $t$;$$;$t$'), ['SELECT $$a;b$$', ' SELECT $t$;$$;$t$']);
  // $1 is a parameter and a$b an identifier: neither opens a dollar quote.
  assert.deepEqual(splitStatements('SELECT $1; SELECT 2'), ['SELECT $1', ' SELECT 2']);
  assert.deepEqual(splitStatements('SELECT 1 AS a$b$; SELECT 2 AS c$'), ['SELECT 1 AS a$b$', ' SELECT 2 AS c$']);
});

test('comments and quoted identifiers hide semicolons and quotes', () => {
  assert.deepEqual(splitStatements("SELECT 1 -- it's; a comment\n; SELECT 2"), ["SELECT 1 -- it's; a comment\n", ' SELECT 2']);
  assert.deepEqual(splitStatements("SELECT /* a /* nested; */ 'x */ 1; SELECT \"a;\"\"b\""), ["SELECT /* a /* nested; */ 'x */ 1", ' SELECT "a;""b"']);
  assert.equal(stripLeadingComments("/* c */ -- d\n  SELECT 1 "), 'SELECT 1');
  assert.equal(isBlank(' /* only */ -- comments\n'), true);
});

test('property: a statement made of literals and comments with semicolons inside splits exactly at the top-level semicolons', () => {
  const piece = fc.oneof(
    fc.string().map((s) => `'${s.replaceAll("'", "''")}'`),
    fc.string().map((s) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
    fc.string().filter((s) => !s.includes('$q$')).map((s) => `$q$${s}$q$`),
    fc.string().map((s) => `"${s.replaceAll('"', '""')}"`),
    fc.string().filter((s) => !s.includes('\n')).map((s) => `--${s}\n`),
    fc.string().filter((s) => !/[*/]/.test(s)).map((s) => `/*${s}*/`),
    fc.constantFrom('SELECT', '1', '+', ' ', 'x', ','),
  );
  const statement = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => 'SELECT ' + parts.join(' '));
  fc.assert(
    fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), (statements) => {
      assert.deepEqual(splitStatements(statements.join(';')), statements);
    }),
  );
});
