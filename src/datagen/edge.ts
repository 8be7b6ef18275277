/**
 * Edge-case tables for the differential tests. TPC-H and flights have no NULL
 * keys, no empty partitions, no one-row or empty tables and no skew, so a
 * planner can be wrong on exactly those and still pass them. These tables are
 * small (a few thousand rows in all), fixed (independent of any scale factor)
 * and deterministic: every value is modular arithmetic on the row number, so
 * two runs give identical rows. Only the hash bucket of a row depends on
 * DuckDB's hash function, as for every hash-partitioned table.
 *
 * | table     | partitioning              | what it exercises                                              |
 * |-----------|---------------------------|----------------------------------------------------------------|
 * | accounts  | hash(acct_id INTEGER) % 4 | NULL group keys, DECIMAL, TIMESTAMPTZ across DST, odd strings   |
 * | events    | hash(acct_id BIGINT) % 4  | co-located with accounts (INTEGER and BIGINT hash alike); 60% of rows on one key; NULL and orphan keys |
 * | transfers | hash(acct_id INTEGER) % 3 | same key as accounts but another bucket count: not co-located  |
 * | ledger    | hash(acct_ref DECIMAL) % 4 | DECIMAL(9,2) key: same bucket count, but a DECIMAL hashes its scaled integer, so not co-located with accounts |
 * | readings  | even, 5 partitions, 2 empty | zero-row partition files; TINYINT / UBIGINT keys, DOUBLE, DATE, TIMESTAMP |
 * | zones     | one partition             | a dimension with a NULL key and a key no account uses; code INTEGER joins accounts.zone SMALLINT |
 * | one_row   | one partition             | a one-row table                                                 |
 * | no_rows   | one partition, zero rows  | an empty table (the manifest allows a partition with no rows)   |
 *
 * Column facts the corpus relies on (keep them true when editing):
 * - accounts.acct_id 1..120, unique; zone SMALLINT NULL when acct_id % 11 = 0,
 *   else acct_id % 5 (zone 4 has no row in zones); balance NULL when
 *   acct_id % 13 = 0; owner NULL for acct 8 and a few owners hold quotes,
 *   semicolons, backslashes and dollar signs.
 * - events.acct_id: 7 for 60% of rows, NULL when event_id % 37 = 0, an
 *   orphan (no account) when event_id % 41 = 0; score DOUBLE is never
 *   negative (so sums of it cannot cancel).
 * - zones has a row with code NULL and a row with code 9 that matches nothing.
 */
import { writePartition } from '../storage/partition-file.ts';
import { duckdbLibraryVersion, openStorageDb, type DuckDBResources } from '../storage/duckdb.ts';
import { bucketExpr } from '../storage/bucket.ts';
import { newTableDirectory, partitionFile } from '../storage/layout.ts';
import { createStaging, discardStaging, publishTables } from '../storage/publish.ts';
import type { ColumnDef, Manifest, PartitionEntry, Partitioning, TableEntry } from '../storage/manifest.ts';

export interface EdgeOptions extends DuckDBResources {
  /** Data directory holding the manifest; the edge tables are added to it. */
  readonly outDir: string;
}

/** How one table is split into partition files. */
type Split =
  | { readonly kind: 'hash'; readonly column: string; readonly buckets: number }
  /** Row-number ranges [from, to) over the ordered rows; an empty range is an empty partition file. */
  | { readonly kind: 'ranges'; readonly ranges: readonly (readonly [number, number])[] };

interface EdgeTable {
  readonly name: string;
  /** All rows of the table. */
  readonly sql: string;
  /** A unique column: rows are numbered in its order, so ranges and files are the same on every run. */
  readonly orderKey: string;
  readonly split: Split;
}

const TZ_START = "TIMESTAMPTZ '2023-03-01 00:00:00+00'";

/** Owner names with the characters that trip statement scanners and quoting. */
const ODD_OWNERS: Readonly<Record<number, string>> = {
  3: "O'Brien; DROP",
  5: 'semi;colon',
  13: 'back\\slash',
  21: '$$dollar$$',
  34: 'Zoë -- not a comment',
  55: '/* not a comment */',
};

