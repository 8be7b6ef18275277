/**
 * PostgreSQL compatibility objects in the gateway's DuckDB: the pg_catalog and
 * information_schema relations and the functions clients read, with
 * PostgreSQL 15's columns, OIDs and values (pg15-catalog.ts, pg-relations.ts).
 *
 * DuckDB has its own pg_catalog (with DuckDB's OIDs) that cannot be shadowed:
 * a schema named pg_catalog cannot be created. So the objects live in schema
 * `pg_compat` of the `memory` database, and pg-rewrite.ts points a query's
 * references at them: a relation at its view, a session relation at its table
 * macro (with the session's values as argument), a function at its macro.
 *
 * The pure-SQL functions (quote_ident, format_type, …) are shared with the
 * workers (src/pg/compat-functions.ts); the ones here read the catalog or the
 * session and exist on the gateway only.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  COMPAT_DATABASE,
  COMPAT_SCHEMA,
  PG_COMPAT_FUNCTIONS,
  PG_KEYWORDS,
  installCompatFunctions,
  sqlMap,
  type MacroOverloads,
} from '../../src/pg/compat-functions.ts';
import { PG_TYPE_ROWS, type PgTypeRow } from '../../src/pg/pg-type-table.ts';
import { pgAttributeRows, PG_ATTRIBUTE_COLUMNS } from './pg-attribute.ts';
import { PG15_PROC_NAMES, PG15_RELATIONS, RECORDED_RELATIONS, catalogColumns, pgTextLiteral, recordedRows, type RelationKey } from './pg15-catalog.ts';
import { OIDS, Q, RELATION_SOURCES, compatName, creationOrder } from './pg-relations.ts';
import { replaceTable, type TableColumn } from './table-rows.ts';

export { COMPAT_DATABASE, COMPAT_SCHEMA };

/** Where a PostgreSQL catalog relation lives in the gateway's DuckDB, and whether it takes the session as argument. */
export function compatRelation(schema: 'pg_catalog' | 'information_schema', name: string): { name: string; session: boolean } | undefined {
  const key = `${schema}.${name}` as RelationKey;
  const source = Object.hasOwn(RELATION_SOURCES, key) ? RELATION_SOURCES[key] : undefined;
  return source === undefined ? undefined : { name: compatName(key), session: source.kind === 'session' };
}

/** Schemas that exist for current_schema()/current_schemas() and regnamespace. */
export const KNOWN_SCHEMAS: ReadonlyMap<string, number> = new Map([
  ['pg_catalog', OIDS.pgCatalog],
  ['public', OIDS.public],
  ['information_schema', OIDS.informationSchema],
  ['pg_toast', OIDS.pgToast],
]);

/** Function names → OIDs (the lowest of several overloads), for the regproc columns of pg_type. */
const PROC_OIDS: ReadonlyMap<string, number> = (() => {
  const byName = new Map<string, number>();
  for (const [oid, name] of PG15_PROC_NAMES) if (!byName.has(name) || byName.get(name)! > oid) byName.set(name, oid);
  return byName;
})();

function procOid(name: string): number {
  if (name === '-') return 0;
  const oid = PROC_OIDS.get(name);
  if (oid === undefined) throw new Error(`pg_type names function ${name}, which the recorded pg_proc lacks`);
  return oid;
}

/** The session's user, as the rewrite appends it to functions that name it; public's schema belongs to pg_database_owner. */
const NAME_OF_OWNER = "CASE WHEN role_oid IS NULL THEN NULL WHEN role_oid = 10 THEN session_user_name WHEN role_oid = 6171 THEN 'pg_database_owner' ELSE 'unknown (OID=' || role_oid || ')' END";

/** A function's name → OID (the lowest of its overloads), from PostgreSQL 15's pg_proc. */
const PROC_OID_OF = (name: string) => `(SELECT min(__p.__oid) FROM ${Q}.pondgate_proc_names __p WHERE __p.__name = ${name})`;

