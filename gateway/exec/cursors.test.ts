import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatch, tableFromArrays } from 'apache-arrow';
import { SqlError } from '../../src/errors.ts';
import { parseCursorStatement, type CursorStatement } from '../sql/cursor-statements.ts';
import { CursorRegistry } from './cursors.ts';
import type { RowStream } from './executor.ts';

/** A RowStream of 0..total-1 in batches of `size`, recording how far it was read and whether it was closed. */
function numbers(total: number, size: number) {
  const state = { produced: 0, closed: false };
  async function* batches(): AsyncGenerator<RecordBatch> {
    for (let start = 0; start < total; start += size) {
      const values = Int32Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i);
      state.produced += values.length;
      yield tableFromArrays({ n: values }).batches[0];
    }
  }
  const rows: RowStream = { columns: [{ name: 'n', type: 'INTEGER' }], batches: batches(), stats: [], close: async () => void (state.closed = true) };
  return { rows, state };
}

function statement(sql: string): CursorStatement {
  const parsed = parseCursorStatement(sql);
  assert.notEqual(parsed.kind, 'refused', sql);
  return parsed as CursorStatement;
}

const signal = new AbortController().signal;

async function declare(registry: CursorRegistry, sql: string, rows: RowStream): Promise<void> {
  const declared = statement(sql);
  assert.equal(declared.kind, 'declare');
  if (declared.kind === 'declare') await registry.declare(declared, signal, async () => rows);
}