const oddOwnerCase = Object.entries(ODD_OWNERS)
  .map(([id, name]) => `WHEN ${id} THEN '${name.replaceAll("'", "''")}'`)
  .join(' ');

export const EDGE_TABLES: readonly EdgeTable[] = [
  {
    name: 'accounts',
    orderKey: 'acct_id',
    sql: `SELECT i::INTEGER AS acct_id,
        CASE WHEN i % 11 = 0 THEN NULL ELSE i % 5 END::SMALLINT AS zone,
        CASE i WHEN 8 THEN NULL ${oddOwnerCase} ELSE 'owner ' || i END AS owner,
        CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 100000 - 30000) / 100 END::DECIMAL(12,2) AS balance,
        ${TZ_START} + i * INTERVAL '7 hours 13 minutes' AS opened_at,
        (i % 3)::TINYINT AS tier,
        CASE WHEN i % 19 = 0 THEN NULL ELSE i % 4 <> 0 END AS active
      FROM range(1, 121) r(i)`,
    split: { kind: 'hash', column: 'acct_id', buckets: 4 },
  },
  {
    name: 'events',
    orderKey: 'event_id',
    sql: `SELECT i::BIGINT AS event_id,
        CASE WHEN i % 37 = 0 THEN NULL WHEN i % 41 = 0 THEN 500 + i % 7 WHEN i % 10 < 6 THEN 7 ELSE (i * 31) % 120 + 1 END::BIGINT AS acct_id,
        CASE WHEN i % 23 = 0 THEN NULL ELSE ['open', 'click', 'buy', 'refund', 'close'][1 + (i * 7) % 5] END AS kind,
        CASE WHEN i % 29 = 0 THEN NULL ELSE ((i * 37) % 20000 - 5000) / 1000 END::DECIMAL(10,3) AS amount,
        ${TZ_START} + i * INTERVAL '17 minutes 31 seconds' AS occurred_at,
        CASE WHEN i % 31 = 0 THEN NULL ELSE ((i * 7907) % 1000) / 7.0 END::DOUBLE AS score,
        ((i * 13) % 9)::INTEGER AS qty
      FROM range(1, 4001) r(i)`,
    split: { kind: 'hash', column: 'acct_id', buckets: 4 },
  },
  {
    name: 'transfers',
    orderKey: 'transfer_id',
    sql: `SELECT i::INTEGER AS transfer_id,
        CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7) % 130 + 1 END::INTEGER AS acct_id,
        CASE WHEN i % 19 = 0 THEN NULL ELSE (i * 11) % 125 + 1 END::BIGINT AS to_acct,
        (((i * 7793) % 1000000) / 10000)::DECIMAL(18,4) AS amount,
        ${TZ_START} + i * INTERVAL '1 hour 11 minutes' AS sent_at,
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'memo ' || (i % 9) END AS memo
      FROM range(1, 601) r(i)`,
    split: { kind: 'hash', column: 'acct_id', buckets: 3 },
  },
  {
    name: 'ledger',
    orderKey: 'entry_id',
    sql: `SELECT i::INTEGER AS entry_id,
        CASE WHEN i % 23 = 0 THEN NULL WHEN i % 10 = 3 THEN (i % 120) + 0.5 ELSE (i % 130) + 1 END::DECIMAL(9,2) AS acct_ref,
        (((i * 97) % 5000 - 2500) / 100)::DECIMAL(9,2) AS delta,
        DATE '2023-01-01' + (i % 90)::INTEGER AS booked_on
      FROM range(1, 301) r(i)`,
    split: { kind: 'hash', column: 'acct_ref', buckets: 4 },
  },
  {
    name: 'readings',
    orderKey: 'reading_id',
    sql: `SELECT i::INTEGER AS reading_id,
        CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 125) + 1 END::TINYINT AS acct_id,
        ((i * 3) % 50)::UBIGINT AS sensor,
        CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7907) % 10000) / 64.0 END::DOUBLE AS value,
        TIMESTAMP '2023-03-25 00:00:00' + i * INTERVAL '37 minutes' AS taken_at,
        (DATE '2023-03-25' + (i // 40)::INTEGER) AS taken_on
      FROM range(1, 501) r(i)`,
    // Partitions 1 and 4 are empty files: a planner must neither skip the
    // table nor fail on a partition without rows.
    split: { kind: 'ranges', ranges: [[0, 200], [200, 200], [200, 350], [350, 500], [500, 500]] },
  },
  {
    name: 'zones',
    orderKey: 'name',
    sql: `SELECT * FROM (VALUES (0, 'north', -5), (1, 'south', 0), (2, 'east', 1), (3, 'west', 9), (9, 'nowhere', 13), (NULL, 'unknown', NULL))
        v(code, name, utc_offset)`,
    split: { kind: 'ranges', ranges: [[0, 6]] },
  },
  {
    name: 'one_row',
    orderKey: 'id',
    sql: `SELECT 7::INTEGER AS id, 'the only row' AS label, 12.50::DECIMAL(12,2) AS amount, TIMESTAMPTZ '2023-03-26 01:30:00+00' AS stamped_at`,
    split: { kind: 'ranges', ranges: [[0, 1]] },
  },
  {
    name: 'no_rows',
    orderKey: 'id',
    sql: `SELECT 7::INTEGER AS id, 'never' AS label, 12.50::DECIMAL(12,2) AS amount, TIMESTAMPTZ '2023-03-26 01:30:00+00' AS stamped_at WHERE false`,
    split: { kind: 'ranges', ranges: [[0, 0]] },
  },
];

