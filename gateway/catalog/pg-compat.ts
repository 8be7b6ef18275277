/**
 * PostgreSQL compatibility objects in the gateway's DuckDB: the pg_catalog
 * relations and functions that clients query on connect or when they meet a
 * type, with PostgreSQL's OIDs and column names.
 *
 * DuckDB has its own pg_catalog (with DuckDB's OIDs) that cannot be shadowed:
 * a schema named pg_catalog cannot be created. So the objects live in schema
 * `pg_compat` of the `memory` database, and pg-rewrite.ts points a query's
 * references at them. Relations listed in COMPAT_RELATIONS are ours; other
 * pg_catalog relations (pg_proc, pg_depend, …) are still DuckDB's until the
 * BI-tool catalog replaces them — add a relation here and to COMPAT_RELATIONS.
 *
 * Session-dependent values (user, database, pid, search_path) are not in here:
 * the rewrite inlines them as constants, because a macro cannot see the session.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  BOOTSTRAP_SUPERUSER_OID,
  INFORMATION_SCHEMA_NAMESPACE_OID,
  PG_CATALOG_NAMESPACE_OID,
  PG_TYPE_ROWS,
  PUBLIC_NAMESPACE_OID,
  type PgTypeRow,
} from './pg-type-table.ts';
import { PG_ATTRIBUTE_COLUMNS } from './pg-attribute.ts';

export const COMPAT_DATABASE = 'memory';
export const COMPAT_SCHEMA = 'pg_compat';
const Q = `${COMPAT_DATABASE}.${COMPAT_SCHEMA}`;

type ColumnType = 'INTEGER' | 'SMALLINT' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'INTEGER[]' | 'SMALLINT[]';
type Value = number | string | boolean | null;

/** A relation is either a table of fixed rows or a view over DuckDB's own catalog functions. */
type Relation =
  | { readonly columns: ReadonlyArray<readonly [string, ColumnType]>; readonly rows: ReadonlyArray<readonly Value[]> }
  | { readonly view: string };

// OIDs are INTEGER, so they reach clients as int4: every OID pondgate knows fits, postgres.js
// parses int4 (not int8) into numbers, and pgjdbc reads oid columns with getInt/getLong alike.
const PG_TYPE_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['oid', 'INTEGER'], ['typname', 'VARCHAR'], ['typnamespace', 'INTEGER'], ['typowner', 'INTEGER'], ['typlen', 'SMALLINT'],
  ['typbyval', 'BOOLEAN'], ['typtype', 'VARCHAR'], ['typcategory', 'VARCHAR'], ['typispreferred', 'BOOLEAN'], ['typisdefined', 'BOOLEAN'],
  ['typdelim', 'VARCHAR'], ['typrelid', 'INTEGER'], ['typsubscript', 'VARCHAR'], ['typelem', 'INTEGER'], ['typarray', 'INTEGER'],
  ['typinput', 'VARCHAR'], ['typoutput', 'VARCHAR'], ['typreceive', 'VARCHAR'], ['typsend', 'VARCHAR'], ['typmodin', 'VARCHAR'],
  ['typmodout', 'VARCHAR'], ['typanalyze', 'VARCHAR'], ['typalign', 'VARCHAR'], ['typstorage', 'VARCHAR'], ['typnotnull', 'BOOLEAN'],
  ['typbasetype', 'INTEGER'], ['typtypmod', 'INTEGER'], ['typndims', 'INTEGER'], ['typcollation', 'INTEGER'], ['typdefaultbin', 'VARCHAR'],
  ['typdefault', 'VARCHAR'], ['typacl', 'VARCHAR[]'],
];

function pgTypeValues(t: PgTypeRow): Value[] {
  const analyze = t.typcategory === 'A' ? 'array_typanalyze' : '-';
  return [
    t.oid, t.typname, PG_CATALOG_NAMESPACE_OID, BOOTSTRAP_SUPERUSER_OID, t.typlen,
    t.typbyval, t.typtype, t.typcategory, t.typispreferred, true,
    t.typdelim, 0, t.typsubscript, t.typelem, t.typarray,
    t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin,
    t.typmodout, analyze, t.typalign, t.typstorage, false,
    0, -1, 0, t.typcollation, null,
    null, null,
  ];
}

