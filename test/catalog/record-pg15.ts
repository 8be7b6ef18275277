/**
 * Records, once, what PostgreSQL 15 says, into files the gateway and the
 * tests read (they never connect to PostgreSQL themselves):
 *
 *   gateway/catalog/fixtures/pg15-catalog.json — the columns (names and types,
 *     in order) of every pg_catalog and information_schema relation pondgate
 *     emulates, the rows of the system relations whose content is PostgreSQL's
 *     own (pg_am, pg_opclass, pg_proc and pg_aggregate for the functions
 *     pondgate answers, pg_settings, …);
 *   src/pg/fixtures/pg15-keywords.json — pg_get_keywords(), which quote_ident needs;
 *   test/catalog/replay/*.pg15.json — each replay file's statements run
 *     against tables of the same shape as the test data (replay/setup.sql),
 *     with their RowDescription and rows as text;
 *   test/catalog/replay/clients.pg15.json — what pgjdbc, SQLAlchemy, psqlODBC
 *     and psql report about those tables (client-probes.ts).
 *
 * It starts a private server (private-postgres.ts) and removes it afterwards:
 *   npx tsx test/catalog/record-pg15.ts [--catalog-only | --replays-only]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { COMPAT_MACROS, COMPAT_TABLE_FUNCTIONS } from '../../gateway/catalog/pg-compat.ts';
import { PG_TYPE_ROWS } from '../../src/pg/pg-type-table.ts';
import { PG_COMPAT_FUNCTIONS } from '../../src/pg/compat-functions.ts';
import { CLIENT_RECORDINGS, probeAll } from './client-probes.ts';
import { startPrivatePostgres } from './private-postgres.ts';
import { REPLAY_USER, loadReplayFiles, replayRecordingPath, runReplayStatement, type Recording } from './replay.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const CATALOG_FIXTURE = path.join(root, 'gateway/catalog/fixtures/pg15-catalog.json');
const KEYWORDS_FIXTURE = path.join(root, 'src/pg/fixtures/pg15-keywords.json');

/** Relations whose columns pondgate reproduces (it may fill only some of them with values). */
export const EMULATED_RELATIONS = {
  pg_catalog: [
    'pg_aggregate', 'pg_am', 'pg_attrdef', 'pg_attribute', 'pg_auth_members', 'pg_authid', 'pg_available_extensions', 'pg_cast',
    'pg_class', 'pg_collation', 'pg_constraint', 'pg_conversion', 'pg_database', 'pg_default_acl', 'pg_depend', 'pg_description',
    'pg_enum', 'pg_event_trigger', 'pg_extension', 'pg_foreign_data_wrapper', 'pg_foreign_server', 'pg_foreign_table', 'pg_index',
    'pg_indexes', 'pg_inherits', 'pg_language', 'pg_locks', 'pg_matviews', 'pg_namespace', 'pg_opclass', 'pg_operator', 'pg_opfamily',
    'pg_partitioned_table', 'pg_policy', 'pg_prepared_statements', 'pg_proc', 'pg_publication', 'pg_publication_namespace',
    'pg_publication_rel', 'pg_range', 'pg_rewrite', 'pg_roles', 'pg_sequence', 'pg_sequences', 'pg_settings', 'pg_shadow',
    'pg_shdescription', 'pg_stat_activity', 'pg_stat_all_tables', 'pg_stat_database', 'pg_stat_user_tables', 'pg_statio_all_tables',
    'pg_statio_user_tables', 'pg_statistic_ext', 'pg_subscription', 'pg_tables', 'pg_tablespace', 'pg_trigger', 'pg_ts_config',
    'pg_type', 'pg_user', 'pg_user_mapping', 'pg_views',
  ],
  information_schema: [
    'check_constraints', 'column_privileges', 'columns', 'constraint_column_usage', 'domains', 'element_types', 'enabled_roles',
    'key_column_usage', 'parameters', 'referential_constraints', 'routines', 'schemata', 'sequences', 'table_constraints',
    'table_privileges', 'tables', 'triggers', 'views',
  ],
} as const;

/** System relations whose rows are PostgreSQL's own and the same for every database. */
const SYSTEM_ROWS = ['pg_am', 'pg_opclass', 'pg_language', 'pg_extension', 'pg_settings', 'pg_collation'] as const;

