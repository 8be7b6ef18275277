/**
 * Where the rows of each emulated PostgreSQL catalog relation come from.
 * The columns are PostgreSQL 15's (pg15-catalog.ts); a source names only the
 * columns it has values for, and pg-compat.ts fills the rest with NULLs of the
 * right type, so each relation always has every column a client may read.
 *
 *   recorded  PostgreSQL 15's own rows (pg_am, pg_proc, …), the same in every database;
 *   view      SQL over pondgate's base tables: the catalog tables mirrored from the
 *             manifest (pondgate_tables, pondgate_user_attributes, pondgate_comments,
 *             refreshed by catalog.ts) and the emulated relations themselves;
 *   session   a table macro over a JSON `session` argument (user name, settings,
 *             the sessions of pg_stat_activity), read through a view per session
 *             that the engine re-creates as a query binds (pg-rewrite.ts
 *             sessionViewSql): relations that show the connected user or live state;
 *   empty     no rows: pondgate has no indexes, constraints, triggers, sequences, …
 */
import { PG15_NAMESPACES, PG15_RELATIONS, catalogColumns, type RelationKey } from './pg15-catalog.ts';

export type RelationSource =
  | { readonly kind: 'recorded' }
  | { readonly kind: 'view'; readonly sql: string }
  | { readonly kind: 'session'; readonly sql: string }
  | { readonly kind: 'empty' };

export const Q = 'memory.pg_compat';

/** OIDs of the objects a client may compare with. */
export const OIDS = {
  pgCatalog: PG15_NAMESPACES.pg_catalog,
  public: PG15_NAMESPACES.public,
  informationSchema: PG15_NAMESPACES.information_schema,
  pgToast: PG15_NAMESPACES.pg_toast,
  bootstrapSuperuser: 10,
  /** PostgreSQL's first non-template database OID. */
  database: 16384,
  pgClass: PG15_RELATIONS['pg_catalog.pg_class'].oid,
  pgNamespace: PG15_RELATIONS['pg_catalog.pg_namespace'].oid,
  pgProc: PG15_RELATIONS['pg_catalog.pg_proc'].oid,
  pgType: PG15_RELATIONS['pg_catalog.pg_type'].oid,
  pgConstraint: PG15_RELATIONS['pg_catalog.pg_constraint'].oid,
  pgDatabase: PG15_RELATIONS['pg_catalog.pg_database'].oid,
} as const;

const sessionUser = "json_extract_string(session, '$.user')";
const sessionDatabase = "json_extract_string(session, '$.database')";

/**
 * Every relation: user tables (schema public) and PostgreSQL's catalog relations (so that
 * `\d pg_class` and information_schema.columns describe them too).
 */
const ALL_RELATIONS = `
  SELECT t.oid, t.relname, ${OIDS.public} AS relnamespace, 'r' AS relkind, t.natts, t.rows, t.bytes FROM ${Q}.pondgate_tables t
  UNION ALL
  SELECT s.oid, s.relname, s.relnamespace, s.relkind, s.natts, 0, 0 FROM ${Q}.pondgate_system_relations s`;

const SCHEMA_NAME = `CASE relnamespace WHEN ${OIDS.public} THEN 'public' WHEN ${OIDS.pgCatalog} THEN 'pg_catalog' ELSE 'information_schema' END`;

