/**
 * One client connection: the PostgreSQL v3 protocol state machine.
 *
 * This module owns the protocol mechanics — startup, authentication,
 * ReadyForQuery and transaction status, simple and extended query flow,
 * error recovery up to Sync — and leaves what a statement means to the
 * EngineSession. Messages are handled strictly one after another.
 */
import type { Socket } from 'node:net';
import type { Field, RecordBatch } from 'apache-arrow';
import { SqlError, toSqlError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { ColumnSpec } from '../plan/plan.ts';
import { classify, type Statement } from '../sql/classify.ts';
import { isBlank, splitStatements } from '../sql/split.ts';
import type { EngineSession, QueryEngine, StatementOutcome } from '../exec/engine.ts';
import {
  GSSENC_REFUSED,
  MessageWriter,
  SSL_REFUSED,
  encodeAuthenticationOk,
  encodeBackendKeyData,
  encodeBindComplete,
  encodeCloseComplete,
  encodeCommandComplete,
  encodeEmptyQueryResponse,
  encodeErrorResponse,
  encodeNoData,
  encodeParameterDescription,
  encodeParameterStatus,
  encodeParseComplete,
  encodePortalSuspended,
  encodeReadyForQuery,
  encodeRowDescription,
  writeDataRow,
  type FieldDescription,
  type FieldValue,
  type TransactionStatus,
} from './backend.ts';
import { withPosition } from './error-position.ts';
import { FrontendDecoder, type Bind, type DecodeResult, type Describe, type Execute, type Parse, type StartupMessage } from './frontend.ts';
import { pgTypeOf } from './pg-types.ts';
import { SessionState } from './session-state.ts';
import { makeTextFormatter, type TextFormatter } from './text-format.ts';

export interface ConnectionOptions {
  readonly database: string;
  readonly processId: number;
  readonly secretKey: number;
  readonly log: Logger;
  /** Largest frontend message length accepted; default the decoder's. */
  readonly maxMessageBytes?: number;
}

interface PreparedStatement {
  readonly sql: string;
  readonly statement: Statement;
  readonly paramTypes: readonly number[];
}

interface Portal {
  readonly prepared: PreparedStatement;
  readonly parameters: readonly (string | null)[];
  readonly resultFormats: readonly number[];
  /** Set once execution started; a suspended portal resumes from here. */
  cursor?: RowCursor;
}

/** Rows of a running statement, consumed batch by batch across Execute calls. */
interface RowCursor {
  readonly outcome: Extract<StatementOutcome, { kind: 'rows' }>;
  readonly iterator: AsyncIterator<RecordBatch>;
  formatters?: TextFormatter[];
  batch?: RecordBatch;
  row: number;
  sent: number;
  done: boolean;
}

const FLUSH_BYTES = 256 * 1024;
// Socket reads are at most 64 KiB, so this bounds queued input to ~1 MiB (plus one partial message).
const MAX_UNHANDLED_CHUNKS = 16;

export class ClientConnection {
  private readonly decoder: FrontendDecoder;
  private readonly writer = new MessageWriter(64 * 1024);
  private state: SessionState | undefined;
  private engineSession: EngineSession | undefined;
  private transaction: TransactionStatus = 'I';
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skippingToSync = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private abort = new AbortController();
  /** Socket chunks whose messages are not all handled yet. */
  private unhandledChunks = 0;

  constructor(
    private readonly socket: Socket,
    private readonly engine: QueryEngine,
    private readonly options: ConnectionOptions,
    private readonly onCancelRequest: (processId: number, secretKey: number) => void,
  ) {
    this.decoder = new FrontendDecoder({ maxMessageLength: options.maxMessageBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // Decode now, handle in order: the next message waits for the previous one.
      for (const message of this.decoder.feed(chunk)) this.queue = this.queue.then(() => this.handle(message));
      this.queue = this.queue.catch((error: unknown) => this.fatal(toSqlError(error)));
      // Backpressure, as PostgreSQL gets by reading only when idle: a client that
      // pipelines without reading its answers would otherwise have us queue all it sends.
      if (++this.unhandledChunks >= MAX_UNHANDLED_CHUNKS) socket.pause();
      this.queue = this.queue.finally(() => {
        if (--this.unhandledChunks < MAX_UNHANDLED_CHUNKS && !this.closed) socket.resume();
      });
    });
    socket.on('close', () => void this.dispose());
    socket.on('error', () => void this.dispose());
  }

  /** Interrupts the statement in progress (CancelRequest from another connection). */
  cancel(): void {
    this.abort.abort(new SqlError('57014', 'canceling statement due to user request'));
  }

  private async handle(message: DecodeResult): Promise<void> {
    if (this.closed) return;
    if (message.type === 'DecodeError') {
      if (message.fatal) return this.fatal(new SqlError(message.sqlstate, message.message));
      if (message.messageType !== undefined && endsBatch(message.messageType)) return this.failSimple(new SqlError(message.sqlstate, message.message));
      // Like PostgreSQL, which does not even parse what it skips until Sync.
      if (this.skippingToSync) return;
      return this.failExtended(new SqlError(message.sqlstate, message.message));
    }
    switch (message.type) {
      case 'SSLRequest':
        return this.write(SSL_REFUSED);
      case 'GSSENCRequest':
        return this.write(GSSENC_REFUSED);
      case 'CancelRequest':
        this.onCancelRequest(message.processId, message.secretKey);
        this.socket.end();
        return;
      case 'StartupMessage':
        return this.startup(message);
      case 'Terminate':
        this.socket.end();
        return this.dispose();
      case 'Sync':
        this.skippingToSync = false;
        // Sync ends the implicit transaction, and PostgreSQL drops portals with
        // it: kept, each suspended one would pin its running query forever.
        if (this.transaction === 'I') await this.closeAllPortals();
        return this.readyForQuery();
      case 'Flush':
        return this.flush();
    }
    if (!this.engineSession) return this.fatal(new SqlError('08P01', `unexpected ${message.type} message before startup completed`));
    // PostgreSQL skips everything up to Sync, a simple Query too.
    if (this.skippingToSync) return;
    switch (message.type) {
      case 'Query':
        return this.simpleQuery(message.sql);
      case 'Parse':
        return this.guardExtended(() => this.parse(message));
      case 'Bind':
        return this.guardExtended(() => this.bind(message));
      case 'Describe':
        return this.guardExtended(() => this.describe(message), message.target === 'S' ? this.statements.get(message.name) : this.portals.get(message.name)?.prepared);
      case 'Execute':
        return this.guardExtended(() => this.execute(message), this.portals.get(message.portal)?.prepared);
      case 'Close':
        if (message.target === 'S') this.statements.delete(message.name);
        else await this.closePortal(message.name);
        return this.write(encodeCloseComplete());
      case 'PasswordMessage':
        return this.fatal(new SqlError('08P01', 'unexpected password message'));
      case 'CopyData':
      case 'CopyDone':
      case 'CopyFail':
        return; // no COPY FROM in progress: PostgreSQL ignores these
      case 'FunctionCall':
        return this.failSimple(new SqlError('0A000', 'the fast-path function call interface is not supported'));
      case 'Unknown':
        return this.fatal(new SqlError('08P01', `invalid frontend message type ${message.code}`));
    }
  }

  // ---------------------------------------------------------------- startup

  private async startup(message: StartupMessage): Promise<void> {
    const user = message.params.get('user');
    if (!user) return this.fatal(new SqlError('28000', 'no PostgreSQL user name specified in startup packet'));
    const database = message.params.get('database') || user;
    if (database !== this.options.database) {
      return this.fatal(new SqlError('3D000', `database "${database}" does not exist`, undefined, `this gateway serves database "${this.options.database}"`));
    }
    const startupOptions = new Map<string, string>();
    for (const [key, value] of message.params) if (key !== 'user' && key !== 'database' && key !== 'options') startupOptions.set(key, value);
    for (const [key, value] of parseOptions(message.params.get('options') ?? '')) startupOptions.set(key, value);
    try {
      this.state = new SessionState(user, startupOptions);
    } catch (error) {
      return this.fatal(new SqlError('22023', (error as Error).message));
    }
    this.engineSession = await this.engine.openSession(this.state);
    this.writer.bytes(encodeAuthenticationOk());
    for (const { name, value } of this.state.reported()) this.writer.bytes(encodeParameterStatus(name, value));
    this.writer.bytes(encodeBackendKeyData(this.options.processId, this.options.secretKey));
    this.options.log.info({ user, application: this.state.get('application_name') }, 'session started');
    return this.readyForQuery();
  }

  // ---------------------------------------------------------------- simple query

  private async simpleQuery(text: string): Promise<void> {
    this.skippingToSync = false;
    if (isBlank(text)) {
      this.writer.bytes(encodeEmptyQueryResponse());
      return this.readyForQuery();
    }
    let from = 0;
    for (const sql of splitStatements(text)) {
      const at = text.indexOf(sql, from);
      from = at + sql.length;
      const statement = classify(sql);
      if (this.transaction === 'E' && !(statement.kind === 'transaction' && (statement.action === 'rollback' || statement.action === 'rollback_to' || statement.action === 'commit'))) {
        this.writeError(new SqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block'));
        break;
      }
      try {
        await this.runStatement(statement, [], [], undefined, true);
      } catch (error) {
        this.writeError(withPosition(toSqlError(error), text, at, sql, statement));
        if (this.transaction === 'T') this.transaction = 'E';
        break;
      }
    }
    return this.readyForQuery();
  }

  // ---------------------------------------------------------------- extended query

  private async parse(message: Parse): Promise<void> {
    const statement = isBlank(message.query) ? classify('') : classify(message.query);
    if (message.name !== '' && this.statements.has(message.name)) {
      throw new SqlError('42P05', `prepared statement "${message.name}" already exists`);
    }
    this.statements.set(message.name, { sql: message.query, statement, paramTypes: message.paramTypes });
    this.writer.bytes(encodeParseComplete());
  }

  private async bind(message: Bind): Promise<void> {
    const prepared = this.statements.get(message.statement);
    if (!prepared) throw new SqlError('26000', `prepared statement "${message.statement}" does not exist`);
    const parameters = message.params.map((value, i) => {
      if (value === null) return null;
      const format = message.paramFormats.length === 1 ? message.paramFormats[0] : (message.paramFormats[i] ?? 0);
      if (format !== 0) throw new SqlError('0A000', 'binary parameter format is not supported yet; send parameters as text');
      return Buffer.from(value).toString('utf8');
    });
    await this.closePortal(message.portal);
    this.portals.set(message.portal, { prepared, parameters, resultFormats: message.resultFormats });
    this.writer.bytes(encodeBindComplete());
  }

  private async describe(message: Describe): Promise<void> {
    const session = this.requireSession();
    if (message.target === 'S') {
      const prepared = this.statements.get(message.name);
      if (!prepared) throw new SqlError('26000', `prepared statement "${message.name}" does not exist`);
      const description = isBlank(prepared.sql) ? undefined : await session.describe(prepared.statement);
      const parameterOids = (description?.parameterTypes ?? []).map((type, i) =>
        prepared.paramTypes[i] || (type ? pgTypeOf(type).oid : 25),
      );
      this.writer.bytes(encodeParameterDescription(parameterOids));
      this.writer.bytes(description && description.columns.length > 0 ? encodeRowDescription(fieldsOf(description.columns, [])) : encodeNoData());
      return;
    }
    const portal = this.portals.get(message.name);
    if (!portal) throw new SqlError('34000', `portal "${message.name}" does not exist`);
    const description = isBlank(portal.prepared.sql) ? undefined : await session.describe(portal.prepared.statement);
    this.writer.bytes(
      description && description.columns.length > 0 ? encodeRowDescription(fieldsOf(description.columns, portal.resultFormats)) : encodeNoData(),
    );
  }

  private async execute(message: Execute): Promise<void> {
    const portal = this.portals.get(message.portal);
    if (!portal) throw new SqlError('34000', `portal "${message.portal}" does not exist`);
    if (isBlank(portal.prepared.sql)) {
      this.writer.bytes(encodeEmptyQueryResponse());
      return;
    }
    if (portal.cursor) {
      await this.sendRows(portal.cursor, message.maxRows);
      return;
    }
    await this.runStatement(portal.prepared.statement, portal.parameters, portal.resultFormats, portal, false, message.maxRows);
  }

  /** `prepared`: the statement concerned, for the error position (relative to its Parse message's query). */
  private async guardExtended(action: () => Promise<void>, prepared?: PreparedStatement): Promise<void> {
    try {
      await action();
    } catch (error) {
      const sqlError = toSqlError(error);
      this.failExtended(prepared ? withPosition(sqlError, prepared.sql, 0, prepared.sql, prepared.statement) : sqlError);
    }
  }

  /**
   * An error in a message that is not part of an extended-protocol batch (a
   * Query, a FunctionCall, a Sync): PostgreSQL answers ERROR then ReadyForQuery
   * at once; a client waiting for ReadyForQuery (psql, libpq's PQfn) would
   * otherwise hang.
   */
  private failSimple(error: SqlError): Promise<void> {
    this.skippingToSync = false;
    this.writeError(error);
    if (this.transaction === 'T') this.transaction = 'E';
    return this.readyForQuery();
  }

  private failExtended(error: SqlError): void {
    this.writeError(error);
    if (this.transaction === 'T') this.transaction = 'E';
    this.skippingToSync = true;
  }

  private async closeAllPortals(): Promise<void> {
    for (const name of [...this.portals.keys()]) await this.closePortal(name).catch(() => undefined);
  }

  private async closePortal(name: string): Promise<void> {
    const portal = this.portals.get(name);
    this.portals.delete(name);
    if (portal?.cursor) await closeCursor(portal.cursor);
  }

  // ---------------------------------------------------------------- running statements

  private async runStatement(
    statement: Statement,
    parameters: readonly (string | null)[],
    resultFormats: readonly number[],
    portal: Portal | undefined,
    describeRows: boolean,
    maxRows = 0,
  ): Promise<void> {
    const session = this.requireSession();
    if (resultFormats.some((f) => f !== 0)) throw new SqlError('0A000', 'binary result format is not supported yet; request text');
    if (statement.kind === 'transaction') {
      this.applyTransaction(statement.action);
    }
    this.abort = new AbortController();
    const outcome = await session.execute(statement, parameters, this.abort.signal);
    if (outcome.kind === 'command') {
      for (const { name, value } of outcome.parameterStatus) this.writer.bytes(encodeParameterStatus(name, value));
      this.writer.bytes(encodeCommandComplete(outcome.tag));
      return;
    }
    const cursor: RowCursor = { outcome, iterator: outcome.rows.batches[Symbol.asyncIterator](), row: 0, sent: 0, done: false };
    if (describeRows) this.writer.bytes(encodeRowDescription(fieldsOf(outcome.rows.columns, resultFormats)));
    if (portal) portal.cursor = cursor;
    try {
      await this.sendRows(cursor, maxRows);
    } catch (error) {
      await closeCursor(cursor);
      if (portal) portal.cursor = undefined;
      throw error;
    }
  }

  /** Sends up to maxRows rows (0 = all); PortalSuspended when rows remain, CommandComplete when done. */
  private async sendRows(cursor: RowCursor, maxRows: number): Promise<void> {
    let sentNow = 0;
    const values: FieldValue[] = new Array<FieldValue>(cursor.outcome.rows.columns.length);
    while (!cursor.done) {
      if (!cursor.batch || cursor.row >= cursor.batch.numRows) {
        if (this.abort.signal.aborted) throw this.abort.signal.reason as Error;
        const next = await cursor.iterator.next();
        if (next.done) {
          cursor.done = true;
          break;
        }
        cursor.batch = next.value;
        cursor.row = 0;
        cursor.formatters ??= next.value.schema.fields.map((field: Field) =>
          makeTextFormatter(field, { timeZone: this.state?.timeZone ?? 'UTC', extraFloatDigits: this.state?.extraFloatDigits ?? 1 }),
        );
      }
      const batch = cursor.batch;
      const formatters = cursor.formatters ?? [];
      const columns = batch.data.children;
      while (cursor.row < batch.numRows) {
        if (maxRows > 0 && sentNow >= maxRows) {
          this.writer.bytes(encodePortalSuspended());
          return;
        }
        for (let c = 0; c < values.length; c++) values[c] = formatters[c](columns[c], cursor.row);
        writeDataRow(this.writer, values);
        cursor.row++;
        cursor.sent++;
        sentNow++;
        if (this.writer.length >= FLUSH_BYTES) await this.flush();
      }
    }
    await closeCursor(cursor);
    this.writer.bytes(encodeCommandComplete(`${cursor.outcome.tag} ${cursor.sent}`.replace(/^(SHOW|EXPLAIN) \d+$/, '$1')));
  }

  private applyTransaction(action: string): void {
    switch (action) {
      case 'begin':
        this.transaction = 'T';
        break;
      case 'commit':
      case 'rollback':
        this.transaction = 'I';
        break;
      case 'rollback_to':
        if (this.transaction === 'E') this.transaction = 'T';
        break;
    }
  }

  // ---------------------------------------------------------------- output

  private writeError(error: SqlError): void {
    this.writer.bytes(
      encodeErrorResponse({ severity: 'ERROR', code: error.sqlstate, message: error.message, detail: error.detail, hint: error.hint, position: error.position }),
    );
  }

  private async readyForQuery(): Promise<void> {
    this.writer.bytes(encodeReadyForQuery(this.transaction));
    await this.flush();
  }

  private async fatal(error: SqlError): Promise<void> {
    if (this.closed) return;
    this.writer.bytes(encodeErrorResponse({ severity: 'FATAL', code: error.sqlstate, message: error.message, detail: error.detail, hint: error.hint }));
    await this.flush().catch(() => undefined);
    this.socket.end();
    await this.dispose();
  }

  private write(buffer: Buffer): Promise<void> {
    this.writer.bytes(buffer);
    return this.flush();
  }

  /** Writes what is buffered; waits for the socket to drain, so a slow client slows the query. */
  private async flush(): Promise<void> {
    if (this.writer.length === 0 || this.closed) return;
    const data = this.writer.finish();
    if (!this.socket.write(data)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  private requireSession(): EngineSession {
    if (!this.engineSession) throw new SqlError('08P01', 'session not started');
    return this.engineSession;
  }

  private async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(new SqlError('57014', 'client disconnected'));
    // The message in progress may still be using the session's DuckDB
    // connection (or still be opening it): closing the connection under a
    // running statement crashed the gateway (SIGSEGV) when a client vanished
    // mid-query. So release the session only after the queue has settled;
    // queued messages are no-ops now that `closed` is set. Not awaited: we may
    // be called from inside the queue (Terminate, FATAL errors).
    this.queue = this.queue
      .then(async () => {
        await this.closeAllPortals();
        await this.engineSession?.close();
        this.options.log.debug('session closed');
      })
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'closing session failed'));
  }
}

/** Query, FunctionCall and Sync end a batch: after them PostgreSQL sends ReadyForQuery, even when they were malformed. */
function endsBatch(messageType: number): boolean {
  return messageType === 0x51 || messageType === 0x46 || messageType === 0x53;
}

async function closeCursor(cursor: RowCursor): Promise<void> {
  if (!cursor.done) {
    cursor.done = true;
    await cursor.iterator.return?.();
  }
  await cursor.outcome.rows.close();
}

/** RowDescription fields through the one DuckDB → PostgreSQL type map. */
function fieldsOf(columns: readonly ColumnSpec[], resultFormats: readonly number[]): FieldDescription[] {
  return columns.map((column, i) => {
    const type = pgTypeOf(column.type);
    const format = resultFormats.length === 1 ? resultFormats[0] : (resultFormats[i] ?? 0);
    return {
      name: column.name,
      tableOid: 0,
      columnAttr: 0,
      typeOid: type.oid,
      typeSize: type.typlen,
      typeModifier: type.typmod,
      formatCode: format === 1 ? 1 : 0,
    };
  });
}

/** The `options` startup parameter: `-c name=value` pairs, as libpq's PGOPTIONS sends them. */
function parseOptions(options: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const pattern = /(?:-c\s*|--)([A-Za-z_.]+)=((?:\\.|\S)+)/g;
  for (const match of options.matchAll(pattern)) pairs.push([match[1], match[2].replace(/\\(.)/g, '$1')]);
  return pairs;
}