/** OID of the one database the gateway serves (PostgreSQL's first non-template database OID). */
const DATABASE_OID = 16384;

/** pg_database: the one database this gateway serves, as pgjdbc's getCatalogs() and BI tools list it. */
function pgDatabase(database: string): Relation {
  return {
    columns: [['oid', 'INTEGER'], ['datname', 'VARCHAR'], ['datdba', 'INTEGER'], ['encoding', 'INTEGER'], ['datlocprovider', 'VARCHAR'],
      ['datistemplate', 'BOOLEAN'], ['datallowconn', 'BOOLEAN'], ['datconnlimit', 'INTEGER'], ['datfrozenxid', 'INTEGER'],
      ['datminmxid', 'INTEGER'], ['dattablespace', 'INTEGER'], ['datcollate', 'VARCHAR'], ['datctype', 'VARCHAR'],
      ['daticulocale', 'VARCHAR'], ['datcollversion', 'VARCHAR'], ['datacl', 'VARCHAR[]']],
    rows: [[DATABASE_OID, database, BOOTSTRAP_SUPERUSER_OID, 6, 'c', false, true, -1, 0, 1, 1663, 'C', 'C', null, null, null]],
  };
}

/**
 * Catalog relations that are empty in pondgate (no defaults, comments, indexes, constraints,
 * inheritance, triggers, policies, extended statistics, publications or listed roles), with PostgreSQL 15's
 * columns, so that the queries of pgjdbc's getColumns, psqlODBC's SQLColumns and psql's \d bind.
 */
