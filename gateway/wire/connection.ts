/**
 * One client connection: the PostgreSQL v3 protocol state machine.
 *
 * This module owns the protocol mechanics — startup, authentication,
 * ReadyForQuery and transaction status, simple and extended query flow,
 * error recovery up to Sync — and leaves what a statement means to the
 * EngineSession. Messages are handled strictly one after another.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Field, RecordBatch } from 'apache-arrow';
import { SqlError, toSqlError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { ColumnSpec } from '../plan/plan.ts';
import { classify, type Statement } from '../sql/classify.ts';
import { isBlank, splitStatements } from '../sql/split.ts';
import type { Description, EngineSession, QueryEngine, StatementOutcome } from '../exec/engine.ts';
import {
  GSSENC_REFUSED,
  MessageWriter,
  SSL_ACCEPTED,
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
  type FieldDescription,
  type TransactionStatus,
} from './backend.ts';
import { withPosition } from './error-position.ts';
import type { AuthExchange, AuthReply } from './auth/authenticator.ts';
import { sendCopyOut } from './copy-out.ts';
import { FrontendDecoder, type Bind, type DecodeResult, type Describe, type Execute, type Parse, type StartupMessage } from './frontend.ts';
import { pgTypeOf } from '../../src/pg/pg-types.ts';
import type { ConnectionSecurity } from './security.ts';
import { protocolNegotiation } from './startup.ts';
import { tlsServerEndPoint, upgradeToTls } from './tls.ts';
import { SessionState } from '../session/session-state.ts';
import { armStatementTimeout } from './statement-timeout.ts';
import { makeBatchEncoder, type BatchEncoder } from './row-encoder.ts';
import { decodeBinaryParameter } from './binary-params.ts';

export interface ConnectionOptions {
  readonly database: string;
  readonly processId: number;
  readonly secretKey: number;
  readonly log: Logger;
  readonly security: ConnectionSecurity;
  /** Largest frontend message length accepted; default the decoder's. */
  readonly maxMessageBytes?: number;
}

interface PreparedStatement {
  readonly sql: string;
  readonly statement: Statement;
  readonly paramTypes: readonly number[];
  /** Computed at Parse, as PostgreSQL analyses a statement there; undefined for an empty one. */
  readonly description: Description | undefined;
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
  /** Result format codes as bound (0/1/N convention); empty = all text. */
  readonly resultFormats: readonly number[];
  /** Made from the first batch's schema: the result's column encoders. */
  encoder?: BatchEncoder;
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
  /** Replaced by a TLSSocket after an accepted SSLRequest. */
  private socket: Socket;
  /** Set once TLS is negotiated. */
  private tls: TLSSocket | undefined;
  /** The startup waiting for its password exchange to finish. */
  private authentication: { readonly exchange: AuthExchange; readonly startup: StartupMessage } | undefined;
  private releaseSlot: (() => void) | undefined;
  private readonly startupTimer: NodeJS.Timeout;
  /** Socket chunks whose messages are not all handled yet. */
  private unhandledChunks = 0;

  constructor(
    socket: Socket,
    private readonly engine: QueryEngine,
    private readonly options: ConnectionOptions,
    private readonly onCancelRequest: (processId: number, secretKey: number) => void,
  ) {
    this.decoder = new FrontendDecoder({ maxMessageLength: options.maxMessageBytes });
    this.socket = socket;
    socket.setNoDelay(true);
    this.listen(socket);
    // A client that never completes startup must not hold a connection forever.
    this.startupTimer = setTimeout(() => socket.destroy(), options.security.startupTimeoutMs).unref();
  }

  private listen(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('close', () => void this.dispose());
    socket.on('error', () => void this.dispose());
  }

