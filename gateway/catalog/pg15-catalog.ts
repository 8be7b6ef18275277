/**
 * What PostgreSQL 15 says about its own catalog, as recorded by
 * test/catalog/record-pg15.ts into fixtures/pg15-catalog.json: the columns of
 * every relation pondgate emulates (so each has PostgreSQL's names, order and
 * types), the OIDs of those relations and of the schemas, and the rows of the
 * system relations that are the same in every database (pg_am, pg_proc for
 * the functions pondgate answers, pg_settings, …).
 *
 * PostgreSQL types become the DuckDB types that the DuckDB→PostgreSQL map
 * announces as the same (or the nearest) type: OIDs and reg* types INTEGER,
 * name and "char" VARCHAR, int2vector SMALLINT[], oidvector INTEGER[].
 */
import { readFileSync } from 'node:fs';

export type CatalogSchema = 'pg_catalog' | 'information_schema';
/** `pg_catalog.pg_class`, `information_schema.columns`. */
export type RelationKey = `${CatalogSchema}.${string}`;

interface Fixture {
  readonly namespaces: Readonly<Record<string, number>>;
  readonly relations: Readonly<Record<RelationKey, { readonly oid: number; readonly relkind: string }>>;
  readonly columns: Readonly<Record<RelationKey, ReadonlyArray<readonly [string, string]>>>;
  readonly rows: Readonly<Record<RelationKey, ReadonlyArray<ReadonlyArray<string | null>>>>;
  readonly procNames: ReadonlyArray<readonly [number, string]>;
}

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/pg15-catalog.json', import.meta.url), 'utf8')) as Fixture;

/** Every PostgreSQL 15 function's OID and name: what a regproc value prints. */
export const PG15_PROC_NAMES: ReadonlyArray<readonly [number, string]> = FIXTURE.procNames;

export const PG15_NAMESPACES: Readonly<Record<string, number>> = FIXTURE.namespaces;

/** Every emulated relation, with its PostgreSQL 15 OID and relkind. */
export const PG15_RELATIONS: Readonly<Record<RelationKey, { readonly oid: number; readonly relkind: string }>> = FIXTURE.relations;

export interface CatalogColumn {
  readonly name: string;
  /** The type as PostgreSQL's format_type() names it. */
  readonly pgType: string;
  /** The DuckDB type the column has in pondgate. */
  readonly type: string;
}

const SCALAR_TYPES: Readonly<Record<string, string>> = {
  oid: 'INTEGER', regproc: 'INTEGER', regtype: 'INTEGER', regclass: 'INTEGER', regnamespace: 'INTEGER', regrole: 'INTEGER',
  xid: 'BIGINT', xid8: 'BIGINT', cid: 'INTEGER',
  smallint: 'SMALLINT', integer: 'INTEGER', bigint: 'BIGINT', real: 'REAL', 'double precision': 'DOUBLE', numeric: 'DOUBLE',
  boolean: 'BOOLEAN', bytea: 'BLOB', 'timestamp with time zone': 'TIMESTAMPTZ', interval: 'INTERVAL',
  name: 'VARCHAR', text: 'VARCHAR', '"char"': 'VARCHAR', 'character varying': 'VARCHAR', character: 'VARCHAR',
  pg_node_tree: 'VARCHAR', pg_lsn: 'VARCHAR', inet: 'VARCHAR', aclitem: 'VARCHAR', anyarray: 'VARCHAR',
  int2vector: 'SMALLINT[]', oidvector: 'INTEGER[]',
};

/** The DuckDB type of a catalog column of PostgreSQL type `pgType` (format_type spelling). */
export function duckdbTypeOf(pgType: string): string {
  if (pgType.endsWith('[]')) {
    const element = SCALAR_TYPES[pgType.slice(0, -2)];
    if (element === undefined || element.endsWith('[]')) throw new Error(`no DuckDB type for catalog type ${pgType}`);
    return `${element}[]`;
  }
  const type = SCALAR_TYPES[pgType];
  if (type === undefined) throw new Error(`no DuckDB type for catalog type ${pgType}`);
  return type;
}

/** The reg* types: OIDs that PostgreSQL prints as names. */
export function isRegType(pgType: string): boolean {
  return /^reg\w+$/.test(pgType);
}

export function catalogColumns(relation: RelationKey): readonly CatalogColumn[] {
  const columns = FIXTURE.columns[relation];
  if (columns === undefined) throw new Error(`${relation} is not in the PostgreSQL 15 catalog fixture`);
  return columns.map(([name, pgType]) => ({ name, pgType, type: duckdbTypeOf(pgType) }));
}

/** The relations whose rows were recorded. */
export const RECORDED_RELATIONS: readonly RelationKey[] = Object.keys(FIXTURE.rows) as RelationKey[];

export function recordedRows(relation: RelationKey): ReadonlyArray<ReadonlyArray<string | null>> {
  return FIXTURE.rows[relation] ?? [];
}

export function isEmulated(relation: string): relation is RelationKey {
  return Object.hasOwn(FIXTURE.columns, relation);
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** PostgreSQL array text (`{a,"b c",NULL}`) into its elements. */
export function parsePgArray(text: string): Array<string | null> {
  const body = text.replace(/^\[[^\]]*\]=/, '').slice(1, -1);
  const elements: Array<string | null> = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i++];
      }
      elements.push(value);
      i += 2;
    } else {
      const end = body.indexOf(',', i);
      const raw = body.slice(i, end === -1 ? body.length : end);
      elements.push(raw === 'NULL' ? null : raw);
      i = end === -1 ? body.length : end + 1;
    }
  }
  return elements;
}

/** A SQL literal of DuckDB type `type` for PostgreSQL's text output `text` of a catalog value. */
export function pgTextLiteral(text: string | null, type: string): string {
  if (text === null) return `CAST(NULL AS ${type})`;
  if (type.endsWith('[]')) {
    const element = type.slice(0, -2);
    // int2vector and oidvector print as space-separated numbers, arrays in braces.
    const items = text.startsWith('{') ? parsePgArray(text) : text.split(' ').filter((s) => s !== '');
    return `CAST([${items.map((item) => pgTextLiteral(item, element)).join(', ')}] AS ${type})`;
  }
  if (type === 'BOOLEAN') return text === 't' ? 'true' : 'false';
  return `CAST(${sqlString(text)} AS ${type})`;
}
