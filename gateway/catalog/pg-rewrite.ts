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
  clone,
  functionCall,
  isConstant,
  isObject,
  varcharLiteral,
  walk,
  type ExpressionNode,
  type Json,
  type JsonObject,
} from '../sql/duckdb-ast.ts';
import { COMPAT_DATABASE, COMPAT_MACROS, COMPAT_SCHEMA, COMPAT_TABLE_FUNCTIONS, KNOWN_SCHEMAS, compatRelation } from './pg-compat.ts';
import { REG_COLUMNS, regOutputMacro } from './reg-columns.ts';
import { parsePgArray } from './pg15-catalog.ts';
import { formatCall } from './pg-format.ts';

/** What the rewrite needs to know about the session. */
export interface CatalogSession {
  readonly user: string;
  readonly database: string;
  readonly processId: number;
  /** The search_path setting as SHOW prints it. */
  readonly searchPath: string;
  readonly serverVersion: string;
  /** The connection's ends, for inet_server_addr() and friends (null as over a Unix socket). */
  readonly network?: {
    readonly clientAddress: string | null;
    readonly clientPort: number | null;
    readonly serverAddress: string | null;
    readonly serverPort: number | null;
  };
  /** A run-time parameter's value for current_setting(); undefined if there is no such parameter. */
  setting(name: string): string | undefined;
  /**
   * What the session relations (pg_roles, pg_settings, pg_stat_activity, …) show, as the JSON
   * their table macros take: {user, database, settings: {name: value}, activity: [...]}.
   */
  sessionJson(): string;
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
  /** Session relations the statement reads: their session views must exist before it binds (sessionViewSql). */
  readonly sessionRelations: readonly string[];
}

const SESSION_VIEW = /^(.*)__session_\d+$/;

/** The view of session `processId` over session relation `relation` (a pg_compat name). */
export function sessionViewName(relation: string, processId: number): string {
  return `${relation}__session_${processId}`;
}

/** The pg_compat relation a pg_compat table name stands for (a session view stands for its relation). */
export function compatBaseName(table: string): string {
  return SESSION_VIEW.exec(table)?.[1] ?? table;
}

/** (Re)creates the session's view of a session relation, with the session as it is now. */
export function sessionViewSql(relation: string, session: Pick<CatalogSession, 'processId' | 'sessionJson'>, json = session.sessionJson()): string {
  const literal = `'${json.replace(/'/g, "''")}'`;
  return `CREATE OR REPLACE VIEW ${COMPAT_DATABASE}.${COMPAT_SCHEMA}.${sessionViewName(relation, session.processId)} AS SELECT * FROM ${COMPAT_DATABASE}.${COMPAT_SCHEMA}.${relation}(${literal})`;
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
  regrole: 'pondgate_regrole',
};

