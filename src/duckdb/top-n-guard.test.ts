/**
 * The guard against DuckDB's top-N bug over outer joins: what it turns off, for how long, and
 * that it fixes the reproduction on the corpus's own edge-case tables. If the first assertion
 * ever fails, DuckDB has fixed its bug and the guard can go.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { generateEdge } from '../datagen/edge.ts';
import { resolveDataPath, tablePaths } from '../storage/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { TopNGuard } from './top-n-guard.ts';

const QUERY = 'SELECT r.reading_id, a.acct_id FROM accounts a LEFT JOIN readings r ON r.acct_id = a.acct_id ORDER BY 1 NULLS FIRST, 2 LIMIT 6';

describe('TopNGuard', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let guard: TopNGuard;

  before(async () => {
    temp = await makeTempDir('top-n-guard');
    const manifest = await generateEdge({ outDir: temp.dir });
    // One thread, as a worker task runs.
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    connection = await instance.connect();
    for (const name of ['accounts', 'readings']) {
      const files = tablePaths(manifest.tables[name]!).map((f) => `'${resolveDataPath(temp.dir, f)}'`);
      await connection.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet([${files.join(', ')}])`);
    }
    guard = new TopNGuard(await instance.connect());
  });

  after(async () => {
    connection?.closeSync();
    instance?.closeSync();
    await temp?.remove();
  });

  const disabled = async (): Promise<string> => String((await connection.runAndReadAll("SELECT current_setting('disabled_optimizers')")).getRows()[0]![0]);
  const nullReadings = async (): Promise<number> => (await connection.runAndReadAll(QUERY)).getRows().filter((row) => row[0] === null).length;

  it('DuckDB alone puts NULL-extended rows first that the join does not have', async () => {
    const unmatched = (await connection.runAndReadAll('SELECT count(*) FROM accounts a LEFT JOIN readings r ON r.acct_id = a.acct_id WHERE r.reading_id IS NULL')).getRows()[0]![0];
    assert.equal(unmatched, 0n, 'every account has readings');
    assert.ok((await nullReadings()) > 0, 'the top-N bug reproduces (if not, DuckDB fixed it)');
  });

  it('turns the top-N optimizer off while held, and the answer is right', async () => {
    const release = await guard.hold();
    try {
      assert.equal(await disabled(), 'top_n');
      assert.equal(await nullReadings(), 0);
    } finally {
      release();
    }
    await guard.settled();
    assert.equal(await disabled(), '');
  });

  it('stays off until the last of overlapping holders releases', async () => {
    const first = await guard.hold();
    const second = await guard.hold();
    first();
    first();
    assert.equal(await disabled(), 'top_n', 'a second release of the same holder changes nothing');
    second();
    await guard.settled();
    assert.equal(await disabled(), '');
    // Held again at once after a release: the SETs run in order, so it ends off.
    const third = await guard.hold();
    assert.equal(await disabled(), 'top_n');
    third();
    await guard.settled();
    assert.equal(await disabled(), '');
  });
});
