/**
 * The catalog rewrite pass: turns the PostgreSQL catalog vocabulary in a
 * parsed query (DuckDB's parse tree) into what the gateway's DuckDB answers
 * with PostgreSQL's values. It is table-driven and pure:
 *
 *   relations  pg_catalog.pg_type / unqualified pg_type → memory.pg_compat.pg_type
 *              (COMPAT_RELATIONS); other unqualified pg_catalog names → pg_catalog.X,
 *              because PostgreSQL searches pg_catalog before any user schema;
 *   functions  PostgreSQL functions DuckDB lacks (or answers differently) →
 *              the macros in memory.pg_compat (COMPAT_MACROS);
 *   session    current_user, current_database(), current_schemas(b), version(),
 *              pg_backend_pid(), current_setting('x') … → constants of this session;
 *   casts      'x'::regproc / regtype / regclass / regnamespace / name → macro calls.
 *
 * set_config('name', 'value', local) with constant arguments is returned as a
 * setting for the engine to apply to the session, and answered by its value.
 * A replaced expression at the top of a select list is named as PostgreSQL
 * names it (`version`, `current_user`), not as DuckDB would.
 */
import { createRequire } from 'node:module';
import { version as duckdbVersion } from '@duckdb/node-api';
import { SqlError } from '../../src/errors.ts';
import {
  functionCall,
  isConstant,
  isObject,
  varcharLiteral,
  walk,
  type ExpressionNode,
  type Json,
  type JsonObject,
} from '../sql/duckdb-ast.ts';
import { COMPAT_DATABASE, COMPAT_MACROS, COMPAT_SCHEMA, KNOWN_SCHEMAS, compatRelation } from './pg-compat.ts';

/** What the rewrite needs to know about the session. */
export interface CatalogSession {
  readonly user: string;
  readonly database: string;
  readonly processId: number;
  /** The search_path setting as SHOW prints it. */
  readonly searchPath: string;
  readonly serverVersion: string;
  /** A run-time parameter's value for current_setting(); undefined if there is no such parameter. */
  setting(name: string): string | undefined;
}

export interface SessionSetting {
  readonly name: string;
  readonly value: string;
  readonly local: boolean;
}

export interface RewriteResult {
  readonly statement: JsonObject;
  readonly changed: boolean;
  readonly settings: readonly SessionSetting[];
}

/** DuckDB's own pg_catalog relations (DuckDB 1.5); unqualified, they still mean pg_catalog's, as in PostgreSQL. */
const DUCKDB_PG_CATALOG = new Set([
  'pg_am', 'pg_attrdef', 'pg_attribute', 'pg_class', 'pg_collation', 'pg_constraint', 'pg_database', 'pg_depend',
  'pg_description', 'pg_enum', 'pg_index', 'pg_indexes', 'pg_namespace', 'pg_prepared_statements', 'pg_proc',
  'pg_sequence', 'pg_sequences', 'pg_settings', 'pg_tables', 'pg_tablespace', 'pg_type', 'pg_views',
]);

/** SQL keywords that PostgreSQL evaluates as session values (DuckDB parses them as column names). */
const SESSION_KEYWORDS = new Set(['current_user', 'session_user', 'current_role', 'current_catalog', 'current_schema']);

/** Casts to PostgreSQL's OID-alias types, which DuckDB does not have: type name → macro. */
const REG_CASTS: Readonly<Record<string, string>> = {
  regproc: 'pondgate_regproc',
  regprocedure: 'pondgate_regproc',
  regtype: 'pondgate_regtype',
  regclass: 'pondgate_regclass',
  regnamespace: 'pondgate_regnamespace',
};

/** Parameters current_setting() knows beyond SessionState's: fixed facts about the server. */
const FIXED_SETTINGS: Readonly<Record<string, string>> = {
  server_version_num: '150000',
  block_size: '8192',
  max_index_keys: '32',
  lc_collate: 'C',
  lc_ctype: 'C',
  in_hot_standby: 'off',
  data_checksums: 'off',
};

function fixedSetting(name: string): string | undefined {
  return FIXED_SETTINGS[name.toLowerCase()];
}

export function rewriteCatalogQuery(statement: JsonObject, session: CatalogSession): RewriteResult {
  const tree = structuredClone(statement);
  const ctes = cteNames(tree);
  const settings: SessionSetting[] = [];
  let changed = false;
  const context: Context = { session, ctes, settings, markChanged: () => (changed = true) };
  const rewritten = transform(tree, context) as JsonObject;
  if (changed) nameRewrittenItems(statement, rewritten);
  return { statement: rewritten, changed, settings };
}

