/**
 * The catalog rewrite over the gateway's real DuckDB: clients' catalog
 * queries bind and answer PostgreSQL's values, session functions answer this
 * session's values, and routing keeps catalog relations local while user
 * tables that share a catalog name are still reachable (schema-qualified).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { SqlError } from '../../src/errors.ts';
import type { TableEntry } from '../../src/storage/manifest.ts';
import { commitTables, fixtureTable } from '../../test/support/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { DuckDBPlannerContext } from '../plan/context.ts';
import { DEFAULT_PLANNER_SETTINGS, planQuery } from '../plan/planner.ts';
import { SqlCodec } from '../sql/codec.ts';
import { Catalog } from './catalog.ts';
import { installPgCompat } from './pg-compat.ts';
import { effectiveSchemas, rewriteCatalogQuery, sessionViewSql, type CatalogSession } from './pg-rewrite.ts';

function table(name: string): TableEntry {
  return fixtureTable({
    name,
    columns: [{ name: 'k', type: 'BIGINT' }, { name: 'typname', type: 'VARCHAR' }],
    files: [0, 1].map((i) => [`${name}/part-${i}.parquet`]),
  });
}

const session: CatalogSession = {
  user: 'alice',
  database: 'pondgate',
  processId: 42,
  searchPath: '"$user", public',
  serverVersion: '15.0',
  setting: (name) => ({ timezone: 'UTC', application_name: 'app' })[name.toLowerCase()],
  sessionJson: () => JSON.stringify({ user: 'alice', database: 'pondgate', settings: { timezone: 'UTC' }, activity: [] }),
};

describe('catalog rewrite', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let catalog: Catalog;
  let codec: SqlCodec;

  before(async () => {
    temp = await makeTempDir('pg-rewrite');
    // User tables named like catalog relations: one in pg_catalog (pg_type), one in information_schema (tables).
    await commitTables(temp.dir, table('lineitem'), table('pg_type'), table('tables'));
    instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
    await installPgCompat(instance);
    catalog = await Catalog.open(instance, temp.dir, pino({ level: 'silent' }));
    connection = await instance.connect();
    await connection.run('USE memory.public');
    codec = new SqlCodec(connection);
  });

  after(async () => {
    connection.closeSync();
    instance.closeSync();
    await temp.remove();
  });

  async function rewrite(sql: string) {
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, `parse failed: ${sql}`);
    const result = rewriteCatalogQuery(parsed.statement, session, sql);
    for (const relation of result.sessionRelations) await connection.run(sessionViewSql(relation, session));
    return { ...result, sql: await codec.render(result.statement) };
  }

  async function run(sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
    const rewritten = await rewrite(sql);
    const reader = await connection.runAndReadAll(rewritten.sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJS() };
  }

  async function planKind(sql: string): Promise<string> {
    const rewritten = await rewrite(sql);
    const context = new DuckDBPlannerContext(await catalog.current(), catalog.aggregateNames, connection, codec, DEFAULT_PLANNER_SETTINGS, 4, catalog.duckdbVersion);
    return (await planQuery(rewritten.statement, rewritten.sql, context)).kind;
  }

  it("answers pgjdbc's TypeInfoCache lookup by OID (typinput = 'pg_catalog.array_in'::regproc)", async () => {
    // pgjdbc 42.x TypeInfoCache.getPGType(int oid), with the OID bound.
    const sql = `SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid
      FROM pg_catalog.pg_type
      LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r
              from pg_namespace as ns
              join ( select s.r, (current_schemas(false))[s.r] as nspname
                       from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r
             using ( nspname )
           ) as sp
        ON sp.nspoid = typnamespace
     WHERE pg_type.oid = 1007
     ORDER BY sp.r, pg_type.oid DESC`;
    assert.deepEqual((await run(sql)).rows, [[true, 'b', '_int4', 1007]]);
    assert.deepEqual((await run(sql.replace('= 1007', '= 1043'))).rows, [[false, 'b', 'varchar', 1043]]);
  });

  it("answers postgres.js's array-type query with every array element type", async () => {
    // postgres.js src/connection.js fetchArrayTypes().
    const { rows } = await run(`select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem
      where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid`);
    assert.deepEqual(rows.slice(0, 3), [[16, 1000], [17, 1001], [18, 1002]]);
    assert.ok(rows.some(([oid, array]) => oid === 23 && array === 1007));
  });

  it("answers psql's \\dt with the catalog tables in schema public", async () => {
    // psql 15, describe.c listTables() for \dt.
    const { rows } = await run(`SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;`);
    assert.deepEqual(rows, ['lineitem', 'pg_type', 'tables'].map((name) => ['public', name, 'table', 'alice']));
  });

  it("answers psql's \\l and \\dT, whose functions take the outer query's columns", async () => {
    // psql 15, describe.c listAllDbs() for \\l.
    const databases = await run(`SELECT d.datname as "Name",
       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
       d.datcollate as "Collate",
       d.datctype as "Ctype",
       d.daticulocale as "ICU Locale",
       CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
       pg_catalog.array_to_string(d.datacl, E'\\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;`);
    assert.deepEqual(databases.rows, [['pondgate', 'alice', 'UTF8', 'C', 'C', null, 'libc', null]]);
    // psql 15, describe.c describeTypes() for \\dT: no user types, so no rows, but it must bind and run.
    const types = await run(`SELECT n.nspname as "Schema",
  pg_catalog.format_type(t.oid, NULL) AS "Name",
  pg_catalog.obj_description(t.oid, 'pg_type') as "Description"
FROM pg_catalog.pg_type t
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))
  AND NOT EXISTS(SELECT 1 FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)
      AND n.nspname <> 'pg_catalog'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_type_is_visible(t.oid)
ORDER BY 1, 2;`);
    assert.deepEqual(types.rows, []);
    const formatted = await run('SELECT format_type(oid, NULL) AS name FROM pg_type WHERE oid IN (23, 1007, 1043) ORDER BY oid');
    assert.deepEqual(formatted.rows, [['integer'], ['integer[]'], ['character varying']]);
  });

  it('points pg_catalog relations at the compatibility tables, qualified or not, and leaves CTEs alone', async () => {
    assert.match((await rewrite('SELECT * FROM pg_type')).sql, /memory\.pg_compat\.pg_type/);
    assert.match((await rewrite('SELECT * FROM pg_catalog.pg_namespace')).sql, /memory\.pg_compat\.pg_namespace/);
    assert.match((await rewrite('SELECT * FROM pg_proc')).sql, /FROM memory\.pg_compat\.pg_proc/);
    assert.match((await rewrite('SELECT * FROM pg_depend')).sql, /FROM memory\.pg_compat\.pg_depend/);
    const cte = await rewrite('WITH pg_type AS (SELECT 1 AS oid) SELECT oid FROM pg_type');
    assert.doesNotMatch(cte.sql, /pg_compat/);
    assert.deepEqual((await run('WITH pg_type AS (SELECT 1 AS oid) SELECT oid FROM pg_type')).rows, [[1]]);
    assert.equal((await rewrite('SELECT count(*) FROM lineitem')).changed, false);
    assert.deepEqual((await run('SELECT pg_catalog.pg_type.typname FROM pg_catalog.pg_type WHERE pg_type.oid = 25')).rows, [['text']]);
    // information_schema shows the served database's tables (and PostgreSQL's own relations, as PostgreSQL does), under its name.
    assert.deepEqual((await run("SELECT table_catalog, table_name, is_insertable_into FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows,
      [['pondgate', 'lineitem', 'NO'], ['pondgate', 'pg_type', 'NO'], ['pondgate', 'tables', 'NO']]);
    assert.deepEqual((await run("SELECT catalog_name, schema_name FROM information_schema.schemata ORDER BY 2")).rows,
      [['pondgate', 'information_schema'], ['pondgate', 'pg_catalog'], ['pondgate', 'pg_toast'], ['pondgate', 'public']]);
    assert.deepEqual((await run("SELECT c.column_name FROM information_schema.columns c WHERE c.table_name = 'lineitem' ORDER BY ordinal_position")).rows, [['k'], ['typname']]);
    // pgjdbc PgDatabaseMetaData.getCatalogs().
    assert.deepEqual((await run('SELECT datname AS TABLE_CAT FROM pg_catalog.pg_database WHERE datallowconn = true ORDER BY datname')).rows, [['pondgate']]);
  });

  it("names a one-column set-returning function's column after its alias, as PostgreSQL does (psql's \\d prattrs[s])", async () => {
    assert.deepEqual((await run("SELECT string_agg(CAST(s AS VARCHAR), ',') AS v FROM generate_series(1, 3) s")).rows, [['1,2,3']]);
    assert.deepEqual((await run('SELECT [10, 20, 30][s] AS v FROM generate_series(2, 2) AS s')).rows, [[20]]);
    assert.deepEqual((await run('SELECT u FROM unnest([7]) u')).rows, [[7]]);
    // An explicit column alias wins.
    assert.deepEqual((await run('SELECT x FROM generate_series(4, 4) s(x)')).rows, [[4n]]);
  });

  it("binds psql's \\d lookups of indexes, policies, statistics, publications and inheritance on empty relations", async () => {
    const oid = "(SELECT oid FROM pg_catalog.pg_class WHERE relname = 'lineitem')";
    for (const sql of [
      `SELECT c2.relname, i.indisprimary, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), pg_catalog.pg_get_constraintdef(con.oid, true), contype
        FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
        LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
        WHERE c.oid = ${oid} AND c.oid = i.indrelid AND i.indexrelid = c2.oid`,
      `SELECT pol.polname, pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',')
        FROM pg_catalog.pg_policy pol WHERE pol.polrelid = ${oid}`,
      `SELECT oid, stxname, 'd' = any(stxkind) AS ndist_enabled FROM pg_catalog.pg_statistic_ext WHERE stxrelid = ${oid}`,
      `SELECT pubname FROM pg_catalog.pg_publication p JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid WHERE pr.prrelid = ${oid}`,
      `SELECT c.relname FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i WHERE c.oid = i.inhparent AND i.inhrelid = ${oid}`,
    ]) {
      assert.deepEqual((await run(sql)).rows, [], sql);
    }
    assert.deepEqual((await run(`SELECT c.relkind, c.relam, c.relreplident, c.relforcerowsecurity, am.amname FROM pg_catalog.pg_class c
      LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid) WHERE c.oid = ${oid}`)).rows, [['r', 2, 'd', false, 'heap']]);
  });

  it('keeps catalog queries local and user tables distributed, even when names collide', async () => {
    assert.equal(await planKind('SELECT * FROM pg_catalog.pg_type'), 'local');
    assert.equal(await planKind('SELECT typname FROM pg_type WHERE oid = 23'), 'local'); // PostgreSQL searches pg_catalog first
    assert.equal(await planKind('SELECT typname FROM public.pg_type'), 'distributed'); // the user's table
    assert.equal(await planKind('SELECT * FROM information_schema.tables'), 'local');
    assert.equal(await planKind('SELECT typname FROM tables'), 'distributed'); // information_schema is not searched implicitly
    assert.equal(await planKind('SELECT t.typname, count(*) FROM pg_type t JOIN lineitem l ON l.k = t.oid GROUP BY 1'), 'distributed');
  });

  it('answers session functions with this session and names columns as PostgreSQL does', async () => {
    const { columns, rows } = await run(
      'SELECT current_user, session_user, current_database(), current_schema(), current_schemas(true), pg_backend_pid(), pg_catalog.version() AS v',
    );
    assert.deepEqual(columns, ['current_user', 'session_user', 'current_database', 'current_schema', 'current_schemas', 'pg_backend_pid', 'v']);
    assert.deepEqual(rows[0].slice(0, 6), ['alice', 'alice', 'pondgate', 'public', ['pg_catalog', 'public'], 42]);
    assert.match(String(rows[0][6]), /^PostgreSQL 15\.0 \(pondgate [\d.]+\)/);
    assert.deepEqual(effectiveSchemas({ searchPath: 'pg_catalog, "$user", nosuch, public', user: 'public' }, true), ['pg_catalog', 'public']);
  });

  it('answers the functions clients call on connect', async () => {
    const { rows } = await run(`SELECT pg_catalog.pg_encoding_to_char(6), format_type(1700, 655366), format_type(1043, 14),
      format_type(1114, 3), format_type(1007, -1), format_type(1042, -1), format_type(99999, -1), pg_get_userbyid(10),
      has_schema_privilege('public', 'USAGE'), has_table_privilege('alice', 'lineitem', 'SELECT'), obj_description(1, 'pg_class'),
      col_description(1, 1), pg_catalog.pg_is_in_recovery(), 'int4'::regtype, 'pg_catalog.text'::regtype, 'public'::regnamespace,
      'pg_catalog.array_in'::regproc, 'x'::name`);
    assert.deepEqual(rows[0], ['UTF8', 'numeric(10,2)', 'character varying(10)', 'timestamp(3) without time zone', 'integer[]', 'bpchar', '???',
      'alice', true, true, null, null, false, 'integer', 'text', 'public', 'array_in', 'x']);
    // reg* values are OIDs inside the query (they join and compare as OIDs) and names in the result.
    const compared = await run(`SELECT 'int4'::regtype = 23, typinput = 'array_in'::regproc, typinput::oid > 0, typinput FROM pg_type WHERE oid = 1007`);
    assert.deepEqual(compared.rows, [[true, true, true, 'array_in']]);
  });

  it('turns constant set_config calls into session settings and answers current_setting from the session', async () => {
    const result = await rewrite("SELECT set_config('search_path', 'public', false), current_setting('application_name'), current_setting('server_version_num')");
    assert.deepEqual(result.settings, [{ name: 'search_path', value: 'public', local: false }]);
    assert.deepEqual((await connection.runAndReadAll(result.sql)).getRowsJS(), [['public', 'app', '150000']]);
    await assert.rejects(rewrite("SELECT current_setting('no_such_thing')"), (e: unknown) => e instanceof SqlError && e.sqlstate === '42704');
    assert.deepEqual((await run("SELECT current_setting('no_such_thing', true)")).rows, [[null]]);
  });
  // Where PostgreSQL and DuckDB read the same SQL differently, a catalog query gets PostgreSQL's answer.
  const POSTGRES_SEMANTICS: ReadonlyArray<readonly [sql: string, columns: string[], rows: unknown[][]]> = [
    // LIKE escapes with backslash by default (psql's tab completion sends 'pg\_cat%').
    ["SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pg\\_cat%'", ['nspname'], [['pg_catalog']]],
    // ~ searches; !~ excludes (Metabase's nspname !~ '^pg_').
    ["SELECT nspname FROM pg_namespace WHERE nspname ~ 'catalog' ORDER BY 1", ['nspname'], [['pg_catalog']]],
    ["SELECT count(*) FROM pg_namespace WHERE nspname !~ '^pg_'", ['count'], [[2n]]],
    // = ANY(array) in an outer join's condition (SQLAlchemy's index query).
    ['SELECT count(*) FROM pg_class t LEFT JOIN pg_attribute a ON t.oid = a.attrelid AND a.attnum = ANY(ARRAY[1, 2]) WHERE t.relname = \'lineitem\'', ['count'], [[2n]]],
    // PostgreSQL's column names: a CASE by its ELSE, a cast of NULL by its type, unquoted aliases in lower case.
    ["SELECT CASE WHEN true THEN 'a' ELSE format_type(23, NULL) END, NULL::text, 1 AS DEFAULT, 2 AS \"Kept\" FROM pg_namespace WHERE nspname = 'public'", ['format_type', 'text', 'default', 'Kept'], [['a', null, 1, 2]]],
    // format() with a constant format string, and PostgreSQL array literals.
    ["SELECT format('%I.%I', 'public', 'My Table') AS q, 'x' = ANY('{x,y}'::text[]) AS member", ['q', 'member'], [['public."My Table"', true]]],
    // generate_series in a select list gives rows; reg* values and vectors print as PostgreSQL prints them.
    ["SELECT generate_series(1, 3) AS i FROM pg_namespace WHERE nspname = 'public'", ['i'], [[1n], [2n], [3n]]],
    ["SELECT typreceive, 'pg_class'::regclass::text AS c, proargtypes FROM pg_type, pg_proc WHERE pg_type.oid = 23 AND proname = 'quote_ident'", ['typreceive', 'c', 'proargtypes'], [['int4recv', 'pg_class', '25']]],
  ];

  it('answers catalog queries with PostgreSQL\'s semantics where DuckDB reads the SQL differently', async () => {
    for (const [sql, columns, rows] of POSTGRES_SEMANTICS) {
      const result = await run(sql);
      assert.deepEqual(result.columns, columns, sql);
      assert.deepEqual(result.rows, rows, sql);
    }
  });
});
