/**
 * The result cache: the rows of a repeated identical query (a dashboard's
 * refresh) served from the gateway's memory instead of running it again.
 *
 * An entry is keyed by everything that can change the rows: the query text,
 * its parameter values, the session settings that reach DuckDB, the user and
 * the manifest version the query reads. Since a table change is a new
 * manifest version, a cached entry can never answer for data that changed.
 * What is cached are the Arrow batches of the RowStream, before the wire
 * formats them, so settings that only change formatting (DateStyle,
 * extra_float_digits …) are not part of the key.
 *
 * Only complete results are stored (read to the end, without error) and only
 * when they fit the per-entry limit; the whole cache is an LRU bounded in bytes.
 * Queries whose rows could differ between two runs with the same key
 * (volatile functions, the session's catalog, samples) are never cached:
 * see uncacheableReason().
 */
import { createHash } from 'node:crypto';
import type { Data, RecordBatch } from 'apache-arrow';
import { isObject, walk, type Json, type JsonObject } from '../sql/duckdb-ast.ts';
import type { ColumnSpec } from '../plan/plan.ts';
import type { RowStream } from './executor.ts';

export interface ResultCacheOptions {
  /** Total bytes of all entries; 0 disables the cache. */
  readonly maxBytes: number;
  /** Largest single entry (default: an eighth of the total, so one big result cannot flush the rest). */
  readonly maxEntryBytes?: number;
}

export interface ResultCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly stored: number;
  readonly evicted: number;
  readonly entries: number;
  readonly bytes: number;
}

export interface CachedResult {
  readonly columns: readonly ColumnSpec[];
  readonly batches: readonly RecordBatch[];
  readonly bytes: number;
  /** The manifest version the rows were read from. */
  readonly manifestVersion: number;
}

/** What happened to a query's result, for EXPLAIN ANALYZE and the logs. */
export type CacheOutcome =
  | { readonly kind: 'hit' }
  | { readonly kind: 'stored' }
  | { readonly kind: 'not stored'; readonly reason: string }
  | { readonly kind: 'bypass'; readonly reason: string };

export function describeOutcome(outcome: CacheOutcome): string {
  switch (outcome.kind) {
    case 'hit':
      return 'hit';
    case 'stored':
      return 'miss (stored)';
    case 'not stored':
      return `miss (not stored: ${outcome.reason})`;
    case 'bypass':
      return `not used (${outcome.reason})`;
  }
}

/** The cache's answer for a query, before it is planned. */
export type CacheProbe =
  | { readonly kind: 'hit'; readonly key: string; readonly rows: RowStream }
  | { readonly kind: 'miss'; readonly key: string; readonly manifestVersion: number }
  | { readonly kind: 'bypass'; readonly reason: string };

/** What the cache needs to know of a query to key it and to decide whether it may be cached. */
export interface CacheQuery {
  readonly sql: string;
  readonly parameters: readonly (string | null)[];
  /** The session's settings by lower-case name (SessionState.all()). */
  readonly settings: Readonly<Record<string, string>>;
  /** DuckDB's parse tree of the query; undefined when it has none (not a SELECT). */
  readonly statement: Json | undefined;
  /** The tables of the manifest the query will read. */
  readonly userTables: Iterable<string>;
  readonly manifestVersion: number;
}

/** Per-batch bookkeeping (objects, schema reference) beyond its buffers; also makes an empty result cost something. */
const BATCH_OVERHEAD_BYTES = 256;

export class ResultCache {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, CachedResult>();
  private bytes = 0;
  private readonly maxBytes: number;
  readonly maxEntryBytes: number;
  /** The newest manifest version seen: entries of older versions can never be asked for again. */
  private newestVersion = -Infinity;
  private counters = { hits: 0, misses: 0, stored: 0, evicted: 0 };