const EMPTY_RELATIONS: Readonly<Record<string, Relation>> = Object.fromEntries(
  Object.entries({
    pg_attrdef: [['oid', 'INTEGER'], ['adrelid', 'INTEGER'], ['adnum', 'SMALLINT'], ['adbin', 'VARCHAR']],
    pg_description: [['objoid', 'INTEGER'], ['classoid', 'INTEGER'], ['objsubid', 'INTEGER'], ['description', 'VARCHAR']],
    pg_index: [['indexrelid', 'INTEGER'], ['indrelid', 'INTEGER'], ['indnatts', 'SMALLINT'], ['indnkeyatts', 'SMALLINT'],
      ['indisunique', 'BOOLEAN'], ['indnullsnotdistinct', 'BOOLEAN'], ['indisprimary', 'BOOLEAN'], ['indisexclusion', 'BOOLEAN'],
      ['indimmediate', 'BOOLEAN'], ['indisclustered', 'BOOLEAN'], ['indisvalid', 'BOOLEAN'], ['indcheckxmin', 'BOOLEAN'],
      ['indisready', 'BOOLEAN'], ['indislive', 'BOOLEAN'], ['indisreplident', 'BOOLEAN'], ['indkey', 'SMALLINT[]'],
      ['indcollation', 'INTEGER[]'], ['indclass', 'INTEGER[]'], ['indoption', 'SMALLINT[]'], ['indexprs', 'VARCHAR'], ['indpred', 'VARCHAR']],
    pg_constraint: [['oid', 'INTEGER'], ['conname', 'VARCHAR'], ['connamespace', 'INTEGER'], ['contype', 'VARCHAR'],
      ['condeferrable', 'BOOLEAN'], ['condeferred', 'BOOLEAN'], ['convalidated', 'BOOLEAN'], ['conrelid', 'INTEGER'],
      ['contypid', 'INTEGER'], ['conindid', 'INTEGER'], ['conparentid', 'INTEGER'], ['confrelid', 'INTEGER'],
      ['confupdtype', 'VARCHAR'], ['confdeltype', 'VARCHAR'], ['confmatchtype', 'VARCHAR'], ['conislocal', 'BOOLEAN'],
      ['coninhcount', 'INTEGER'], ['connoinherit', 'BOOLEAN'], ['conkey', 'SMALLINT[]'], ['confkey', 'SMALLINT[]'],
      ['conpfeqop', 'INTEGER[]'], ['conppeqop', 'INTEGER[]'], ['conffeqop', 'INTEGER[]'], ['confdelsetcols', 'SMALLINT[]'],
      ['conexclop', 'INTEGER[]'], ['conbin', 'VARCHAR']],
    pg_inherits: [['inhrelid', 'INTEGER'], ['inhparent', 'INTEGER'], ['inhseqno', 'INTEGER'], ['inhdetachpending', 'BOOLEAN']],
    pg_trigger: [['oid', 'INTEGER'], ['tgrelid', 'INTEGER'], ['tgparentid', 'INTEGER'], ['tgname', 'VARCHAR'], ['tgfoid', 'INTEGER'],
      ['tgtype', 'SMALLINT'], ['tgenabled', 'VARCHAR'], ['tgisinternal', 'BOOLEAN'], ['tgconstrrelid', 'INTEGER'],
      ['tgconstrindid', 'INTEGER'], ['tgconstraint', 'INTEGER'], ['tgdeferrable', 'BOOLEAN'], ['tginitdeferred', 'BOOLEAN'],
      ['tgnargs', 'SMALLINT'], ['tgattr', 'SMALLINT[]'], ['tgargs', 'VARCHAR'], ['tgqual', 'VARCHAR'], ['tgoldtable', 'VARCHAR'],
      ['tgnewtable', 'VARCHAR']],
    pg_policy: [['oid', 'INTEGER'], ['polname', 'VARCHAR'], ['polrelid', 'INTEGER'], ['polcmd', 'VARCHAR'], ['polpermissive', 'BOOLEAN'],
      ['polroles', 'INTEGER[]'], ['polqual', 'VARCHAR'], ['polwithcheck', 'VARCHAR']],
    pg_statistic_ext: [['oid', 'INTEGER'], ['stxrelid', 'INTEGER'], ['stxname', 'VARCHAR'], ['stxnamespace', 'INTEGER'],
      ['stxowner', 'INTEGER'], ['stxstattarget', 'INTEGER'], ['stxkeys', 'SMALLINT[]'], ['stxkind', 'VARCHAR[]'], ['stxexprs', 'VARCHAR']],
    pg_publication: [['oid', 'INTEGER'], ['pubname', 'VARCHAR'], ['pubowner', 'INTEGER'], ['puballtables', 'BOOLEAN'],
      ['pubinsert', 'BOOLEAN'], ['pubupdate', 'BOOLEAN'], ['pubdelete', 'BOOLEAN'], ['pubtruncate', 'BOOLEAN'], ['pubviaroot', 'BOOLEAN']],
    // Roles are the session's user, which a relation cannot see (pg_get_userbyid gets it from the rewrite).
    pg_roles: [['rolname', 'VARCHAR'], ['rolsuper', 'BOOLEAN'], ['rolinherit', 'BOOLEAN'], ['rolcreaterole', 'BOOLEAN'],
      ['rolcreatedb', 'BOOLEAN'], ['rolcanlogin', 'BOOLEAN'], ['rolreplication', 'BOOLEAN'], ['rolconnlimit', 'INTEGER'],
      ['rolpassword', 'VARCHAR'], ['rolvaliduntil', 'VARCHAR'], ['rolbypassrls', 'BOOLEAN'], ['rolconfig', 'VARCHAR[]'], ['oid', 'INTEGER']],
    pg_publication_namespace: [['oid', 'INTEGER'], ['pnpubid', 'INTEGER'], ['pnnspid', 'INTEGER']],
    pg_publication_rel: [['oid', 'INTEGER'], ['prpubid', 'INTEGER'], ['prrelid', 'INTEGER'], ['prqual', 'VARCHAR'], ['prattrs', 'SMALLINT[]']],
  } satisfies Record<string, ReadonlyArray<readonly [string, ColumnType]>>).map(([name, columns]) => [name, { columns, rows: [] }]),
);

