/**
 * PostgreSQL functions that DuckDB lacks or answers differently, as DuckDB
 * macros of pure SQL: no session state, no catalog relations. The gateway's
 * catalog rewrite points calls to these names at schema `memory.pg_compat`,
 * and a query fragment may run on any worker, so the gateway and every
 * worker's sandboxed DuckDB install the same definitions (installCompatFunctions).
 *
 * Functions that read the session (current_user, set_config) or the catalog
 * (obj_description, pg_relation_size, ::regclass) are the gateway's alone, in
 * gateway/catalog/pg-compat.ts.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { PG_TYPE_ROWS, type PgTypeRow } from './pg-type-table.ts';

export const COMPAT_DATABASE = 'memory';
export const COMPAT_SCHEMA = 'pg_compat';

/** A function's overloads: each a parameter list and a SQL expression over them. */
export type MacroOverloads = ReadonlyArray<readonly [parameters: string, body: string]>;

/** pg_get_keywords() of PostgreSQL 15: word, catcode, barelabel, catdesc, baredesc. */
export type Keyword = readonly [word: string, catcode: 'U' | 'C' | 'T' | 'R', barelabel: boolean, catdesc: string, baredesc: string];

export const PG_KEYWORDS: readonly Keyword[] = JSON.parse(readFileSync(new URL('./fixtures/pg15-keywords.json', import.meta.url), 'utf8')) as Keyword[];

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Lookups inside macros are MAP constants, not subqueries: a macro's arguments are substituted
 * into its body, so a caller's `oid` or `t.oid` would be captured by a subquery's own columns.
 */
