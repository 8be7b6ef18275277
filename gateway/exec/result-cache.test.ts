import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { SqlCodec } from '../sql/codec.ts';
import type { RowStream } from './executor.ts';
import { batchBytes, describeOutcome, ResultCache, resultCacheKey, uncacheableReason, type CacheOutcome, type CachedResult } from './result-cache.ts';

const MB = 1024 * 1024;
const COLUMNS = [{ name: 'x', type: 'INTEGER' }];

function batchOf(values: number[]): RecordBatch {
  return tableFromArrays({ x: Int32Array.from(values) }).batches[0];
}

function entry(bytes: number, manifestVersion = 1): CachedResult {
  return { columns: COLUMNS, batches: [batchOf([1])], bytes, manifestVersion };
}

/** A RowStream over `batches` that fails after them when `failAfter` is set. */
function streamOf(batches: RecordBatch[], failAfter = false): RowStream & { closed: boolean } {
  const stream = {
    columns: COLUMNS,
    batches: (async function* () {
      yield* batches;
      if (failAfter) throw new Error('worker died');
    })(),
    stats: [],
    closed: false,
    close: async () => {
      stream.closed = true;
    },
  };
  return stream;
}

async function readAll(rows: RowStream): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  try {
    for await (const batch of rows.batches) out.push(batch);
  } finally {
    await rows.close();
  }
  return out;
}

describe('ResultCache: storing and serving', () => {
  it('misses, stores a result read to the end, then hits with the same batches', async () => {
    const cache = new ResultCache({ maxBytes: 8 * MB });
    assert.equal(cache.get('k', 1), undefined);
    const batches = [batchOf([1, 2, 3]), batchOf([4])];
    const outcomes: CacheOutcome[] = [];
    const source = streamOf(batches);
    const read = await readAll(cache.record('k', 1, source, (o) => outcomes.push(o)));
    assert.deepEqual(read, batches);
    assert.equal(source.closed, true, 'closing the recorded stream closes the source');
    assert.deepEqual(outcomes, [{ kind: 'stored' }]);
    const hit = cache.get('k', 1);
    assert.ok(hit);
    const replayed = await readAll(cache.replay(hit));
    assert.equal(replayed.length, 2);
    assert.deepEqual(replayed.map((b) => b.getChild('x')?.toArray()), batches.map((b) => b.getChild('x')?.toArray()));
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, stored: 1, evicted: 0, entries: 1, bytes: hit.bytes });
    assert.equal(describeOutcome({ kind: 'hit' }), 'hit');
    assert.equal(describeOutcome(outcomes[0]), 'miss (stored)');
  });

  it('stores nothing for a result not read to the end', async () => {
    const cache = new ResultCache({ maxBytes: 8 * MB });
    const outcomes: CacheOutcome[] = [];
    const rows = cache.record('k', 1, streamOf([batchOf([1]), batchOf([2])]), (o) => outcomes.push(o));
    const iterator = rows.batches[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    await rows.close();
    assert.equal(cache.get('k', 1), undefined);
    assert.deepEqual(outcomes, []);
  });

  it('stores nothing for a result that failed after some batches', async () => {
    const cache = new ResultCache({ maxBytes: 8 * MB });
    await assert.rejects(readAll(cache.record('k', 1, streamOf([batchOf([1])], true))), /worker died/);
    assert.equal(cache.get('k', 1), undefined);
    assert.equal(cache.stats().stored, 0);
  });

  it('does not store an entry above the per-entry limit, and says so', async () => {
    const cache = new ResultCache({ maxBytes: 8 * MB, maxEntryBytes: 64 * 1024 });
    const big = batchOf(Array.from({ length: 50_000 }, (_, i) => i));
    assert.ok(batchBytes(big) > 64 * 1024);
    const outcomes: CacheOutcome[] = [];
    const read = await readAll(cache.record('k', 1, streamOf([batchOf([1]), big]), (o) => outcomes.push(o)));
    assert.equal(read.length, 2, 'the client still gets every batch');
    assert.equal(cache.get('k', 1), undefined);
    assert.equal(outcomes[0]?.kind, 'not stored');
    assert.match(describeOutcome(outcomes[0]), /per-entry limit/);
  });

  it('evicts the least recently used entries once the total exceeds its bytes', () => {
    const cache = new ResultCache({ maxBytes: 1000, maxEntryBytes: 1000 });
    assert.ok(cache.put('a', entry(400)));
    assert.ok(cache.put('b', entry(400)));
    assert.ok(cache.get('a', 1), 'a is now more recent than b');
    assert.ok(cache.put('c', entry(400)));
    assert.equal(cache.get('b', 1), undefined, 'b was the least recently used');
    assert.ok(cache.get('a', 1));
    assert.ok(cache.get('c', 1));
    assert.equal(cache.stats().bytes, 800);
    assert.equal(cache.stats().evicted, 1);
    // Replacing a key counts its bytes once.
    assert.ok(cache.put('c', entry(300)));
    assert.equal(cache.stats().bytes, 700);
    assert.equal(cache.put('d', entry(1001)), false, 'above the per-entry limit');
  });

  it('drops entries of older manifest versions and refuses to store them', () => {
    const cache = new ResultCache({ maxBytes: 1000, maxEntryBytes: 1000 });
    assert.ok(cache.put('a', entry(100, 1)));
    assert.equal(cache.get('a', 2), undefined, 'a query of version 2 never gets rows of version 1');
    assert.equal(cache.stats().entries, 0);
    assert.equal(cache.put('b', entry(100, 1)), false, 'a query that started before the change finished after it');
  });

  it('is disabled by a size of 0', () => {
    const cache = new ResultCache({ maxBytes: 0 });
    assert.equal(cache.enabled, false);
    assert.equal(cache.put('a', entry(1)), false);
  });
});