interface Context {
  readonly session: CatalogSession;
  readonly ctes: ReadonlySet<string>;
  readonly settings: SessionSetting[];
  markChanged(): void;
}

function cteNames(tree: Json): Set<string> {
  const names = new Set<string>();
  walk(tree, (object) => {
    const map = object.cte_map;
    if (isObject(map) && Array.isArray(map.map)) {
      for (const entry of map.map) if (isObject(entry) && typeof entry.key === 'string') names.add(entry.key.toLowerCase());
    }
  });
  return names;
}

/** Bottom-up: children first, then the node itself, which may be replaced. */
function transform(node: Json, context: Context): Json {
  if (Array.isArray(node)) return node.map((item) => transform(item, context));
  if (!isObject(node)) return node;
  for (const key of Object.keys(node)) node[key] = transform(node[key], context);
  if (node.type === 'BASE_TABLE') return rewriteTable(node, context);
  if (node.type === 'TABLE_FUNCTION') return nameScalarFunctionColumn(node, context);
  if (node.class === 'FUNCTION') return rewriteFunction(node as ExpressionNode, context);
  if (node.class === 'COLUMN_REF') return rewriteColumnRef(node as ExpressionNode, context);
  if (node.class === 'CAST') return rewriteCast(node as ExpressionNode, context);
  return node;
}

function rewriteTable(node: JsonObject, context: Context): JsonObject {
  const catalog = String(node.catalog_name ?? '').toLowerCase();
  const schema = String(node.schema_name ?? '').toLowerCase();
  const name = String(node.table_name ?? '').toLowerCase();
  if (catalog !== '' && catalog !== context.session.database.toLowerCase()) return node;
  const unqualified = schema === '' && catalog === '' && !context.ctes.has(name);
  // information_schema is only reached qualified: PostgreSQL does not search it implicitly.
  const target = schema === 'information_schema' ? compatRelation('information_schema', name) : schema === 'pg_catalog' || unqualified ? compatRelation('pg_catalog', name) : undefined;
  if (target !== undefined) {
    context.markChanged();
    return { ...node, catalog_name: COMPAT_DATABASE, schema_name: COMPAT_SCHEMA, table_name: target, alias: node.alias === '' ? name : node.alias };
  }
  if (schema !== 'pg_catalog' && !unqualified) return node;
  if (DUCKDB_PG_CATALOG.has(name) || schema === 'pg_catalog') {
    if (schema === 'pg_catalog' && catalog === '') return node;
    context.markChanged();
    return { ...node, catalog_name: '', schema_name: 'pg_catalog' };
  }
  return node;
}

/** Set-returning functions of one column, whose column PostgreSQL names after the alias. */
const SCALAR_TABLE_FUNCTIONS = new Set(['generate_series', 'generate_subscripts', 'unnest']);

/**
 * `FROM generate_series(0, n) s`: in PostgreSQL `s` is also the column (psql's \d uses
 * `prattrs[s]`); in DuckDB it would be the whole row, a struct. Naming the column `s` makes
 * DuckDB bind `s` to the column, as PostgreSQL does.
 */
function nameScalarFunctionColumn(node: JsonObject, context: Context): JsonObject {
  const fn = node.function;
  if (typeof node.alias !== 'string' || node.alias === '' || !Array.isArray(node.column_name_alias) || node.column_name_alias.length > 0) return node;
  if (!isObject(fn) || !SCALAR_TABLE_FUNCTIONS.has(String(fn.function_name).toLowerCase()) || !Array.isArray(fn.children)) return node;
  // unnest of several arrays has several columns.
  if (String(fn.function_name).toLowerCase() === 'unnest' && fn.children.length !== 1) return node;
  context.markChanged();
  return { ...node, column_name_alias: [node.alias] };
}

function isPgFunction(node: JsonObject): boolean {
  const schema = String(node.schema ?? '').toLowerCase();
  return String(node.catalog ?? '') === '' && (schema === '' || schema === 'pg_catalog') && node.is_operator !== true;
}

