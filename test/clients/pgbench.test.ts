/**
 * pgbench with a custom read-only script (a parameterized aggregate over
 * orders and a plain SELECT 1) in its three query modes: simple (Query),
 * extended (unnamed Parse/Bind/Execute each time) and prepared (named
 * statements parsed once per connection), 16 clients on 2 threads.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram, startTpchCluster, type TpchCluster } from '../support/clients.ts';

const CLIENTS = 16;
const TRANSACTIONS_PER_CLIENT = 4;

const SCRIPT = `\\set k random(1, 1000)
SELECT count(*), sum(o_totalprice) FROM orders WHERE o_orderkey < :k;
SELECT 1;
`;

describe('pgbench', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;
  let script: string;

  before(async () => {
    tpch = await startTpchCluster('pgbench');
    script = path.join(tpch.dir, 'read-only.sql');
    await writeFile(script, SCRIPT);
  });

  after(async () => {
    await tpch?.stop();
  });

  for (const mode of ['simple', 'extended', 'prepared']) {
    it(`-M ${mode}: every transaction of ${CLIENTS} clients succeeds`, async () => {
      const result = await runProgram(
        'pgbench',
        ['-h', '127.0.0.1', '-p', String(tpch.cluster.port), '-U', 'bench', '-n', '-M', mode, '-c', String(CLIENTS), '-j', '2', '-t', String(TRANSACTIONS_PER_CLIENT), '-f', script, 'pondgate'],
        { timeoutMs: 50_000, env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
      );
      const output = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.code, 0, output);
      assert.match(result.stdout, new RegExp(`^query mode: ${mode}$`, 'm'));
      const total = CLIENTS * TRANSACTIONS_PER_CLIENT;
      assert.match(result.stdout, new RegExp(`^number of transactions actually processed: ${total}/${total}$`, 'm'), output);
      assert.match(result.stdout, /^number of failed transactions: 0 \(0\.000%\)$/m, output);
      assert.doesNotMatch(result.stderr, /error|abort/i);
    });
  }
});
