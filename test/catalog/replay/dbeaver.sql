-- DBeaver (PostgreSQL plugin, through pgjdbc's extended protocol): connect, then the
-- database navigator opening schema public and table flights. Sources: dbeaver
-- plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/
-- PostgreDataSource.java, PostgreDatabase.java (databases, schemas, data types, roles,
-- access methods), PostgreSchema.java (tables, columns, constraints, indexes,
-- procedures, aggregates, statistics), PostgreTableReal.java (table statistics).
-- DBeaver binds the schema's and the table's OIDs as parameters.

-- @name: current-database
-- @source: PostgreDataSource.java
SELECT current_database()

-- @name: version
-- @source: PostgreDataSource.java
-- @compare: none
SELECT version()

-- @name: databases
-- @filter: datname=pondgate
-- @source: PostgreDataSource.java prepareObjectsStatement (catalog list)
-- @params: ["pondgate"]
-- @ignore: oid, datdba, datfrozenxid, datminmxid, datacl, datcollversion
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname =$1
ORDER BY db.datname

-- @name: database
-- @source: PostgreDatabase.java (readDatabaseInfo)
-- @params: ["pondgate"]
-- @ignore: oid, datdba, datfrozenxid, datminmxid, datacl, datcollversion
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1

-- @name: settings
-- @source: PostgreDataSource.java (server settings)
-- @params: ["standard_conforming_strings"]
-- @compare: count
select * from pg_catalog.pg_settings where name=$1

-- @name: schemas
-- @source: PostgreDatabase.java SchemaCache
-- @ignore: nspacl
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname

-- @name: data-types
-- @source: PostgreDatabase.java (read data types; not reading all types)
-- @compare: none
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem 
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL
AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')

-- @name: roles
-- @source: PostgreDatabase.java RoleCache
-- @compare: none
SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a 
left join pg_catalog.pg_shdescription pd on a.oid = pd.objoid
ORDER BY a.rolname

-- @name: access-methods
-- @source: PostgreDatabase.java AccessMethodCache
SELECT am.oid,am.* FROM pg_catalog.pg_am am 
ORDER BY am.oid

-- @name: tables
-- @source: PostgreSchema.java TableCache (PostgreSQL 10+: partitions)
-- @params: ["@namespace:public"]
-- @ignore: oid, relfilenode, relpages, reltuples, reltype, relowner, reltoastrelid, relallvisible, relfrozenxid, relminmxid, relhasindex
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1 AND c.relkind not in ('i','I','c')

-- @name: columns
-- @source: PostgreSchema.java TableCache children (columns of one table)
-- @params: ["@regclass:public.flights"]
-- @ignore: attrelid, objid, attoptions
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=$1
ORDER BY a.attnum

-- @name: constraints
-- @source: PostgreSchema.java ConstraintCache
-- @params: ["@regclass:public.flights"]
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE c.conrelid=$1
ORDER BY c.oid

-- @name: indexes
-- @source: PostgreSchema.java IndexCache
-- @params: ["@regclass:public.flights"]
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  i.indrelid=$1 ORDER BY c.relname

-- @name: procedures
-- @source: PostgreSchema.java ProceduresCache (schema public)
-- @params: ["@namespace:public"]
SELECT p.oid as poid,p.*,pg_catalog.pg_get_expr(p.proargdefaults, 0) as arg_defaults,d.description
FROM pg_catalog.pg_proc p
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid and d.classoid='pg_proc'::regclass  AND d.objsubid = 0
WHERE p.pronamespace=$1
ORDER BY p.proname

-- @name: aggregates
-- @source: PostgreSchema.java AggregateCache (schema public)
-- @params: ["@namespace:public"]
SELECT p.oid AS proc_oid,p.proname AS proc_name,a.*
FROM pg_catalog.pg_aggregate a,pg_catalog.pg_proc p
WHERE p.oid=a.aggfnoid AND p.pronamespace=$1
ORDER BY p.proname

-- @name: inheritance
-- @source: PostgreSchema.java (partitions and inheritance of schema public)
-- @params: ["@namespace:public"]
SELECT i.inhrelid relid, pc.relnamespace parent_ns, pc.oid parent_oid, i.inhseqno
FROM pg_catalog.pg_inherits i, pg_class rc, pg_class pc
WHERE rc.oid=i.inhrelid AND rc.relnamespace=$1 AND pc.oid=i.inhparent

-- @name: schema-statistics
-- @source: PostgreSchema.java collectObjectStatistics
-- @params: ["@namespace:public"]
-- @compare: count
select c.oid,pg_catalog.pg_total_relation_size(c.oid) as total_rel_size,pg_catalog.pg_relation_size(c.oid) as rel_size
FROM pg_class c
WHERE c.relnamespace=$1

-- @name: table-statistics
-- @source: PostgreTableReal.java readTableStatistics
-- @params: ["@regclass:public.flights", "@regclass:public.flights"]
-- @compare: count
select pg_catalog.pg_total_relation_size($1) as total_rel_size,pg_catalog.pg_relation_size($2) as rel_size

-- @name: sample-rows
-- @source: the data editor opening flights (first page)
-- @data: true
-- @compare: none
SELECT * FROM public.flights
LIMIT 200
