/**
 * Statement execution for one session, independent of the wire protocol:
 * a classified statement goes in, rows or a command tag come out.
 * Queries are parsed by DuckDB, planned, and executed locally or across the
 * workers; session statements (SET/SHOW/…) are answered from SessionState.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { resultBatches } from '../../src/arrow/read-result.ts';
import { SqlError, toSqlError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { CATALOG_SCHEMA } from '../catalog/catalog.ts';
import { applySettings, catalogSession, DEFAULT_IDENTITY, type SessionIdentity } from '../catalog/catalog-session.ts';
import { rewriteCatalogQuery, sessionViewName, sessionViewSql, type CatalogSession, type RewriteResult, type SessionSetting } from '../catalog/pg-rewrite.ts';
import { DuckDBPlannerContext, describeOn } from '../plan/context.ts';
import { explainText, type ColumnSpec, type QueryPlan } from '../plan/plan.ts';
import { planQuery } from '../plan/planner.ts';
import type { Statement } from '../sql/classify.ts';
import { SqlCodec } from '../sql/codec.ts';
import type { CopyOptions } from '../sql/copy-statement.ts';
import { clone, varcharLiteral, walk, type JsonObject } from '../sql/duckdb-ast.ts';
import { embeddedQuery } from '../sql/embedded-query.ts';
import { normalizePgSyntax } from '../sql/pg-syntax.ts';
import { InvalidParameterValueError, UnknownParameterError, type SessionState } from '../session/session-state.ts';
import { SessionRegistry, type ActivityRow, type SessionActivity } from '../session/session-registry.ts';
import type { RecordBatch } from 'apache-arrow';
import { constantResult } from './constant-result.ts';
import { CursorRegistry } from './cursors.ts';
import { instantiate, PlanCache, planKey, samePlan, type CachedPlan } from './plan-cache.ts';
import type { Manifest } from '../../src/storage/manifest.ts';
import type { QueryExecutor, RowStream, StageStats } from './executor.ts';
import { describeOutcome, ResultCache, type CacheOutcome, type CacheProbe } from './result-cache.ts';

export type StatementOutcome =
  | { readonly kind: 'rows'; readonly rows: RowStream; readonly tag: string }
  | { readonly kind: 'copy'; readonly rows: RowStream; readonly options: CopyOptions }
  | { readonly kind: 'command'; readonly tag: string; readonly parameterStatus: ReadonlyArray<{ name: string; value: string }> };

export interface Description {
  readonly columns: readonly ColumnSpec[];
  /** DuckDB types of the parameters $1..$n ('' when DuckDB cannot infer one). */
  readonly parameterTypes: readonly string[];
}

/** What the planner needs to know of the cluster: the task slots of the live workers. */
export interface ClusterView {
  liveSlots(): number;
}

export class QueryEngine {
  constructor(
    private readonly duckdb: DuckDBInstance,
    private readonly catalog: Catalog,
    private readonly executor: QueryExecutor,
    private readonly log: Logger,
    private readonly cluster: ClusterView = { liveSlots: () => 4 },
    /** The live sessions pg_stat_activity shows. */
    private readonly sessions = new SessionRegistry(),
    /** Results of repeated queries, shared by every session (disabled unless given). */
    private readonly results = new ResultCache({ maxBytes: 0 }),
  ) {}

  async openSession(state: SessionState, identity: SessionIdentity = DEFAULT_IDENTITY): Promise<EngineSession> {
    const connection = await this.duckdb.connect();
    await connection.run(`USE memory.${CATALOG_SCHEMA}`);
    const activity = this.sessions.register({
      pid: identity.processId,
      user: state.get('session_authorization'),
      applicationName: () => state.get('application_name'),
      clientAddress: identity.clientAddress,
      clientPort: identity.clientPort,
    });
    return new EngineSession(connection, state, this.catalog, this.executor, this.log, identity, this.cluster, activity, () => this.sessions.snapshot(), this.results);
  }
}