export const COMPAT_RELATIONS: Readonly<Record<string, Relation>> = {
  pg_database: pgDatabase('pondgate'),
  pg_type: { columns: PG_TYPE_COLUMNS, rows: PG_TYPE_ROWS.map(pgTypeValues) },
  pg_namespace: {
    columns: [['oid', 'INTEGER'], ['nspname', 'VARCHAR'], ['nspowner', 'INTEGER'], ['nspacl', 'VARCHAR[]']],
    rows: [
      [PG_CATALOG_NAMESPACE_OID, 'pg_catalog', BOOTSTRAP_SUPERUSER_OID, null],
      [PUBLIC_NAMESPACE_OID, 'public', BOOTSTRAP_SUPERUSER_OID, null],
      [INFORMATION_SCHEMA_NAMESPACE_OID, 'information_schema', BOOTSTRAP_SUPERUSER_OID, null],
    ],
  },
  // pondgate announces no range types, so pg_range is empty; clients that join it (asyncpg, Npgsql) still bind.
  pg_range: {
    columns: [['rngtypid', 'INTEGER'], ['rngsubtype', 'INTEGER'], ['rngmultitypid', 'INTEGER'], ['rngcollation', 'INTEGER'],
      ['rngsubopc', 'INTEGER'], ['rngcanonical', 'VARCHAR'], ['rngsubdiff', 'VARCHAR']],
    rows: [],
  },
  pg_enum: {
    columns: [['oid', 'INTEGER'], ['enumtypid', 'INTEGER'], ['enumsortorder', 'INTEGER'], ['enumlabel', 'VARCHAR']],
    rows: [],
  },
  // Filled from the catalog tables by catalog.ts (refreshPgAttribute) whenever the manifest changes.
  pg_attribute: { columns: PG_ATTRIBUTE_COLUMNS, rows: [] },
  ...EMPTY_RELATIONS,
  pg_collation: {
    columns: [['oid', 'INTEGER'], ['collname', 'VARCHAR'], ['collnamespace', 'INTEGER'], ['collowner', 'INTEGER'], ['collprovider', 'VARCHAR'],
      ['collisdeterministic', 'BOOLEAN'], ['collencoding', 'INTEGER'], ['collcollate', 'VARCHAR'], ['collctype', 'VARCHAR'],
      ['colliculocale', 'VARCHAR'], ['collversion', 'VARCHAR']],
    rows: [
      [100, 'default', PG_CATALOG_NAMESPACE_OID, BOOTSTRAP_SUPERUSER_OID, 'd', true, -1, null, null, null, null],
      [950, 'C', PG_CATALOG_NAMESPACE_OID, BOOTSTRAP_SUPERUSER_OID, 'c', true, -1, 'C', 'C', null, null],
      [951, 'POSIX', PG_CATALOG_NAMESPACE_OID, BOOTSTRAP_SUPERUSER_OID, 'c', true, -1, 'POSIX', 'POSIX', null, null],
    ],
  },
  // Catalog tables are heap tables (pg_class.relam = 2), as psql's \d prints no access method for them.
  pg_am: {
    columns: [['oid', 'INTEGER'], ['amname', 'VARCHAR'], ['amhandler', 'VARCHAR'], ['amtype', 'VARCHAR']],
    rows: [[2, 'heap', 'heap_tableam_handler', 't'], [403, 'btree', 'bthandler', 'i'], [405, 'hash', 'hashhandler', 'i']],
  },
  // The catalog tables (schema public of the gateway's DuckDB) under PostgreSQL's namespace OID, so that
  // pg_class joins pg_namespace as clients expect (psql \dt, psqlODBC SQLTables). The column list is DuckDB's,
  // plus what psql's \d reads; the OIDs are DuckDB's table OIDs, which pg_attribute.attrelid uses too.
  pg_class: {
    view: `SELECT c.* REPLACE (CAST(c.oid AS INTEGER) AS oid, CAST(${PUBLIC_NAMESPACE_OID} AS INTEGER) AS relnamespace,
      CAST(${BOOTSTRAP_SUPERUSER_OID} AS INTEGER) AS relowner, CAST(c.relnatts AS SMALLINT) AS relnatts,
      CAST(c.relchecks AS SMALLINT) AS relchecks, CAST(CASE WHEN c.relkind = 'r' THEN 2 ELSE 0 END AS INTEGER) AS relam,
      'd' AS relreplident, 'p' AS relpersistence, CAST(NULL AS VARCHAR[]) AS relacl, CAST(NULL AS VARCHAR[]) AS reloptions,
      CAST(NULL AS VARCHAR) AS relpartbound), false AS relforcerowsecurity
      FROM pg_catalog.pg_class c
      WHERE c.relnamespace = (SELECT s.oid FROM duckdb_schemas() s WHERE s.database_name = 'memory' AND s.schema_name = 'public')`,
  },
};