/** PostgreSQL functions that DuckDB has under another name, with the same arguments and meaning. */
const RENAMED_FUNCTIONS: Readonly<Record<string, string>> = {
  json_build_object: 'json_object',
  jsonb_build_object: 'json_object',
  json_build_array: 'json_array',
  jsonb_build_array: 'json_array',
  array_to_json: 'to_json',
  row_to_json: 'to_json',
  textlen: 'length',
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

/**
 * `text`, the statement as the client wrote it, tells quoted aliases from unquoted ones, which
 * PostgreSQL folds to lower case (`AS DEFAULT` names a column `default`) and DuckDB does not.
 */
export function rewriteCatalogQuery(statement: JsonObject, session: CatalogSession, text?: string): RewriteResult {
  const tree = clone(statement);
  const ctes = cteNames(tree);
  const settings: SessionSetting[] = [];
  let changed = false;
  const context: Context = { session, ctes, settings, sessionRelations: new Set(), markChanged: () => (changed = true) };
  const rewritten = transform(tree, context) as JsonObject;
  if (readsCatalog(rewritten)) {
    applyPostgresOperators(rewritten, context);
    if (text !== undefined) foldUnquotedAliases(rewritten, text, context);
  }
  if (changed) nameRewrittenItems(statement, rewritten);
  nameRegOutputs(rewritten, context);
  return { statement: rewritten, changed, settings, sessionRelations: [...context.sessionRelations] };
}

/** Whether the rewritten query reads pondgate's catalog relations (it is a catalog query, answered with PostgreSQL's semantics). */
function readsCatalog(tree: Json): boolean {
  let found = false;
  walk(tree, (object) => {
    if (object.type === 'BASE_TABLE' && object.schema_name === COMPAT_SCHEMA) found = true;
    if (object.type === 'TABLE_FUNCTION' && isObject(object.function) && object.function.schema === COMPAT_SCHEMA) found = true;
  });
  return found;
}

/** PostgreSQL's regular-expression operators search the string; DuckDB's `~` matches it whole. */
/** Output aliases of the outermost select list, lower-cased unless the client quoted them. */
function foldUnquotedAliases(tree: JsonObject, text: string, context: Context): void {
  const node = tree.node;
  if (!isObject(node) || node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return;
  for (const item of node.select_list) {
    if (!isObject(item) || typeof item.alias !== 'string' || item.alias === item.alias.toLowerCase()) continue;
    if (text.includes(`"${item.alias.replace(/"/g, '""')}"`)) continue;
    item.alias = item.alias.toLowerCase();
    context.markChanged();
  }
}

/** PostgreSQL's LIKE takes backslash as its escape character by default (psql's `LIKE 'pg\_%'`); DuckDB's has none. */
const LIKE_OPERATORS: Readonly<Record<string, string>> = {
  '~~': 'like_escape',
  '!~~': 'not_like_escape',
  '~~*': 'ilike_escape',
  '!~~*': 'not_ilike_escape',
};

const REGEX_OPERATORS: Readonly<Record<string, { readonly negate: boolean; readonly flags?: string }>> = {
  regexp_full_match: { negate: false },
  '!~': { negate: true },
  '~*': { negate: false, flags: 'i' },
  '!~*': { negate: true, flags: 'i' },
};

/**
 * In a catalog query, PostgreSQL's meaning of two constructs DuckDB reads otherwise:
 * `a ~ 'x'` searches (regexp_matches), and `x = ANY(array)` is list membership (DuckDB plans it as a
 * subquery, which it cannot put in an outer join's condition: SQLAlchemy's index query does).
 */
function applyPostgresOperators(tree: JsonObject, context: Context): void {
  const visit = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    for (const key of Object.keys(node)) node[key] = visit(node[key]);
    // generate_series in a select list returns rows in PostgreSQL (psqlODBC's SQLForeignKeys), a list in DuckDB.
    if (node.type === 'SELECT_NODE' && Array.isArray(node.select_list)) {
      node.select_list = node.select_list.map((item) => {
        if (!isObject(item) || item.class !== 'FUNCTION' || String(item.function_name).toLowerCase() !== 'generate_series' || String(item.schema ?? '') !== '') return item;
        context.markChanged();
        return { ...functionCall('unnest', [{ ...(item as ExpressionNode), alias: '' }]), alias: item.alias === '' ? 'generate_series' : item.alias };
      });
    }
    if (node.class === 'FUNCTION' && String(node.schema ?? '') === '' && Array.isArray(node.children) && node.children.length === 2) {
      const like = LIKE_OPERATORS[String(node.function_name)];
      if (like !== undefined) {
        context.markChanged();
        return { ...functionCall(like, [...(node.children as ExpressionNode[]), varcharLiteral('\\')]), alias: node.alias ?? '' };
      }
      const regex = REGEX_OPERATORS[String(node.function_name)];
      if (regex !== undefined) {
        context.markChanged();
        const args = node.children as ExpressionNode[];
        const call = functionCall('regexp_matches', regex.flags ? [...args, varcharLiteral(regex.flags)] : args);
        return { ...(regex.negate ? notOf(call) : call), alias: node.alias ?? '' };
      }
    }
    const list = anyOfList(node);
    if (list !== undefined) {
      context.markChanged();
      return { ...functionCall('list_contains', [list, node.child as ExpressionNode]), alias: node.alias ?? '' };
    }
    return node;
  };
  tree.node = visit(tree.node ?? null);
}

function notOf(child: ExpressionNode): ExpressionNode {
  return { class: 'OPERATOR', type: 'OPERATOR_NOT', alias: '', query_location: 0, children: [child] };
}

/** `x = ANY(list)`, which DuckDB parses as `x = ANY(SELECT unnest(list))`: the list, if the node is that. */
function anyOfList(node: JsonObject): ExpressionNode | undefined {
  if (node.class !== 'SUBQUERY' || node.subquery_type !== 'ANY' || node.comparison_type !== 'COMPARE_EQUAL') return undefined;
  const select = isObject(node.subquery) && isObject(node.subquery.node) ? node.subquery.node : undefined;
  if (!select || select.type !== 'SELECT_NODE' || !isObject(select.from_table) || select.from_table.type !== 'EMPTY' || select.where_clause !== null) return undefined;
  const items = select.select_list;
  if (!Array.isArray(items) || items.length !== 1 || !isObject(items[0]) || items[0].class !== 'FUNCTION' || items[0].function_name !== 'unnest') return undefined;
  const args = items[0].children;
  return Array.isArray(args) && args.length === 1 ? (args[0] as ExpressionNode) : undefined;
}

interface Context {
  readonly session: CatalogSession;
  readonly ctes: ReadonlySet<string>;
  readonly settings: SessionSetting[];
  readonly sessionRelations: Set<string>;
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
  if (node.type === 'TABLE_FUNCTION') return rewriteTableFunction(node, context);
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
    const alias = node.alias === '' ? name : node.alias;
    if (!target.session) return { ...node, catalog_name: COMPAT_DATABASE, schema_name: COMPAT_SCHEMA, table_name: target.name, alias };
    // Relations that show the session (its user, settings, the live sessions) are read through a
    // view of this session over the relation's table macro (sessionViewSql), which the engine
    // (re)creates before the query binds: a plain relation, which the planner keeps on the gateway.
    context.sessionRelations.add(target.name);
    return { ...node, catalog_name: COMPAT_DATABASE, schema_name: COMPAT_SCHEMA, table_name: sessionViewName(target.name, context.session.processId), alias };
  }
  if (schema !== 'pg_catalog' && !unqualified) return node;
  if (DUCKDB_PG_CATALOG.has(name) || schema === 'pg_catalog') {
    if (schema === 'pg_catalog' && catalog === '') return node;
    context.markChanged();
    return { ...node, catalog_name: '', schema_name: 'pg_catalog' };
  }
  return node;
}