  constructor(options: ResultCacheOptions) {
    this.maxBytes = Math.max(0, options.maxBytes);
    this.maxEntryBytes = Math.min(this.maxBytes, options.maxEntryBytes ?? Math.floor(this.maxBytes / 8));
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  stats(): ResultCacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.bytes };
  }

  /**
   * The entry for `key` (now the most recently used), or undefined. `manifestVersion` is the
   * version the caller's query would read: a newer one than seen so far drops older entries.
   */
  get(key: string, manifestVersion: number): CachedResult | undefined {
    this.observeVersion(manifestVersion);
    const entry = this.entries.get(key);
    if (!entry || entry.manifestVersion !== manifestVersion) {
      this.counters.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counters.hits++;
    return entry;
  }

  /** Stores a complete result; false (and nothing stored) when it is too big or of an outdated version. */
  put(key: string, entry: CachedResult): boolean {
    if (!this.enabled || entry.bytes > this.maxEntryBytes || entry.manifestVersion < this.newestVersion) return false;
    this.observeVersion(entry.manifestVersion);
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    this.counters.stored++;
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
      this.counters.evicted++;
    }
    return true;
  }

  /** Looks a query up: its cached rows, the key to store them under, or why it is not cached. */
  probe(query: CacheQuery): CacheProbe {
    if (query.statement === undefined) return { kind: 'bypass', reason: 'not a SELECT' };
    const reason = uncacheableReason(query.statement, new Set([...query.userTables].map((t) => t.toLowerCase())));
    if (reason !== undefined) return { kind: 'bypass', reason };
    const key = resultCacheKey(query);
    const hit = this.get(key, query.manifestVersion);
    return hit ? { kind: 'hit', key, rows: this.replay(hit) } : { kind: 'miss', key, manifestVersion: query.manifestVersion };
  }

  /**
   * The rows of a query that missed, recorded for the cache (see record()). `planVersion` is
   * the manifest version its plan read (undefined for a local plan, which reads no table):
   * rows of another version than the key's are never stored.
   */
  store(probe: CacheProbe & { kind: 'miss' }, rows: RowStream, planVersion: number | undefined, onOutcome?: (outcome: CacheOutcome) => void): RowStream {
    if (planVersion !== undefined && planVersion !== probe.manifestVersion) {
      onOutcome?.({ kind: 'not stored', reason: 'the tables changed while it was planned' });
      return rows;
    }
    return this.record(probe.key, probe.manifestVersion, rows, onOutcome);
  }

  /** A RowStream over a cached entry: the same batches, nothing to release. */
  replay(entry: CachedResult): RowStream {
    return {
      columns: entry.columns,
      batches: (async function* () {
        yield* entry.batches;
      })(),
      stats: [],
      close: async () => undefined,
    };
  }

  /**
   * `rows`, passed through unchanged, stored under `key` once read to the end without error
   * (a consumer that stops early, or a failing query, stores nothing). Collecting stops as
   * soon as the result outgrows the per-entry limit, so a big result is not held twice.
   * `onOutcome` learns whether it was stored, once that is known.
   */
  record(key: string, manifestVersion: number, rows: RowStream, onOutcome: (outcome: CacheOutcome) => void = () => undefined): RowStream {
    const cache = this;
    const source = rows.batches;
    async function* tee(): AsyncGenerator<RecordBatch> {
      let kept: RecordBatch[] | undefined = [];
      let bytes = 0;
      for await (const batch of source) {
        if (kept) {
          bytes += batchBytes(batch);
          if (bytes > cache.maxEntryBytes) kept = undefined;
          else kept.push(batch);
        }
        yield batch;
      }
      // Reached only when the source ended normally and the consumer asked past the last batch.
      if (!kept) onOutcome({ kind: 'not stored', reason: `larger than the ${formatMb(cache.maxEntryBytes)} per-entry limit` });
      else if (cache.put(key, { columns: rows.columns, batches: kept, bytes, manifestVersion })) onOutcome({ kind: 'stored' });
      else onOutcome({ kind: 'not stored', reason: 'the tables changed while it ran' });
    }
    // The caller may replace close() (pg_stat_activity's end of statement): keep the object shape.
    return { columns: rows.columns, batches: tee(), stats: rows.stats, close: () => rows.close() };
  }

  private observeVersion(version: number): void {
    if (version <= this.newestVersion) return;
    this.newestVersion = version;
    for (const [key, entry] of this.entries) if (entry.manifestVersion < version) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

function formatMb(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/**
 * Memory a batch keeps alive: every distinct ArrayBuffer its columns view (whole, since a
 * view into a larger buffer retains all of it), plus a fixed overhead.
 */
export function batchBytes(batch: RecordBatch): number {
  const buffers = new Set<ArrayBufferLike>();
  const visit = (data: Data): void => {
    for (const view of [data.values, data.valueOffsets, data.nullBitmap, data.typeIds] as unknown[]) {
      if (ArrayBuffer.isView(view)) buffers.add(view.buffer);
    }
    for (const child of data.children) visit(child);
    for (const dictionary of data.dictionary?.data ?? []) visit(dictionary);
  };
  visit(batch.data);
  let total = BATCH_OVERHEAD_BYTES;
  for (const buffer of buffers) total += buffer.byteLength;
  return total;
}

// ---------------------------------------------------------------- the key

export interface ResultKeyParts {
  readonly sql: string;
  readonly parameters: readonly (string | null)[];
  /** The session's settings by lower-case name (SessionState.all()); resultSettings() picks the relevant ones. */
  readonly settings: Readonly<Record<string, string>>;
  readonly manifestVersion: number;
}

/**
 * Settings that cannot change the cached Arrow rows: formatting the wire applies afterwards,
 * what only decides whether a query completes, transaction modes of a read-only gateway,
 * names pg_stat_activity shows (never cached), and this cache's own switch. Every other
 * setting — TimeZone, search_path, the user, the planner's pondgate.* settings, and any
 * setting added later — is part of the key.
 */
const SETTINGS_NOT_IN_KEY: ReadonlySet<string> = new Set([
  'datestyle',
  'intervalstyle',
  'extra_float_digits',
  'client_encoding',
  'application_name',
  'statement_timeout',
  'default_transaction_isolation',
  'default_transaction_read_only',
  'default_transaction_deferrable',
  'transaction_isolation',
  'transaction_read_only',
  'transaction_deferrable',
  'pondgate.result_cache',
]);

export function resultSettings(settings: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(settings)
    .filter(([name]) => !SETTINGS_NOT_IN_KEY.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A SHA-256 of the key's parts (hex): fixed size in memory, and safe to log. */
export function resultCacheKey(parts: ResultKeyParts): string {
  const canonical = JSON.stringify([1, parts.sql, parts.parameters, resultSettings(parts.settings), parts.manifestVersion]);
  return createHash('sha256').update(canonical).digest('hex');
}

// ---------------------------------------------------------------- what may be cached

/** Functions whose value changes between calls with the same arguments, or with the time. */
const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'now', 'today', 'localtime', 'localtimestamp', 'get_current_time', 'get_current_timestamp',
  'transaction_timestamp', 'statement_timestamp', 'clock_timestamp', 'timeofday',
  'random', 'rand', 'setseed', 'uuid', 'uuidv4', 'uuidv7', 'gen_random_uuid',
  'nextval', 'currval', 'setval', 'lastval',
]);

/** Functions that read the session, the server or the emulated catalog (pg-rewrite.ts, pg-compat.ts) beyond the prefixes below. */
const SESSION_FUNCTIONS: ReadonlySet<string> = new Set([
  'version', 'set_config', 'user', 'session_user', 'getvariable', 'getenv', 'format_type', '_pg_expandarray',
]);

/** Name prefixes of functions that read the time, the session or the server (current_date, pg_backend_pid, has_table_privilege …). */
const SESSION_FUNCTION_PREFIXES = ['current_', 'pg_', 'has_', 'inet_', 'txid_', 'duckdb_', 'pragma_', 'obj_', 'col_', 'shobj_', 'to_reg'];

/** SQL value keywords DuckDB parses as column names and binds to the time or the session. */
const VALUE_KEYWORDS: ReadonlySet<string> = new Set([
  'current_timestamp', 'current_date', 'current_time', 'localtime', 'localtimestamp',
  'current_user', 'session_user', 'user', 'current_role', 'current_catalog', 'current_schema',
]);

/** Set-returning functions that compute from their arguments alone. */
const PURE_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'generate_subscripts', 'unnest']);

