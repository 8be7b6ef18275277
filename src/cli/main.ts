/**
 * The `pondgate` command line (commander: subcommands, --help on each,
 * typed option parsing, and errors that name the bad option).
 */
import { Command } from 'commander';
import { registerCluster } from './commands/cluster.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerGc } from './commands/gc.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerImport } from './commands/import.ts';
import { registerPasswd } from './commands/passwd.ts';
import { registerWorker } from './commands/worker.ts';

const program = new Command()
  .name('pondgate')
  .description('Distributed SQL query gateway: PostgreSQL clients -> gateway -> NATS -> DuckDB workers over partitioned Parquet')
  .version('0.1.0')
  .showHelpAfterError();

registerCluster(program);
registerGateway(program);
registerWorker(program);
registerGenerate(program);
registerImport(program);
registerGc(program);
registerPasswd(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`pondgate: ${(error as Error).message}\n`);
  process.exit(1);
}