/**
 * Functions in FROM. PostgreSQL's set-returning functions that pondgate provides become its
 * table macros; a scalar function (`FROM string_to_array(x, ',') s`) is one row whose one
 * column is named after the alias, which DuckDB spells as a subquery.
 */
function rewriteTableFunction(node: JsonObject, context: Context): JsonObject {
  const fn = node.function;
  if (!isObject(fn) || fn.class !== 'FUNCTION') return node;
  const name = String(fn.function_name).toLowerCase();
  const inCompat = fn.catalog === COMPAT_DATABASE && fn.schema === COMPAT_SCHEMA;
  if (COMPAT_TABLE_FUNCTIONS.has(name) && isPgFunction(fn)) {
    context.markChanged();
    return { ...node, function: { ...fn, function_name: name, schema: COMPAT_SCHEMA, catalog: COMPAT_DATABASE } };
  }
  if (inCompat && !COMPAT_TABLE_FUNCTIONS.has(name) && Object.hasOwn(COMPAT_MACROS, name)) {
    context.markChanged();
    const alias = typeof node.alias === 'string' && node.alias !== '' ? node.alias : name;
    const columns = Array.isArray(node.column_name_alias) && node.column_name_alias.length === 1 ? String(node.column_name_alias[0]) : alias;
    return scalarRow({ ...fn, alias: columns }, alias);
  }
  return nameScalarFunctionColumn(node, context);
}

