/**
 * The differential suite: every corpus query goes through a real PostgreSQL
 * client (node-postgres) → gateway → real NATS → 2 DuckDB workers, and is
 * compared with one in-process DuckDB over the same Parquet files by the
 * Contract's rules (see compare.ts): text values, float tolerance 1e-9
 * relative, ORDER BY key order, column names and type OIDs, non-empty.
 */
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generateTpch } from '../../src/datagen/tpch.ts';
import { importFlights } from '../../src/datagen/flights.ts';
import { makeTempDir, startTestCluster, type TestCluster } from '../support/cluster.ts';
import { assertResultsMatch, type TextResult } from './compare.ts';
import { CORPUS } from './corpus.ts';
import { openOracle, type Oracle } from './oracle.ts';

const SCALE_FACTOR = Number(process.env.PONDGATE_TEST_SF ?? 0.05);

/** node-postgres must hand back the server's text untouched: no client-side conversions. */
const rawText = { getTypeParser: () => (value: string) => value };

describe('differential: pondgate vs single-node DuckDB', { timeout: 30 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  let client: pg.Client;
  let oracle: Oracle;

  before(async () => {
    temp = await makeTempDir('differential');
    await generateTpch({ scaleFactor: SCALE_FACTOR, outDir: temp.dir, partitions: 8, threads: 2, memoryLimit: '2GB' });
    await importFlights({ outDir: temp.dir, partitions: 8 });
    cluster = await startTestCluster(temp.dir);
    client = new pg.Client({ connectionString: cluster.connectionString, types: rawText });
    await client.connect();
    oracle = await openOracle(temp.dir);
  });

  after(async () => {
    await client?.end();
    oracle?.close();
    await cluster?.stop();
    await temp?.remove();
  });

  for (const entry of CORPUS) {
    it(entry.id, async () => {
      const expected = await oracle.query(entry.sql);
      const result = await client.query({ text: entry.sql, rowMode: 'array' });
      const actual: TextResult = {
        columns: result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
        rows: result.rows as (string | null)[][],
      };
      assertResultsMatch(expected, actual, { orderBy: entry.orderBy, expectEmpty: entry.expectEmpty }, entry.id);
    });
  }
});
