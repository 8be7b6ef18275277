-- Grafana's PostgreSQL data source: the queries its query editor sends through the
-- backend to fill the table, column and function pickers. Sources: grafana
-- public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts
-- (the SQL query builder) and the older visual editor's
-- public/app/plugins/datasource/postgres/meta_query.ts. The backend sends them as
-- raw SQL without parameters (lib/pq: simple protocol; pgx: extended): both are replayed.

-- @name: version
-- @source: postgresMetaQuery.ts getVersion
-- @protocol: both
SELECT current_setting('server_version_num')::int/100 as version

-- @name: timescaledb
-- @source: postgresMetaQuery.ts getTimescaleDBVersion
-- @protocol: both
SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'

-- @name: schemas
-- @source: postgresMetaQuery.ts showSchemas
-- @protocol: both
SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name

-- @name: tables-of-schema
-- @source: postgresMetaQuery.ts showTables('public')
-- @protocol: both
SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = 'public'
      ORDER BY 1

-- @name: tables
-- @source: postgresMetaQuery.ts showTables()
-- @protocol: both
SELECT
    CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1

-- @name: columns
-- @source: postgresMetaQuery.ts getSchema('flights')
-- @protocol: both
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('flights'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('flights'))[1]
          AND quote_ident(table_name) = (parse_ident('flights'))[2]
        ELSE quote_ident(table_name) = 'flights'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END

-- @name: columns-qualified
-- @source: postgresMetaQuery.ts getSchema('public.airports')
-- @protocol: both
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('public.airports'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('public.airports'))[1]
          AND quote_ident(table_name) = (parse_ident('public.airports'))[2]
        ELSE quote_ident(table_name) = 'public.airports'
      END

-- @name: metric-table
-- @source: meta_query.ts findMetricTable
-- @protocol: both
SELECT
	quote_ident(table_name) as table_name,
	( SELECT
	    quote_ident(column_name) as column_name
	  FROM information_schema.columns c
    WHERE
      c.table_schema = t.table_schema AND
      c.table_name = t.table_name AND
      udt_name IN ('timestamptz','timestamp')
    ORDER BY ordinal_position LIMIT 1
  ) AS time_column,
  ( SELECT
      quote_ident(column_name) AS column_name
    FROM information_schema.columns c
    WHERE
      c.table_schema = t.table_schema AND
      c.table_name = t.table_name AND
      udt_name='float8'
    ORDER BY ordinal_position LIMIT 1
  ) AS value_column
FROM information_schema.tables t
WHERE 
table_schema IN (
  SELECT
    CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
  FROM
    generate_series(
      array_lower(string_to_array(current_setting('search_path'),','),1),
      array_upper(string_to_array(current_setting('search_path'),','),1)
    ) as i,
    string_to_array(current_setting('search_path'),',') s
) AND
  EXISTS
  ( SELECT 1
    FROM information_schema.columns c
    WHERE
      c.table_schema = t.table_schema AND
      c.table_name = t.table_name AND
      udt_name IN ('timestamptz','timestamp')
  ) AND
  EXISTS
  ( SELECT 1
    FROM information_schema.columns c
    WHERE
      c.table_schema = t.table_schema AND
      c.table_name = t.table_name AND
      udt_name='float8'
  )
LIMIT 1
;

-- @name: time-columns
-- @source: meta_query.ts buildColumnQuery('time') for table flights
-- @protocol: both
SELECT quote_ident(column_name) FROM information_schema.columns WHERE 
table_schema IN (
  SELECT
    CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
  FROM
    generate_series(
      array_lower(string_to_array(current_setting('search_path'),','),1),
      array_upper(string_to_array(current_setting('search_path'),','),1)
    ) as i,
    string_to_array(current_setting('search_path'),',') s
) AND table_name = 'flights' AND data_type IN ('timestamp without time zone','timestamp with time zone','bigint','integer','double precision','real') ORDER BY column_name

-- @name: datatype
-- @source: meta_query.ts buildDatatypeQuery('origin') for table public.flights
-- @protocol: both
SELECT udt_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'flights' AND column_name = 'origin'

-- @name: aggregates
-- @source: meta_query.ts buildAggregateQuery
-- @protocol: both
SELECT DISTINCT proname FROM pg_aggregate INNER JOIN pg_proc ON pg_aggregate.aggfnoid = pg_proc.oid INNER JOIN pg_type ON pg_type.oid=pg_proc.prorettype WHERE pronargs=1 AND typname IN ('float8') AND aggkind='n' ORDER BY 1

-- @name: values
-- @source: meta_query.ts buildValueQuery('origin') with $__timeFilter(date) expanded by the backend
-- @protocol: both
-- @data: true
-- @compare: none
SELECT DISTINCT quote_literal(origin) FROM flights WHERE date BETWEEN '2001-01-01T00:00:00Z' AND '2001-02-01T00:00:00Z' AND origin IS NOT NULL ORDER BY 1 LIMIT 100