function rewriteFunction(node: ExpressionNode, context: Context): Json {
  if (!isPgFunction(node)) return node;
  const name = String(node.function_name).toLowerCase();
  const args = Array.isArray(node.children) ? (node.children as ExpressionNode[]) : [];
  const session = context.session;
  const replace = (replacement: ExpressionNode): ExpressionNode => {
    context.markChanged();
    return { ...replacement, alias: node.alias };
  };
  switch (name) {
    case 'version':
      if (args.length === 0) return replace(varcharLiteral(versionString(session.serverVersion)));
      break;
    case 'current_database':
      if (args.length === 0) return replace(varcharLiteral(session.database));
      break;
    case 'current_schema':
      if (args.length === 0) return replace(varcharLiteral(effectiveSchemas(session, false)[0] ?? null));
      break;
    case 'current_user':
    case 'session_user':
      if (args.length === 0) return replace(varcharLiteral(session.user));
      break;
    case 'pg_backend_pid':
      if (args.length === 0) return replace(typedConstant('INTEGER', session.processId));
      break;
    case 'current_schemas':
      if (args.length === 1) return replace(currentSchemas(args[0], session));
      break;
    case 'current_setting':
      if (args.length >= 1 && args.length <= 2) {
        const setting = constantText(args[0]);
        if (setting !== undefined) return replace(currentSetting(setting, args[1], session));
      }
      break;
    case 'set_config':
      if (args.length === 3) {
        const [settingName, value, local] = args.map(constantText);
        if (settingName !== undefined && value !== undefined && local !== undefined) {
          context.settings.push({ name: settingName, value, local: local === 't' || local === 'true' });
          return replace(varcharLiteral(value));
        }
      }
      break;
    case 'pg_get_userbyid':
      if (args.length === 1) return replace(compatCall(name, [...args, varcharLiteral(session.user)]));
      break;
  }
  if (Object.hasOwn(COMPAT_MACROS, name) && !name.startsWith('pondgate_')) {
    context.markChanged();
    return { ...node, function_name: name, schema: COMPAT_SCHEMA, catalog: COMPAT_DATABASE };
  }
  // pg_catalog.array_to_string(…): DuckDB keeps most built-ins outside its pg_catalog schema (and
  // would read the qualifier as a column for method-call syntax); unqualified, it finds them all.
  if (String(node.schema).toLowerCase() === 'pg_catalog') {
    context.markChanged();
    return { ...node, schema: '' };
  }
  return node;
}

function rewriteColumnRef(node: ExpressionNode, context: Context): Json {
  const names = node.column_names;
  // pg_catalog.pg_type.oid: the relation now goes by its alias, so the schema qualifier goes.
  if (Array.isArray(names) && names.length === 3) {
    const schema = String(names[0]).toLowerCase();
    if ((schema === 'pg_catalog' || schema === 'information_schema') && compatRelation(schema, String(names[1]).toLowerCase()) !== undefined) {
      context.markChanged();
      return { ...node, column_names: names.slice(1) };
    }
  }
  if (!Array.isArray(names) || names.length !== 1) return node;
  const name = String(names[0]).toLowerCase();
  if (!SESSION_KEYWORDS.has(name)) return node;
  context.markChanged();
  const session = context.session;
  const value = name === 'current_catalog' ? session.database : name === 'current_schema' ? (effectiveSchemas(session, false)[0] ?? null) : session.user;
  return { ...varcharLiteral(value), alias: node.alias };
}

function rewriteCast(node: ExpressionNode, context: Context): Json {
  const target = unboundTypeName(node.cast_type);
  if (target === undefined || node.try_cast === true) return node;
  if (target === 'name') {
    context.markChanged();
    return { ...node, cast_type: { id: 'VARCHAR', type_info: null } };
  }
  const macro = REG_CASTS[target];
  if (macro === undefined) return node;
  context.markChanged();
  return { ...compatCall(macro, [node.child as ExpressionNode]), alias: node.alias };
}

function unboundTypeName(castType: Json | undefined): string | undefined {
  if (!isObject(castType) || castType.id !== 'UNBOUND' || !isObject(castType.type_info)) return undefined;
  const info = castType.type_info;
  const schema = String(info.schema ?? '').toLowerCase();
  if (String(info.catalog ?? '') !== '' || (schema !== '' && schema !== 'pg_catalog')) return undefined;
  return String(info.name ?? '').toLowerCase();
}

/**
 * PostgreSQL's name for an output column without alias (FigureColname): a function's name, a
 * column's last name, a cast's operand name or else its type name, `case`, or `?column?`.
 */
function pgColumnName(node: Json): string {
  if (!isObject(node)) return '?column?';
  if (node.class === 'FUNCTION' && node.is_operator !== true) return String(node.function_name).toLowerCase();
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names) && node.column_names.length > 0) {
    return String(node.column_names[node.column_names.length - 1]);
  }
  if (node.class === 'CAST') {
    const inner = pgColumnName(node.child);
    if (inner !== '?column?') return inner;
    const target = unboundTypeName(node.cast_type);
    return target ?? (isObject(node.cast_type) ? String(node.cast_type.id).toLowerCase() : '?column?');
  }
  if (node.class === 'CASE') return 'case';
  return '?column?';
}

