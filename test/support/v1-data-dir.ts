/**
 * A format-1 data directory written by hand, as pondgate wrote them before
 * format 2: `<table>/part-NNNNN.parquet` files (real Parquet, written by
 * DuckDB) and a manifest with paths, row counts and partition-level min/max.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openStorageDb, sqlString } from '../../src/storage/duckdb.ts';

/** Rows of every table: k = 1..12, with v = NULL for k % 4 = 0. */
export const V1_ROWS = 12;
export const V1_VERSION = 4;

interface V1Spec {
  readonly name: string;
  readonly partitioning: object;
  /** The k values of each file, per partition. */
  readonly files: readonly (readonly (readonly number[])[])[];
}

const keys = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * `even_t`: two partitions of contiguous keys, the second in two files;
 * `hash_t`: three partitions, row k in partition hash(k) % 3 (true hash partitioning);
 * `fake_hash_t`: claims hash(k) % 2 but holds contiguous keys.
 */
export async function writeV1DataDir(dataDir: string): Promise<void> {
  const db = await openStorageDb({ threads: 1, memoryLimit: '256MB' });
  try {
    const bucket = async (k: number, n: number) => {
      const reader = await db.connection.runAndReadAll(`SELECT hash(${k}::BIGINT) % ${n} AS b`);
      return Number(reader.getRowObjectsJS()[0].b);
    };
    const hashed: number[][] = [[], [], []];
    for (const k of keys(1, V1_ROWS)) hashed[await bucket(k, 3)].push(k);
    const specs: V1Spec[] = [
      { name: 'even_t', partitioning: { scheme: 'even' }, files: [[keys(1, 6)], [keys(7, 9), keys(10, 12)]] },
      { name: 'hash_t', partitioning: { scheme: 'hash', column: 'k', buckets: 3 }, files: hashed.map((ks) => [ks]) },
      { name: 'fake_hash_t', partitioning: { scheme: 'hash', column: 'k', buckets: 2 }, files: [[keys(1, 6)], [keys(7, 12)]] },
    ];
    const tables: Record<string, unknown> = {};
    for (const spec of specs) {
      await mkdir(path.join(dataDir, spec.name), { recursive: true });
      let n = 0;
      const partitions = [];
      for (const files of spec.files) {
        const paths: string[] = [];
        for (const ks of files) {
          const file = `${spec.name}/part-${String(n++).padStart(5, '0')}.parquet`;
          const values = ks.map((k) => `(${k}::BIGINT, ${k % 4 === 0 ? 'NULL' : `'v${k}'`})`).join(', ');
          await db.connection.run(`COPY (SELECT * FROM (VALUES ${values}) t(k, v)) TO ${sqlString(path.join(dataDir, file))} (FORMAT parquet)`);
          paths.push(file);
        }
        const all = files.flat();
        partitions.push({ files: paths, rows: all.length, stats: { k: { min: String(Math.min(...all)), max: String(Math.max(...all)) } } });
      }
      tables[spec.name] = { name: spec.name, columns: [{ name: 'k', type: 'BIGINT' }, { name: 'v', type: 'VARCHAR' }], partitioning: spec.partitioning, partitions };
    }
    await writeFile(path.join(dataDir, 'manifest.json'), JSON.stringify({ format: 1, version: V1_VERSION, tables }, null, 2) + '\n');
  } finally {
    await db.close();
  }
}