/** information_schema's view of a column's type, as PostgreSQL 15 defines it (for the types pondgate has). */
const COLUMN_TYPE_FACTS = `
  CASE WHEN ty.typcategory = 'A' THEN 'ARRAY' ELSE ${Q}.format_type(a.atttypid, NULL) END AS data_type,
  CASE WHEN ty.typname IN ('varchar', 'bpchar') AND a.atttypmod >= 4 THEN a.atttypmod - 4 END AS character_maximum_length,
  CASE WHEN ty.typname IN ('varchar', 'bpchar') AND a.atttypmod >= 4 THEN (a.atttypmod - 4) * 4
       WHEN ty.typname IN ('varchar', 'bpchar', 'text') THEN 1073741824 END AS character_octet_length,
  CASE ty.typname WHEN 'int2' THEN 16 WHEN 'int4' THEN 32 WHEN 'int8' THEN 64 WHEN 'float4' THEN 24 WHEN 'float8' THEN 53
       WHEN 'numeric' THEN CASE WHEN a.atttypmod >= 4 THEN ((a.atttypmod - 4) >> 16) & 65535 END END AS numeric_precision,
  CASE WHEN ty.typname IN ('int2', 'int4', 'int8', 'float4', 'float8') THEN 2 WHEN ty.typname = 'numeric' THEN 10 END AS numeric_precision_radix,
  CASE WHEN ty.typname IN ('int2', 'int4', 'int8') THEN 0 WHEN ty.typname = 'numeric' AND a.atttypmod >= 4 THEN (a.atttypmod - 4) & 65535 END AS numeric_scale,
  CASE WHEN ty.typname = 'date' THEN 0
       WHEN ty.typname IN ('time', 'timetz', 'timestamp', 'timestamptz', 'interval') THEN CASE WHEN a.atttypmod >= 0 THEN a.atttypmod ELSE 6 END END AS datetime_precision`;

const USER_TABLE_PRIVILEGES = ['SELECT'];

