/**
 * The gateway's memory limit and temp directory on a real gateway process:
 * its DuckDB runs with its share of --memory-limit-mb and spills into the
 * gateway's own directory under --temp-dir, which is made at start, removed at
 * stop, and swept at start when a dead gateway left one behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { splitGatewayMemory } from '../../src/duckdb/resources.ts';
import { makeTempDir, runPondgate, startTestCluster, type TestCluster } from '../support/cluster.ts';

/** DuckDB takes '300MB' as 300 * 10^6 bytes and shows it in MiB, cut (not rounded) to one decimal. */
const shownAsMiB = (mb: number): string => `${(Math.floor(((mb * 1e6) / 2 ** 20) * 10) / 10).toFixed(1)} MiB`;

/** The pid of a process that has exited (and, this soon, not been reused). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

describe('gateway memory limit and temp directory', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let parent: string;
  let cluster: TestCluster | undefined;
  let staleDir: string;
  let foreignDir: string;

  before(async () => {
    temp = await makeTempDir('gateway-memory');
    await runPondgate(['generate', 'tpch', '--sf', '0.002', '--partitions', '2', '--into', path.join(temp.dir, 'data')]);
    parent = path.join(temp.dir, 'tmp');
    // A crashed gateway's directory (its process is gone): removed at start.
    staleDir = path.join(parent, `pondgate-gateway-${deadPid()}-abcdef`);
    await mkdir(path.join(staleDir, 'duckdb'), { recursive: true });
    await writeFile(path.join(staleDir, 'owner.json'), JSON.stringify({ pid: deadPid(), hostname: os.hostname() }));
    await writeFile(path.join(staleDir, 'duckdb', 'duckdb_temp_storage_DEFAULT-0.tmp'), 'x');
    // Not a gateway's (no owner file): left alone.
    foreignDir = path.join(parent, 'pondgate-gateway-someone-else');
    await mkdir(foreignDir, { recursive: true });
    cluster = await startTestCluster(path.join(temp.dir, 'data'), { workers: 1, gatewayArgs: ['--memory-limit-mb', '400', '--temp-dir', parent, '--spill-limit-mb', '100'] });
  });

  after(async () => {
    await cluster?.stop();
    await temp?.remove();
  });

  it("the gateway's DuckDB gets its share of the limit and spills into the gateway's temp directory", async () => {
    const client = new pg.Client(cluster!.connectionString);
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; value: string }>("SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'temp_directory') ORDER BY name");
      const settings = Object.fromEntries(rows.map((r) => [r.name, r.value]));
      assert.equal(settings.memory_limit, shownAsMiB(splitGatewayMemory(400).duckdbMb));
      const escaped = parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(settings.temp_directory, new RegExp(`^${escaped}/pondgate-gateway-${cluster!.gatewayPid}-[^/]+/duckdb$`));
      assert.ok(existsSync(settings.temp_directory), 'the DuckDB temp directory exists');
      // Queries still run as before.
      const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM nation');
      assert.equal(count.rows[0].n, '25');
    } finally {
      await client.end();
    }
  });

  it("a dead gateway's directory is swept at start, other directories are not", async () => {
    assert.equal(existsSync(staleDir), false);
    assert.equal(existsSync(foreignDir), true);
    const ours = (await readdir(parent)).filter((name) => name.startsWith(`pondgate-gateway-${cluster!.gatewayPid}-`));
    assert.equal(ours.length, 1);
  });

  it('the directory is removed when the gateway stops', async () => {
    await cluster!.stop();
    cluster = undefined;
    const left = (await readdir(parent)).filter((name) => name !== path.basename(foreignDir));
    assert.deepEqual(left, []);
  });
});

describe('gateway memory split', () => {
  it('gives result buffers a quarter, the local lane a tenth (at most 256 MB) and DuckDB the rest', () => {
    assert.deepEqual(splitGatewayMemory(400), { limitMb: 400, localLaneMb: 40, duckdbMb: 260, resultBufferBytes: 100 * 1024 * 1024 });
    assert.deepEqual(splitGatewayMemory(8000), { limitMb: 8000, localLaneMb: 256, duckdbMb: 5744, resultBufferBytes: 2000 * 1024 * 1024 });
    assert.throws(() => splitGatewayMemory(0), RangeError);
  });

  it('takes --local-lane-mb out of the DuckDB share; 0 turns the lane off', () => {
    assert.deepEqual(splitGatewayMemory(400, 0), { limitMb: 400, localLaneMb: 0, duckdbMb: 300, resultBufferBytes: 100 * 1024 * 1024 });
    assert.deepEqual(splitGatewayMemory(400, 100), { limitMb: 400, localLaneMb: 100, duckdbMb: 200, resultBufferBytes: 100 * 1024 * 1024 });
    assert.throws(() => splitGatewayMemory(400, 300), RangeError);
  });
});
