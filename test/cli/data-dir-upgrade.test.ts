/**
 * A gateway started on a format-1 data directory upgrades it to format 2
 * before it serves, logs the upgrade, and answers queries over the old files.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startChild, type ChildHandle } from '../../src/cli/children.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/cluster/nats-server.ts';
import { makeTempDir, startPondgate } from '../support/cluster.ts';
import { V1_ROWS, V1_VERSION, writeV1DataDir } from '../support/v1-data-dir.ts';

describe('gateway start on a format-1 data directory', { timeout: 3 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let nats: RunningNatsServer | undefined;
  const processes: ChildHandle[] = [];
  let gatewayLog = '';
  let port = 0;

  before(async () => {
    temp = await makeTempDir('v1-upgrade');
    await writeV1DataDir(temp.dir);
    nats = await startNatsServer();
    const shared = ['--nats', nats.url, '--data', temp.dir, '--cluster', 'upgrade', '--processes', '3'];
    processes.push(await startPondgate(['worker', ...shared], /ready/));
    const gateway = await startChild(['gateway', ...shared, '--port', '0'], /^ready on /, {
      captureStderr: true,
      env: { ...process.env, PONDGATE_LOG_LEVEL: 'info' },
      onStderr: (text) => (gatewayLog += text),
    });
    processes.push(gateway);
    port = Number(/:(\d+)$/.exec(gateway.readyLine)?.[1]);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await nats?.stop();
    await temp?.remove();
  });

  it('commits format 2, logs the upgrade and serves the old files', async () => {
    const manifest = JSON.parse(await readFile(path.join(temp.dir, 'manifest.json'), 'utf8'));
    assert.deepEqual([manifest.format, manifest.version], [2, V1_VERSION + 1]);
    assert.match(gatewayLog, /upgraded the manifest of .* from format 1 to format 2/);
    assert.match(gatewayLog, /table fake_hash_t is recorded as partitioned by files/);
    const client = new pg.Client({ connectionString: `postgresql://tester@127.0.0.1:${port}/pondgate` });
    await client.connect();
    try {
      for (const table of ['even_t', 'hash_t', 'fake_hash_t']) {
        const { rows } = await client.query(`SELECT count(*) AS n, count(v) AS v, max(k) AS k FROM ${table}`);
        assert.deepEqual(rows[0], { n: String(V1_ROWS), v: String(V1_ROWS - V1_ROWS / 4), k: String(V1_ROWS) }, table);
      }
    } finally {
      await client.end();
    }
  });
});
