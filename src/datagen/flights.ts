/**
 * The `flights` table: vega-datasets' flights-3m.parquet (3M real US flights:
 * date TIMESTAMP, delay BIGINT, distance BIGINT, origin VARCHAR,
 * destination VARCHAR), imported through storage/import.ts. The file is found
 * through the package's own location, so it works wherever node_modules is.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importTable, type ImportScheme } from '../storage/import.ts';
import type { DuckDBResources } from '../storage/duckdb.ts';
import type { TableEntry } from '../storage/manifest.ts';

export interface FlightsOptions extends DuckDBResources {
  /** Data directory holding the manifest (named like generateTpch's option). */
  readonly outDir: string;
  /** Default 4. */
  readonly partitions?: number;
  /** Default `{ scheme: 'even' }` (the file is in date order, so partitions are date ranges). */
  readonly by?: ImportScheme;
  /** Table name, default `flights`. */
  readonly table?: string;
}

/** Location of flights-3m.parquet inside the installed vega-datasets package. */
export function flightsParquetPath(): string {
  return path.join(packageRoot('vega-datasets'), 'data', 'flights-3m.parquet');
}

/**
 * Root directory of an installed package. vega-datasets' `exports` map hides
 * `vega-datasets/package.json`, so resolve the package's entry point and walk
 * up to the directory whose package.json names the package.
 */
function packageRoot(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = parent;
  }
}

export async function importFlights(options: FlightsOptions): Promise<TableEntry> {
  return importTable(flightsParquetPath(), {
    table: options.table ?? 'flights',
    into: options.outDir,
    partitions: options.partitions ?? 4,
    by: options.by ?? { scheme: 'even' },
    format: 'parquet',
    threads: options.threads,
    memoryLimit: options.memoryLimit,
  });
}