/**
 * information_schema relations narrowed to what a client of this database sees: the catalog
 * tables of schema public, under the served database's name, never the gateway's own objects.
 * Their columns are still DuckDB's (data_type 'INTEGER', …); the BI-tool catalog refines them.
 * Created in pg_compat as information_schema_<name>.
 */
function informationSchema(database: string): Readonly<Record<string, Relation>> {
  const db = `'${database.replace(/'/g, "''")}'`;
  const inPublic = "table_catalog = 'memory' AND table_schema = 'public'";
  return {
    tables: { view: `SELECT * REPLACE (${db} AS table_catalog, 'NO' AS is_insertable_into) FROM information_schema.tables WHERE ${inPublic}` },
    columns: { view: `SELECT * REPLACE (${db} AS table_catalog) FROM information_schema.columns WHERE ${inPublic}` },
    views: { view: `SELECT * REPLACE (${db} AS table_catalog) FROM information_schema.views WHERE ${inPublic}` },
    schemata: {
      view: `SELECT * REPLACE (${db} AS catalog_name) FROM information_schema.schemata
        WHERE (catalog_name = 'memory' AND schema_name = 'public') OR (catalog_name = 'system' AND schema_name IN ('pg_catalog', 'information_schema'))`,
    },
  };
}

const INFORMATION_SCHEMA_RELATIONS: ReadonlySet<string> = new Set(Object.keys(informationSchema('')));

/** Where a PostgreSQL catalog relation lives in the gateway's DuckDB (a table of schema pg_compat), if it is ours. */
export function compatRelation(schema: 'pg_catalog' | 'information_schema', name: string): string | undefined {
  if (schema === 'pg_catalog') return Object.hasOwn(COMPAT_RELATIONS, name) ? name : undefined;
  return INFORMATION_SCHEMA_RELATIONS.has(name) ? `information_schema_${name}` : undefined;
}

/** Schemas that exist for current_schema()/current_schemas() and regnamespace. */
export const KNOWN_SCHEMAS: ReadonlyMap<string, number> = new Map([
  ['pg_catalog', PG_CATALOG_NAMESPACE_OID],
  ['public', PUBLIC_NAMESPACE_OID],
  ['information_schema', INFORMATION_SCHEMA_NAMESPACE_OID],
]);

/**
 * PostgreSQL functions as DuckDB macros: name → overloads (parameter lists and bodies).
 * Calls to these names (unqualified or pg_catalog.) are pointed here by the rewrite.
 */