export function sqlMap(entries: ReadonlyArray<readonly [number | string, number | string]>): string {
  const value = (v: number | string) => (typeof v === 'number' ? String(v) : sqlString(v));
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

/**
 * quote_ident: PostgreSQL leaves a name bare only when it is lower case, starts with a letter or
 * underscore, has only letters, digits, _ and $, and is not a keyword other than an unreserved one.
 */
function quoteIdentBody(): string {
  const keywords = PG_KEYWORDS.filter(([, catcode]) => catcode !== 'U').map(([word]) => sqlString(word));
  const text = 'CAST(ident AS VARCHAR)';
  return `CASE WHEN ident IS NULL THEN NULL
    WHEN regexp_full_match(${text}, '[a-z_][a-z0-9_$]*') AND NOT list_contains([${keywords.join(', ')}], ${text}) THEN ${text}
    ELSE '"' || replace(${text}, '"', '""') || '"' END`;
}

/** quote_literal: a backslash makes PostgreSQL write an E'' string with the backslashes doubled. */
const QUOTE_LITERAL = `CASE WHEN value IS NULL THEN NULL
  WHEN contains(CAST(value AS VARCHAR), '\\') THEN 'E''' || replace(replace(CAST(value AS VARCHAR), '\\', '\\\\'), '''', '''''') || ''''
  ELSE '''' || replace(CAST(value AS VARCHAR), '''', '''''') || '''' END`;

/** string_to_array: a NULL delimiter splits into characters, an empty one keeps the string whole, '' gives {}. */
const STRING_TO_ARRAY = `CASE WHEN str IS NULL THEN NULL
  WHEN str = '' THEN CAST([] AS VARCHAR[])
  WHEN delimiter IS NULL THEN string_split(str, '')
  WHEN delimiter = '' THEN [CAST(str AS VARCHAR)]
  ELSE string_split(str, delimiter) END`;

/** parse_ident: dot-separated names, quoted ones kept as written (with "" unescaped), bare ones lower-cased. */
const PARSE_IDENT = `list_transform(regexp_extract_all(CAST(qualified AS VARCHAR), '"(?:[^"]|"")*"|[^."\\s]+'),
  lambda part: CASE WHEN starts_with(part, '"') THEN replace(part[2:-2], '""', '"') ELSE lower(part) END)`;

/**
 * pg_size_pretty as PostgreSQL 15 prints it: bytes below 10 kB, then the largest unit in which
 * the value stays below 20480 halves, rounded half away from zero.
 */
const SIZE_PRETTY = (() => {
  const bytes = 'CAST(size AS BIGINT)';
  const units = ['kB', 'MB', 'GB', 'TB'];
  const steps = units.map((unit, i) => `WHEN (${bytes} >> ${9 + 10 * i}) < 20479 THEN CAST(((${bytes} >> ${9 + 10 * i}) + 1) // 2 AS VARCHAR) || ' ${unit}'`);
  return `CASE WHEN size IS NULL THEN NULL WHEN ${bytes} < 10240 THEN CAST(${bytes} AS VARCHAR) || ' bytes'
    ${steps.join(' ')}
    ELSE CAST(((${bytes} >> 49) + 1) // 2 AS VARCHAR) || ' PB' END`;
})();

const ALWAYS = 'true';

/**
 * has_*_privilege: pondgate serves read-only data to every user alike, so the read privileges
 * (SELECT, USAGE, CONNECT, EXECUTE, TEMPORARY) are granted and the others (INSERT, UPDATE,
 * DELETE, TRUNCATE, …) are not. PostgreSQL accepts a comma-separated list: any one suffices.
 */
const READ_PRIVILEGE = (privilege: string) => `regexp_matches(upper(CAST(${privilege} AS VARCHAR)), '\\b(SELECT|USAGE|CONNECT|EXECUTE|TEMP|TEMPORARY|MEMBER)\\b')`;
const hasPrivilege = (...arities: ReadonlyArray<readonly string[]>): MacroOverloads =>
  arities.map((parameters) => [parameters.join(', '), READ_PRIVILEGE(parameters[parameters.length - 1])] as const);
const NO_TEXT = 'CAST(NULL AS VARCHAR)';

/**
 * Macros installed on the gateway and on every worker. Names are PostgreSQL's; calls reach them
 * through the catalog rewrite (unqualified or pg_catalog.-qualified names).
 */
export const PG_COMPAT_FUNCTIONS: Readonly<Record<string, MacroOverloads>> = {
  format_type: [['type_oid, typmod', formatTypeBody()]],
  pg_encoding_to_char: [['encoding', "CASE encoding WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END"]],
  pg_char_to_encoding: [['name', "CASE upper(name) WHEN 'UTF8' THEN 6 WHEN 'SQL_ASCII' THEN 0 ELSE -1 END"]],
  quote_ident: [['ident', quoteIdentBody()]],
  quote_literal: [['value', QUOTE_LITERAL]],
  quote_nullable: [['value', `CASE WHEN value IS NULL THEN 'NULL' ELSE ${QUOTE_LITERAL} END`]],
  parse_ident: [['qualified', PARSE_IDENT], ['qualified, strict', PARSE_IDENT]],
  string_to_array: [
    ['str, delimiter', STRING_TO_ARRAY],
    ['str, delimiter, null_string', `list_transform(${STRING_TO_ARRAY}, lambda element: CASE WHEN element = null_string THEN NULL ELSE element END)`],
  ],
  // PostgreSQL arrays here are one-dimensional and 1-based; int2vector and oidvector are lists too.
  array_upper: [['arr, dimension', 'CASE WHEN dimension = 1 AND len(arr) > 0 THEN CAST(len(arr) AS INTEGER) END']],
  array_lower: [['arr, dimension', 'CASE WHEN dimension = 1 AND len(arr) > 0 THEN 1 END']],
  array_length: [['arr, dimension', 'CASE WHEN dimension = 1 AND len(arr) > 0 THEN CAST(len(arr) AS INTEGER) END']],
  array_ndims: [['arr', 'CASE WHEN len(arr) > 0 THEN 1 END']],
  has_schema_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_table_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_database_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_column_privilege: hasPrivilege(['a', 'b', 'c'], ['a', 'b', 'c', 'd']),
  has_any_column_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_function_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_type_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_sequence_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_language_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_foreign_data_wrapper_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_server_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_tablespace_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  has_parameter_privilege: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  pg_has_role: hasPrivilege(['a', 'b'], ['a', 'b', 'c']),
  pg_is_in_recovery: [['', 'false']],
  // Nothing is updatable or insertable: pondgate is read-only.
  pg_column_is_updatable: [['relation, column_number, include_triggers', 'false']],
  pg_relation_is_updatable: [['relation, include_triggers', 'CAST(0 AS INTEGER)']],
  // There are no defaults, indexes, constraints, triggers, rules, statistics objects or partitions to describe.
  pg_get_expr: [['expr, relation', NO_TEXT], ['expr, relation, pretty', NO_TEXT]],
  pg_get_indexdef: [['index_oid', NO_TEXT], ['index_oid, column_number, pretty', NO_TEXT]],
  pg_get_constraintdef: [['constraint_oid', NO_TEXT], ['constraint_oid, pretty', NO_TEXT]],
  pg_get_triggerdef: [['trigger_oid', NO_TEXT], ['trigger_oid, pretty', NO_TEXT]],
  pg_get_ruledef: [['rule_oid', NO_TEXT], ['rule_oid, pretty', NO_TEXT]],
  pg_get_partkeydef: [['table_oid', NO_TEXT]],
  pg_get_statisticsobjdef_columns: [['statistics_oid', NO_TEXT]],
  pg_get_serial_sequence: [['table_name, column_name', NO_TEXT]],
  pg_relation_is_publishable: [['relation_oid', 'false']],
  pg_size_pretty: [['size', SIZE_PRETTY]],
  txid_current: [['', 'CAST(1 AS BIGINT)']],
  pg_current_xact_id: [['', 'CAST(1 AS BIGINT)']],
  pg_stat_get_numscans: [['relation_oid', 'CAST(0 AS BIGINT)']],
};

/**
 * Creates schema memory.pg_compat with the functions above. Run on every DuckDB instance
 * that may evaluate a rewritten query: the gateway's and each worker's, before any query.
 */
export async function installCompatFunctions(connection: DuckDBConnection): Promise<void> {
  const schema = `${COMPAT_DATABASE}.${COMPAT_SCHEMA}`;
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  for (const [name, overloads] of Object.entries(PG_COMPAT_FUNCTIONS)) {
    const bodies = overloads.map(([parameters, body]) => `(${parameters}) AS ${body}`).join(', ');
    await connection.run(`CREATE OR REPLACE MACRO ${schema}.${name} ${bodies}`);
  }
}
