/**
 * SQL-level cursors of one session (DECLARE / FETCH / MOVE / CLOSE), with
 * PostgreSQL's rules: a cursor without HOLD exists only inside a transaction
 * block and closes at its end; a WITH HOLD cursor survives COMMIT (and is
 * dropped by the ROLLBACK of the transaction that declared it).
 *
 * A cursor holds its query's RowStream open and reads it incrementally: a
 * FETCH takes as many rows as it asks for, slicing a batch when it ends
 * mid-batch and keeping the rest for the next FETCH, so no result is ever
 * materialized. Cursors only move forward; a FETCH that would move backward
 * fails as PostgreSQL's NO SCROLL cursors do.
 *
 * The query runs under the cursor's own AbortSignal, which lives as long as
 * the cursor. Each statement that reads the cursor (DECLARE, FETCH, MOVE)
 * links its own signal to it, so cancelling or timing out that statement
 * interrupts the query; the cursor is then gone.
 */
import { setMaxListeners } from 'node:events';
import type { RecordBatch } from 'apache-arrow';
import { SqlError } from '../../src/errors.ts';
import type { ColumnSpec } from '../plan/plan.ts';
import type { TransactionAction } from '../sql/classify.ts';
import type { CursorStatement, FetchDirection } from '../sql/cursor-statements.ts';
import type { RowStream } from './executor.ts';

type DeclareStatement = Extract<CursorStatement, { kind: 'declare' }>;
type FetchStatement = Extract<CursorStatement, { kind: 'fetch' }>;

export type FetchResult = { readonly kind: 'rows'; readonly rows: RowStream } | { readonly kind: 'moved'; readonly count: number };

/** What one FETCH or MOVE does, once its direction is resolved against the cursor's position. */
type Step =
  | { readonly kind: 'read'; readonly skip: number; readonly take: number }
  | { readonly kind: 'current' }
  | { readonly kind: 'last' }
  | { readonly kind: 'none' };

class Cursor {
  /** Rows read so far; the cursor is on row `position` (0 = before the first). */
  position = 0;
  /** Past the last row (a read came back short). */
  atEnd = false;
  /** The row the cursor is on, as a one-row batch (for FETCH 0 / RELATIVE 0). */
  current: RecordBatch | undefined;
  private lastRead: RecordBatch | undefined;
  private pending: RecordBatch | undefined;
  private exhausted = false;
  private closed = false;
  private readonly iterator: AsyncIterator<RecordBatch>;

  constructor(
    readonly name: string,
    readonly hold: boolean,
    readonly scroll: boolean | undefined,
    /** Declared in the transaction block that is still open (a ROLLBACK drops it even WITH HOLD). */
    public inOpenTransaction: boolean,
    readonly controller: AbortController,
    private readonly stream: RowStream,
  ) {
    this.iterator = stream.batches[Symbol.asyncIterator]();
  }

  get columns(): readonly ColumnSpec[] {
    return this.stream.columns;
  }

  /** Reads up to `take` rows after skipping `skip`, yielding them as (sliced) batches. */
  async *read(skip: number, take: number): AsyncGenerator<RecordBatch> {
    let toSkip = skip;
    let toTake = take;
    while (toSkip > 0 || toTake > 0) {
      const batch = await this.nextBatch();
      if (!batch) {
        this.atEnd = true;
        this.current = undefined;
        return;
      }
      let rows = batch;
      const wanted = toSkip > 0 ? toSkip : toTake;
      if (batch.numRows > wanted) {
        rows = batch.slice(0, wanted);
        this.pending = batch.slice(wanted);
      }
      this.position += rows.numRows;
      this.current = rows.slice(rows.numRows - 1);
      this.lastRead = this.current;
      if (toSkip > 0) toSkip -= rows.numRows;
      else {
        toTake -= rows.numRows;
        yield rows;
      }
    }
  }

