// The worker's file cache against read_parquet: the same rows and types, never a
// table for a file that changed, within its memory budget, nothing dropped under a task.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { makeTempDir } from '../test/support/cluster.ts';
import { FileCache } from './file-cache.ts';

const log = pino({ level: process.env.CACHE_TEST_LOG ?? 'silent' });
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let instance: DuckDBInstance;
let reader: DuckDBConnection;

const file = (name: string) => path.join(temp.dir, `${name}.parquet`);

async function write(name: string, select: string): Promise<string> {
  await reader.run(`COPY (${select}) TO '${file(name)}' (FORMAT parquet)`);
  return file(name);
}

async function rows(sql: string): Promise<string[]> {
  const result = await reader.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ALL`);
  return result.getRows().map((row) => JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

async function types(sql: string): Promise<string[]> {
  const result = await reader.runAndReadAll(`DESCRIBE ${sql}`);
  return result.getRows().map((row) => String(row[1]));
}

async function openCache(budgetBytes: number): Promise<FileCache> {
  return FileCache.open(await instance.connect(), budgetBytes, log);
}

before(async () => {
  temp = await makeTempDir('pondgate-file-cache-');
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  reader = await instance.connect();
});

after(async () => {
  reader.closeSync();
  instance.closeSync();
  await temp.remove();
});

describe('the worker file cache', () => {
  it('reads nothing from the cache on first sight, then the same rows and types as the Parquet files', async () => {
    const a = await write('a', "SELECT range AS id, range::DECIMAL(12,2) / 3 AS d, 'x' || range AS s, NULL::INTEGER AS n FROM range(5000)");
    const b = await write('b', "SELECT range + 5000 AS id, range::DECIMAL(12,2) / 7 AS d, NULL::VARCHAR AS s, 1::INTEGER AS n FROM range(100)");
    const cache = await openCache(64 * 1024 * 1024);
    const first = await cache.lease([a, b]);
    assert.equal(first.sql, undefined, 'files seen for the first time are read as Parquet');
    first.release();
    await cache.settled();
    const second = await cache.lease([a, b]);
    assert.ok(second.sql !== undefined, 'both files are cached after the first task');
    const parquet = `SELECT * FROM read_parquet(['${a}', '${b}'], hive_partitioning = false)`;
    assert.deepEqual(await rows(second.sql), await rows(parquet));
    assert.deepEqual(await types(`(${second.sql})`), await types(`(${parquet})`));
    second.release();
    assert.equal(cache.stats().loads, 2);
    await cache.close();
  });

  it('never mixes files whose column types differ, and reads them as Parquet', async () => {
    const c = await write('c', 'SELECT range::INTEGER AS v FROM range(10)');
    const d = await write('d', 'SELECT range::BIGINT AS v FROM range(10)');
    const cache = await openCache(64 * 1024 * 1024);
    (await cache.lease([c, d])).release();
    await cache.settled();
    assert.equal(cache.stats().tables, 2);
    assert.equal((await cache.lease([c, d])).sql, undefined);
    assert.ok((await cache.lease([c])).sql !== undefined);
    await cache.close();
  });

  it('does not serve a file that changed under the same path', async () => {
    const e = await write('e', 'SELECT 1 AS v');
    const cache = await openCache(64 * 1024 * 1024);
    (await cache.lease([e])).release();
    await cache.settled();
    const cached = await cache.lease([e]);
    assert.deepEqual(await rows(cached.sql!), ['[1]']);
    cached.release();
    await write('e', 'SELECT 2 AS v');
    await utimes(e, new Date(), new Date(Date.now() + 5000));
    const changed = await cache.lease([e]);
    assert.equal(changed.sql, undefined, 'a rewritten file is another file');
    await cache.settled();
    const again = await cache.lease([e]);
    assert.deepEqual(await rows(again.sql!), ['[2]']);
    again.release();
    await cache.close();
  });

  it('keeps to its budget by dropping the least recently used tables, but never one a task holds', async () => {
    const files = await Promise.all([0, 1, 2, 3].map((i) => write(`big${i}`, `SELECT range + ${i} AS id, md5(range::VARCHAR) AS h FROM range(60000)`)));
    // Room for one and a half of these tables, as DuckDB accounts their memory.
    const probe = await openCache(1024 ** 3);
    (await probe.lease([files[0]])).release();
    await probe.settled();
    const oneTable = probe.stats().bytes;
    await probe.close();
    assert.ok(oneTable > 0);
    const cache = await openCache(Math.floor(oneTable * 1.5));
    (await cache.lease([files[0]])).release();
    await cache.settled();
    const held = await cache.lease([files[0]]);
    assert.ok(held.sql !== undefined);
    for (const f of files.slice(1)) (await cache.lease([f])).release();
    await cache.settled();
    // The held table is still there and readable; the others were dropped to make room.
    assert.equal((await rows(held.sql!)).length, 60000);
    assert.ok(cache.stats().evictions >= 2, `evictions: ${cache.stats().evictions}`);
    assert.ok(cache.stats().tables <= 2, `tables: ${cache.stats().tables}`);
    held.release();
    await cache.close();
  });

  it('is off with a budget of 0', async () => {
    const f = await write('off', 'SELECT 1 AS v');
    const cache = await openCache(0);
    (await cache.lease([f])).release();
    await cache.settled();
    assert.equal((await cache.lease([f])).sql, undefined);
    assert.equal(cache.stats().loads, 0);
  });
});
