/** `pondgate generate tpch`: TPC-H-style demo and benchmark data, written as partitioned Parquet. */
import type { Command } from 'commander';
import { TPCH_DEFAULT_SEED, generateTpch } from '../../datagen/tpch.ts';
import { defaultResources } from '../../duckdb/resources.ts';
import { DEFAULTS, positiveInteger, positiveNumber } from '../options.ts';

export interface GenerateOptions {
  sf: number;
  partitions: number;
  into: string;
  hashKey: boolean;
  seed: number;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate data sets')
    .command('tpch')
    .description('write the 8 TPC-H tables as partitioned Parquet plus the manifest (deterministic by seed)')
    .option('--sf <factor>', 'scale factor (1 = ~6M lineitem rows)', positiveNumber, 0.1)
    .option('--partitions <n>', 'partitions per table', positiveInteger, 8)
    .option('--into <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--hash-key', 'partition lineitem and orders by hash of the order key (co-located)', false)
    .option('--seed <n>', 'seed of the pseudo-random values', positiveInteger, TPCH_DEFAULT_SEED)
    .action(async (options: GenerateOptions) => {
      await generateTpchWithProgress(options);
    });
}

export async function generateTpchWithProgress(options: GenerateOptions): Promise<void> {
  const resources = defaultResources(1, 0.5);
  const started = Date.now();
  process.stdout.write(`generating TPC-H SF ${options.sf} into ${options.into} (${options.partitions} partitions)\n`);
  await generateTpch({
    scaleFactor: options.sf,
    outDir: options.into,
    partitions: options.partitions,
    seed: options.seed,
    hashKey: options.hashKey,
    threads: resources.threads,
    memoryLimit: `${resources.memoryLimitMb}MB`,
    onProgress: (table, partition, rows) => process.stdout.write(`  ${table} partition ${partition}: ${rows} rows\n`),
  });
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