  /** FETCH LAST: reads to the end and stays on the last row. */
  async *last(): AsyncGenerator<RecordBatch> {
    for await (const _ of this.read(Number.MAX_SAFE_INTEGER, 0)) {
      // skipping yields nothing
    }
    if (!this.lastRead) return;
    this.atEnd = false;
    this.current = this.lastRead;
    yield this.lastRead;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.iterator.return?.();
    } finally {
      await this.stream.close();
    }
  }

  private async nextBatch(): Promise<RecordBatch | undefined> {
    if (this.pending) {
      const batch = this.pending;
      this.pending = undefined;
      return batch;
    }
    while (!this.exhausted) {
      const next = await this.iterator.next();
      if (next.done) this.exhausted = true;
      else if (next.value.numRows > 0) return next.value;
    }
    return undefined;
  }
}

export class CursorRegistry {
  private readonly cursors = new Map<string, Cursor>();
  /** Whether the session is inside BEGIN … COMMIT/ROLLBACK (told by transaction()). */
  private inTransactionBlock = false;
  /** Inside the implicit block of a multi-statement Query message. */
  private inImplicitBlock = false;

  /**
   * DECLARE: runs the query (through `open`, under the cursor's signal) and keeps its rows.
   * `signal` is the DECLARE statement's own.
   */
  async declare(statement: DeclareStatement, signal: AbortSignal, open: (cursorSignal: AbortSignal) => Promise<RowStream>): Promise<void> {
    if (!statement.hold && !this.inTransactionBlock && !this.inImplicitBlock) {
      throw new SqlError('25P01', 'DECLARE CURSOR can only be used in transaction blocks');
    }
    if (this.cursors.has(statement.name)) throw new SqlError('42P03', `cursor "${statement.name}" already exists`);
    if (statement.binary) throw new SqlError('0A000', 'binary cursors are not supported; declare the cursor without BINARY');
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const unlink = link(signal, controller);
    let stream: RowStream;
    try {
      stream = await open(controller.signal);
    } finally {
      unlink();
    }
    this.cursors.set(statement.name, new Cursor(statement.name, statement.hold, statement.scroll, this.inTransactionBlock, controller, stream));
  }

  /** FETCH returns its rows as a stream read while the client receives them; MOVE reads them at once. */
  async fetch(statement: FetchStatement, signal: AbortSignal): Promise<FetchResult> {
    const cursor = this.get(statement.name);
    const step = planStep(cursor, statement.direction);
    if (statement.move) {
      const unlink = link(signal, cursor.controller);
      try {
        let count = 0;
        for await (const batch of this.guarded(cursor, stepRows(cursor, step))) count += batch.numRows;
        return { kind: 'moved', count };
      } finally {
        unlink();
      }
    }
    const unlink = link(signal, cursor.controller);
    return {
      kind: 'rows',
      rows: {
        columns: cursor.columns,
        batches: this.guarded(cursor, stepRows(cursor, step)),
        stats: [],
        close: async () => unlink(),
      },
    };
  }

  /** Result columns of FETCH from `name` (extended-protocol Describe). */
  columnsOf(name: string): readonly ColumnSpec[] {
    return this.get(name).columns;
  }

  /** CLOSE name, or CLOSE ALL when name is undefined. */
  async close(name: string | undefined): Promise<void> {
    if (name === undefined) return this.closeWhere(() => true);
    const cursor = this.get(name);
    this.cursors.delete(name);
    await cursor.close();
  }

  /** Told about every transaction statement the session runs. */
  async transaction(action: TransactionAction): Promise<void> {
    switch (action) {
      case 'begin':
        this.inTransactionBlock = true;
        return;
      case 'commit':
        this.inTransactionBlock = false;
        await this.closeWhere((cursor) => !cursor.hold);
        for (const cursor of this.cursors.values()) cursor.inOpenTransaction = false;
        return;
      case 'rollback':
        this.inTransactionBlock = false;
        await this.closeWhere((cursor) => !cursor.hold || cursor.inOpenTransaction);
        return;
      default:
        return;
    }
  }

