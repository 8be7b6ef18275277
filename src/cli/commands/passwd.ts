/** `pondgate passwd USER`: prints a users-file line with a SCRAM-SHA-256 verifier, so files need not hold plain passwords. */
import type { Command } from 'commander';
import { formatScramVerifier, makeScramVerifier } from '../../../gateway/wire/auth/scram.ts';

export function registerPasswd(program: Command): void {
  program
    .command('passwd')
    .description('print a users-file line "USER:SCRAM-SHA-256$..." for the password read from standard input (first line)')
    .argument('<user>', 'user name')
    .action(async (user: string) => {
      if (user.includes(':')) throw new Error('a user name in the users file cannot contain ":"');
      let input = '';
      for await (const chunk of process.stdin) input += String(chunk);
      const password = input.split(/\r?\n/)[0] ?? '';
      if (password === '') throw new Error('no password on standard input (pipe it in, e.g. printf %s "$PW" | pondgate passwd USER)');
      process.stdout.write(`${user}:${formatScramVerifier(makeScramVerifier(password))}\n`);
    });
}