  private readonly onData = (chunk: Buffer): void => {
    // Decode now, handle in order: the next message waits for the previous one.
    this.decoder.push(chunk);
    for (let message = this.decoder.next(); message !== undefined; message = this.decoder.next()) {
      this.queue = this.queue.then(() => this.handle(message));
      if (message.type === 'SSLRequest' && this.options.security.tls && !this.tls) {
        // The TLS handshake comes next: its bytes are not protocol messages.
        this.socket.pause();
        this.socket.off('data', this.onData);
        break;
      }
    }
    this.queue = this.queue.catch((error: unknown) => this.fatal(toSqlError(error)));
    // Backpressure, as PostgreSQL gets by reading only when idle: a client that
    // pipelines without reading its answers would otherwise have us queue all it sends.
    // (While a TLS upgrade is pending the plain socket has no data listener and stays paused.)
    if (++this.unhandledChunks >= MAX_UNHANDLED_CHUNKS) this.socket.pause();
    this.queue = this.queue.finally(() => {
      if (--this.unhandledChunks < MAX_UNHANDLED_CHUNKS && !this.closed && this.socket.listenerCount('data') > 0) this.socket.resume();
    });
  };

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
    if (this.authentication && message.type !== 'PasswordMessage' && message.type !== 'Terminate') {
      return this.fatal(new SqlError('08P01', `expected password response, got ${message.type} message`));
    }
    switch (message.type) {
      case 'SSLRequest':
        return this.negotiateTls();
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
    if (message.type === 'PasswordMessage' && this.authentication) return this.authenticate(message.data);
    if (!this.engineSession) return this.fatal(new SqlError('08P01', `unexpected ${message.type} message before startup completed`));
    // PostgreSQL skips everything up to Sync, a simple Query too.
    if (this.skippingToSync) return;
    switch (message.type) {
      case 'Query':
        return this.simpleQuery(message.sql);
      case 'Parse': {
        // A trailing semicolon (Metabase's `show timezone;`) is one statement; two are an error, as in PostgreSQL.
        const statements = splitStatements(message.query);
        const statement = classify(statements.length === 1 ? statements[0] : message.query);
        return this.guardExtended(() => {
          if (statements.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
          // Only semicolons (and comments): an empty statement, as PostgreSQL treats it.
          return this.parse(statements.length === 0 ? { ...message, query: '' } : message, statement);
        }, { sql: message.query, statement });
      }
      case 'Bind':
        return this.guardExtended(() => this.bind(message));
      case 'Describe':
        return this.guardExtended(() => this.describe(message), message.target === 'S' ? this.statements.get(message.name) : this.portals.get(message.name)?.prepared);
      case 'Execute':
        return this.guardExtended(() => this.timed(() => this.execute(message)), this.portals.get(message.portal)?.prepared);
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

  private async negotiateTls(): Promise<void> {
    const context = this.options.security.tls;
    if (!context) return this.write(SSL_REFUSED);
    if (this.tls) return this.fatal(new SqlError('08P01', 'SSL negotiation was already done on this connection'));
    // Bytes sent after SSLRequest but before the handshake were not encrypted (CVE-2021-23214).
    if (this.decoder.bufferedBytes > 0) {
      return this.fatal(
        new SqlError('08P01', 'received unencrypted data after SSL request', 'This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.'),
      );
    }
    await this.flush();
    this.socket.write(SSL_ACCEPTED);
    const secure = upgradeToTls(this.socket, context);
    this.socket = secure;
    this.tls = secure;
    this.listen(secure);
  }

  /** Checks PostgreSQL makes before authentication, in its order; then the password exchange. */
  private async startup(message: StartupMessage): Promise<void> {
    const user = message.params.get('user');
    if (!user) return this.fatal(new SqlError('28000', 'no PostgreSQL user name specified in startup packet'));
    const negotiation = protocolNegotiation(message);
    if (negotiation) this.writer.bytes(negotiation);
    const security = this.options.security;
    this.releaseSlot = security.admission.tryAcquire();
    if (!this.releaseSlot) return this.fatal(new SqlError('53300', 'sorry, too many clients already'));
    if (security.requireTls && !this.tls) {
      return this.fatal(new SqlError('28000', `SSL is required: connection for user "${user}" without encryption refused`, undefined, 'Connect with sslmode=require.'));
    }
    const exchange = security.authenticator.begin(user, this.tls && tlsServerEndPoint(this.tls));
    if (!exchange) return this.startSession(message, user);
    this.authentication = { exchange, startup: message };
    return this.write(exchange.request);
  }

  private async authenticate(body: Uint8Array): Promise<void> {
    const { exchange, startup } = this.authentication!;
    let reply: AuthReply;
    try {
      reply = exchange.respond(body);
    } catch (error) {
      this.options.log.info({ user: startup.params.get('user'), reason: (error as Error).message }, 'authentication failed');
      return this.fatal(toSqlError(error));
    }
    if (reply.kind === 'continue') return this.write(reply.message);
    this.authentication = undefined;
    if (reply.message) this.writer.bytes(reply.message);
    return this.startSession(startup, startup.params.get('user')!);
  }

  /** After authentication, as in PostgreSQL: the database check, then the session. */
  private async startSession(message: StartupMessage, user: string): Promise<void> {
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
    this.engineSession = await this.engine.openSession(this.state, {
      database: this.options.database,
      processId: this.options.processId,
      clientAddress: this.socket.remoteAddress,
      clientPort: this.socket.remotePort,
      serverAddress: this.socket.localAddress,
      serverPort: this.socket.localPort,
    });
    clearTimeout(this.startupTimer);
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
    const statements = splitStatements(text);
    // Several statements outside a transaction block run in an implicit one, as in PostgreSQL.
    const implicit = statements.length > 1 && this.transaction === 'I';
    if (implicit) await this.requireSession().implicitTransaction('begin');
    let from = 0;
    for (const sql of statements) {
      const at = text.indexOf(sql, from);
      from = at + sql.length;
      const statement = classify(sql);
      if (this.transaction === 'E' && !(statement.kind === 'transaction' && (statement.action === 'rollback' || statement.action === 'rollback_to' || statement.action === 'commit'))) {
        this.writeError(new SqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block'));
        break;
      }
      try {
        await this.timed(() => this.runStatement(statement, [], [], undefined, true));
      } catch (error) {
        this.writeError(withPosition(toSqlError(error), text, at, sql, statement));
        if (this.transaction === 'T') this.transaction = 'E';
        break;
      }
    }
    if (implicit) await this.requireSession().implicitTransaction('end');
    return this.readyForQuery();
  }

  // ---------------------------------------------------------------- extended query

  private async parse(message: Parse, statement: Statement): Promise<void> {
    if (message.name !== '' && this.statements.has(message.name)) {
      throw new SqlError('42P05', `prepared statement "${message.name}" already exists`);
    }
    // A statement that does not bind (missing table) fails here and is not created, as in PostgreSQL:
    // psqlODBC parses its statement name again after such an error.
    const description = isBlank(message.query) ? undefined : await this.requireSession().describe(statement);
    this.statements.set(message.name, { sql: message.query, statement, paramTypes: message.paramTypes, description });
    this.writer.bytes(encodeParseComplete());
  }

  private async bind(message: Bind): Promise<void> {
    const prepared = this.statements.get(message.statement);
    if (!prepared) throw new SqlError('26000', `prepared statement "${message.statement}" does not exist`);
    let inferred: readonly number[] | undefined;
    const parameters: (string | null)[] = [];
    for (const [i, value] of message.params.entries()) {
      const format = message.paramFormats.length === 1 ? message.paramFormats[0] : (message.paramFormats[i] ?? 0);
      if (value === null || format === 0) {
        parameters.push(value === null ? null : Buffer.from(value).toString('utf8'));
        continue;
      }
      // Binary values are read as the declared type, else as the type DuckDB infers (what Describe
      // reported), else as PostgreSQL's 'unknown', whose binary input is the text itself. A statement
      // DuckDB cannot describe fails again, with its own error, when it runs.
      if (!prepared.paramTypes[i]) inferred ??= await this.parameterOids(prepared).catch(() => []);
      parameters.push(decodeBinaryParameter(prepared.paramTypes[i] || inferred?.[i] || 705, value, i + 1));
    }
    await this.closePortal(message.portal);
    this.portals.set(message.portal, { prepared, parameters, resultFormats: message.resultFormats });
    this.writer.bytes(encodeBindComplete());
  }

  private async describe(message: Describe): Promise<void> {
    if (message.target === 'S') {
      const prepared = this.statements.get(message.name);
      if (!prepared) throw new SqlError('26000', `prepared statement "${message.name}" does not exist`);
      const description = prepared.description;
      const parameterOids = parameterOidsOf(prepared, description?.parameterTypes ?? []);
      this.writer.bytes(encodeParameterDescription(parameterOids));
      this.writer.bytes(description && description.columns.length > 0 ? encodeRowDescription(fieldsOf(description.columns, [])) : encodeNoData());
      return;
    }
    const portal = this.portals.get(message.name);
    if (!portal) throw new SqlError('34000', `portal "${message.name}" does not exist`);
    const description = portal.prepared.description;
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

  /** Parameter type OIDs as ParameterDescription reports them. */
  private async parameterOids(prepared: PreparedStatement): Promise<readonly number[]> {
    return parameterOidsOf(prepared, prepared.description?.parameterTypes ?? []);
  }

  /** `prepared`: the statement concerned, for the error position (relative to its Parse message's query). */
  private async guardExtended(action: () => Promise<void>, prepared?: Pick<PreparedStatement, 'sql' | 'statement'>): Promise<void> {
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
    if (statement.kind === 'transaction') {
      this.applyTransaction(statement.action);
    }
    if (statement.kind === 'deallocate') this.deallocate(statement.name);
    if (statement.kind === 'discard' && statement.what === 'all') this.deallocate(undefined);
    this.abort = new AbortController();
    const outcome = await session.execute(statement, parameters, this.abort.signal).catch((error: unknown) => this.rethrow(error));
    if (outcome.kind === 'command') {
      for (const { name, value } of outcome.parameterStatus) this.writer.bytes(encodeParameterStatus(name, value));
      this.writer.bytes(encodeCommandComplete(outcome.tag));
      return;
    }
    if (outcome.kind === 'copy') {
      const textOptions = { timeZone: this.state?.timeZone ?? 'UTC', extraFloatDigits: this.state?.extraFloatDigits ?? 1 };
      await sendCopyOut(outcome.rows, outcome.options, { writer: this.writer, flush: () => this.flush(), signal: this.abort.signal, textOptions, flushBytes: FLUSH_BYTES });
      return;
    }
    if (resultFormats.length > 1 && resultFormats.length !== outcome.rows.columns.length) {
      await outcome.rows.close();
      throw new SqlError('08P01', `bind message has ${resultFormats.length} result formats but query has ${outcome.rows.columns.length} columns`);
    }
    const cursor: RowCursor = { outcome, iterator: outcome.rows.batches[Symbol.asyncIterator](), resultFormats, row: 0, sent: 0, done: false };
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
    while (!cursor.done) {
      if (!cursor.batch || cursor.row >= cursor.batch.numRows) {
        if (this.abort.signal.aborted) throw this.abort.signal.reason as Error;
        const next = await cursor.iterator.next().catch((error: unknown) => this.rethrow(error));
        if (next.done) {
          cursor.done = true;
          break;
        }
        cursor.batch = next.value;
        cursor.row = 0;
        if (cursor.encoder === undefined) {
          const options = { timeZone: this.state?.timeZone ?? 'UTC', extraFloatDigits: this.state?.extraFloatDigits ?? 1 };
          const formats = cursor.resultFormats;
          const fields = next.value.schema.fields;
          cursor.encoder = makeBatchEncoder(fields, fields.map((_: Field, i: number) => ((formats.length === 1 ? formats[0] : (formats[i] ?? 0)) === 1 ? 1 : 0)), options);
        }
      }
      const batch = cursor.batch;
      const encoder = cursor.encoder;
      while (cursor.row < batch.numRows) {
        if (maxRows > 0 && sentNow >= maxRows) {
          this.writer.bytes(encodePortalSuspended());
          return;
        }
        // Rows go in runs up to the flush size, not one by one.
        const end = maxRows > 0 ? Math.min(batch.numRows, cursor.row + (maxRows - sentNow)) : batch.numRows;
        const next = encoder?.encode(this.writer, batch, cursor.row, end, FLUSH_BYTES) ?? batch.numRows;
        cursor.sent += next - cursor.row;
        sentNow += next - cursor.row;
        cursor.row = next;
        if (this.writer.length >= FLUSH_BYTES) await this.flush();
      }
    }
    await closeCursor(cursor);
    this.writer.bytes(encodeCommandComplete(`${cursor.outcome.tag} ${cursor.sent}`.replace(/^(SHOW|EXPLAIN) \d+$/, '$1')));
  }

  /** A cancel interrupts DuckDB: report it as the cancel (57014 with PostgreSQL's text), not as DuckDB's INTERRUPT error. */
  private rethrow(error: unknown): never {
    throw this.abort.signal.aborted ? (this.abort.signal.reason as Error) : error;
  }

  /** Runs one statement under statement_timeout: at the deadline its signal aborts (57014). */
  private async timed(action: () => Promise<void>): Promise<void> {
    const disarm = armStatementTimeout(this.state?.statementTimeoutMs ?? 0, (reason) => this.abort.abort(reason));
    try {
      await action();
    } finally {
      disarm();
    }
  }

  /** SQL-level DEALLOCATE drops protocol-level prepared statements too, as in PostgreSQL (psqlODBC relies on it). */
  private deallocate(name: string | undefined): void {
    if (name === undefined) {
      for (const key of [...this.statements.keys()]) if (key !== '') this.statements.delete(key);
      return;
    }
    if (!this.statements.delete(name)) throw new SqlError('26000', `prepared statement "${name}" does not exist`);
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
    const written = this.socket.write(data, (error) => {
      if (!error) this.writer.recycle(data);
    });
    if (!written) {
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
    clearTimeout(this.startupTimer);
    this.releaseSlot?.();
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

/** Declared parameter OIDs, else the PostgreSQL type of what DuckDB inferred, else text. */
function parameterOidsOf(prepared: PreparedStatement, inferredTypes: readonly string[]): number[] {
  return inferredTypes.map((type, i) => prepared.paramTypes[i] || (type ? pgTypeOf(type).oid : 25));
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