/** A relation name (possibly schema-qualified, possibly quoted) → its pg_class OID; user tables first, as search_path has it. */
const REGCLASS = `CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) ELSE (
  SELECT min(__rc.__oid) FROM (SELECT c.oid AS __oid, c.relname AS __relname, n.nspname AS __nspname
    FROM ${Q}.pg_class c JOIN ${Q}.pg_namespace n ON n.oid = c.relnamespace) __rc
  WHERE __rc.__relname = ${Q}.parse_ident(CAST(name AS VARCHAR))[-1]
    AND (CASE WHEN len(${Q}.parse_ident(CAST(name AS VARCHAR))) > 1 THEN __rc.__nspname = ${Q}.parse_ident(CAST(name AS VARCHAR))[-2]
         ELSE __rc.__nspname IN ('public', 'pg_catalog') END)) END`;

/** Bytes of a relation: the Parquet files of a catalog table; PostgreSQL's own relations count as empty here. */
const RELATION_BYTES = `coalesce((SELECT CAST(sum(__t.__bytes) AS BIGINT) FROM (SELECT oid AS __oid, bytes AS __bytes FROM ${Q}.pondgate_tables) __t
  WHERE __t.__oid = ${REGCLASS.replace(/\bname\b/g, 'relation')}), 0)`;

/** A function's arguments as pg_get_function_arguments prints them: `name type, …` from proargnames/proargtypes. */
const FUNCTION_ARGUMENTS = `(SELECT array_to_string(list_transform(generate_series(1, len(__p.__types)),
    lambda i: coalesce(nullif(__p.__names[i], '') || ' ', '') || ${COMPAT_DATABASE}.${COMPAT_SCHEMA}.format_type(__p.__types[i], NULL)), ', ')
  FROM (SELECT oid AS __oid, proargtypes AS __types, proargnames AS __names FROM ${Q}.pg_proc) __p WHERE __p.__oid = function_oid)`;

const FUNCTION_RESULT = `(SELECT CASE WHEN __p.__retset THEN 'SETOF ' ELSE '' END || ${COMPAT_DATABASE}.${COMPAT_SCHEMA}.format_type(__p.__rettype, NULL)
  FROM (SELECT oid AS __oid, proretset AS __retset, prorettype AS __rettype FROM ${Q}.pg_proc) __p WHERE __p.__oid = function_oid)`;

const DESCRIPTION = (objoid: string, objsubid: string, classoid?: string) => `(SELECT min(__d.__description) FROM
  (SELECT objoid AS __objoid, classoid AS __classoid, objsubid AS __objsubid, description AS __description FROM ${Q}.pg_description) __d
  WHERE __d.__objoid = ${objoid} AND __d.__objsubid = ${objsubid}${classoid ? ` AND __d.__classoid = ${classoid}` : ''})`;

/**
 * Gateway-only functions: they read the catalog relations or get a session value from the rewrite.
 * Calls to these names (unqualified or pg_catalog.) are pointed here by the rewrite.
 */