/** `(SELECT <expression>) alias`: a one-row relation. */
function scalarRow(expression: JsonObject, alias: string): JsonObject {
  return {
    type: 'SUBQUERY', alias, sample: null, query_location: 0, column_name_alias: [],
    subquery: {
      node: {
        type: 'SELECT_NODE', modifiers: [], cte_map: { map: [] }, select_list: [expression],
        from_table: { type: 'EMPTY', alias: '', sample: null, query_location: 0 },
        where_clause: null, group_expressions: [], group_sets: [], aggregate_handling: 'STANDARD_HANDLING', having: null, sample: null, qualify: null,
      },
      named_param_map: [],
    },
  };
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

/** Functions PostgreSQL keeps in information_schema rather than pg_catalog. */
const INFORMATION_SCHEMA_FUNCTIONS = new Set(['_pg_expandarray']);

function isPgFunction(node: JsonObject): boolean {
  const schema = String(node.schema ?? '').toLowerCase();
  const name = String(node.function_name ?? '').toLowerCase();
  const searched = schema === '' || schema === 'pg_catalog' || (schema === 'information_schema' && INFORMATION_SCHEMA_FUNCTIONS.has(name));
  return String(node.catalog ?? '') === '' && searched && node.is_operator !== true;
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
    case 'inet_server_addr':
    case 'inet_client_addr':
      if (args.length === 0) return replace(varcharLiteral((name === 'inet_server_addr' ? session.network?.serverAddress : session.network?.clientAddress) ?? null));
      break;
    case 'inet_server_port':
    case 'inet_client_port': {
      const port = name === 'inet_server_port' ? session.network?.serverPort : session.network?.clientPort;
      if (args.length === 0) return replace(port == null ? { ...varcharLiteral(null), value: { type: { id: 'INTEGER', type_info: null }, is_null: true } } : typedConstant('INTEGER', port));
      break;
    }
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
    case 'format': {
      // PostgreSQL's format('%I.%I', a, b) (DuckDB's format is another function): with a constant
      // format string, the pieces are concatenated here.
      const template = args.length >= 1 ? constantText(args[0]) : undefined;
      const call = template === undefined ? undefined : formatCall(template, args.slice(1), (fn, fnArgs) => compatCall(fn, fnArgs));
      if (call !== undefined) return replace(call);
      break;
    }
  }
  const renamed = RENAMED_FUNCTIONS[name];
  if (renamed !== undefined) {
    context.markChanged();
    return { ...node, function_name: renamed, schema: '' };
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

/** PostgreSQL types DuckDB does not know, as the DuckDB types pondgate gives such values. */
const CAST_TYPES: Readonly<Record<string, JsonObject>> = {
  name: { id: 'VARCHAR', type_info: null },
  sql_identifier: { id: 'VARCHAR', type_info: null },
  character_data: { id: 'VARCHAR', type_info: null },
  yes_or_no: { id: 'VARCHAR', type_info: null },
  pg_node_tree: { id: 'VARCHAR', type_info: null },
  cardinal_number: { id: 'INTEGER', type_info: null },
  xid: { id: 'BIGINT', type_info: null },
  int2vector: { id: 'LIST', type_info: { type: 'LIST_TYPE_INFO', alias: '', extension_info: null, child_type: { id: 'SMALLINT', type_info: null } } },
  oidvector: { id: 'LIST', type_info: { type: 'LIST_TYPE_INFO', alias: '', extension_info: null, child_type: { id: 'INTEGER', type_info: null } } },
};

function rewriteCast(node: ExpressionNode, context: Context): Json {
  const target = unboundTypeName(node.cast_type);
  const arrayLiteral = pgArrayLiteral(node);
  if (arrayLiteral !== undefined) {
    context.markChanged();
    return arrayLiteral;
  }
  // A catalog vector column (indkey, proargtypes) cast to text prints space-separated, as in PostgreSQL.
  if (isTextType(node.cast_type) && isObject(node.child) && node.child.class === 'COLUMN_REF' && Array.isArray(node.child.column_names)) {
    const column = String(node.child.column_names[node.child.column_names.length - 1]).toLowerCase();
    if (REG_COLUMNS.get(column)?.macro === 'pondgate_vector_out') {
      context.markChanged();
      return { ...compatCall('pondgate_vector_out', [node.child as ExpressionNode]), alias: node.alias };
    }
  }
  if (target === undefined || node.try_cast === true) {
    // A reg* value cast to text prints its name, as in PostgreSQL.
    if (isTextType(node.cast_type) && isObject(node.child) && regCastMacro(node.child) !== undefined) {
      context.markChanged();
      return { ...compatCall(regCastMacro(node.child)!, [node.child as ExpressionNode]), alias: node.alias };
    }
    return node;
  }
  const castType = CAST_TYPES[target];
  if (castType !== undefined) {
    context.markChanged();
    return { ...node, cast_type: castType };
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
 * column's last name, a cast's operand name or else its type name, a CASE's ELSE name or
 * `case`, or `?column?`.
 */
function pgColumnName(node: Json): string {
  return figureColumnName(node).name;
}

/** FigureColnameInternal: a name and its strength (2 a real name, 1 a type or `case`, 0 none). */
function figureColumnName(node: Json): { name: string; strength: number } {
  if (!isObject(node)) return { name: '?column?', strength: 0 };
  if (node.class === 'CASE') {
    const fallback = figureColumnName(node.else_expr ?? null);
    return fallback.strength >= 2 ? fallback : { name: 'case', strength: 1 };
  }
  if (node.class === 'CAST') {
    const inner = figureColumnName(node.child ?? null);
    if (inner.strength >= 2) return inner;
    const target = unboundTypeName(node.cast_type);
    const id = isObject(node.cast_type) ? String(node.cast_type.id).toLowerCase() : undefined;
    return { name: target ?? (id === 'varchar' ? 'text' : (id ?? '?column?')), strength: 1 };
  }
  const name = legacyColumnName(node);
  return { name, strength: name === '?column?' ? 0 : 2 };
}

function legacyColumnName(node: Json): string {
  if (!isObject(node)) return '?column?';
  if (node.class === 'FUNCTION' && node.is_operator !== true) {
    const name = String(node.function_name).toLowerCase();
    return name === 'count_star' ? 'count' : name;
  }
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
 * `'{a,b}'::text[]`: a PostgreSQL array literal cast to a list type becomes a DuckDB list
 * of the literal's elements (DuckDB reads only its own `[a, b]` spelling).
 */
function pgArrayLiteral(node: ExpressionNode): ExpressionNode | undefined {
  const castType = node.cast_type;
  if (!isObject(castType) || castType.id !== 'LIST' || !isConstant(node.child) || node.child.value.is_null) return undefined;
  const text = node.child.value.value;
  if (typeof text !== 'string' || !/^\{.*\}$/s.test(text.trim())) return undefined;
  const elementType = isObject(castType.type_info) ? castType.type_info.child_type : undefined;
  if (!isObject(elementType)) return undefined;
  const elements = parsePgArray(text.trim()).map((element): ExpressionNode => ({
    class: 'CAST', type: 'OPERATOR_CAST', alias: '', query_location: 0, child: varcharLiteral(element), cast_type: elementType, try_cast: false,
  }));
  return { ...node, child: functionCall('list_value', elements) };
}

function isTextType(castType: Json | undefined): boolean {
  if (!isObject(castType)) return false;
  if (castType.id === 'VARCHAR') return true;
  return unboundTypeName(castType) === 'text';
}

/** The output macro of a rewritten reg* cast (`x::regclass` → pondgate_regclass(x)), if the node is one. */
function regCastMacro(node: JsonObject): string | undefined {
  if (node.class !== 'FUNCTION' || node.schema !== COMPAT_SCHEMA) return undefined;
  const name = String(node.function_name);
  return Object.values(REG_CASTS).includes(name) && Object.hasOwn(COMPAT_MACROS, `${name}_out`) ? `${name}_out` : undefined;
}

/**
 * reg* values print as names in PostgreSQL (`typinput` is array_in, `'int4'::regtype` is
 * integer). pondgate keeps them as OIDs, so that they join and compare as OIDs, and names them
 * where they leave the query: the outermost select list's reg* casts, its references to a
 * catalog relation's reg* columns and the stars over such relations.
 */
function nameRegOutputs(tree: JsonObject, context: Context): void {
  const node = tree.node;
  if (!isObject(node) || node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return;
  const relations = new Set(directRelations(node.from_table ?? null).map(([, relation]) => relation));
  if (relations.size === 0 && !node.select_list.some((item) => isObject(item) && regCastMacro(item) !== undefined)) return;
  node.select_list = node.select_list.map((item) => {
    if (!isObject(item)) return item;
    const cast = regCastMacro(item);
    if (cast !== undefined) {
      context.markChanged();
      return { ...compatCall(cast, [{ ...(item as ExpressionNode), alias: '' }]), alias: item.alias === '' ? pgColumnName(item) : item.alias };
    }
    if (item.class === 'COLUMN_REF' && Array.isArray(item.column_names)) {
      const column = String(item.column_names[item.column_names.length - 1]).toLowerCase();
      const macro = regOutputMacro(column, relations);
      if (macro !== undefined) {
        context.markChanged();
        return { ...compatCall(macro, [{ ...(item as ExpressionNode), alias: '' }]), alias: item.alias === '' ? column : item.alias };
      }
    }
    if (item.class === 'STAR' && item.columns !== true && item.expr === null) {
      const qualifier = String(item.relation_name ?? '');
      const starRelations = qualifier === '' ? relations : new Set([...relations].filter((r) => aliasOf(node.from_table ?? null, qualifier) === r));
      const replaced = [...REG_COLUMNS].filter(([column]) => regOutputMacro(column, starRelations) !== undefined && !starCoversTwice(column, starRelations));
      if (replaced.length === 0) return item;
      context.markChanged();
      const replaceList = replaced.map(([column]) => ({
        key: column,
        value: { ...compatCall(regOutputMacro(column, starRelations)!, [qualifier === '' ? columnRefNode([column]) : columnRefNode([qualifier, column])]), alias: column },
      }));
      return { ...item, replace_list: [...(Array.isArray(item.replace_list) ? item.replace_list : []), ...replaceList] };
    }
    return item;
  });
}

/** A star over several relations that all have `column` would make REPLACE ambiguous: leave those. */
function starCoversTwice(column: string, relations: ReadonlySet<string>): boolean {
  return [...relations].filter((r) => REG_COLUMNS.get(column)?.relations.has(r)).length > 1;
}

/**
 * The compat relations a FROM clause reads directly (through joins, not inside subqueries,
 * whose columns are their select lists'), with their aliases.
 */
function directRelations(from: Json): Array<[alias: string, relation: string]> {
  if (!isObject(from)) return [];
  if (from.type === 'JOIN') return [...directRelations(from.left ?? null), ...directRelations(from.right ?? null)];
  if (from.type === 'BASE_TABLE' && from.schema_name === COMPAT_SCHEMA) return [[String(from.alias), compatBaseName(String(from.table_name))]];
  if (from.type === 'TABLE_FUNCTION' && isObject(from.function) && from.function.schema === COMPAT_SCHEMA) return [[String(from.alias), String(from.function.function_name)]];
  return [];
}

/** The compat relation a FROM alias stands for. */
function aliasOf(from: Json, alias: string): string | undefined {
  return directRelations(from).find(([name]) => name === alias)?.[1];
}

function columnRefNode(names: string[]): ExpressionNode {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: names };
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
    // A catalog query's columns are named as PostgreSQL names them, changed or not (count(*) is `count`).
    object.select_list.forEach((item, i) => {
      const old = items[i];
      if (isObject(item) && item.alias === '' && item.class !== 'STAR' && old !== undefined) item.alias = pgColumnName(old);
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