export class EngineSession {
  private readonly codec: SqlCodec;
  private appliedTimeZone = '';
  private readonly cursors = new CursorRegistry();
  /** Plans of the statements this session ran (see plan-cache.ts). */
  private readonly plans = new PlanCache();
  /** Where the last plan came from, for EXPLAIN ANALYZE. */
  private lastPlanSource: CachedPlan['kind'] | 'planned' = 'planned';
  /** The manifest the current statement read first (see plan()); cleared when the statement ends. */
  private statementManifest: Manifest | undefined;
  /** Parse trees the result cache judged statements by, per SQL text (null: not a SELECT). */
  private readonly probeTrees = new Map<string, JsonObject | null>();
  private readonly catalogView: CatalogSession;
  private inExplicitBlock = false;
  /** Session relations this session has a view of (dropped when it closes). */
  private readonly sessionViews = new Set<string>();
  private inImplicitBlock = false;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly state: SessionState,
    private readonly catalog: Catalog,
    private readonly executor: QueryExecutor,
    private readonly log: Logger,
    identity: SessionIdentity = DEFAULT_IDENTITY,
    private readonly cluster: ClusterView = { liveSlots: () => 4 },
    private readonly activity: SessionActivity = new SessionRegistry().register({ pid: identity.processId, user: '', applicationName: () => '' }),
    sessions: () => readonly ActivityRow[] = () => [],
    private readonly results = new ResultCache({ maxBytes: 0 }),
  ) {
    this.codec = new SqlCodec(connection);
    this.catalogView = catalogSession(state, identity, sessions);
  }

  /** Runs a statement; pg_stat_activity shows it as active until its rows are read. */
  async execute(statement: Statement, parameters: readonly (string | null)[], signal: AbortSignal): Promise<StatementOutcome> {
    this.activity.begin(statementText(statement));
    let outcome: StatementOutcome | undefined;
    try {
      outcome = await this.run(statement, parameters, signal);
      return outcome;
    } finally {
      this.statementManifest = undefined;
      if (outcome === undefined || outcome.kind === 'command') this.activity.end();
      else {
        const rows = outcome.rows;
        const close = rows.close.bind(rows);
        rows.close = async () => {
          this.activity.end();
          await close();
        };
      }
    }
  }

  private async run(statement: Statement, parameters: readonly (string | null)[], signal: AbortSignal): Promise<StatementOutcome> {
    switch (statement.kind) {
      case 'query':
        try {
          // Only plain queries use the result cache: not cursors, COPY or EXPLAIN (which only reports it).
          const cache = await this.probeResultCache(statement.sql, parameters);
          return { kind: 'rows', rows: cache.kind === 'hit' ? cache.rows : await this.runQuery(statement.sql, parameters, signal, false, cache), tag: 'SELECT' };
        } catch (error) {
          throw this.catalogFailure(statement.sql, error);
        }
      case 'explain':
        return { kind: 'rows', rows: await this.explain(statement.sql, parameters, statement.analyze, signal), tag: 'EXPLAIN' };
      case 'show':
        return { kind: 'rows', rows: await this.show(statement.name), tag: 'SHOW' };
      case 'set':
        // SET LOCAL lasts until the transaction ends; outside a transaction block PostgreSQL ignores it (with a warning).
        if (statement.local && !this.inTransactionBlock) return { kind: 'command', tag: 'SET', parameterStatus: [] };
        return {
          kind: 'command',
          tag: 'SET',
          parameterStatus: this.withParameterErrors(() =>
            listOf(statement.local ? this.state.setLocal(statement.name, statement.value) : this.state.set(statement.name, statement.value)),
          ),
        };
      case 'set_transaction':
        this.withParameterErrors(() => {
          for (const { name, value } of statement.settings) {
            if (statement.scope === 'session') this.state.set(name, value);
            else if (this.inTransactionBlock) this.state.setLocal(name, value);
          }
        });
        return { kind: 'command', tag: 'SET', parameterStatus: [] };
      case 'comment':
        await this.catalog.setComment(statement);
        return { kind: 'command', tag: 'COMMENT', parameterStatus: [] };
      case 'discard':
        if (statement.what !== 'all') return { kind: 'command', tag: `DISCARD ${statement.what.toUpperCase()}`, parameterStatus: [] };
        if (this.inTransactionBlock) throw new SqlError('25001', 'DISCARD ALL cannot run inside a transaction block');
        await this.cursors.closeAll();
        return { kind: 'command', tag: 'DISCARD ALL', parameterStatus: this.state.resetAll() };
      case 'reset':
        return {
          kind: 'command',
          tag: 'RESET',
          parameterStatus: this.withParameterErrors(() =>
            statement.name === undefined ? this.state.resetAll() : listOf(this.state.set(statement.name, undefined)),
          ),
        };
      case 'transaction': {
        await this.cursors.transaction(statement.action);
        if (statement.action === 'begin') this.inTransactionBlock = true;
        const ended = statement.action === 'commit' || statement.action === 'rollback';
        if (ended) this.inTransactionBlock = false;
        return { kind: 'command', tag: statement.tag, parameterStatus: ended ? this.state.endTransaction() : [] };
      }
      case 'declare': {
        const sql = embeddedQuery(statement.query, 'DECLARE CURSOR');
        await this.cursors.declare(statement, signal, (cursorSignal) => this.runQuery(sql, parameters, cursorSignal, true));
        return { kind: 'command', tag: 'DECLARE CURSOR', parameterStatus: [] };
      }
      case 'fetch': {
        const fetched = await this.cursors.fetch(statement, signal);
        if (fetched.kind === 'moved') return { kind: 'command', tag: `MOVE ${fetched.count}`, parameterStatus: [] };
        return { kind: 'rows', rows: fetched.rows, tag: 'FETCH' };
      }
      case 'close_cursor':
        await this.cursors.close(statement.name);
        return { kind: 'command', tag: statement.name === undefined ? 'CLOSE CURSOR ALL' : 'CLOSE CURSOR', parameterStatus: [] };
      case 'copy':
        return { kind: 'copy', rows: await this.runQuery(embeddedQuery(statement.query, 'COPY'), parameters, signal), options: statement.options };
      case 'deallocate':
        return { kind: 'command', tag: statement.name === undefined ? 'DEALLOCATE ALL' : 'DEALLOCATE', parameterStatus: [] };
      case 'noop':
        return { kind: 'command', tag: statement.tag, parameterStatus: [] };
      case 'refused':
        throw new SqlError(statement.sqlstate, statement.message);
    }
  }

  /** The start and end of the implicit transaction block of a multi-statement Query message. */
  async implicitTransaction(action: 'begin' | 'end'): Promise<void> {
    await this.cursors.implicitTransaction(action);
    this.inImplicitBlock = action === 'begin';
    if (action === 'end' && !this.inExplicitBlock) this.state.endTransaction();
  }

  /** In BEGIN … COMMIT, or in the implicit block of a multi-statement Query message (SET LOCAL applies there). */
  private get inTransactionBlock(): boolean {
    return this.inExplicitBlock || this.inImplicitBlock;
  }

  private set inTransactionBlock(value: boolean) {
    this.inExplicitBlock = value;
  }

  /** Result columns and parameter types of a statement, without running it (extended protocol Describe). */
  async describe(statement: Statement): Promise<Description | undefined> {
    if (statement.kind === 'show') return { columns: [{ name: this.state.displayName(statement.name), type: 'VARCHAR' }], parameterTypes: [] };
    if (statement.kind === 'explain') return { columns: [{ name: 'QUERY PLAN', type: 'VARCHAR' }], parameterTypes: [] };
    if (statement.kind === 'fetch' && !statement.move) return { columns: this.cursors.columnsOf(statement.name), parameterTypes: [] };
    if (statement.kind === 'declare' || statement.kind === 'copy') {
      // No rows of their own (COPY's go as CopyData), but the parameters of the query inside.
      const inner = await this.describe({ kind: 'query', sql: embeddedQuery(statement.query, statement.kind === 'copy' ? 'COPY' : 'DECLARE CURSOR') });
      return { columns: [], parameterTypes: inner?.parameterTypes ?? [] };
    }
    if (statement.kind !== 'query') return undefined;
    try {
      return await this.describeQuery(statement.sql);
    } catch (error) {
      throw this.catalogFailure(statement.sql, error);
    }
  }

  /**
   * A catalog query pondgate cannot answer is the next gap to fill: it is logged with its full
   * text, and the client's error says so. Cancels, timeouts and resource errors are not gaps.
   */
  private catalogFailure(sql: string, error: unknown): unknown {
    const failure = error instanceof SqlError ? error : toSqlError(error);
    if (!CATALOG_NAMES.test(sql) || /^(57|53|08|25)/.test(failure.sqlstate)) return error;
    this.log.warn({ sqlstate: failure.sqlstate, error: failure.message, sql }, 'catalog query not answered');
    return new SqlError(
      failure.sqlstate,
      failure.message,
      failure.detail ?? 'pondgate emulates the PostgreSQL 15 catalog for its own objects; this catalog query is not covered yet. The gateway logged its full text.',
      failure.hint,
      failure.position,
      failure.location,
    );
  }

  private async describeQuery(text: string): Promise<Description | undefined> {
    const statement = { kind: 'query' as const, sql: text };
    await this.catalog.current();
    const sql = await this.catalogRewrite(statement.sql);
    try {
      const prepared = await this.connection.prepare(sql);
      try {
        const parameterTypes: string[] = [];
        for (let i = 1; i <= prepared.parameterCount; i++) {
          let type = '';
          try {
            type = prepared.parameterType(i).toString();
          } catch {
            // DuckDB could not infer this parameter's type: the client sends text.
          }
          parameterTypes.push(type === 'ANY' || type === 'UNKNOWN' ? '' : type);
        }
        const columns: ColumnSpec[] = [];
        try {
          for (let i = 0; i < prepared.columnCount; i++) columns.push({ name: prepared.columnName(i), type: prepared.columnType(i).toString() });
        } catch {
          // DuckDB types the result only once an untyped parameter is bound (`SELECT $1 AS s`):
          // describe it as execution will bind it, as text, which is also PostgreSQL's answer.
          return { columns: await this.describeWithTextParameters(statement.sql, prepared.parameterCount), parameterTypes };
        }
        return { columns, parameterTypes };
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      throw toSqlError(error);
    }
  }

  private async describeWithTextParameters(sql: string, parameterCount: number): Promise<ColumnSpec[]> {
    const parsed = await this.codec.parse(normalizePgSyntax(sql));
    if (!parsed.ok) throw toSqlError(new Error(parsed.message));
    // Empty strings, not NULLs: a NULL literal is typed INTEGER, a bound text value VARCHAR.
    const bound = bindParameters(parsed.statement, new Array<string>(parameterCount).fill(''));
    return describeOn(this.connection, await this.codec.render((await this.rewriteForSession(bound, sql)).statement));
  }

  async close(): Promise<void> {
    this.activity.close();
    await this.cursors.closeAll();
    for (const relation of this.sessionViews) {
      await this.connection.run(`DROP VIEW IF EXISTS memory.pg_compat.${sessionViewName(relation, this.catalogView.processId)}`).catch(() => undefined);
    }
    this.connection.closeSync();
  }

  private async plan(sql: string, parameters: readonly (string | null)[], onSettings?: (settings: readonly SessionSetting[]) => void): Promise<QueryPlan> {
    sql = normalizePgSyntax(sql);
    // PostgreSQL's text cannot hold NUL; DuckDB's SQL text would cut the value there.
    if (parameters.some((value) => value?.includes('\u0000'))) throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
    // The version the result cache's probe read for this statement, if it did: one look at the manifest per statement.
    const manifest = this.statementManifest ?? (await this.catalog.current());
    this.statementManifest = undefined;
    const key = planKey(sql, { manifestVersion: manifest.version, settings: this.state.planner, slots: this.cluster.liveSlots(), timeZone: this.state.timeZone });
    const cached = this.plans.get(key);
    this.lastPlanSource = cached?.kind ?? 'planned';
    if (cached?.kind === 'plan') return cached.plan;
    if (cached?.kind === 'generic') return instantiate(cached.plan, parameters);
    const parsed = await this.codec.parse(sql);
    if (!parsed.ok) return this.planUnserializable(sql, parsed.errorType, parsed.message, parameters, parsed.position);
    // The catalog rewrite runs first, so pg_catalog relations never count as catalog tables.
    const rewritten = await this.rewriteForSession(bindParameters(parsed.statement, parameters), sql);
    onSettings?.(rewritten.settings);
    const statement = rewritten.statement;
    const boundSql = parameters.length > 0 || rewritten.changed ? await this.codec.render(statement) : sql;
    const context = this.plannerContext(manifest);
    let plan: QueryPlan;
    try {
      plan = await planQuery(statement, boundSql, context);
    } catch (error) {
      throw toSqlError(error);
    }
    // A plan that read the clock, or a statement about the session's own catalog rows, holds for this execution only.
    const keepable = cached === undefined && !context.usedClock && !rewritten.changed && rewritten.sessionRelations.length === 0 && rewritten.settings.length === 0;
    if (keepable) this.plans.set(key, parameters.length === 0 ? { kind: 'plan', plan } : await this.genericPlan(parsed.statement, parameters, plan, manifest));
    return plan;
  }

  /** The statement planned with its parameters left in, if that is the custom plan once the values are in (see plan-cache.ts). */
  private async genericPlan(statement: JsonObject, parameters: readonly (string | null)[], custom: QueryPlan, manifest: Manifest): Promise<CachedPlan> {
    try {
      const context = this.plannerContext(manifest);
      const generic = await planQuery(statement, await this.codec.render(statement), context);
      if (!context.usedClock && samePlan(instantiate(generic, parameters), custom)) return { kind: 'generic', plan: generic };
    } catch {
      // DuckDB cannot type some statements with unbound parameters (`SELECT $1`): they are planned per execution.
    }
    return { kind: 'custom' };
  }

  private plannerContext(manifest: Manifest): DuckDBPlannerContext {
    return new DuckDBPlannerContext(manifest, this.catalog.aggregateNames, this.connection, this.codec, this.state.planner, this.cluster.liveSlots(), this.catalog.duckdbVersion);
  }

  /**
   * DuckDB serializes only SELECT trees. Other statements DuckDB accepts (DESCRIBE, SHOW
   * TABLES, PRAGMA-like table functions …) may run on the gateway when they touch no data.
   */
  private async planUnserializable(sql: string, errorType: string, message: string, parameters: readonly (string | null)[], position?: number): Promise<QueryPlan> {
    if (errorType === 'parser') throw toSqlError(new Error(message.startsWith('Parser Error') ? message : `Parser Error: ${message}`), position);
    if (parameters.length > 0) throw new SqlError('0A000', 'parameters are supported in SELECT statements only');
    if (/^\s*(describe|show)\b/i.test(sql)) return { kind: 'local', sql, reason: 'catalog description' };
    const manifest = await this.catalog.current();
    const tables = safeTableNames(this.connection, sql);
    if (tables.some((name) => Object.keys(manifest.tables).some((t) => t.toLowerCase() === name.split('.').pop()?.toLowerCase()))) {
      throw new SqlError('0A000', `this statement cannot be distributed yet: ${message}`);
    }
    return { kind: 'local', sql, reason: 'no catalog tables' };
  }

  /** `isolated`: the rows outlive the statement (a cursor), so a local plan gets its own connection. */
  private async runQuery(sql: string, parameters: readonly (string | null)[], signal: AbortSignal, isolated = false, cache?: CacheProbe): Promise<RowStream> {
    await this.applyTimeZone();
    const plan = await this.plan(sql, parameters, (settings) => this.withParameterErrors(() => applySettings(this.state, settings)));
    return this.cacheResult(cache, plan, await this.runPlan(plan, signal, isolated));
  }

  /**
   * The result cache's answer for a query, before it is planned: a hit skips planning and the
   * workers. Keyed with the manifest version read now; the plan must read the same one.
   */
  private async probeResultCache(sql: string, parameters: readonly (string | null)[]): Promise<CacheProbe> {
    if (!this.results.enabled) return { kind: 'bypass', reason: 'disabled on this gateway' };
    if (!this.state.resultCache) return { kind: 'bypass', reason: 'pondgate.result_cache is off' };
    const manifest = await this.catalog.current();
    this.statementManifest = manifest;
    // Parsed once per text: a dashboard's queries come again and again.
    let statement = this.probeTrees.get(sql);
    if (statement === undefined) {
      const parsed = await this.codec.parse(normalizePgSyntax(sql)).catch(() => undefined);
      statement = parsed?.ok ? parsed.statement : null;
      this.probeTrees.set(sql, statement);
      if (this.probeTrees.size > 256) this.probeTrees.delete(this.probeTrees.keys().next().value as string);
    }
    const probe = this.results.probe({
      sql,
      parameters,
      settings: this.state.all(),
      statement: statement ?? undefined,
      userTables: Object.keys(manifest.tables),
      manifestVersion: manifest.version,
    });
    if (probe.kind !== 'bypass') this.log.debug({ key: probe.key.slice(0, 16), result: probe.kind }, 'result cache');
    return probe;
  }

  /** The rows of a query that missed the cache, stored once read to the end (result-cache.ts). */
  private cacheResult(cache: CacheProbe | undefined, plan: QueryPlan, rows: RowStream, onOutcome?: (outcome: CacheOutcome) => void): RowStream {
    if (cache?.kind !== 'miss') return rows;
    return this.results.store(cache, rows, plan.kind === 'distributed' ? plan.manifestVersion : undefined, (outcome) => {
      this.log.debug({ key: cache.key.slice(0, 16), result: describeOutcome(outcome) }, 'result cache');
      onOutcome?.(outcome);
    });
  }

  private async runPlan(plan: QueryPlan, signal: AbortSignal, isolated = false): Promise<RowStream> {
    if (plan.kind === 'local') {
      try {
        // A kept plan (SELECT 1 from a pool's health check, run again and again) is described once.
        let columns = LOCAL_COLUMNS.get(plan);
        if (columns === undefined) {
          columns = await describeOn(this.connection, plan.sql);
          LOCAL_COLUMNS.set(plan, columns);
        }
        // `SELECT 1` and other SELECTs of plain literals: their one row is made here (constant-result.ts).
        let constant = LOCAL_CONSTANTS.get(plan);
        if (constant === undefined) {
          const parsed = LITERAL_SELECT.test(plan.sql) ? await this.codec.parse(plan.sql) : undefined;
          constant = (parsed?.ok ? constantResult(parsed.statement, columns) : undefined) ?? null;
          LOCAL_CONSTANTS.set(plan, constant);
        }
        if (constant !== null) return constantRows(columns, constant);
        return isolated
          ? await this.executor.runLocalIsolated(plan.sql, columns, { timeZone: this.state.timeZone, signal, withoutTopN: plan.withoutTopN })
          : await this.executor.runLocal(this.connection, plan.sql, columns, signal, plan.withoutTopN);
      } catch (error) {
        throw toSqlError(error);
      }
    }
    const timeout = this.state.statementTimeoutMs;
    const options = { timeZone: this.state.timeZone, deadline: timeout > 0 ? Date.now() + timeout : 0, signal };
    try {
      return await this.executor.runDistributed(plan, options);
    } catch (error) {
      // The statement bound before it was planned, so a stage that does not bind is the planner's
      // fault (an unproven split aggregate); no row has reached the client before the first batch.
      if (plan.fallback === undefined || signal.aborted || !(error instanceof SqlError) || !error.sqlstate.startsWith('42')) throw error;
      this.log.warn({ err: error.message, sqlstate: error.sqlstate }, 'a stage of the distributed plan did not bind; the query runs again as delegate');
      return this.executor.runDistributed(await plan.fallback(), options);
    }
  }

  /** The statement with the catalog rewrite applied (for Describe); unparseable SQL is left to DuckDB's error. */
  private async catalogRewrite(sql: string): Promise<string> {
    sql = normalizePgSyntax(sql);
    const parsed = await this.codec.parse(sql);
    if (!parsed.ok) return sql;
    const rewritten = await this.rewriteForSession(parsed.statement, sql);
    return rewritten.changed ? this.codec.render(rewritten.statement) : sql;
  }

  /** The catalog rewrite, with this session's views of the session relations it reads (re)created as of now. */
  private async rewriteForSession(statement: JsonObject, sql: string): Promise<RewriteResult> {
    const rewritten = rewriteCatalogQuery(statement, this.catalogView, sql);
    if (rewritten.sessionRelations.length > 0) {
      const json = this.catalogView.sessionJson();
      for (const relation of rewritten.sessionRelations) {
        await this.connection.run(sessionViewSql(relation, this.catalogView, json));
        this.sessionViews.add(relation);
      }
    }
    return rewritten;
  }

  private async explain(sql: string, parameters: readonly (string | null)[], analyze: boolean, signal: AbortSignal): Promise<RowStream> {
    await this.applyTimeZone();
    const planned = Date.now();
    const plan = await this.plan(sql, parameters);
    const planSource = this.lastPlanSource;
    const lines = explainText(plan);
    if (analyze) {
      // Runs the query and reads its rows, as PostgreSQL's EXPLAIN ANALYZE does, discarding them;
      // through the result cache, as the query itself would run.
      const cache = await this.probeResultCache(sql, parameters);
      let outcome: CacheOutcome = cache.kind === 'hit' ? { kind: 'hit' } : cache.kind === 'bypass' ? cache : { kind: 'not stored', reason: 'not read to the end' };
      const started = Date.now();
      const rows = cache.kind === 'hit' ? cache.rows : this.cacheResult(cache, plan, await this.runPlan(plan, signal), (o) => (outcome = o));
      let count = 0;
      try {
        for await (const batch of rows.batches) count += batch.numRows;
      } finally {
        await rows.close();
      }
      lines.push(
        ...analyzeText(plan, rows.stats, { rows: count, planMs: started - planned, totalMs: Date.now() - started, queuedMs: rows.queuedMs ?? 0 }),
        `  Plan: ${PLAN_SOURCES[planSource]}`,
        `  Result cache: ${describeOutcome(outcome)}`,
      );
    }
    return this.textRows('QUERY PLAN', lines);
  }

  private async show(name: string): Promise<RowStream> {
    if (name === 'all') {
      throw new SqlError('0A000', 'SHOW ALL is not supported; SHOW a parameter by name');
    }
    const value = this.withParameterErrors(() => this.state.get(name));
    return this.textRows(this.state.displayName(name), [value]);
  }

  /** A one-column text result computed by the gateway (SHOW, EXPLAIN). */
  private async textRows(column: string, lines: readonly string[]): Promise<RowStream> {
    const columns: ColumnSpec[] = [{ name: column, type: 'VARCHAR' }];
    const sql = `SELECT value AS "${column.replace(/"/g, '""')}" FROM (SELECT unnest(CAST($1 AS VARCHAR[])) AS value, generate_subscripts(CAST($1 AS VARCHAR[]), 1) AS i) ORDER BY i`;
    const result = await this.connection.stream(sql, [JSON.stringify(lines)]);
    return { columns, batches: resultBatches(result, { columns }), stats: [], close: async () => undefined };
  }

  private async applyTimeZone(): Promise<void> {
    const zone = this.state.timeZone;
    if (zone === this.appliedTimeZone) return;
    await this.connection.run(`SET SESSION TimeZone = '${zone.replace(/'/g, "''")}'`);
    this.appliedTimeZone = zone;
  }

  private withParameterErrors<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof UnknownParameterError) throw new SqlError('42704', error.message);
      if (error instanceof InvalidParameterValueError) throw new SqlError('22023', error.message);
      throw error;
    }
  }
}