const CATALOG_SCHEMAS: ReadonlySet<string> = new Set(['pg_catalog', 'information_schema', 'pg_compat']);

/**
 * Why a parsed SELECT must not be cached, or undefined when it may be. Conservative: only
 * queries that read user tables (`userTables`, lower-case) and CTEs, through functions whose
 * value depends on their arguments alone. Anything else — PostgreSQL's catalog, which
 * shows sessions and settings; DuckDB's own metadata functions; samples; reg* casts —
 * is not cached.
 */
export function uncacheableReason(statement: Json, userTables: ReadonlySet<string>): string | undefined {
  const ctes = new Set<string>();
  walk(statement, (node) => {
    const map = isObject(node.cte_map) ? node.cte_map.map : undefined;
    if (Array.isArray(map)) for (const item of map) if (isObject(item) && typeof item.key === 'string') ctes.add(item.key.toLowerCase());
  });
  let reason: string | undefined;
  walk(statement, (node) => {
    reason ??= nodeReason(node, userTables, ctes);
  });
  return reason;
}

function nodeReason(node: JsonObject, userTables: ReadonlySet<string>, ctes: ReadonlySet<string>): string | undefined {
  if (isObject(node.sample)) return 'a sample';
  if (node.class === 'FUNCTION' && typeof node.function_name === 'string') {
    const name = node.function_name.toLowerCase();
    const schema = typeof node.schema === 'string' ? node.schema.toLowerCase() : '';
    if (VOLATILE_FUNCTIONS.has(name)) return `volatile function ${name}()`;
    if (SESSION_FUNCTIONS.has(name) || CATALOG_SCHEMAS.has(schema) || SESSION_FUNCTION_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      return `session or catalog function ${name}()`;
    }
  }
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names) && node.column_names.length === 1) {
    const name = String(node.column_names[0]).toLowerCase();
    if (VALUE_KEYWORDS.has(name)) return `session or time value ${name}`;
  }
  if (node.class === 'CAST' && isObject(node.cast_type) && isObject(node.cast_type.type_info)) {
    const typeName = node.cast_type.type_info.name;
    if (typeof typeName === 'string' && /^reg/i.test(typeName)) return `cast to ${typeName}`;
  }
  if (node.type === 'TABLE_FUNCTION') {
    const call = node.function;
    const name = isObject(call) && typeof call.function_name === 'string' ? call.function_name.toLowerCase() : '?';
    if (!PURE_TABLE_FUNCTIONS.has(name)) return `table function ${name}()`;
  }
  if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') {
    const table = node.table_name.toLowerCase();
    const schema = typeof node.schema_name === 'string' ? node.schema_name.toLowerCase() : '';
    const catalog = typeof node.catalog_name === 'string' ? node.catalog_name.toLowerCase() : '';
    if (node.at_clause !== null && node.at_clause !== undefined) return `time travel on ${table}`;
    const qualifiedOk = (schema === '' || schema === 'public') && (catalog === '' || catalog === 'memory');
    const known = userTables.has(table) || (schema === '' && catalog === '' && ctes.has(table));
    // The catalog rewrite resolves unqualified pg_* names to PostgreSQL's catalog even when a user table has the name.
    const systemName = /^(pg_|duckdb_|sqlite_)/.test(table);
    if (!qualifiedOk || !known || systemName) return `reads ${[catalog, schema, table].filter((s) => s !== '').join('.')}, not a user table`;
  }
  return undefined;
}