export const COMPAT_MACROS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  format_type: [['type_oid, typmod', formatTypeBody()]],
  pg_encoding_to_char: [['encoding', "CASE encoding WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END"]],
  pg_char_to_encoding: [['name', "CASE upper(name) WHEN 'UTF8' THEN 6 WHEN 'SQL_ASCII' THEN 0 ELSE -1 END"]],
  obj_description: [['object_oid', 'CAST(NULL AS VARCHAR)'], ['object_oid, catalog_name', 'CAST(NULL AS VARCHAR)']],
  col_description: [['table_oid, column_number', 'CAST(NULL AS VARCHAR)']],
  shobj_description: [['object_oid, catalog_name', 'CAST(NULL AS VARCHAR)']],
  // pondgate serves read-only data to every user alike: every read privilege is granted.
  has_schema_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  has_table_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  has_database_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  has_column_privilege: [['a, b, c', 'true'], ['a, b, c, d', 'true']],
  has_any_column_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  has_function_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  has_type_privilege: [['a, b', 'true'], ['a, b, c', 'true']],
  pg_is_in_recovery: [['', 'false']],
  pg_table_is_visible: [['table_oid', 'true']],
  pg_type_is_visible: [['type_oid', 'true']],
  pg_get_expr: [['expr, relation', 'CAST(NULL AS VARCHAR)'], ['expr, relation, pretty', 'CAST(NULL AS VARCHAR)']],
  // There are no indexes, constraints, statistics objects or publications to describe.
  pg_get_indexdef: [['index_oid', 'CAST(NULL AS VARCHAR)'], ['index_oid, column_number, pretty', 'CAST(NULL AS VARCHAR)']],
  pg_get_constraintdef: [['constraint_oid', 'CAST(NULL AS VARCHAR)'], ['constraint_oid, pretty', 'CAST(NULL AS VARCHAR)']],
  pg_get_statisticsobjdef_columns: [['statistics_oid', 'CAST(NULL AS VARCHAR)']],
  pg_relation_is_publishable: [['relation_oid', 'false']],
  txid_current: [['', 'CAST(1 AS BIGINT)']],
  // PostgreSQL arrays here are one-dimensional and 1-based.
  array_upper: [['arr, dimension', 'CASE WHEN dimension = 1 AND len(arr) > 0 THEN CAST(len(arr) AS INTEGER) END']],
  array_lower: [['arr, dimension', 'CASE WHEN dimension = 1 AND len(arr) > 0 THEN 1 END']],
  // set_config with non-constant arguments only returns its value (constant ones go through SessionState).
  set_config: [['name, value, is_local', 'CAST(value AS VARCHAR)']],
  // pg_get_userbyid gets the session user appended by the rewrite: every object is owned by it.
  pg_get_userbyid: [['role_oid, session_user_name', "CASE WHEN role_oid IS NULL THEN NULL WHEN role_oid = 10 THEN session_user_name ELSE 'unknown (OID=' || role_oid || ')' END"]],
  // Casts to reg* types, rewritten into calls (DuckDB has no such types). Values are OIDs (INTEGER)
  // except regproc, whose catalog columns hold function names, so that `typinput = 'array_in'::regproc` compares names.
  pondgate_regproc: [['name', "regexp_replace(CAST(name AS VARCHAR), '^pg_catalog\\.', '')"]],
  pondgate_regtype: [['name', regtypeBody()]],
  pondgate_regnamespace: [['name', regnamespaceBody()]],
  pondgate_regclass: [['name', "CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) ELSE (SELECT CAST(min(__rc.oid) AS INTEGER) FROM (SELECT table_oid AS oid, table_name AS relname FROM duckdb_tables() UNION ALL SELECT view_oid, view_name FROM duckdb_views()) __rc WHERE __rc.relname = regexp_replace(CAST(name AS VARCHAR), '^.*\\.', '')) END"]],
};

/**
 * Lookups inside macros are MAP constants, not subqueries: a macro's arguments are substituted
 * into its body, so a caller's `oid` or `t.oid` would be captured by a subquery's own columns.
 */
function sqlMap(entries: ReadonlyArray<readonly [number | string, number | string]>): string {
  const value = (v: number | string) => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);
  return `MAP {${entries.map(([k, v]) => `${value(k)}: ${value(v)}`).join(', ')}}`;
}

