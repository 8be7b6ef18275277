import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { flightsParquetPath, importFlights } from './flights.ts';
import { tableRows } from '../storage/manifest.ts';
import { readManifest } from '../storage/manifest-store.ts';

let root: string | undefined;
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('flights-3m.parquet is found through the vega-datasets package', () => {
  const file = flightsParquetPath();
  assert.ok(existsSync(file), file);
  assert.ok(file.endsWith(path.join('vega-datasets', 'data', 'flights-3m.parquet')));
});

test('importFlights writes the flights table with its real columns', async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pondgate-flights-test-'));
  const table = await importFlights({ outDir: root, partitions: 3, threads: 2, memoryLimit: '1GB' });
  assert.deepEqual(table.columns, [
    { name: 'date', type: 'TIMESTAMP' }, { name: 'delay', type: 'BIGINT' }, { name: 'distance', type: 'BIGINT' },
    { name: 'origin', type: 'VARCHAR' }, { name: 'destination', type: 'VARCHAR' },
  ]);
  assert.equal(table.partitions.length, 3);
  assert.equal(tableRows(table), 3_000_000);
  assert.deepEqual((await readManifest(root)).tables.flights, table);
  // The file is in date order, so even partitions are date ranges.
  const [a, b] = table.partitions.map((p) => p.files[0].columns.date);
  assert.ok(a.max !== null && b.min !== null && a.max <= b.min, `${a.max} <= ${b.min}`);
});
