-- psql 15's tab completion: the queries psql sends (simple protocol) when Tab is
-- pressed after what each @source shows. Source: src/bin/psql/tab-complete.c of
-- PostgreSQL 15; the statements were taken from a PostgreSQL 15 server's log
-- (log_statement = all) while psql 15 completed these inputs.

-- @name: tables-fl
-- @source: SELECT * FROM fl<TAB>
-- @protocol: simple
SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE 'fl%' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'fl%' AND n.nspname NOT LIKE E'pg\\_%'
  LIMIT 1000

-- @name: tables-in-public
-- @source: SELECT * FROM public.<TAB>
-- @protocol: simple
SELECT c.relname, n.nspname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE '%' AND n.nspname = 'public'
  LIMIT 1000

-- @name: tables-pg-cat
-- @source: SELECT * FROM pg_cat<TAB>
-- @protocol: simple
SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE 'pg\_cat%' AND pg_catalog.pg_table_is_visible(c.oid)
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'pg\_cat%'
  LIMIT 1000

-- @name: tables-in-pg-catalog
-- @compare: none
-- @source: SELECT * FROM pg_catalog.<TAB>
-- @protocol: simple
SELECT c.relname, n.nspname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE '%' AND n.nspname = 'pg_catalog'
  LIMIT 1000

-- @name: relations-fl
-- @source: \d fl<TAB>
-- @protocol: simple
SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE (c.relname) LIKE 'fl%' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'fl%' AND n.nspname NOT LIKE E'pg\\_%'
  LIMIT 1000

-- @name: functions
-- @source: \df pg_get_k<TAB>
-- @protocol: simple
SELECT p.proname, NULL::pg_catalog.text FROM pg_catalog.pg_proc p WHERE (p.proname) LIKE 'pg\_get\_k%' AND pg_catalog.pg_function_is_visible(p.oid)
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'pg\_get\_k%'
  LIMIT 1000

-- @name: types
-- @compare: none
-- @source: \dT <TAB>
-- @protocol: simple
SELECT t.typname, NULL::pg_catalog.text FROM pg_catalog.pg_type t WHERE (t.typrelid = 0  OR (SELECT c.relkind = 'c'     FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid)) AND t.typname !~ '^_' AND (t.typname) LIKE '%' AND pg_catalog.pg_type_is_visible(t.oid)
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE '%' AND n.nspname NOT LIKE E'pg\\_%'
  LIMIT 1000

-- @name: types-int
-- @compare: none
-- @source: \dT int<TAB>
-- @protocol: simple
SELECT t.typname, NULL::pg_catalog.text FROM pg_catalog.pg_type t WHERE (t.typrelid = 0  OR (SELECT c.relkind = 'c'     FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid)) AND t.typname !~ '^_' AND (t.typname) LIKE 'int%' AND pg_catalog.pg_type_is_visible(t.oid)
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'int%' AND n.nspname NOT LIKE E'pg\\_%'
  LIMIT 1000

-- @name: databases
-- @source: \c <TAB>
-- @protocol: simple
-- @filter: datname=pondgate
SELECT datname FROM pg_catalog.pg_database  WHERE datname LIKE '%'
  LIMIT 1000

-- @name: settings-time
-- @source: SET time<TAB>
-- @protocol: simple
SELECT pg_catalog.lower(name) FROM pg_catalog.pg_settings  WHERE context IN ('user', 'superuser')    AND pg_catalog.lower(name) LIKE pg_catalog.lower('time%')
  LIMIT 1000

-- @name: settings-timezone
-- @source: SET timezone<TAB>
-- @protocol: simple
SELECT pg_catalog.lower(name) FROM pg_catalog.pg_settings  WHERE context IN ('user', 'superuser')    AND pg_catalog.lower(name) LIKE pg_catalog.lower('timezone%')
  LIMIT 1000

-- @name: settings-search
-- @source: SHOW search<TAB>
-- @protocol: simple
SELECT pg_catalog.lower(name) FROM pg_catalog.pg_settings  WHERE pg_catalog.lower(name) LIKE pg_catalog.lower('search%')
  LIMIT 1000

-- @name: columns-orig
-- @source: SELECT origin FROM flights WHERE orig<TAB>
-- @protocol: simple
SELECT a.attname, NULL::pg_catalog.text FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c WHERE c.oid = a.attrelid and a.attnum > 0 and not a.attisdropped AND (a.attname) LIKE 'orig%' AND c.relname = 'flights' AND pg_catalog.pg_table_is_visible(c.oid)
  LIMIT 1000

-- @name: views
-- @source: \dv <TAB>
-- @protocol: simple
SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('v') AND (c.relname) LIKE '%' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
  UNION ALL
  SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE '%' AND n.nspname NOT LIKE E'pg\\_%'
  LIMIT 1000

-- @name: roles
-- @source: \du <TAB>
-- @protocol: simple
-- @compare: none
SELECT rolname    FROM pg_catalog.pg_roles   WHERE rolname LIKE '%'
  LIMIT 1000

-- @name: roles-p
-- @source: \du p<TAB>
-- @protocol: simple
-- @compare: none
SELECT rolname    FROM pg_catalog.pg_roles   WHERE rolname LIKE 'p%'
  LIMIT 1000

-- @name: schemas
-- @source: \dn <TAB>
-- @protocol: simple
SELECT nspname FROM pg_catalog.pg_namespace  WHERE nspname LIKE '%'
  LIMIT 1000
