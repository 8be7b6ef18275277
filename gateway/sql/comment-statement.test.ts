import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComment } from './comment-statement.ts';

describe('COMMENT ON', () => {
  it('reads table and column comments, qualified or not, with PostgreSQL quoting', () => {
    assert.deepEqual(parseComment("COMMENT ON TABLE flights IS 'US flights, 2001'"), { kind: 'comment', target: 'table', table: 'flights', comment: 'US flights, 2001' });
    assert.deepEqual(parseComment("comment on table public.Flights is 'it''s'"), { kind: 'comment', target: 'table', table: 'flights', comment: "it's" });
    assert.deepEqual(parseComment('COMMENT ON COLUMN "Cost Table"."Total $" IS NULL'), { kind: 'comment', target: 'column', table: 'Cost Table', column: 'Total $', comment: null });
    assert.deepEqual(parseComment("COMMENT ON COLUMN pondgate.public.flights.delay IS E'minutes\\nlate';"), {
      kind: 'comment', target: 'column', table: 'flights', column: 'delay', comment: 'minutes\nlate',
    });
  });

  it('refuses other objects, other schemas and malformed statements with PostgreSQL SQLSTATEs', () => {
    assert.equal((parseComment("COMMENT ON SCHEMA public IS 'x'") as { sqlstate: string }).sqlstate, '0A000');
    assert.equal((parseComment("COMMENT ON TABLE other.flights IS 'x'") as { sqlstate: string }).sqlstate, '3F000');
    assert.equal((parseComment("COMMENT ON TABLE flights IS 42") as { sqlstate: string }).sqlstate, '42601');
    assert.equal((parseComment("COMMENT ON COLUMN flights IS 'x'") as { sqlstate: string }).sqlstate, '42601');
  });
});