export const GATEWAY_FUNCTIONS: Readonly<Record<string, MacroOverloads>> = {
  obj_description: [
    ['object_oid', DESCRIPTION('object_oid', '0')],
    ['object_oid, catalog_name', DESCRIPTION('object_oid', '0', `CASE catalog_name WHEN 'pg_class' THEN ${OIDS.pgClass} WHEN 'pg_namespace' THEN ${OIDS.pgNamespace} WHEN 'pg_proc' THEN ${OIDS.pgProc} WHEN 'pg_type' THEN ${OIDS.pgType} WHEN 'pg_constraint' THEN ${OIDS.pgConstraint} ELSE -1 END`)],
  ],
  col_description: [['table_oid, column_number', DESCRIPTION('table_oid', 'column_number', String(OIDS.pgClass))]],
  shobj_description: [['object_oid, catalog_name', 'CAST(NULL AS VARCHAR)']],
  // set_config with non-constant arguments only returns its value (constant ones go through SessionState).
  set_config: [['name, value, is_local', 'CAST(value AS VARCHAR)']],
  // pg_get_userbyid gets the session user appended by the rewrite: every object is owned by it.
  pg_get_userbyid: [['role_oid, session_user_name', NAME_OF_OWNER]],
  pg_relation_size: [['relation', RELATION_BYTES], ['relation, fork', `CASE WHEN fork = 'main' THEN ${RELATION_BYTES} ELSE 0 END`]],
  pg_total_relation_size: [['relation', RELATION_BYTES]],
  pg_table_size: [['relation', RELATION_BYTES]],
  pg_indexes_size: [['relation', 'CAST(0 AS BIGINT)']],
  pg_database_size: [['database', `(SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) FROM ${Q}.pondgate_tables)`]],
  pg_tablespace_size: [['tablespace', `(SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) FROM ${Q}.pondgate_tables)`]],
  // Visible = in a schema of the default search_path (pg_catalog, public): information_schema's objects are not.
  pg_table_is_visible: [['table_oid', `(SELECT min(__c.__ns) FROM (SELECT oid AS __oid, relnamespace AS __ns FROM ${Q}.pg_class) __c WHERE __c.__oid = table_oid) IN (${OIDS.pgCatalog}, ${OIDS.public})`]],
  pg_type_is_visible: [['type_oid', `(SELECT min(__t.__ns) FROM (SELECT oid AS __oid, typnamespace AS __ns FROM ${Q}.pg_type) __t WHERE __t.__oid = type_oid) IN (${OIDS.pgCatalog}, ${OIDS.public})`]],
  pg_function_is_visible: [['function_oid', 'function_oid IS NOT NULL']],
  pg_get_function_arguments: [['function_oid', FUNCTION_ARGUMENTS]],
  pg_get_function_identity_arguments: [['function_oid', FUNCTION_ARGUMENTS]],
  pg_get_function_result: [['function_oid', FUNCTION_RESULT]],
  pg_get_viewdef: [['view_oid', 'CAST(NULL AS VARCHAR)'], ['view_oid, pretty', 'CAST(NULL AS VARCHAR)']],
  pg_tablespace_location: [['tablespace_oid', "''"]],
  _pg_expandarray: [['arr', "unnest(list_transform(generate_series(1, len(arr)), lambda i: {'x': arr[i], 'n': CAST(i AS INTEGER)}))"]],
  // Casts to reg* types, rewritten into calls (DuckDB has no such types): they give OIDs.
  pondgate_regproc: [['name', `CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) WHEN CAST(name AS VARCHAR) = '-' THEN 0
    ELSE ${PROC_OID_OF("regexp_replace(regexp_replace(CAST(name AS VARCHAR), '^pg_catalog\\.', ''), '\\(.*$', '')")} END`]],
  pondgate_regtype: [['name', regtypeBody()]],
  pondgate_regnamespace: [['name', regnamespaceBody()]],
  pondgate_regclass: [['name', REGCLASS]],
  pondgate_regrole: [['name', `CASE WHEN TRY_CAST(name AS INTEGER) IS NOT NULL THEN CAST(name AS INTEGER) ELSE ${OIDS.bootstrapSuperuser} END`]],
  // The reverse: an OID printed as PostgreSQL prints a reg* value (the rewrite applies these to results).
  // The parameter has a name no catalog column has: a macro's parameters replace same-named columns in its body.
  pondgate_regproc_out: [['reg_value', `CASE WHEN reg_value IS NULL THEN NULL WHEN reg_value = 0 THEN '-'
    ELSE coalesce((SELECT min(__p.__name) FROM ${Q}.pondgate_proc_names __p WHERE __p.__oid = reg_value), CAST(reg_value AS VARCHAR)) END`]],
  pondgate_regtype_out: [['reg_value', `CASE WHEN reg_value IS NULL THEN NULL WHEN reg_value = 0 THEN '-' ELSE ${COMPAT_DATABASE}.${COMPAT_SCHEMA}.format_type(reg_value, NULL) END`]],
  pondgate_regclass_out: [['reg_value', `CASE WHEN reg_value IS NULL THEN NULL WHEN reg_value = 0 THEN '-' ELSE coalesce((SELECT min(__c.__relname) FROM (SELECT oid AS __oid, relname AS __relname FROM ${Q}.pg_class) __c WHERE __c.__oid = reg_value), CAST(reg_value AS VARCHAR)) END`]],
  pondgate_vector_out: [['vector_value', "array_to_string(vector_value, ' ')"]],
  pondgate_regnamespace_out: [['reg_value', `CASE WHEN reg_value IS NULL THEN NULL ELSE coalesce(map_extract_value(${sqlMap([...KNOWN_SCHEMAS].map(([n, o]) => [o, n]))}, reg_value), CAST(reg_value AS VARCHAR)) END`]],
};

