/**
 * `pondgate gc`: deletes the files earlier imports and generations replaced,
 * once they have been retired for the grace period. A separate process knows
 * no running query, so the grace period is all that protects queries of
 * running gateways: keep it longer than the longest query.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_GRACE_MS, collectGarbage } from '../../storage/gc.ts';
import { DEFAULTS } from '../options.ts';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 or more)');
  return n;
}

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('delete data files that replaced tables no longer reference, after a grace period')
    .option('--data <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--grace-seconds <n>', 'minimum time since a file was retired', seconds, DEFAULT_GRACE_MS / 1000)
    .action(async (options: { data: string; graceSeconds: number }) => {
      const result = await collectGarbage(options.data, { graceMs: options.graceSeconds * 1000 });
      process.stdout.write(`deleted ${result.deleted.length} files; ${result.waiting} retired files wait for their grace period\n`);
    });
}