  /**
   * A multi-statement Query message outside BEGIN … COMMIT runs in an implicit
   * transaction block: cursors without HOLD may be declared in it and close at its end.
   */
  async implicitTransaction(action: 'begin' | 'end'): Promise<void> {
    this.inImplicitBlock = action === 'begin';
    if (action === 'end' && !this.inTransactionBlock) await this.closeWhere((cursor) => !cursor.hold);
  }

  /** Closes every cursor (the session ends). */
  async closeAll(): Promise<void> {
    await this.closeWhere(() => true);
  }

  private get(name: string): Cursor {
    const cursor = this.cursors.get(name);
    if (!cursor) throw new SqlError('34000', `cursor "${name}" does not exist`);
    return cursor;
  }

  private async closeWhere(predicate: (cursor: Cursor) => boolean): Promise<void> {
    const closing = [...this.cursors.values()].filter(predicate);
    for (const cursor of closing) this.cursors.delete(cursor.name);
    await Promise.all(closing.map((cursor) => cursor.close().catch(() => undefined)));
  }

  /**
   * A cursor whose read failed (or was cancelled) cannot continue: it is dropped. A cancel or
   * timeout may also reach the connection between two batches, which then stops reading
   * (returns the generator) without the read itself failing: an aborted cursor is dropped then too.
   */
  private async *guarded(cursor: Cursor, rows: AsyncGenerator<RecordBatch>): AsyncGenerator<RecordBatch> {
    const drop = async () => {
      if (this.cursors.get(cursor.name) === cursor) this.cursors.delete(cursor.name);
      await cursor.close().catch(() => undefined);
    };
    try {
      yield* rows;
    } catch (error) {
      await drop();
      const signal = cursor.controller.signal;
      throw signal.aborted ? (signal.reason as Error) : error;
    } finally {
      if (cursor.controller.signal.aborted) await drop();
    }
  }
}

/** Resolves a direction against the cursor's position; forward-only, as a NO SCROLL cursor. */
function planStep(cursor: Cursor, direction: FetchDirection): Step {
  const backward = () =>
    cursor.scroll
      ? new SqlError('0A000', 'pondgate cursors can only scan forward', undefined, 'FETCH NEXT, FORWARD n, FORWARD ALL, ABSOLUTE/RELATIVE ahead of the current row and LAST are supported')
      : new SqlError('55000', 'cursor can only scan forward', undefined, 'pondgate cursors are forward-only');
  switch (direction.kind) {
    case 'forward':
      if (direction.count === 0) return { kind: 'current' };
      return { kind: 'read', skip: 0, take: direction.count === 'all' ? Number.MAX_SAFE_INTEGER : direction.count };
    case 'backward':
      if (direction.count === 0) return { kind: 'current' };
      throw backward();
    case 'relative':
      if (direction.offset === 0) return { kind: 'current' };
      if (direction.offset < 0) throw backward();
      return { kind: 'read', skip: direction.offset - 1, take: 1 };
    case 'absolute': {
      const target = direction.position;
      if (target === -1) return { kind: 'last' };
      if (target === 0) {
        if (cursor.position === 0 && !cursor.atEnd) return { kind: 'none' };
        throw backward();
      }
      if (target < 0) throw backward();
      if (cursor.atEnd) {
        if (target > cursor.position) return { kind: 'none' };
        throw backward();
      }
      if (target === cursor.position) return { kind: 'current' };
      if (target < cursor.position) throw backward();
      return { kind: 'read', skip: target - cursor.position - 1, take: 1 };
    }
  }
}

async function* stepRows(cursor: Cursor, step: Step): AsyncGenerator<RecordBatch> {
  switch (step.kind) {
    case 'read':
      yield* cursor.read(step.skip, step.take);
      return;
    case 'last':
      yield* cursor.last();
      return;
    case 'current':
      if (cursor.position > 0 && !cursor.atEnd && cursor.current) yield cursor.current;
      return;
    case 'none':
      return;
  }
}

/** Aborts `target` when `source` aborts; returns the function that undoes the link. */
function link(source: AbortSignal, target: AbortController): () => void {
  if (source.aborted) {
    target.abort(source.reason);
    return () => undefined;
  }
  const onAbort = () => target.abort(source.reason);
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}
