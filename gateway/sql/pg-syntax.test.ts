import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePgSyntax } from './pg-syntax.ts';

describe('normalizePgSyntax', () => {
  it("rewrites psql's \\d pattern match into DuckDB's spelling", () => {
    // psql 15 describe.c, the first query of \d lineitem.
    const psql = "WHERE c.relname OPERATOR(pg_catalog.~) '^(lineitem)$' COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)";
    assert.equal(normalizePgSyntax(psql), "WHERE c.relname  ~  '^(lineitem)$'  \n  AND pg_catalog.pg_table_is_visible(c.oid)");
  });

  it('takes any operator, with spaces inside the parentheses, in any case', () => {
    assert.equal(normalizePgSyntax('a OPERATOR(pg_catalog.!~~*) b'), 'a  !~~*  b');
    assert.equal(normalizePgSyntax('a operator ( pg_catalog . = ) b'), 'a  =  b');
    assert.equal(normalizePgSyntax('x COLLATE pg_catalog."default"'), 'x  ');
  });

  it('drops pg_catalog from :: casts only', () => {
    assert.equal(normalizePgSyntax('SELECT c.reloftype::pg_catalog.regtype::pg_catalog.text'), 'SELECT c.reloftype::regtype::text');
    assert.equal(normalizePgSyntax('SELECT pg_catalog.format_type(1, 2)'), 'SELECT pg_catalog.format_type(1, 2)');
  });

  it('leaves string literals, quoted identifiers and comments alone', () => {
    const sql = `SELECT 'OPERATOR(pg_catalog.~)', E'COLLATE pg_catalog.default', "OPERATOR(pg_catalog.~)", $$::pg_catalog.text$$ -- OPERATOR(pg_catalog.~)
      /* COLLATE pg_catalog.default */`;
    assert.equal(normalizePgSyntax(sql), sql);
  });

  it('leaves other OPERATOR and COLLATE forms to DuckDB', () => {
    for (const sql of ['a OPERATOR(myschema.~) b', 'a OPERATOR(pg_catalog.) b', 'x COLLATE "C"', 'x COLLATE pg_catalog."C"', 'SELECT 1']) {
      assert.equal(normalizePgSyntax(sql), sql);
    }
  });
});