/** Every function name the rewrite points at pg_compat (shared and gateway-only). */
export const COMPAT_MACROS: Readonly<Record<string, MacroOverloads>> = { ...PG_COMPAT_FUNCTIONS, ...GATEWAY_FUNCTIONS };

/** Table functions (set-returning PostgreSQL functions) the rewrite points at pg_compat. */
export const COMPAT_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['pg_get_keywords']);

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

/** pg_type's rows in PostgreSQL 15's column order, regproc columns as the OIDs of the recorded functions. */
function pgTypeValues(t: PgTypeRow): Record<string, string | number | boolean | null> {
  return {
    oid: t.oid, typname: t.typname, typnamespace: OIDS.pgCatalog, typowner: OIDS.bootstrapSuperuser, typlen: t.typlen,
    typbyval: t.typbyval, typtype: t.typtype, typcategory: t.typcategory, typispreferred: t.typispreferred, typisdefined: true,
    typdelim: t.typdelim, typrelid: 0, typsubscript: procOid(t.typsubscript), typelem: t.typelem, typarray: t.typarray,
    typinput: procOid(t.typinput), typoutput: procOid(t.typoutput), typreceive: procOid(t.typreceive), typsend: procOid(t.typsend),
    typmodin: procOid(t.typmodin), typmodout: procOid(t.typmodout), typanalyze: procOid(t.typcategory === 'A' ? 'array_typanalyze' : '-'),
    typalign: t.typalign, typstorage: t.typstorage, typnotnull: false, typbasetype: 0, typtypmod: -1, typndims: 0, typcollation: t.typcollation,
  };
}

function columnsOf(relation: RelationKey): TableColumn[] {
  return catalogColumns(relation).map(({ name, type }) => ({ name, type }));
}

/** The wrapper that gives a source PostgreSQL's columns: its own values cast, NULLs for the columns it has not. */
function shaped(relation: RelationKey, sql: string, sourceColumns: ReadonlySet<string>): string {
  const columns = catalogColumns(relation);
  const unknown = [...sourceColumns].filter((c) => !columns.some((column) => column.name === c));
  if (unknown.length > 0) throw new Error(`${relation}: the source names columns PostgreSQL 15 does not have: ${unknown.join(', ')}`);
  const items = columns.map(({ name, type }) => (sourceColumns.has(name) ? `CAST(src."${name}" AS ${type})` : `CAST(NULL AS ${type})`) + ` AS "${name}"`);
  return `SELECT ${items.join(', ')} FROM (${sql}) src`;
}

async function sourceColumns(connection: DuckDBConnection, sql: string): Promise<Set<string>> {
  const prepared = await connection.prepare(`SELECT * FROM (${sql}) LIMIT 0`);
  try {
    return new Set(Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i)));
  } finally {
    prepared.destroySync();
  }
}