async function recordCatalog(client: pg.Client, serverDir: string): Promise<void> {
  const raw = { getTypeParser: () => (v: unknown) => v };
  const text = async (sql: string, values: unknown[] = []) =>
    (await client.query({ text: sql, values, types: raw as never, rowMode: 'array' })) as unknown as { rows: Array<Array<string | null>>; fields: Array<{ name: string }> };

  const columns: Record<string, Array<[string, string]>> = {};
  const relations: Record<string, { oid: number; relkind: string }> = {};
  for (const [schema, names] of Object.entries(EMULATED_RELATIONS)) {
    for (const name of names) {
      const [[oid, relkind]] = (await text("SELECT oid, relkind FROM pg_class WHERE oid = format('%I.%I', $1::text, $2::text)::regclass", [schema, name])).rows;
      relations[`${schema}.${name}`] = { oid: Number(oid), relkind: relkind as string };
      // Domains (information_schema's sql_identifier, cardinal_number, …) are described by their base type.
      const result = await text(
        `SELECT a.attname, format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, NULL)
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [schema, name],
      );
      if (result.rows.length === 0) throw new Error(`${schema}.${name} has no columns in PostgreSQL 15`);
      columns[`${schema}.${name}`] = result.rows.map(([n, t]) => [n as string, t as string]);
    }
  }

  // reg* columns (regproc, regtype, …) print as names; they are recorded as the OIDs they hold.
  const selectList = (relation: string, alias: string) =>
    columns[relation].map(([name, type]) => (type.startsWith('reg') ? `${alias}.${name}::oid AS ${name}` : `${alias}.${name}`)).join(', ');
  const rows: Record<string, Array<Array<string | null>>> = {};
  for (const name of SYSTEM_ROWS) rows[`pg_catalog.${name}`] = (await text(`SELECT ${selectList(`pg_catalog.${name}`, 'r')} FROM pg_catalog.${name} r ORDER BY 1`)).rows;
  // The private server's own files (data_directory, config_file, where a setting came from) are
  // no part of PostgreSQL's answer for pondgate, which has no such files.
  const settingColumns = columns['pg_catalog.pg_settings'].map(([n]) => n);
  rows['pg_catalog.pg_settings'] = rows['pg_catalog.pg_settings'].map((row) => {
    const local = row.some((value) => value?.includes(serverDir));
    return row.map((value, i) => {
      if (local && (settingColumns[i] === 'sourcefile' || settingColumns[i] === 'sourceline')) return null;
      return value?.includes(serverDir) ? '' : value;
    });
  });

  // pg_proc: the I/O functions of the types pondgate announces, and the functions it answers
  // (DuckDB's built-ins and pondgate's macros) that PostgreSQL 15 has in pg_catalog.
  const functionNames = new Set<string>();
  for (const t of PG_TYPE_ROWS) {
    for (const f of [t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout, t.typsubscript]) if (f !== '-') functionNames.add(f);
  }
  functionNames.add('array_typanalyze');
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  for (const [name] of (await connection.runAndReadAll("SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'macro')")).getRows()) {
    functionNames.add(String(name));
  }
  connection.closeSync();
  for (const name of [...Object.keys(COMPAT_MACROS), ...Object.keys(PG_COMPAT_FUNCTIONS), ...COMPAT_TABLE_FUNCTIONS]) if (!name.startsWith('pondgate_')) functionNames.add(name);
  const names = [...functionNames].sort();
  rows['pg_catalog.pg_proc'] = (await text(`SELECT ${selectList('pg_catalog.pg_proc', 'p')} FROM pg_catalog.pg_proc p WHERE pronamespace = 11 AND proname = ANY($1) ORDER BY oid`, [names])).rows;
  rows['pg_catalog.pg_aggregate'] = (
    await text(`SELECT ${selectList('pg_catalog.pg_aggregate', 'a')} FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid WHERE p.pronamespace = 11 AND p.proname = ANY($1) ORDER BY 1`, [names])
  ).rows;

  // Schemas, their descriptions, and information_schema's domains (and their array types), which clients list too.
  rows['pg_catalog.pg_namespace'] = (await text(`SELECT ${selectList('pg_catalog.pg_namespace', 'n')} FROM pg_catalog.pg_namespace n WHERE nspname IN ('pg_catalog', 'public', 'information_schema', 'pg_toast') ORDER BY oid`)).rows;
  rows['pg_catalog.pg_description'] = (
    await text(
      `SELECT d.* FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_namespace'::regclass
       OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT oid FROM pg_catalog.pg_proc WHERE pronamespace = 11 AND proname = ANY($1)))
       ORDER BY 1`,
      [names],
    )
  ).rows;
  rows['pg_catalog.pg_type'] = (await text(`SELECT ${selectList('pg_catalog.pg_type', 't')} FROM pg_catalog.pg_type t
    WHERE t.typnamespace = 'information_schema'::regnamespace
      AND (t.typtype = 'd' OR t.typelem IN (SELECT oid FROM pg_catalog.pg_type WHERE typtype = 'd'))
    ORDER BY oid`)).rows;
  // Every function's name by OID, so that any regproc value prints as PostgreSQL prints it.
  const procNames = (await text('SELECT oid, proname FROM pg_catalog.pg_proc ORDER BY oid')).rows.map(([oid, name]) => [Number(oid), name]);

  const namespaces = Object.fromEntries((await text('SELECT nspname, oid FROM pg_namespace ORDER BY oid')).rows.map(([n, o]) => [n, Number(o)]));
  const keywords = (await text('SELECT word, catcode, barelabel, catdesc, baredesc FROM pg_get_keywords() ORDER BY word')).rows.map(
    ([word, catcode, barelabel, catdesc, baredesc]) => [word, catcode, barelabel === 't', catdesc, baredesc],
  );
  const version = (await text('SHOW server_version')).rows[0][0];
  const fixture = {
    note: `Recorded from PostgreSQL ${version} by test/catalog/record-pg15.ts. Column types are format_type() of the column (of the base type for domains); rows are text output.`,
    namespaces,
    relations,
    columns,
    rows,
    procNames,
  };
  await writeFile(CATALOG_FIXTURE, JSON.stringify(fixture, null, 0).replace(/\],"/g, '],\n"').replace(/\],\[/g, '],\n[') + '\n');
  await writeFile(KEYWORDS_FIXTURE, `[${keywords.map((k) => JSON.stringify(k)).join(',\n')}]\n`);
  console.log(`wrote ${path.relative(root, CATALOG_FIXTURE)}: ${Object.keys(columns).length} relations, ${rows['pg_catalog.pg_proc'].length} functions`);
}

async function recordReplays(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${REPLAY_USER} LOGIN SUPERUSER`);
  await admin.query(`CREATE DATABASE pondgate OWNER ${REPLAY_USER}`);
  await admin.end();
  const databaseUrl = url.replace(/\/postgres$/, '/pondgate').replace('postgres@', `${REPLAY_USER}@`);
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query(await readFile(path.join(here, 'replay', 'setup.sql'), 'utf8'));
  await setup.end();
  for (const file of await loadReplayFiles()) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const recordings: Record<string, Recording> = {};
    for (const statement of file.statements) {
      recordings[statement.name] = await runReplayStatement(client, statement, statement.protocol === 'simple' ? 'simple' : 'extended');
      if (recordings[statement.name].error) console.warn(`${file.tool} ${statement.name}: PostgreSQL 15 says ${recordings[statement.name].error}`);
    }
    await client.end();
    await writeFile(replayRecordingPath(file.tool), JSON.stringify({ note: 'Recorded from PostgreSQL 15 by test/catalog/record-pg15.ts', recordings }, null, 1) + '\n');
    console.log(`recorded ${file.statements.length} statements of ${file.tool}`);
  }
  const port = Number(new URL(url).port);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pondgate-probes-'));
  try {
    const results = await probeAll({ port, user: REPLAY_USER, scratch });
    await writeFile(CLIENT_RECORDINGS, JSON.stringify({ note: 'Recorded from PostgreSQL 15 by test/catalog/record-pg15.ts', results }, null, 1) + '\n');
    console.log(`recorded ${Object.keys(results).length} client checks`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const server = await startPrivatePostgres();
try {
  if (!process.argv.includes('--replays-only')) {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await recordCatalog(client, server.dir);
    await client.end();
  }
  if (!process.argv.includes('--catalog-only')) await recordReplays(server.url);
} finally {
  server.stop();
}
