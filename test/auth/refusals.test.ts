/**
 * The command line refuses unsafe or broken auth/TLS setups before starting
 * anything: a non-loopback bind without users (the Contract's rule), a
 * missing users file, a bad entry, half a TLS pair, --require-tls without TLS.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, makeTempDir } from '../support/cluster.ts';

async function pondgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PONDGATE_PASSWORD: '' };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

describe('auth and TLS option checks', { timeout: 2 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  // Nothing listens there: every case must fail before connecting to NATS.
  const gateway = (args: string[]) => pondgate(['gateway', '--nats', 'nats://127.0.0.1:1', '--data', temp.dir, '--port', '0', ...args]);

  before(async () => {
    temp = await makeTempDir('refusals');
  });
  after(async () => temp?.remove());

  it('refuses a non-loopback bind without users, for gateway and cluster, with a clear message', async () => {
    const results = await Promise.all([gateway(['--host', '0.0.0.0']), pondgate(['cluster', '--data', temp.dir, '--host', '0.0.0.0', '--port', '0'])]);
    for (const result of results) {
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /refusing to listen on 0\.0\.0\.0: a non-loopback address requires password authentication; configure users with --users FILE or set PONDGATE_PASSWORD/,
      );
    }
    assert.doesNotMatch(results[1].stdout, /nats-server started/, 'cluster starts nothing first');
  });

  it('names the broken file or option', async () => {
    const users = path.join(temp.dir, 'users');
    await writeFile(users, 'alice:pw\nbob\n');
    const cases: Array<[string[], RegExp]> = [
      [['--users', path.join(temp.dir, 'missing')], /cannot read users file .*missing/],
      [['--users', users], /users line 2: expected name:password/],
      [['--tls-cert', users], /--tls-cert and --tls-key must be given together/],
      [['--require-tls'], /--require-tls needs a certificate/],
      [['--tls-cert', users, '--tls-key', users], /invalid TLS certificate or key/],
      [['--auth-method', 'ldap'], /--auth-method.*Allowed choices are scram-sha-256, md5, password/],
    ];
    const results = await Promise.all(cases.map(([args]) => gateway(args)));
    results.forEach((result, i) => {
      assert.notEqual(result.code, 0, cases[i][0].join(' '));
      assert.match(result.stderr, cases[i][1]);
    });
  });
});