describe('resultCacheKey', () => {
  const base = { sql: 'SELECT * FROM t WHERE a = $1', parameters: ['1'], settings: { timezone: 'UTC', session_authorization: 'alice', datestyle: 'ISO, MDY' }, manifestVersion: 3 };

  it('is stable for the same parts', () => {
    assert.equal(resultCacheKey(base), resultCacheKey({ ...base, settings: { ...base.settings } }));
    assert.match(resultCacheKey(base), /^[0-9a-f]{64}$/);
  });

  it('differs by text, parameters, settings that reach DuckDB, user and manifest version', () => {
    const key = resultCacheKey(base);
    for (const changed of [
      { ...base, sql: 'SELECT * FROM t WHERE a = $1 ' },
      { ...base, parameters: ['2'] },
      { ...base, parameters: [null] },
      { ...base, settings: { ...base.settings, timezone: 'Europe/Paris' } },
      { ...base, settings: { ...base.settings, session_authorization: 'bob' } },
      { ...base, settings: { ...base.settings, 'pondgate.join_strategy': 'shuffle' } },
      { ...base, manifestVersion: 4 },
    ]) {
      assert.notEqual(resultCacheKey(changed), key, JSON.stringify(changed));
    }
  });

  it('ignores settings that only change how the wire formats values', () => {
    const key = resultCacheKey(base);
    assert.equal(resultCacheKey({ ...base, settings: { ...base.settings, datestyle: 'German', extra_float_digits: '3', application_name: 'x', 'pondgate.result_cache': 'on' } }), key);
  });
});

describe('uncacheableReason on DuckDB parse trees', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let codec: SqlCodec;
  const tables = new Set(['lineitem', 'orders', 'pg_settings']);

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    codec = new SqlCodec(connection);
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const reasonOf = async (sql: string): Promise<string | undefined> => {
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, sql);
    return uncacheableReason(parsed.statement, tables);
  };

  it('caches queries over user tables, CTEs and pure functions', async () => {
    for (const sql of [
      'SELECT l_returnflag, count(*), avg(l_extendedprice) FROM lineitem GROUP BY 1 ORDER BY 1',
      'SELECT * FROM public.orders o JOIN LineItem l ON o_orderkey = l_orderkey WHERE o_orderdate < DATE \'1995-01-01\'',
      'WITH big AS (SELECT * FROM orders WHERE o_totalprice > $1) SELECT count(*) FROM big',
      "SELECT date_trunc('month', o_orderdate), array_length([1,2]) FROM orders",
      'SELECT * FROM range(3)',
      'SELECT 1 + 1',
    ]) {
      assert.equal(await reasonOf(sql), undefined, sql);
    }
  });

  it('refuses volatile and time-dependent functions, also as SQL value keywords', async () => {
    for (const [sql, reason] of [
      ['SELECT now()', /volatile function now/],
      ['SELECT count(*) FROM orders WHERE o_orderdate > current_date', /current_date/],
      ['SELECT CURRENT_TIMESTAMP', /current_timestamp/],
      ['SELECT current_timestamp(3)', /current_timestamp/],
      ['SELECT LOCALTIME, LOCALTIMESTAMP', /localtime/],
      ['SELECT random() FROM orders', /random/],
      ['SELECT gen_random_uuid()', /gen_random_uuid/],
      ['SELECT uuid()', /uuid/],
      ["SELECT nextval('s')", /nextval/],
      ['SELECT setseed(0.5)', /setseed/],
      ['SELECT clock_timestamp()', /clock_timestamp/],
      ['SELECT txid_current()', /txid_current/],
      ["SELECT current_setting('TimeZone')", /current_setting/],
      ['SELECT pg_backend_pid()', /pg_backend_pid/],
      ['SELECT version()', /version/],
      ['SELECT pg_catalog.version()', /version/],
      ['SELECT current_user', /current_user/],
      ['SELECT today()', /today/],
    ] as const) {
      assert.match((await reasonOf(sql)) ?? 'cached', reason, sql);
    }
  });

  it('refuses the catalog, unknown relations, table functions, samples and reg* casts', async () => {
    for (const sql of [
      'SELECT * FROM pg_stat_activity',
      'SELECT * FROM pg_settings',
      'SELECT * FROM pg_catalog.pg_class',
      'SELECT * FROM information_schema.tables',
      'SELECT * FROM orders JOIN pg_settings ON true',
      'SELECT * FROM duckdb_settings()',
      'SELECT * FROM other_schema.orders',
      'SELECT * FROM not_a_table',
      'SELECT * FROM orders USING SAMPLE 10%',
      "SELECT 'orders'::regclass",
      'SELECT * FROM orders WHERE o_custkey IN (SELECT oid FROM pg_namespace)',
    ]) {
      assert.notEqual(await reasonOf(sql), undefined, sql);
    }
  });
});
