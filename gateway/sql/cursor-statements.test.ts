import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classify.ts';
import { parseCursorStatement } from './cursor-statements.ts';

describe('DECLARE', () => {
  it('reads the options, the hold mode and the query as written', () => {
    assert.deepEqual(classify('DECLARE "MyCur" CURSOR WITHOUT HOLD FOR SELECT * FROM lineitem'), {
      kind: 'declare', name: 'MyCur', hold: false, scroll: undefined, binary: false, query: 'SELECT * FROM lineitem',
    });
    assert.deepEqual(classify('declare _psql_cursor no scroll cursor for\nselect 1 as "FOR"'), {
      kind: 'declare', name: '_psql_cursor', hold: false, scroll: false, binary: false, query: 'select 1 as "FOR"',
    });
    assert.deepEqual(classify('DECLARE C BINARY INSENSITIVE SCROLL CURSOR WITH HOLD FOR VALUES (1)'), {
      kind: 'declare', name: 'c', hold: true, scroll: true, binary: true, query: 'VALUES (1)',
    });
    assert.deepEqual(classify('/* c */ DECLARE c ASENSITIVE CURSOR FOR -- rows\n  SELECT 1'), {
      kind: 'declare', name: 'c', hold: false, scroll: undefined, binary: false, query: 'SELECT 1',
    });
  });

  it('refuses malformed declarations with 42601', () => {
    for (const sql of ['DECLARE c FOR SELECT 1', 'DECLARE c CURSOR SELECT 1', 'DECLARE c CURSOR FOR', 'DECLARE CURSOR FOR SELECT 1 x']) {
      const statement = parseCursorStatement(sql);
      assert.equal(statement.kind, 'refused', sql);
      if (statement.kind === 'refused') assert.equal(statement.sqlstate, '42601', sql);
    }
  });
});

describe('FETCH and MOVE', () => {
  const direction = (sql: string) => {
    const statement = classify(sql);
    assert.equal(statement.kind, 'fetch', sql);
    return statement.kind === 'fetch' ? { move: statement.move, name: statement.name, ...statement.direction } : undefined;
  };

  it('reads every direction form of PostgreSQL', () => {
    assert.deepEqual(direction('FETCH c'), { move: false, name: 'c', kind: 'forward', count: 1 });
    assert.deepEqual(direction('FETCH NEXT FROM c'), { move: false, name: 'c', kind: 'forward', count: 1 });
    assert.deepEqual(direction('FETCH FORWARD 2000 FROM "name"'), { move: false, name: 'name', kind: 'forward', count: 2000 });
    assert.deepEqual(direction('fetch forward 100 from _psql_cursor'), { move: false, name: '_psql_cursor', kind: 'forward', count: 100 });
    assert.deepEqual(direction('FETCH FORWARD ALL IN c'), { move: false, name: 'c', kind: 'forward', count: 'all' });
    assert.deepEqual(direction('FETCH FORWARD c'), { move: false, name: 'c', kind: 'forward', count: 1 });
    assert.deepEqual(direction('FETCH 5 c'), { move: false, name: 'c', kind: 'forward', count: 5 });
    assert.deepEqual(direction('FETCH ALL FROM c'), { move: false, name: 'c', kind: 'forward', count: 'all' });
    assert.deepEqual(direction('FETCH 0 FROM c'), { move: false, name: 'c', kind: 'forward', count: 0 });
    assert.deepEqual(direction('FETCH -2 FROM c'), { move: false, name: 'c', kind: 'backward', count: 2 });
    assert.deepEqual(direction('FETCH PRIOR FROM c'), { move: false, name: 'c', kind: 'backward', count: 1 });
    assert.deepEqual(direction('FETCH BACKWARD ALL FROM c'), { move: false, name: 'c', kind: 'backward', count: 'all' });
    assert.deepEqual(direction('FETCH BACKWARD -3 FROM c'), { move: false, name: 'c', kind: 'forward', count: 3 });
    assert.deepEqual(direction('FETCH FIRST FROM c'), { move: false, name: 'c', kind: 'absolute', position: 1 });
    assert.deepEqual(direction('FETCH LAST IN c'), { move: false, name: 'c', kind: 'absolute', position: -1 });
    assert.deepEqual(direction('FETCH ABSOLUTE -4 FROM c'), { move: false, name: 'c', kind: 'absolute', position: -4 });
    assert.deepEqual(direction('FETCH RELATIVE +2 FROM c'), { move: false, name: 'c', kind: 'relative', offset: 2 });
    assert.deepEqual(direction('MOVE 3 c'), { move: true, name: 'c', kind: 'forward', count: 3 });
    assert.deepEqual(direction('MOVE FORWARD ALL FROM "Big Cursor"'), { move: true, name: 'Big Cursor', kind: 'forward', count: 'all' });
  });

  it('treats a direction word at the end as the cursor name', () => {
    assert.deepEqual(direction('FETCH next'), { move: false, name: 'next', kind: 'forward', count: 1 });
  });

  it('refuses trailing garbage and missing names with 42601', () => {
    for (const sql of ['FETCH 5', 'FETCH 5 FROM c d', 'FETCH FORWARD 1.5 FROM c', 'FETCH FROM', 'MOVE ABSOLUTE FROM c']) {
      const statement = parseCursorStatement(sql);
      assert.equal(statement.kind, 'refused', sql);
    }
  });
});

describe('CLOSE', () => {
  it('closes one cursor or ALL', () => {
    assert.deepEqual(classify('CLOSE c'), { kind: 'close_cursor', name: 'c' });
    assert.deepEqual(classify('CLOSE "All"'), { kind: 'close_cursor', name: 'All' });
    assert.deepEqual(classify('close all'), { kind: 'close_cursor', name: undefined });
    assert.equal(classify('CLOSE a b').kind, 'refused');
  });
});