/** format_type(oid, typmod) as PostgreSQL prints it: SQL spellings, typmods, `[]` for arrays, ??? for unknown OIDs. */
function formatTypeBody(): string {
  const byOid = new Map(PG_TYPE_ROWS.map((t) => [t.oid, t]));
  const base = (t: PgTypeRow) => (t.typcategory === 'A' ? (byOid.get(t.typelem) ?? t) : t);
  const sqlName = `map_extract_value(${sqlMap(PG_TYPE_ROWS.map((t) => [t.oid, base(t).sqlName]))}, type_oid)`;
  const kind = `map_extract_value(${sqlMap(PG_TYPE_ROWS.map((t) => [t.oid, base(t).typname]))}, type_oid)`;
  const arrays = `[${PG_TYPE_ROWS.filter((t) => t.typcategory === 'A').map((t) => t.oid).join(', ')}]`;
  const mod = `CASE
      WHEN typmod IS NULL OR typmod < 0 THEN ''
      WHEN ${kind} = 'numeric' AND typmod >= 4 THEN '(' || (((typmod - 4) >> 16) & 65535) || ',' || ((typmod - 4) & 65535) || ')'
      WHEN ${kind} IN ('varchar', 'bpchar', 'bit', 'varbit') AND typmod >= 4 THEN '(' || (typmod - 4) || ')'
      WHEN ${kind} IN ('timestamp', 'timestamptz', 'time', 'timetz') THEN '(' || typmod || ')'
      ELSE '' END`;
  // An explicit typmod of -1 makes PostgreSQL print bpchar and bit by their internal names;
  // timestamp(3) without time zone: the precision goes after the first word.
  const named = `CASE WHEN ${kind} = 'bpchar' AND typmod < 4 THEN 'bpchar'
      WHEN ${kind} = 'bit' AND typmod < 4 THEN '"bit"'
      WHEN ${kind} IN ('timestamp', 'timestamptz', 'time', 'timetz') AND typmod >= 0
      THEN split_part(${sqlName}, ' ', 1) || ${mod} || substr(${sqlName}, length(split_part(${sqlName}, ' ', 1)) + 1)
      ELSE ${sqlName} || ${mod} END`;
  return `CASE WHEN type_oid IS NULL THEN NULL
    WHEN NOT map_contains(${sqlMap(PG_TYPE_ROWS.map((t) => [t.oid, t.typname]))}, type_oid) THEN '???'
    ELSE ${named} || CASE WHEN list_contains(${arrays}, type_oid) THEN '[]' ELSE '' END END`;
}

/** 'int4'::regtype and 'integer'::regtype: by internal or SQL name, optionally pg_catalog-qualified. */
function regtypeBody(): string {
  const names = new Map<string, number>();
  for (const t of PG_TYPE_ROWS) {
    names.set(t.typname, t.oid);
    if (!names.has(t.sqlName)) names.set(t.sqlName, t.oid);
  }
  const key = "regexp_replace(lower(trim(CAST(name AS VARCHAR))), '^pg_catalog\\.', '')";
  return `CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) ELSE map_extract_value(${sqlMap([...names])}, ${key}) END`;
}

function regnamespaceBody(): string {
  return `CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) ELSE map_extract_value(${sqlMap([...KNOWN_SCHEMAS])}, CAST(name AS VARCHAR)) END`;
}

function literal(value: Value, type: ColumnType): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return `CAST(${value} AS ${type})`;
  return `'${value.replace(/'/g, "''")}'`;
}

async function createRelation(connection: DuckDBConnection, name: string, relation: Relation): Promise<void> {
  if ('view' in relation) {
    await connection.run(`CREATE OR REPLACE VIEW ${Q}.${name} AS ${relation.view}`);
    return;
  }
  const columns = relation.columns.map(([column, type]) => `"${column}" ${type}`).join(', ');
  await connection.run(`CREATE OR REPLACE TABLE ${Q}.${name} (${columns})`);
  if (relation.rows.length === 0) return;
  const rows = relation.rows.map((row) => `(${row.map((value, i) => literal(value, relation.columns[i][1])).join(', ')})`);
  await connection.run(`INSERT INTO ${Q}.${name} VALUES ${rows.join(', ')}`);
}

/**
 * Creates schema memory.pg_compat with the relations and macros; once per gateway DuckDB, before
 * any session. `database` is the database name the gateway serves (pg_database's one row).
 */
export async function installPgCompat(instance: DuckDBInstance, database = 'pondgate'): Promise<void> {
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${Q}`);
    for (const [name, relation] of Object.entries(COMPAT_RELATIONS)) {
      await createRelation(connection, name, name === 'pg_database' ? pgDatabase(database) : relation);
    }
    for (const [name, relation] of Object.entries(informationSchema(database))) {
      await createRelation(connection, `information_schema_${name}`, relation);
    }
    for (const [name, overloads] of Object.entries(COMPAT_MACROS)) {
      const bodies = overloads.map(([parameters, body]) => `(${parameters}) AS ${body}`).join(', ');
      await connection.run(`CREATE OR REPLACE MACRO ${Q}.${name} ${bodies}`);
    }
  } finally {
    connection.closeSync();
  }
}