/** The values a FETCH returns, or the MOVE count. */
async function fetch(registry: CursorRegistry, sql: string): Promise<number[] | number> {
  const fetched = statement(sql);
  if (fetched.kind !== 'fetch') throw new Error(sql);
  const result = await registry.fetch(fetched, signal);
  if (result.kind === 'moved') return result.count;
  const values: number[] = [];
  for await (const batch of result.rows.batches) values.push(...(batch.getChild('n')!.toArray() as Int32Array));
  await result.rows.close();
  return values;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('CursorRegistry', () => {
  it('drops a cursor whose FETCH was aborted between two batches (the reader stopped, the read did not fail)', async () => {
    const registry = new CursorRegistry();
    const { rows, state } = numbers(10_000, 1000);
    await declare(registry, 'DECLARE c CURSOR WITH HOLD FOR SELECT', rows);
    const fetched = statement('FETCH FORWARD 5000 FROM c');
    if (fetched.kind !== 'fetch') throw new Error('not a fetch');
    const timeout = new AbortController();
    const result = await registry.fetch(fetched, timeout.signal);
    assert.equal(result.kind, 'rows');
    if (result.kind !== 'rows') return;
    const reader = result.rows.batches[Symbol.asyncIterator]();
    assert.equal((await reader.next()).done, false);
    // The statement timeout fires while the connection is sending the first batch: it stops reading.
    timeout.abort(new SqlError('57014', 'canceling statement due to statement timeout'));
    await reader.return?.(undefined);
    await result.rows.close();
    assert.equal(state.closed, true, 'the rows were closed');
    await assert.rejects(fetch(registry, 'FETCH 1 FROM c'), (error: SqlError) => error.sqlstate === '34000');
  });

  it('reads forward across batch boundaries and only as far as asked', async () => {
    const registry = new CursorRegistry();
    await registry.transaction('begin');
    const { rows, state } = numbers(10_000, 1000);
    await declare(registry, 'DECLARE c CURSOR FOR SELECT', rows);
    assert.equal(state.produced, 0);
    assert.deepEqual(await fetch(registry, 'FETCH 3 FROM c'), [0, 1, 2]);
    assert.equal(state.produced, 1000);
    assert.deepEqual(await fetch(registry, 'FETCH FORWARD 1500 FROM c'), range(3, 1503));
    assert.equal(state.produced, 2000);
    assert.equal(await fetch(registry, 'MOVE 497 IN c'), 497);
    assert.deepEqual(await fetch(registry, 'FETCH NEXT FROM c'), [2000]);
    assert.deepEqual(await fetch(registry, 'FETCH 0 FROM c'), [2000]);
    assert.deepEqual(await fetch(registry, 'FETCH RELATIVE 5 FROM c'), [2005]);
    assert.deepEqual(await fetch(registry, 'FETCH ABSOLUTE 2010 FROM c'), [2009]);
    assert.deepEqual(await fetch(registry, 'FETCH ABSOLUTE 2010 FROM c'), [2009]);
    assert.equal((await fetch(registry, 'FETCH ALL FROM c') as number[]).length, 10_000 - 2010);
    assert.deepEqual(await fetch(registry, 'FETCH NEXT FROM c'), []);
    assert.deepEqual(await fetch(registry, 'FETCH 0 FROM c'), []);
    assert.equal(await fetch(registry, 'MOVE ALL FROM c'), 0);
    await registry.close('c');
    assert.equal(state.closed, true);
  });

  it('FETCH LAST reads to the end and stays on the last row', async () => {
    const registry = new CursorRegistry();
    await declare(registry, 'DECLARE c CURSOR WITH HOLD FOR SELECT', numbers(2500, 1000).rows);
    assert.deepEqual(await fetch(registry, 'FETCH LAST FROM c'), [2499]);
    assert.deepEqual(await fetch(registry, 'FETCH RELATIVE 0 FROM c'), [2499]);
    assert.deepEqual(await fetch(registry, 'FETCH NEXT FROM c'), []);
  });

  it('refuses to move backward: 55000, or 0A000 for a SCROLL cursor', async () => {
    const registry = new CursorRegistry();
    await declare(registry, 'DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT', numbers(100, 10).rows);
    await declare(registry, 'DECLARE s SCROLL CURSOR WITH HOLD FOR SELECT', numbers(100, 10).rows);
    await fetch(registry, 'FETCH 5 FROM c');
    for (const sql of ['FETCH PRIOR FROM c', 'FETCH BACKWARD 2 FROM c', 'FETCH ABSOLUTE 2 FROM c', 'FETCH FIRST FROM c', 'FETCH RELATIVE -1 FROM c', 'FETCH ABSOLUTE -2 FROM c', 'MOVE BACKWARD ALL FROM c']) {
      await assert.rejects(fetch(registry, sql), (error: SqlError) => error.sqlstate === '55000', sql);
    }
    await assert.rejects(fetch(registry, 'FETCH PRIOR FROM s'), (error: SqlError) => error.sqlstate === '0A000');
    // FIRST before anything was read is no backward move.
    assert.deepEqual(await fetch(registry, 'FETCH FIRST FROM s'), [0]);
  });

  it('applies the transaction rules and reports unknown and duplicate names', async () => {
    const registry = new CursorRegistry();
    await assert.rejects(declare(registry, 'DECLARE c CURSOR FOR SELECT', numbers(1, 1).rows), (e: SqlError) => e.sqlstate === '25P01');
    await declare(registry, 'DECLARE old CURSOR WITH HOLD FOR SELECT', numbers(5, 5).rows);
    await registry.transaction('begin');
    const plain = numbers(5, 5);
    await declare(registry, 'DECLARE plain CURSOR FOR SELECT', plain.rows);
    await assert.rejects(declare(registry, 'DECLARE plain CURSOR FOR SELECT', numbers(1, 1).rows), (e: SqlError) => e.sqlstate === '42P03');
    const young = numbers(5, 5);
    await declare(registry, 'DECLARE young CURSOR WITH HOLD FOR SELECT', young.rows);
    await registry.transaction('rollback');
    assert.equal(plain.state.closed, true);
    assert.equal(young.state.closed, true);
    await assert.rejects(fetch(registry, 'FETCH 1 FROM young'), (e: SqlError) => e.sqlstate === '34000');
    assert.deepEqual(await fetch(registry, 'FETCH 1 FROM old'), [0]);
    await registry.transaction('begin');
    const kept = numbers(5, 5);
    await declare(registry, 'DECLARE kept CURSOR WITH HOLD FOR SELECT', kept.rows);
    await registry.transaction('commit');
    await registry.transaction('begin');
    await registry.transaction('rollback');
    assert.equal(kept.state.closed, false);
    assert.deepEqual(await fetch(registry, 'FETCH ALL FROM kept'), [0, 1, 2, 3, 4]);
    await registry.closeAll();
    assert.equal(kept.state.closed, true);
  });

  it('allows DECLARE in the implicit block of a multi-statement message and closes it at its end', async () => {
    const registry = new CursorRegistry();
    await registry.implicitTransaction('begin');
    const implicit = numbers(5, 5);
    await declare(registry, 'DECLARE c CURSOR FOR SELECT', implicit.rows);
    const held = numbers(5, 5);
    await declare(registry, 'DECLARE h CURSOR WITH HOLD FOR SELECT', held.rows);
    assert.deepEqual(await fetch(registry, 'FETCH 2 FROM c'), [0, 1]);
    await registry.implicitTransaction('end');
    assert.equal(implicit.state.closed, true);
    assert.equal(held.state.closed, false);
    await assert.rejects(declare(registry, 'DECLARE d CURSOR FOR SELECT', numbers(1, 1).rows), (e: SqlError) => e.sqlstate === '25P01');
    // BEGIN inside the message: the explicit block goes on after it.
    await registry.implicitTransaction('begin');
    await registry.transaction('begin');
    const explicit = numbers(5, 5);
    await declare(registry, 'DECLARE e CURSOR FOR SELECT', explicit.rows);
    await registry.implicitTransaction('end');
    assert.equal(explicit.state.closed, false);
    await registry.transaction('commit');
    assert.equal(explicit.state.closed, true);
  });

  it('a failed or aborted read drops the cursor with the abort reason', async () => {
    const registry = new CursorRegistry();
    let closed = false;
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield tableFromArrays({ n: Int32Array.from([1, 2]) }).batches[0];
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('INTERRUPT Error: Interrupted!');
    }
    const declared = statement('DECLARE c CURSOR WITH HOLD FOR SELECT');
    if (declared.kind !== 'declare') throw new Error('declare');
    let cursorSignal: AbortSignal | undefined;
    await registry.declare(declared, signal, async (s) => {
      cursorSignal = s;
      return { columns: [{ name: 'n', type: 'INTEGER' }], batches: failing(), stats: [], close: async () => void (closed = true) };
    });
    const fetchStatement = statement('FETCH ALL FROM c');
    if (fetchStatement.kind !== 'fetch') throw new Error('fetch');
    const statementAbort = new AbortController();
    const result = await registry.fetch(fetchStatement, statementAbort.signal);
    if (result.kind !== 'rows') throw new Error('rows');
    const iterator = result.rows.batches[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.numRows, 2);
    statementAbort.abort(new SqlError('57014', 'canceling statement due to statement timeout'));
    assert.equal(cursorSignal?.aborted, true);
    await assert.rejects(iterator.next(), (e: SqlError) => e.sqlstate === '57014' && /statement timeout/.test(e.message));
    assert.equal(closed, true);
    await assert.rejects(fetch(registry, 'FETCH 1 FROM c'), (e: SqlError) => e.sqlstate === '34000');
  });
});
