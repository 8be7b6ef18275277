// Self-check of the differential corpus, without the gateway: every query
// runs on one in-process DuckDB over freshly generated SF 0.01 TPC-H data, the
// flights table and the edge tables, and must return rows (unless marked expectEmpty) with
// ORDER BY key indexes that name output columns, and must give the same answer
// (by the Contract's comparison rules) when the tables' files are read in
// reverse order with more threads: otherwise the query is not deterministic
// and a distributed engine could not be held to it. A broken corpus query
// would otherwise surface as a confusing gateway failure, or pass vacuously
// on an empty result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { generateTpch } from '../../src/datagen/tpch.ts';
import { importFlights } from '../../src/datagen/flights.ts';
import { generateEdge } from '../../src/datagen/edge.ts';
import { resolveDataPath, tablePaths, type Manifest } from '../../src/storage/manifest.ts';
import { readManifest } from '../../src/storage/manifest-store.ts';
import { compareResults, formatDiff } from './compare.ts';
import { openOracle, type Oracle } from './oracle.ts';
import { CORPUS, CORPUS_GROUPS, HASH_LAYOUT_CORPUS, OWN_CORPUS, TPCH_ORDER_BY, type CorpusEntry } from './corpus.ts';

const SCALE_FACTOR = 0.01;

let dataDir = '';
let instance: DuckDBInstance | undefined;
let connection: DuckDBConnection | undefined;
let oracle: Oracle | undefined;
let perturbed: Oracle | undefined;

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;
const sqlIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * One view per manifest table, in schema `public` (so `public.lineitem` and
 * `"public"."flights"` resolve as they do through the gateway), with
 * search_path set so unqualified names resolve to the same views.
 */
async function createViews(conn: DuckDBConnection, manifest: Manifest): Promise<void> {
  await conn.run('CREATE SCHEMA IF NOT EXISTS public');
  for (const table of Object.values(manifest.tables)) {
    const files = tablePaths(table).map((f) => sqlString(resolveDataPath(dataDir, f)));
    await conn.run(`CREATE VIEW public.${sqlIdent(table.name)} AS SELECT * FROM read_parquet([${files.join(', ')}])`);
  }
  await conn.run("SET search_path = 'public'");
}

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pondgate-corpus-'));
  // Two TPC-H partitions exercise multi-file views cheaply; one flights
  // partition, because importing the 3M-row file dominates this test's time.
  await generateTpch({ scaleFactor: SCALE_FACTOR, outDir: dataDir, partitions: 2, threads: 2, memoryLimit: '1GB' });
  await importFlights({ outDir: dataDir, partitions: 1, threads: 2, memoryLimit: '1GB' });
  await generateEdge({ outDir: dataDir });
  // Explicit resources: the defaults (all cores, 80% of RAM) are wrong next to other test processes.
  instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '2GB' });
  connection = await instance.connect();
  await createViews(connection, await readManifest(dataDir));
  oracle = await openOracle(dataDir);
  perturbed = await openOracle(dataDir, 'UTC', { perturbed: true });
});

