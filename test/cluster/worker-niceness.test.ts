/**
 * Workers run niced (`--nice`, default 10), every thread of them, so that a gateway on the same
 * machine gets the CPU first: the threads started after the renice (DuckDB's, libuv's) inherit it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generateEdge } from '../../src/datagen/edge.ts';
import { makeTempDir, startTestCluster, type TestCluster } from '../support/cluster.ts';

/** The nice value of each thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19 - 3]);
  });
}

describe('worker niceness', { timeout: 2 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;

  before(async () => {
    temp = await makeTempDir('niceness');
    await generateEdge({ outDir: temp.dir });
    cluster = await startTestCluster(temp.dir, { workers: 2, workerArgs: [] });
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  it('runs every thread of a worker at niceness 10 by default, the gateway at 0', async () => {
    const client = new pg.Client({ connectionString: cluster.connectionString });
    await client.connect();
    try {
      // Work on the workers, so that their DuckDB and libuv threads exist.
      await client.query('SET pondgate.result_cache = off');
      await client.query('SELECT count(*) FROM events e JOIN accounts a USING (acct_id)');
    } finally {
      await client.end();
    }
    for (const worker of cluster.workers) {
      const values = threadNiceness(worker.process.pid!);
      assert.ok(values.length > 3, `threads of worker ${worker.process.pid}: ${values.length}`);
      assert.deepEqual([...new Set(values)], [10], `niceness of the worker's threads: ${values.join(' ')}`);
    }
    assert.deepEqual([...new Set(threadNiceness(cluster.gatewayPid))], [0]);
  });
});