export const RELATION_SOURCES: Readonly<Record<RelationKey, RelationSource>> = {
  // PostgreSQL's own schemas, with their owners and privileges (public belongs to pg_database_owner).
  'pg_catalog.pg_namespace': { kind: 'recorded' },
  'pg_catalog.pg_class': {
    kind: 'view',
    sql: `SELECT r.oid, r.relname, r.relnamespace, 0 AS reltype, 0 AS reloftype, ${OIDS.bootstrapSuperuser} AS relowner,
      CASE WHEN r.relkind = 'r' THEN 2 ELSE 0 END AS relam, CASE WHEN r.relkind = 'r' THEN r.oid ELSE 0 END AS relfilenode,
      0 AS reltablespace, CAST(ceil(r.bytes / 8192) AS INTEGER) AS relpages,
      CASE WHEN r.relkind = 'r' AND r.relnamespace = ${OIDS.public} THEN r.rows ELSE -1 END AS reltuples, 0 AS relallvisible,
      0 AS reltoastrelid, false AS relhasindex, false AS relisshared, 'p' AS relpersistence, r.relkind, r.natts AS relnatts,
      0 AS relchecks, false AS relhasrules, false AS relhastriggers, false AS relhassubclass, false AS relrowsecurity,
      false AS relforcerowsecurity, true AS relispopulated, CASE WHEN r.relkind = 'r' THEN 'd' ELSE 'n' END AS relreplident,
      false AS relispartition, 0 AS relrewrite, 0 AS relfrozenxid, 0 AS relminmxid
      FROM (${ALL_RELATIONS}) r`,
  },
  'pg_catalog.pg_attribute': {
    kind: 'view',
    sql: `SELECT * FROM ${Q}.pondgate_user_attributes UNION ALL SELECT * FROM ${Q}.pondgate_system_attributes`,
  },
  // The types pondgate announces, and information_schema's domains (sql_identifier, cardinal_number, …).
  'pg_catalog.pg_type': { kind: 'view', sql: `SELECT * FROM ${Q}.pondgate_types UNION ALL SELECT * FROM ${Q}.pg15_pg_type` },
  'pg_catalog.pg_proc': { kind: 'recorded' },
  'pg_catalog.pg_aggregate': { kind: 'recorded' },
  'pg_catalog.pg_am': { kind: 'recorded' },
  'pg_catalog.pg_opclass': { kind: 'recorded' },
  'pg_catalog.pg_language': { kind: 'recorded' },
  'pg_catalog.pg_extension': { kind: 'recorded' },
  'pg_catalog.pg_collation': { kind: 'recorded' },
  // COMMENT ON of the catalog tables, and PostgreSQL's descriptions of its schemas.
  'pg_catalog.pg_description': { kind: 'view', sql: `SELECT * FROM ${Q}.pondgate_comments UNION ALL SELECT * FROM ${Q}.pg15_pg_description` },
  'pg_catalog.pg_database': {
    kind: 'session',
    sql: `SELECT ${OIDS.database} AS oid, ${sessionDatabase} AS datname, ${OIDS.bootstrapSuperuser} AS datdba, 6 AS encoding,
      'c' AS datlocprovider, false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, 716 AS datfrozenxid, 1 AS datminmxid,
      1663 AS dattablespace, 'C' AS datcollate, 'C' AS datctype`,
  },
  'pg_catalog.pg_tablespace': {
    kind: 'view',
    sql: `SELECT * FROM (VALUES (1663, 'pg_default'), (1664, 'pg_global')) v(oid, spcname), (SELECT ${OIDS.bootstrapSuperuser} AS spcowner)`,
  },
  // Every object belongs to the bootstrap superuser, OID 10, which is the connected user: each
  // session sees itself as the one role (psql's \dt shows it as the owner, as PostgreSQL does for its own tables).
  'pg_catalog.pg_roles': {
    kind: 'session',
    sql: `SELECT ${sessionUser} AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole, false AS rolcreatedb,
      true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, '********' AS rolpassword, false AS rolbypassrls,
      ${OIDS.bootstrapSuperuser} AS oid`,
  },
  'pg_catalog.pg_authid': {
    kind: 'session',
    sql: `SELECT ${OIDS.bootstrapSuperuser} AS oid, ${sessionUser} AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole,
      false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, false AS rolbypassrls, -1 AS rolconnlimit`,
  },
  'pg_catalog.pg_user': {
    kind: 'session',
    sql: `SELECT ${sessionUser} AS usename, ${OIDS.bootstrapSuperuser} AS usesysid, false AS usecreatedb, false AS usesuper,
      false AS userepl, false AS usebypassrls, '********' AS passwd`,
  },
  'pg_catalog.pg_shadow': {
    kind: 'session',
    sql: `SELECT ${sessionUser} AS usename, ${OIDS.bootstrapSuperuser} AS usesysid, false AS usecreatedb, false AS usesuper,
      false AS userepl, false AS usebypassrls`,
  },
  'pg_catalog.pg_auth_members': { kind: 'empty' },
  // PostgreSQL 15's settings, with this session's values for the parameters pondgate keeps per session.
  'pg_catalog.pg_settings': {
    kind: 'session',
    sql: `SELECT s.* REPLACE (coalesce(map_extract_value(CAST(json_extract(session, '$.settings') AS MAP(VARCHAR, VARCHAR)), lower(s.name)), s.setting) AS setting)
      FROM ${Q}.pg15_pg_settings s`,
  },
  'pg_catalog.pg_stat_activity': {
    kind: 'session',
    sql: `SELECT ${OIDS.database} AS datid, ${sessionDatabase} AS datname, a.pid, ${OIDS.bootstrapSuperuser} AS usesysid, a.usename,
      a.application_name, a.client_addr, a.client_port, CAST(a.backend_start AS TIMESTAMPTZ) AS backend_start,
      CAST(a.xact_start AS TIMESTAMPTZ) AS xact_start, CAST(a.query_start AS TIMESTAMPTZ) AS query_start,
      CAST(a.state_change AS TIMESTAMPTZ) AS state_change,
      CASE WHEN a.state = 'idle' THEN 'Client' END AS wait_event_type, CASE WHEN a.state = 'idle' THEN 'ClientRead' END AS wait_event,
      a.state, a.query, 'client backend' AS backend_type
      FROM (SELECT unnest(from_json(json_extract(session, '$.activity'),
        '[{"pid":"INTEGER","usename":"VARCHAR","application_name":"VARCHAR","client_addr":"VARCHAR","client_port":"INTEGER","backend_start":"VARCHAR","xact_start":"VARCHAR","query_start":"VARCHAR","state_change":"VARCHAR","state":"VARCHAR","query":"VARCHAR"}]'),
        recursive := true)) a`,
  },
  'pg_catalog.pg_tables': {
    kind: 'session',
    sql: `SELECT ${SCHEMA_NAME} AS schemaname, r.relname AS tablename, ${sessionUser} AS tableowner, false AS hasindexes,
      false AS hasrules, false AS hastriggers, false AS rowsecurity FROM (${ALL_RELATIONS}) r WHERE r.relkind = 'r'`,
  },
  'pg_catalog.pg_views': {
    kind: 'session',
    sql: `SELECT ${SCHEMA_NAME} AS schemaname, r.relname AS viewname, ${sessionUser} AS viewowner FROM (${ALL_RELATIONS}) r WHERE r.relkind = 'v'`,
  },
  'pg_catalog.pg_matviews': { kind: 'empty' },
  'pg_catalog.pg_indexes': { kind: 'empty' },
  // Statistics: the row counts are the manifest's; pondgate keeps no access counters.
  'pg_catalog.pg_stat_user_tables': {
    kind: 'view',
    sql: `SELECT t.oid AS relid, 'public' AS schemaname, t.relname, 0 AS seq_scan, 0 AS seq_tup_read, 0 AS n_tup_ins, 0 AS n_tup_upd,
      0 AS n_tup_del, 0 AS n_tup_hot_upd, t.rows AS n_live_tup, 0 AS n_dead_tup, 0 AS n_mod_since_analyze, 0 AS n_ins_since_vacuum,
      0 AS vacuum_count, 0 AS autovacuum_count, 0 AS analyze_count, 0 AS autoanalyze_count FROM ${Q}.pondgate_tables t`,
  },
  'pg_catalog.pg_stat_all_tables': { kind: 'view', sql: `SELECT * FROM ${Q}.pg_stat_user_tables` },
  'pg_catalog.pg_statio_user_tables': {
    kind: 'view',
    sql: `SELECT t.oid AS relid, 'public' AS schemaname, t.relname, 0 AS heap_blks_read, 0 AS heap_blks_hit FROM ${Q}.pondgate_tables t`,
  },
  'pg_catalog.pg_statio_all_tables': { kind: 'view', sql: `SELECT * FROM ${Q}.pg_statio_user_tables` },
  'pg_catalog.pg_stat_database': {
    kind: 'session',
    sql: `SELECT ${OIDS.database} AS datid, ${sessionDatabase} AS datname, CAST(json_array_length(json_extract(session, '$.activity')) AS INTEGER) AS numbackends`,
  },
  'pg_catalog.pg_attrdef': { kind: 'empty' },
  'pg_catalog.pg_index': { kind: 'empty' },
  'pg_catalog.pg_constraint': { kind: 'empty' },
  'pg_catalog.pg_inherits': { kind: 'empty' },
  'pg_catalog.pg_trigger': { kind: 'empty' },
  'pg_catalog.pg_policy': { kind: 'empty' },
  'pg_catalog.pg_statistic_ext': { kind: 'empty' },
  'pg_catalog.pg_publication': { kind: 'empty' },
  'pg_catalog.pg_publication_namespace': { kind: 'empty' },
  'pg_catalog.pg_publication_rel': { kind: 'empty' },
  'pg_catalog.pg_subscription': { kind: 'empty' },
  'pg_catalog.pg_range': { kind: 'empty' },
  'pg_catalog.pg_enum': { kind: 'empty' },
  'pg_catalog.pg_depend': { kind: 'empty' },
  'pg_catalog.pg_rewrite': { kind: 'empty' },
  'pg_catalog.pg_sequence': { kind: 'empty' },
  'pg_catalog.pg_sequences': { kind: 'empty' },
  'pg_catalog.pg_shdescription': { kind: 'empty' },
  'pg_catalog.pg_cast': { kind: 'empty' },
  'pg_catalog.pg_operator': { kind: 'empty' },
  'pg_catalog.pg_opfamily': { kind: 'empty' },
  'pg_catalog.pg_conversion': { kind: 'empty' },
  'pg_catalog.pg_default_acl': { kind: 'empty' },
  'pg_catalog.pg_event_trigger': { kind: 'empty' },
  'pg_catalog.pg_foreign_data_wrapper': { kind: 'empty' },
  'pg_catalog.pg_foreign_server': { kind: 'empty' },
  'pg_catalog.pg_foreign_table': { kind: 'empty' },
  'pg_catalog.pg_user_mapping': { kind: 'empty' },
  'pg_catalog.pg_partitioned_table': { kind: 'empty' },
  'pg_catalog.pg_available_extensions': { kind: 'empty' },
  'pg_catalog.pg_ts_config': { kind: 'empty' },
  'pg_catalog.pg_locks': { kind: 'empty' },
  'pg_catalog.pg_prepared_statements': { kind: 'empty' },

  'information_schema.schemata': {
    kind: 'session',
    sql: `SELECT ${sessionDatabase} AS catalog_name, n.nspname AS schema_name, ${sessionUser} AS schema_owner FROM ${Q}.pg_namespace n`,
  },
  'information_schema.tables': {
    kind: 'session',
    sql: `SELECT ${sessionDatabase} AS table_catalog, ${SCHEMA_NAME} AS table_schema, r.relname AS table_name,
      CASE r.relkind WHEN 'r' THEN 'BASE TABLE' ELSE 'VIEW' END AS table_type, 'NO' AS is_insertable_into, 'NO' AS is_typed
      FROM (${ALL_RELATIONS}) r`,
  },
  'information_schema.columns': {
    kind: 'session',
    sql: `SELECT ${sessionDatabase} AS table_catalog, ${SCHEMA_NAME} AS table_schema, r.relname AS table_name, a.attname AS column_name,
      CAST(a.attnum AS INTEGER) AS ordinal_position, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
      ${COLUMN_TYPE_FACTS},
      CASE WHEN ty.typcollation <> 0 THEN NULL END AS collation_name,
      ${sessionDatabase} AS udt_catalog, 'pg_catalog' AS udt_schema, ty.typname AS udt_name,
      CAST(a.attnum AS VARCHAR) AS dtd_identifier, 'NO' AS is_self_referencing, 'NO' AS is_identity, 'NO' AS identity_cycle,
      'NEVER' AS is_generated, 'NO' AS is_updatable
      FROM ${Q}.pg_attribute a JOIN (${ALL_RELATIONS}) r ON r.oid = a.attrelid JOIN ${Q}.pg_type ty ON ty.oid = a.atttypid
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
  },
  'information_schema.views': {
    kind: 'session',
    sql: `SELECT ${sessionDatabase} AS table_catalog, ${SCHEMA_NAME} AS table_schema, r.relname AS table_name, 'NONE' AS check_option,
      'NO' AS is_updatable, 'NO' AS is_insertable_into, 'NO' AS is_trigger_updatable, 'NO' AS is_trigger_deletable,
      'NO' AS is_trigger_insertable_into FROM (${ALL_RELATIONS}) r WHERE r.relkind = 'v'`,
  },
  'information_schema.table_privileges': {
    kind: 'session',
    sql: `SELECT ${sessionUser} AS grantor, ${sessionUser} AS grantee, ${sessionDatabase} AS table_catalog, 'public' AS table_schema,
      t.relname AS table_name, p.privilege_type, 'YES' AS is_grantable, 'YES' AS with_hierarchy
      FROM ${Q}.pondgate_tables t, (SELECT unnest([${USER_TABLE_PRIVILEGES.map((p) => `'${p}'`).join(', ')}]) AS privilege_type) p`,
  },
  'information_schema.enabled_roles': { kind: 'session', sql: `SELECT ${sessionUser} AS role_name` },
  'information_schema.routines': {
    kind: 'session',
    sql: `SELECT ${sessionDatabase} AS specific_catalog, 'pg_catalog' AS specific_schema, p.proname || '_' || p.oid AS specific_name,
      ${sessionDatabase} AS routine_catalog, 'pg_catalog' AS routine_schema, p.proname AS routine_name,
      CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS routine_type,
      CASE WHEN rt.typcategory = 'A' THEN 'ARRAY' ELSE ${Q}.format_type(p.prorettype, NULL) END AS data_type,
      ${sessionDatabase} AS type_udt_catalog, 'pg_catalog' AS type_udt_schema, rt.typname AS type_udt_name,
      CAST(p.oid AS VARCHAR) AS dtd_identifier, 'EXTERNAL' AS routine_body, p.prosrc AS routine_definition,
      p.prosrc AS external_name, upper(l.lanname) AS external_language, 'GENERAL' AS parameter_style,
      CASE WHEN p.provolatile = 'i' THEN 'YES' ELSE 'NO' END AS is_deterministic, 'MODIFIES' AS sql_data_access,
      CASE WHEN p.proisstrict THEN 'YES' ELSE 'NO' END AS is_null_call, 'YES' AS schema_level_routine, 0 AS max_dynamic_result_sets,
      'NO' AS is_user_defined_cast, 'NO' AS is_implicitly_invocable, CASE WHEN p.prosecdef THEN 'DEFINER' ELSE 'INVOKER' END AS security_type,
      'NO' AS as_locator, 'YES' AS is_udt_dependent
      FROM ${Q}.pg_proc p LEFT JOIN ${Q}.pg_type rt ON rt.oid = p.prorettype LEFT JOIN ${Q}.pg_language l ON l.oid = p.prolang`,
  },
  'information_schema.parameters': { kind: 'empty' },
  'information_schema.key_column_usage': { kind: 'empty' },
  'information_schema.table_constraints': { kind: 'empty' },
  'information_schema.referential_constraints': { kind: 'empty' },
  'information_schema.constraint_column_usage': { kind: 'empty' },
  'information_schema.check_constraints': { kind: 'empty' },
  'information_schema.column_privileges': { kind: 'empty' },
  'information_schema.sequences': { kind: 'empty' },
  'information_schema.triggers': { kind: 'empty' },
  'information_schema.domains': { kind: 'empty' },
  'information_schema.element_types': { kind: 'empty' },
};

/** Emulated relations in the order they must be created (a view after what it reads). */
export function creationOrder(): RelationKey[] {
  const keys = Object.keys(RELATION_SOURCES) as RelationKey[];
  const reads = (key: RelationKey) => {
    const source = RELATION_SOURCES[key];
    return 'sql' in source ? keys.filter((other) => other !== key && new RegExp(`${Q.replace('.', '\\.')}\\.${compatName(other)}\\b`).test(source.sql)) : [];
  };
  const ordered: RelationKey[] = [];
  const visit = (key: RelationKey) => {
    if (ordered.includes(key)) return;
    for (const dependency of reads(key)) visit(dependency);
    ordered.push(key);
  };
  keys.forEach(visit);
  return ordered;
}

/** The name of an emulated relation inside schema pg_compat. */
export function compatName(relation: RelationKey): string {
  const [schema, name] = relation.split('.') as [string, string];
  return schema === 'pg_catalog' ? name : `information_schema_${name}`;
}

/** Checks that every source names only columns the relation has. */
export function relationColumns(relation: RelationKey): ReturnType<typeof catalogColumns> {
  return catalogColumns(relation);
}
