/** `pondgate import`: CSV, Parquet or JSON files into a partitioned table of the catalog. */
import { InvalidArgumentError, type Command } from 'commander';
import { importTable, type ImportScheme } from '../../storage/import.ts';
import { DEFAULTS, positiveInteger } from '../options.ts';

export function parseScheme(value: string): ImportScheme {
  if (value === 'even' || value === 'random' || value === 'files') return { scheme: value };
  const hash = /^hash:(.+)$/.exec(value);
  if (hash) return { scheme: 'hash', column: hash[1] };
  throw new InvalidArgumentError('expected hash:COLUMN, even, random or files');
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import CSV, Parquet or JSON files into a partitioned table')
    .argument('<file-or-glob>', 'input file(s); the format follows the extension')
    .requiredOption('--table <name>', 'table name')
    .option('--into <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--partitions <n>', 'number of partitions (ignored by --by files)', positiveInteger, 8)
    .option('--by <scheme>', 'partitioning: hash:COLUMN, even, random or files', parseScheme, { scheme: 'even' } as ImportScheme)
    .action(async (input: string, options: { table: string; into: string; partitions: number; by: ImportScheme }) => {
      const started = Date.now();
      const table = await importTable(input, { table: options.table, into: options.into, partitions: options.by.scheme === "files" ? undefined : options.partitions, by: options.by });
      const rows = table.partitions.reduce((sum, p) => sum + p.rows, 0);
      process.stdout.write(`imported ${rows} rows into ${table.name} (${table.partitions.length} partitions) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });
}