export const EDGE_TABLE_NAMES = EDGE_TABLES.map((t) => t.name);

/** The SELECT of one partition: a hash bucket, or a row-number range, of the table's rows. */
function partitionSelects(table: EdgeTable): string[] {
  const numbered = `SELECT *, row_number() OVER (ORDER BY "${table.orderKey}") - 1 AS _rn FROM (${table.sql})`;
  const { split } = table;
  if (split.kind === 'hash') {
    return Array.from({ length: split.buckets }, (_, b) =>
      `SELECT * EXCLUDE (_rn) FROM (${numbered}) WHERE ${bucketExpr(`"${split.column}"`, split.buckets)} = ${b} ORDER BY _rn`);
  }
  return split.ranges.map(([from, to]) => `SELECT * EXCLUDE (_rn) FROM (${numbered}) WHERE _rn >= ${from} AND _rn < ${to} ORDER BY _rn`);
}

/** The manifest's partitioning: for hash splits, the key's type as written and the DuckDB that hashed it. */
function partitioning(split: Split, columns: readonly ColumnDef[], hashedBy: string): Partitioning {
  if (split.kind !== 'hash') return { scheme: 'even' };
  const keyType = columns.find((c) => c.name === split.column)?.type;
  if (!keyType) throw new Error(`hash column ${split.column} is not a column of the table`);
  return { scheme: 'hash', column: split.column, keyType, buckets: split.buckets, hashedBy };
}

/** Writes the edge tables and records them in `<outDir>/manifest.json` (other tables are kept). */
export async function generateEdge(options: EdgeOptions): Promise<Manifest> {
  const db = await openStorageDb({ threads: options.threads ?? 1, memoryLimit: options.memoryLimit ?? '512MB' });
  const staging = await createStaging(options.outDir);
  try {
    const tables: TableEntry[] = [];
    const hashedBy = await duckdbLibraryVersion(db.connection);
    for (const table of EDGE_TABLES) {
      const partitions: PartitionEntry[] = [];
      let columns: ColumnDef[] = [];
      const directory = newTableDirectory(table.name);
      for (const [i, selectSql] of partitionSelects(table).entries()) {
        const written = await writePartition(db.connection, { dataDir: staging, file: partitionFile(directory, i), selectSql });
        partitions.push(written.entry);
        columns = written.columns;
      }
      tables.push({ name: table.name, columns, partitioning: partitioning(table.split, columns, hashedBy), partitions });
    }
    return await publishTables(options.outDir, staging, tables);
  } catch (error) {
    await discardStaging(staging);
    throw error;
  } finally {
    await db.close();
  }
}
