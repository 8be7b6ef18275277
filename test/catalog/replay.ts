/**
 * Replay files: what a tool sends to PostgreSQL when it connects and browses
 * a database, taken from the tool's public source, one statement per block:
 *
 *   -- @name: tables              unique within the file
 *   -- @source: postgres.clj get-tables-sql   where in the tool's source it comes from
 *   -- @params: ["public"]        bind values (extended protocol); "@regclass:public.flights"
 *                                 and "@namespace:public" become that server's OID
 *   -- @protocol: simple|both     how the tool sends it (default: extended)
 *   -- @compare: rows|count|none  what must equal PostgreSQL 15's answer (default rows)
 *   -- @ignore: oid, relid        columns whose values differ by design (OIDs, sizes, times)
 *   -- @filter: datname=pondgate  compare only the rows with this value (PostgreSQL has other databases)
 *   -- @data: true                reads a pondgate table's rows (runs on the workers)
 *   SELECT …;                     the statement, exactly as the tool sends it
 *
 * Rows are compared as multisets of text values; PostgreSQL 15's answers are
 * recorded once into <tool>.pg15.json by record-pg15.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const REPLAY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'replay');

/** The user the replays connect as, on PostgreSQL 15 (owner of the tables) and on pondgate. */
export const REPLAY_USER = 'analyst';

export interface ReplayStatement {
  readonly name: string;
  readonly source: string;
  readonly sql: string;
  readonly params: readonly string[];
  readonly protocol: 'extended' | 'simple' | 'both';
  readonly compare: 'rows' | 'count' | 'none';
  readonly ignore: ReadonlySet<string>;
  readonly filter: { readonly column: string; readonly value: string } | undefined;
  readonly data: boolean;
}

export interface ReplayFile {
  readonly tool: string;
  readonly statements: readonly ReplayStatement[];
}

export interface RecordedResult {
  readonly command: string;
  readonly fields: ReadonlyArray<readonly [name: string, typeOid: number]>;
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

export interface Recording {
  readonly results: readonly RecordedResult[];
  readonly error?: string;
}

export function parseReplayFile(tool: string, text: string): ReplayFile {
  const blocks = text.split(/^(?=-- @name:)/m).slice(1);
  const statements = blocks.map((block): ReplayStatement => {
    const directives = new Map<string, string>();
    const sql: string[] = [];
    for (const line of block.split('\n')) {
      const directive = /^-- @(\w+):\s*(.*)$/.exec(line);
      if (directive && sql.length === 0) directives.set(directive[1], directive[2].trim());
      else sql.push(line);
    }
    const name = directives.get('name') ?? '';
    const compare = directives.get('compare') ?? 'rows';
    const protocol = directives.get('protocol') ?? 'extended';
    if (!['rows', 'count', 'none'].includes(compare)) throw new Error(`${tool}/${name}: unknown @compare ${compare}`);
    if (!['extended', 'simple', 'both'].includes(protocol)) throw new Error(`${tool}/${name}: unknown @protocol ${protocol}`);
    return {
      name,
      source: directives.get('source') ?? '',
      sql: sql.join('\n').trim(),
      params: JSON.parse(directives.get('params') ?? '[]') as string[],
      protocol: protocol as ReplayStatement['protocol'],
      compare: compare as ReplayStatement['compare'],
      ignore: new Set((directives.get('ignore') ?? '').split(',').map((c) => c.trim()).filter(Boolean)),
      filter: parseFilter(directives.get('filter')),
      data: directives.get('data') === 'true',
    };
  });
  const names = statements.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i || n === '');
  if (duplicate !== undefined) throw new Error(`${tool}: statement name "${duplicate}" is empty or repeated`);
  return { tool, statements };
}

function parseFilter(text: string | undefined): ReplayStatement['filter'] {
  if (text === undefined) return undefined;
  const [column, value] = text.split('=').map((part) => part.trim());
  return { column, value };
}

export async function loadReplayFiles(): Promise<ReplayFile[]> {
  const files = (await readdir(REPLAY_DIR)).filter((f) => f.endsWith('.sql') && f !== 'setup.sql').sort();
  return Promise.all(files.map(async (f) => parseReplayFile(f.replace(/\.sql$/, ''), await readFile(path.join(REPLAY_DIR, f), 'utf8'))));
}

export function replayRecordingPath(tool: string): string {
  return path.join(REPLAY_DIR, `${tool}.pg15.json`);
}

export async function loadRecordings(tool: string): Promise<Record<string, Recording>> {
  return (JSON.parse(await readFile(replayRecordingPath(tool), 'utf8')) as { recordings: Record<string, Recording> }).recordings;
}

/** Parameters with server-specific values (OIDs) resolved on the server the client is connected to. */
async function resolveParams(client: pg.Client, params: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const param of params) {
    const special = /^@(regclass|namespace):(.+)$/.exec(param);
    if (!special) {
      resolved.push(param);
      continue;
    }
    const sql = special[1] === 'regclass'
      ? 'SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname || \'.\' || c.relname = $1'
      : 'SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1';
    const rows = (await client.query({ text: sql, values: [special[2]], rowMode: 'array' })).rows as unknown[][];
    if (rows.length !== 1) throw new Error(`cannot resolve ${param}`);
    resolved.push(String(rows[0][0]));
  }
  return resolved;
}

const TEXT_PARSERS = { getTypeParser: () => (value: unknown) => value };

/** $n → the value as a SQL literal (numbers bare, text quoted); $n inside strings is not expected in replay files. */
export function inlineParameters(sql: string, values: readonly string[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    return /^-?\d+$/.test(value) ? value : `'${value.replace(/'/g, "''")}'`;
  });
}

/** Runs one replay statement the way the tool sends it; values stay PostgreSQL text. */
export async function runReplayStatement(client: pg.Client, statement: ReplayStatement, protocol: 'extended' | 'simple'): Promise<Recording> {
  try {
    const values = await resolveParams(client, statement.params);
    // With the simple protocol, parameters are spliced into the text as literals, as psycopg2 and psqlODBC do.
    const text = protocol === 'simple' ? inlineParameters(statement.sql, values) : statement.sql;
    const config = { text, values: protocol === 'simple' ? [] : values, rowMode: 'array', types: TEXT_PARSERS, ...(protocol === 'extended' ? { queryMode: 'extended' } : {}) };
    const answer = (await client.query(config as never)) as unknown as pg.QueryResult<unknown[]> | Array<pg.QueryResult<unknown[]>>;
    const results = (Array.isArray(answer) ? answer : [answer]).map((result) => ({
      command: result.command,
      fields: (result.fields ?? []).map((f): [string, number] => [f.name, f.dataTypeID]),
      rows: result.rows.map((row) => row.map((v) => (v === null ? null : String(v)))),
    }));
    return { results };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { results: [], error: `${e.code ?? ''} ${e.message}`.trim() };
  }
}