async function createRelation(connection: DuckDBConnection, relation: RelationKey): Promise<void> {
  const source = RELATION_SOURCES[relation];
  const name = `${Q}.${compatName(relation)}`;
  switch (source.kind) {
    case 'empty':
      await connection.run(`CREATE OR REPLACE VIEW ${name} AS ${shaped(relation, 'SELECT 1 AS __none WHERE false', new Set())}`);
      return;
    case 'recorded':
      await connection.run(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM ${Q}.pg15_${compatName(relation)}`);
      return;
    case 'view':
      await connection.run(`CREATE OR REPLACE VIEW ${name} AS ${shaped(relation, source.sql, await sourceColumns(connection, source.sql))}`);
      return;
    case 'session': {
      // The columns of a table macro's body are those it has for any argument: describe it with an empty session.
      const probe = source.sql.replace(/\bsession\b/g, `'{"activity":[],"settings":{}}'`);
      const columns = await sourceColumns(connection, probe);
      await connection.run(`CREATE OR REPLACE MACRO ${name}(session) AS TABLE ${shaped(relation, source.sql, columns)}`);
      return;
    }
  }
}

/** PostgreSQL 15's own rows of a system relation, as table pg15_<name>. */
async function createRecordedTable(connection: DuckDBConnection, relation: RelationKey): Promise<void> {
  const table = `${Q}.pg15_${compatName(relation)}`;
  const columns = catalogColumns(relation);
  await connection.run(`CREATE OR REPLACE TABLE ${table} (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
  const rows = recordedRows(relation);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((row) => `(${row.map((v, j) => pgTextLiteral(v, columns[j].type)).join(', ')})`);
    await connection.run(`INSERT INTO ${table} VALUES ${values.join(', ')}`);
  }
}

/** The base tables the relations read, filled with what does not change while the gateway runs. */
async function createBaseTables(connection: DuckDBConnection): Promise<void> {
  for (const relation of RECORDED_RELATIONS) await createRecordedTable(connection, relation);
  await connection.run(`CREATE OR REPLACE TABLE ${Q}.pondgate_tables (oid INTEGER, relname VARCHAR, natts SMALLINT, rows BIGINT, bytes BIGINT)`);
  await replaceTable(connection, `${Q}.pondgate_comments`, columnsOf('pg_catalog.pg_description'), []);
  await replaceTable(connection, `${Q}.pondgate_user_attributes`, PG_ATTRIBUTE_COLUMNS, []);
  const system = (Object.keys(PG15_RELATIONS) as RelationKey[]).map((relation) => {
    const [schema, relname] = relation.split('.');
    return { relation, relname, oid: PG15_RELATIONS[relation].oid, relkind: PG15_RELATIONS[relation].relkind, namespace: schema === 'pg_catalog' ? OIDS.pgCatalog : OIDS.informationSchema };
  });
  await replaceTable(
    connection,
    `${Q}.pondgate_system_relations`,
    [{ name: 'oid', type: 'INTEGER' }, { name: 'relname', type: 'VARCHAR' }, { name: 'relnamespace', type: 'INTEGER' }, { name: 'relkind', type: 'VARCHAR' }, { name: 'natts', type: 'SMALLINT' }],
    system.map((s) => [s.oid, s.relname, s.namespace, s.relkind === 'v' ? 'v' : 'r', catalogColumns(s.relation).length]),
  );
  await replaceTable(
    connection,
    `${Q}.pondgate_system_attributes`,
    PG_ATTRIBUTE_COLUMNS,
    pgAttributeRows(system.map((s) => ({ oid: s.oid, columns: catalogColumns(s.relation).map((c) => ({ name: c.name, type: c.type })) }))),
  );
  const typeColumns = columnsOf('pg_catalog.pg_type');
  await replaceTable(connection, `${Q}.pondgate_types`, typeColumns, PG_TYPE_ROWS.map((t) => {
    const values = pgTypeValues(t);
    return typeColumns.map((c) => values[c.name] ?? null);
  }));
  await replaceTable(connection, `${Q}.pondgate_proc_names`, [{ name: '__oid', type: 'INTEGER' }, { name: '__name', type: 'VARCHAR' }], PG15_PROC_NAMES.map(([oid, name]) => [oid, name]));
  await replaceTable(
    connection,
    `${Q}.pondgate_keywords`,
    [{ name: 'word', type: 'VARCHAR' }, { name: 'catcode', type: 'VARCHAR' }, { name: 'barelabel', type: 'BOOLEAN' }, { name: 'catdesc', type: 'VARCHAR' }, { name: 'baredesc', type: 'VARCHAR' }],
    PG_KEYWORDS.map((k) => [...k]),
  );
}

async function createMacros(connection: DuckDBConnection): Promise<void> {
  for (const [name, overloads] of Object.entries(GATEWAY_FUNCTIONS)) {
    const bodies = overloads.map(([parameters, body]) => `(${parameters}) AS ${body}`).join(', ');
    await connection.run(`CREATE OR REPLACE MACRO ${Q}.${name} ${bodies}`);
  }
  await connection.run(`CREATE OR REPLACE MACRO ${Q}.pg_get_keywords() AS TABLE SELECT * FROM ${Q}.pondgate_keywords`);
}

/**
 * Creates schema memory.pg_compat with the relations and functions; once per gateway DuckDB,
 * before any session. The catalog tables' rows come later, from Catalog.mirror().
 */
export async function installPgCompat(instance: DuckDBInstance): Promise<void> {
  const connection = await instance.connect();
  try {
    await installCompatFunctions(connection);
    await createBaseTables(connection);
    // DuckDB binds a macro's body when it is created: the relations the macros read come first.
    for (const relation of creationOrder()) await createRelation(connection, relation);
    await createMacros(connection);
  } finally {
    connection.closeSync();
  }
}