/**
 * Select-list items the rewrite changed would be named by DuckDB after the rewritten
 * expression (`memory.pg_compat.format_type(…)`); they get PostgreSQL's name instead.
 */
function nameRewrittenItems(original: Json, rewritten: Json): void {
  const before: Json[][] = [];
  walk(original, (object) => {
    if (object.type === 'SELECT_NODE' && Array.isArray(object.select_list)) before.push(object.select_list);
  });
  let index = 0;
  walk(rewritten, (object) => {
    if (object.type !== 'SELECT_NODE' || !Array.isArray(object.select_list)) return;
    const items = before[index++] ?? [];
    object.select_list.forEach((item, i) => {
      const old = items[i];
      if (isObject(item) && item.alias === '' && JSON.stringify(item) !== JSON.stringify(old)) item.alias = pgColumnName(old);
    });
  });
}

function compatCall(name: string, args: ExpressionNode[]): ExpressionNode {
  return { ...functionCall(name, args), schema: COMPAT_SCHEMA, catalog: COMPAT_DATABASE };
}

function typedConstant(type: 'INTEGER', value: number): ExpressionNode {
  return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', query_location: 0, value: { type: { id: type, type_info: null }, is_null: false, value } };
}

const VARCHAR_LIST = { id: 'LIST', type_info: { type: 'LIST_TYPE_INFO', alias: '', extension_info: null, child_type: { id: 'VARCHAR', type_info: null } } };

function varcharList(values: readonly string[]): ExpressionNode {
  // CAST(list_value(...) AS VARCHAR[]) keeps the type VARCHAR[] even when the list is empty.
  return { class: 'CAST', type: 'OPERATOR_CAST', alias: '', query_location: 0, child: functionCall('list_value', values.map((v) => varcharLiteral(v))), cast_type: VARCHAR_LIST, try_cast: false };
}

function currentSchemas(includeImplicit: ExpressionNode, session: CatalogSession): ExpressionNode {
  const flag = constantText(includeImplicit);
  const withImplicit = varcharList(effectiveSchemas(session, true));
  const explicit = varcharList(effectiveSchemas(session, false));
  if (flag === 't' || flag === 'true') return withImplicit;
  if (flag === 'f' || flag === 'false') return explicit;
  return functionCall('if', [includeImplicit, withImplicit, explicit]);
}

/**
 * The schemas of search_path that exist, in order, as current_schemas() reports them;
 * with implicit, pg_catalog first unless search_path places it itself.
 */
export function effectiveSchemas(session: Pick<CatalogSession, 'searchPath' | 'user'>, implicit: boolean): string[] {
  const listed = session.searchPath
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => (item.startsWith('"') && item.endsWith('"') ? item.slice(1, -1).replace(/""/g, '"') : item.toLowerCase()))
    .map((item) => (item === '$user' ? session.user : item));
  const existing = listed.filter((schema, i) => KNOWN_SCHEMAS.has(schema) && listed.indexOf(schema) === i);
  if (implicit && !existing.includes('pg_catalog')) existing.unshift('pg_catalog');
  return existing;
}

function currentSetting(name: string, missingOk: ExpressionNode | undefined, session: CatalogSession): ExpressionNode {
  const value = session.setting(name) ?? fixedSetting(name);
  if (value !== undefined) return varcharLiteral(value);
  const ok = missingOk === undefined ? undefined : constantText(missingOk);
  if (ok === 't' || ok === 'true') return varcharLiteral(null);
  throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
}

/** The text of a constant (or a cast of one), as PostgreSQL would see the literal; undefined if not constant. */
function constantText(node: Json | undefined): string | undefined {
  let current = node;
  while (isObject(current) && current.class === 'CAST' && current.try_cast !== true) current = current.child;
  if (!isConstant(current) || current.value.is_null) return undefined;
  const value = current.value.value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** version(): PostgreSQL's shape, so clients that parse "PostgreSQL <major>.<minor>" find the version they are told. */
function versionString(serverVersion: string): string {
  return `PostgreSQL ${serverVersion} (pondgate ${PONDGATE_VERSION}) on x86_64-pc-linux-gnu, compiled by DuckDB ${duckdbVersion()}, 64-bit`;
}

const PONDGATE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