/** Result columns of local plans, by plan object: kept plans are the same object each time. */
const LOCAL_COLUMNS = new WeakMap<QueryPlan, ColumnSpec[]>();
/** The constant row of a local plan that selects only literals (null: DuckDB runs it), by plan object. */
const LOCAL_CONSTANTS = new WeakMap<QueryPlan, RecordBatch | null>();
/** Text that may be a SELECT of literals only, before the parse tree decides: keeps the parse off other queries. */
const LITERAL_SELECT = /^\s*select\s+(?:-?\d+|'(?:[^']|'')*')(?:\s+as\s+(?:"(?:[^"]|"")*"|\w+))?(?:\s*,\s*(?:-?\d+|'(?:[^']|'')*')(?:\s+as\s+(?:"(?:[^"]|"")*"|\w+))?)*\s*;?\s*$/i;

function constantRows(columns: readonly ColumnSpec[], batch: RecordBatch): RowStream {
  return {
    columns,
    batches: (async function* () {
      yield batch;
    })(),
    stats: [],
    close: async () => undefined,
  };
}

const PLAN_SOURCES: Record<CachedPlan['kind'] | 'planned', string> = {
  planned: 'planned for this execution',
  custom: 'planned for this execution (the parameter values change the plan)',
  plan: 'kept from an earlier execution',
  generic: 'kept from an earlier execution (generic; parameter values put in)',
};

/** Names that make a statement a catalog query (PostgreSQL's catalog schemas and relations). */
const CATALOG_NAMES = /\b(pg_catalog|information_schema|pg_[a-z_]+)\b/i;

/** The text pg_stat_activity shows for a statement. */
function statementText(statement: Statement): string {
  switch (statement.kind) {
    case 'query':
      return statement.sql;
    case 'explain':
      return `EXPLAIN ${statement.sql}`;
    case 'set':
      return `SET ${statement.local ? 'LOCAL ' : ''}${statement.name} = ${statement.value ?? 'DEFAULT'}`;
    case 'set_transaction':
      return `SET ${statement.scope === 'session' ? 'SESSION CHARACTERISTICS AS ' : ''}TRANSACTION`;
    case 'discard':
      return `DISCARD ${statement.what.toUpperCase()}`;
    case 'comment':
      return `COMMENT ON ${statement.target.toUpperCase()} ${statement.table}`;
    case 'show':
      return `SHOW ${statement.name}`;
    case 'reset':
      return `RESET ${statement.name ?? 'ALL'}`;
    case 'declare':
    case 'copy':
      return statement.query;
    default:
      return statement.kind.toUpperCase();
  }
}

/** EXPLAIN ANALYZE's measurements: per stage, then the whole statement. */
function analyzeText(plan: QueryPlan, stats: readonly StageStats[], totals: { rows: number; planMs: number; totalMs: number; queuedMs: number }): string[] {
  const lines = ['Execution:'];
  if (plan.kind === 'distributed') {
    for (const stage of plan.stages) {
      const s = stats.find((x) => x.stageId === stage.id);
      if (!s) continue;
      const workers = [...s.workers].map((w) => w.split('-').slice(-1)[0]);
      lines.push(
        `  Stage ${stage.id}: ${s.tasks} task${s.tasks === 1 ? '' : 's'} run${s.skipped > 0 ? `, ${s.skipped} skipped (no input rows)` : ''}${s.retries > 0 ? `, ${s.retries} retried (another attempt after a lost worker)` : ''} on ${workers.length} worker${workers.length === 1 ? '' : 's'} (${workers.join(', ')}), ` +
          `${s.rows} rows, ${formatBytes(s.bytesWritten)} written, ${formatBytes(s.bytes)} to the gateway${s.batchFiles > 0 ? ` (${s.batchFiles} batch${s.batchFiles === 1 ? '' : 'es'} as scratch files)` : ''}, ${s.wallMs} ms (slowest task ${s.elapsedMs} ms)`,
      );
      if (s.merge) lines.push(`  Ordered merge: ${s.merge.rowsMerged} rows merged from ${stage.tasks} sorted streams, ${s.merge.rowsOut} rows passed on`);
    }
  }
  // Part of the result's time: the query waited for a running-query slot (--max-running-queries).
  if (totals.queuedMs > 0) lines.push(`  Queued: ${totals.queuedMs} ms waiting for a running-query slot`);
  lines.push(`  Planning: ${totals.planMs} ms`, `  Result: ${totals.rows} rows in ${totals.totalMs} ms`);
  return lines;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function listOf<T>(item: T | undefined): T[] {
  return item === undefined ? [] : [item];
}

/**
 * Replaces $n parameters with their values as string literals, which DuckDB casts
 * implicitly where a typed value is expected (as PostgreSQL does with unknown-typed
 * text parameters). Binding into the tree, never into text, leaves no room for injection.
 */
export function bindParameters(statement: JsonObject, parameters: readonly (string | null)[]): JsonObject {
  if (parameters.length === 0) return statement;
  const bound = clone(statement);
  walk(bound, (object) => {
    if (object.class !== 'PARAMETER') return;
    const index = Number(object.identifier) - 1;
    if (!(index >= 0 && index < parameters.length)) {
      throw new SqlError('08P01', `query refers to parameter $${index + 1} but ${parameters.length} were bound`);
    }
    // The parameter's alias (`SELECT $1 AS s`) names the result column: keep it.
    const literal = { ...varcharLiteral(parameters[index]), alias: object.alias ?? '' };
    for (const key of Object.keys(object)) delete object[key];
    Object.assign(object, literal);
  });
  bound.named_param_map = [];
  return bound;
}

function safeTableNames(connection: DuckDBConnection, sql: string): string[] {
  try {
    return [...connection.getTableNames(sql, true)];
  } catch {
    return [];
  }
}
