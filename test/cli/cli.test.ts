/**
 * The command line as a user meets it: --help on every command, clear
 * failures when a process cannot start, and `pondgate cluster` bringing up
 * NATS + workers + gateway, answering psql, and stopping on Ctrl-C.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { BIN, makeTempDir, runPondgate, startPondgate } from '../support/cluster.ts';

const execFileAsync = promisify(execFile);

async function pondgate(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

describe('command line', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };

  before(async () => {
    temp = await makeTempDir('cli');
    await runPondgate(['generate', 'tpch', '--sf', '0.002', '--partitions', '2', '--into', temp.dir]);
  });

  after(async () => temp?.remove());

  it('every command has --help', async () => {
    for (const command of [[], ['cluster'], ['gateway'], ['worker'], ['generate', 'tpch'], ['import'], ['gc']]) {
      const { code, output } = await pondgate([...command, '--help']);
      assert.equal(code, 0, `${command.join(' ')} --help failed: ${output}`);
      assert.match(output, /Usage: pondgate/);
    }
  });

  it('gateway and cluster --help describe the memory limit, temp directory and spill limit with their defaults', async () => {
    for (const command of ['gateway', 'cluster']) {
      const { output } = await pondgate([command, '--help']);
      const text = output.replace(/\s+/g, ' ');
      assert.match(text, /--memory-limit-mb <n> gateway memory in MB: 75% is its DuckDB's memory_limit .* \(default: 60% of RAM \/ .*, at most 16384\)/);
      assert.match(text, /--temp-dir <dir> .*pondgate-gateway-<pid>-<random>.*\(default: the OS temp directory\)/);
      assert.match(text, /--spill-limit-mb <n> .*53100 \(default: 10240\)/);
    }
  });

  it('fails clearly when it cannot start', async () => {
    const missingData = await pondgate(['gateway', '--nats', 'nats://127.0.0.1:1', '--data', `${temp.dir}/missing`]);
    assert.notEqual(missingData.code, 0);
    assert.match(missingData.output, /data directory .* does not exist/);
    const publicBind = await pondgate(['gateway', '--nats', 'nats://127.0.0.1:1', '--data', temp.dir, '--host', '0.0.0.0']);
    assert.notEqual(publicBind.code, 0);
    assert.match(publicBind.output, /refusing to listen on 0\.0\.0\.0/);
    const noNats = await pondgate(['worker', '--nats', 'nats://127.0.0.1:1', '--data', temp.dir]);
    assert.notEqual(noNats.code, 0);
    assert.match(noNats.output, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
    const badOption = await pondgate(['cluster', '--workers', 'many']);
    assert.notEqual(badOption.code, 0);
    assert.match(badOption.output, /--workers/);
  });

  it('cluster starts NATS, workers and a gateway, answers psql, and stops on SIGINT', async () => {
    const cluster = await startPondgate(['cluster', '--data', temp.dir, '--port', '0', '--workers', '2'], /^ready on /);
    const port = /:(\d+)$/.exec(cluster.readyLine)?.[1];
    try {
      const { stdout } = await execFileAsync('psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'anyone', '-c', 'SELECT count(*) FROM nation', 'pondgate']);
      assert.equal(stdout.trim(), '25');
    } finally {
      const exited = new Promise<number | null>((resolve) => cluster.process.once('exit', (code) => resolve(code)));
      cluster.process.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130);
    }
  });

  it('a second SIGTERM while the cluster stops kills its workers and nats-server, never leaving them running', async () => {
    const cluster = await startPondgate(['cluster', '--data', temp.dir, '--port', '0', '--workers', '2'], /^ready on /);
    const { stdout } = await execFileAsync('ps', ['--ppid', String(cluster.process.pid), '-o', 'pid=,args=']);
    const children = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => ({ pid: Number(line.trim().split(/\s+/)[0]), args: line }));
    assert.equal(children.length, 3, `nats-server and two workers: ${stdout}`);
    // A stopped worker cannot exit on the cluster's SIGTERM, so the graceful stop is surely still
    // running when the second signal comes (two signals sent at once may arrive as one).
    const frozen = children.find((c) => / worker /.test(c.args))!;
    process.kill(frozen.pid, 'SIGSTOP');
    // Killed children may linger as zombies until they are reaped: those count as gone.
    const running = (pid: number) => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    try {
      const stopping = new Promise<void>((resolve) => cluster.process.stderr!.on('data', (text: Buffer | string) => /stopping \(SIGTERM\)/.test(String(text)) && resolve()));
      const exited = new Promise<number | null>((resolve) => cluster.process.once('exit', (code) => resolve(code)));
      cluster.process.kill('SIGTERM');
      await stopping;
      cluster.process.kill('SIGTERM');
      assert.equal(await exited, 1);
      const pids = children.map((c) => c.pid);
      for (let waited = 0; pids.some(running) && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(pids.filter(running), [], 'no child of the cluster still runs');
    } finally {
      for (const child of children) if (running(child.pid)) process.kill(child.pid, 'SIGKILL');
    }
  });
});