after(async () => {
  oracle?.close();
  perturbed?.close();
  connection?.closeSync();
  instance?.closeSync();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('corpus ids are unique and the corpus is complete', () => {
  const ids = CORPUS.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
  assert.ok(CORPUS.length >= 300, `corpus has ${CORPUS.length} entries, want >= 300`);
  assert.ok(OWN_CORPUS.length >= 60, `own corpus has ${OWN_CORPUS.length} entries, want >= 60`);
  assert.ok(HASH_LAYOUT_CORPUS.length >= 60, `only ${HASH_LAYOUT_CORPUS.length} entries run over the hash layout`);
  // The hash-layout suite does not import flights.
  for (const e of HASH_LAYOUT_CORPUS) assert.doesNotMatch(e.sql, /\bflights\b/i, `${e.id} reads flights but runs over the hash layout`);
  for (const group of CORPUS_GROUPS) {
    if (group.theme !== 'regressions') assert.ok(group.entries.length > 0, `theme ${group.theme} is empty`);
  }
  const tpch = CORPUS.filter((e) => e.id.startsWith('tpch-'));
  assert.equal(tpch.length, 22);
  assert.ok(OWN_CORPUS.some((e) => e.expectEmpty), 'at least one expectEmpty entry');
  for (const n of Object.keys(TPCH_ORDER_BY)) assert.ok(tpch.some((e) => e.id === `tpch-q${n.padStart(2, '0')}`));
});

/** The parts of DuckDB's serialized parse tree (json_serialize_sql) that these checks read. */
interface ParsedOrderTerm {
  readonly expression: { readonly class: string; readonly column_names?: readonly string[]; readonly value?: { readonly value?: unknown } };
}
interface ParsedModifier {
  readonly type: string;
  readonly orders?: readonly ParsedOrderTerm[];
}
interface ParsedSql {
  readonly error: boolean;
  readonly error_message?: string;
  readonly statements?: readonly { readonly node: { readonly type: string; readonly modifiers: readonly ParsedModifier[] } }[];
}

/** Parses with DuckDB's own parser, so the checks see the outermost query's modifiers, not window or aggregate ORDER BYs. */
async function parse(sql: string): Promise<ParsedSql> {
  assert.ok(connection, 'DuckDB connection not set up');
  const prepared = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR) AS j');
  prepared.bindVarchar(1, sql);
  const reader = await prepared.runAndReadAll();
  return JSON.parse(String(reader.getRows()[0][0])) as ParsedSql;
}

/**
 * Output column index an outer ORDER BY term refers to: a position (ORDER BY
 * 2) or a column name or alias (qualified names by their last part). Any other
 * expression is not an output column, which the corpus rules forbid.
 */
function orderTermIndex(term: ParsedOrderTerm, columns: readonly string[]): number {
  const e = term.expression;
  if (e.class === 'CONSTANT' && typeof e.value?.value === 'number') return e.value.value - 1;
  if (e.class === 'COLUMN_REF' && e.column_names && e.column_names.length > 0) {
    const name = e.column_names[e.column_names.length - 1].toLowerCase();
    return columns.findIndex((c) => c.toLowerCase() === name);
  }
  return -1;
}

async function run(entry: CorpusEntry): Promise<{ columns: string[]; rows: number }> {
  assert.ok(connection, 'DuckDB connection not set up');
  await connection.run(`SET TimeZone = ${sqlString(entry.timeZone ?? 'UTC')}`);
  const reader = await connection.runAndReadAll(entry.sql);
  return { columns: reader.columnNames(), rows: reader.currentRowCount };
}

for (const entry of CORPUS) {
  test(`corpus query ${entry.id}`, async () => {
    const parsed = await parse(entry.sql);
    assert.equal(parsed.error, false, `${entry.id} does not parse: ${parsed.error_message ?? ''}`);
    assert.equal(parsed.statements?.length, 1, `${entry.id} must be exactly one statement`);
    const modifiers = parsed.statements[0].node.modifiers;
    const orderTerms = modifiers.find((m) => m.type === 'ORDER_MODIFIER')?.orders ?? [];
    if (modifiers.some((m) => m.type === 'LIMIT_MODIFIER' || m.type === 'LIMIT_PERCENT_MODIFIER')) {
      assert.ok(orderTerms.length > 0, `${entry.id}: LIMIT/OFFSET without ORDER BY is nondeterministic`);
    }

    const { columns, rows } = await run(entry);
    if (entry.expectEmpty) {
      assert.equal(rows, 0, `${entry.id} is marked expectEmpty but returned ${rows} rows`);
    } else {
      assert.ok(rows >= 1, `${entry.id} returned no rows at SF ${SCALE_FACTOR}`);
    }
    assert.ok(rows <= 10_000, `${entry.id} returned ${rows} rows; keep corpus results small`);
    for (const index of entry.orderBy ?? []) {
      assert.ok(Number.isInteger(index) && index >= 0 && index < columns.length,
        `${entry.id}: orderBy index ${index} is not an output column of (${columns.join(', ')})`);
    }
    assert.equal(new Set(entry.orderBy ?? []).size, (entry.orderBy ?? []).length, `${entry.id}: repeated orderBy index`);
    // orderBy must be exactly the outer ORDER BY's terms, in order.
    // ORDER BY ALL (a lone star) names every output column, left to right.
    const orderByAll = orderTerms.length === 1 && orderTerms[0].expression.class === 'STAR';
    const fromSql = orderByAll ? columns.map((_, i) => i) : orderTerms.map((t) => orderTermIndex(t, columns));
    assert.deepEqual(entry.orderBy ?? [], fromSql,
      `${entry.id}: orderBy ${JSON.stringify(entry.orderBy ?? [])} but the outer ORDER BY names output columns ${JSON.stringify(fromSql)} of (${columns.join(', ')})`);

    assert.ok(oracle && perturbed, 'oracles not set up');
    const zone = entry.timeZone ?? 'UTC';
    const diff = compareResults(await oracle.query(entry.sql, zone), await perturbed.query(entry.sql, zone), entry);
    assert.equal(diff, null, `${entry.id} is not deterministic: with the files in another order, ${formatDiff(diff)}`);
  });
}
