-- Superset (SQLAlchemy 1.4, the version Superset pins, with psycopg2): what
-- sqlalchemy.inspect() sends for the SQL Lab schema browser and dataset sync —
-- connect, schemas, tables, views, then a table's columns, keys, indexes,
-- constraints and comment. psycopg2 interpolates parameters into the text and
-- sends it with the simple protocol; the replay runs each statement both ways.

-- @name: version
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @compare: none
-- @protocol: both
select pg_catalog.version()

-- @name: current-schema
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
select current_schema()

-- @name: standard-conforming-strings
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
show standard_conforming_strings

-- @name: schema-names
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' ORDER BY nspname

-- @name: table-names
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["public"]
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind in ('r', 'p')

-- @name: view-names
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["public"]
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')

-- @name: table-oid
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @ignore: oid
-- @protocol: both
-- @params: ["public", "flights"]
SELECT c.oid
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname = $1)
AND c.relname = $2 AND c.relkind in
('r', 'v', 'm', 'f', 'p')

-- @name: columns
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @ignore: table_oid
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (
    SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
    FROM pg_catalog.pg_attrdef d
    WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
    AND a.atthasdef
  ) AS DEFAULT,
  a.attnotnull,
  a.attrelid as table_oid,
  pgd.description as comment,
  a.attgenerated as generated,
                  (SELECT json_build_object(
        'always', a.attidentity = 'a',
        'start', s.seqstart,
        'increment', s.seqincrement,
        'minvalue', s.seqmin,
        'maxvalue', s.seqmax,
        'cache', s.seqcache,
        'cycle', s.seqcycle)
    FROM pg_catalog.pg_sequence s
    JOIN pg_catalog.pg_class c on s.seqrelid = c."oid"
    WHERE c.relkind = 'S'
    AND a.attidentity != ''
    AND s.seqrelid = pg_catalog.pg_get_serial_sequence(
        a.attrelid::regclass::text, a.attname
    )::regclass::oid
    ) as identity_options                
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_description pgd ON (
    pgd.objoid = a.attrelid AND pgd.objsubid = a.attnum)
WHERE a.attrelid = $1
AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum

-- @name: domains
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
SELECT t.typname as "name",
   pg_catalog.format_type(t.typbasetype, t.typtypmod) as "attype",
   not t.typnotnull as "nullable",
   t.typdefault as "default",
   pg_catalog.pg_type_is_visible(t.oid) as "visible",
   n.nspname as "schema"
FROM pg_catalog.pg_type t
   LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd'

-- @name: enums
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
SELECT t.typname as "name",
       -- no enum defaults in 8.4 at least
       -- t.typdefault as "default",
       pg_catalog.pg_type_is_visible(t.oid) as "visible",
       n.nspname as "schema",
       e.enumlabel as "label"
    FROM pg_catalog.pg_type t
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_catalog.pg_enum e ON t.oid = e.enumtypid
    WHERE t.typtype = 'e'
ORDER BY "schema", "name", e.oid

-- @name: pk-columns
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT a.attname
FROM pg_attribute a JOIN (
    SELECT unnest(ix.indkey) attnum,
           generate_subscripts(ix.indkey, 1) ord
    FROM pg_index ix
    WHERE ix.indrelid = $1 AND ix.indisprimary
    ) k ON a.attnum=k.attnum
WHERE a.attrelid = $1
ORDER BY k.ord

-- @name: pk-name
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT conname
   FROM  pg_catalog.pg_constraint r
   WHERE r.conrelid = $1 AND r.contype = 'p'
   ORDER BY 1

-- @name: foreign-keys
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT r.conname,
      pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
      n.nspname as conschema
FROM  pg_catalog.pg_constraint r,
      pg_namespace n,
      pg_class c

WHERE r.conrelid = $1 AND
      r.contype = 'f' AND
      c.oid = confrelid AND
      n.oid = c.relnamespace
ORDER BY 1

-- @name: indexes
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT
    i.relname as relname,
    ix.indisunique, ix.indexprs,
    a.attname, a.attnum, c.conrelid, ix.indkey::varchar,
    ix.indoption::varchar, i.reloptions, am.amname,
    pg_get_expr(ix.indpred, ix.indrelid),
    ix.indnkeyatts as indnkeyatts
FROM
    pg_class t
          join pg_index ix on t.oid = ix.indrelid
          join pg_class i on i.oid = ix.indexrelid
          left outer join
              pg_attribute a
              on t.oid = a.attrelid and a.attnum = ANY(ix.indkey)
          left outer join
              pg_constraint c
              on (ix.indrelid = c.conrelid and
                  ix.indexrelid = c.conindid and
                  c.contype in ('p', 'u', 'x'))
          left outer join
              pg_am am
              on i.relam = am.oid
WHERE
    t.relkind IN ('r', 'v', 'f', 'm', 'p')
    and t.oid = $1
    and ix.indisprimary = 'f'
ORDER BY
    t.relname,
    i.relname

-- @name: unique-constraints
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT
    cons.conname as name,
    cons.conkey as key,
    a.attnum as col_num,
    a.attname as col_name
FROM
    pg_catalog.pg_constraint cons
    join pg_attribute a
      on cons.conrelid = a.attrelid AND
        a.attnum = ANY(cons.conkey)
WHERE
    cons.conrelid = $1 AND
    cons.contype = 'u'

-- @name: check-constraints
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT
    cons.conname as name,
    pg_get_constraintdef(cons.oid) as src
FROM
    pg_catalog.pg_constraint cons
WHERE
    cons.conrelid = $1 AND
    cons.contype = 'c'

-- @name: table-comment
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["@regclass:public.flights"]
SELECT
    pgd.description as table_comment
FROM
    pg_catalog.pg_description pgd
WHERE
    pgd.objsubid = 0 AND
    pgd.objoid = $1

-- @name: has-table
-- @source: sqlalchemy 1.4 dialects/postgresql/base.py
-- @protocol: both
-- @params: ["public", "flights"]
select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname=$1 and relname=$2

