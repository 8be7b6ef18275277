/**
 * The data the BI-tool tests browse: the real flights and airports files of
 * vega-datasets, imported as a user would, served by NATS, two workers and a
 * gateway; then the comments of replay/setup.sql (the same statements the
 * PostgreSQL 15 recording ran), set through the gateway.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { flightsParquetPath, importFlights } from '../../src/datagen/flights.ts';
import { importTable } from '../../src/storage/import.ts';
import { makeTempDir, startTestCluster, type TestCluster } from '../support/cluster.ts';
import { REPLAY_USER } from './replay.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BiCluster {
  readonly cluster: TestCluster;
  readonly dir: string;
  /** The connection string of the user the recordings were made as. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** The COMMENT ON statements of setup.sql. */
export async function setupComments(): Promise<string[]> {
  const setup = await readFile(path.join(here, 'replay', 'setup.sql'), 'utf8');
  return setup.split('\n').filter((line) => /^COMMENT ON /i.test(line)).map((line) => line.replace(/;\s*$/, ''));
}

export async function startBiCluster(prefix: string): Promise<BiCluster> {
  const temp = await makeTempDir(prefix);
  try {
    await importFlights({ outDir: temp.dir, partitions: 2, threads: 1, memoryLimit: '1GB' });
    await importTable(path.join(path.dirname(flightsParquetPath()), 'airports.csv'), {
      table: 'airports', into: temp.dir, partitions: 1, by: { scheme: 'even' }, format: 'csv', threads: 1, memoryLimit: '1GB',
    });
    const cluster = await startTestCluster(temp.dir);
    const connectionString = cluster.connectionString.replace('tester@', `${REPLAY_USER}@`);
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      for (const comment of await setupComments()) await client.query(comment);
    } finally {
      await client.end();
    }
    return {
      cluster,
      dir: temp.dir,
      connectionString,
      async stop() {
        await cluster.stop();
        await temp.remove();
      },
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}
