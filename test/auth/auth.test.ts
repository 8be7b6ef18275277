/**
 * Authentication and TLS with real clients against real gateways started
 * through the command line: psql (PGPASSWORD, sslmode), node-postgres
 * (password, ssl), pgjdbc (ssl=true&sslmode=require), and raw sockets for
 * what clients cannot be made to send (protocol 3.2, data after SSLRequest,
 * the first authentication request of each method).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BIN, makeTempDir, runPondgate, startPondgate, startTestCluster, type ProcessHandle, type TestCluster } from '../support/cluster.ts';
import { RawConnection, cancelRequest, errorFields, sslRequest, startupPacket } from './raw.ts';

const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  const child = spawn(command, args, { env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input ?? '');
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

/** psql with a conninfo string; the password, if any, through PGPASSWORD as users do. */
function psql(port: number, conninfo: string, password: string | undefined, sql: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PGPASSWORD: password };
  if (password === undefined) delete env.PGPASSWORD;
  return run('psql', ['-X', '-w', '-A', '-t', `host=127.0.0.1 port=${port} dbname=pondgate ${conninfo}`, ...sql.flatMap((s) => ['-c', s])], env);
}

/** The first Authentication request a gateway sends for `user`: 10 SASL, 5 MD5, 3 cleartext, 0 ok. */
async function firstAuthRequest(port: number, user: string): Promise<{ code: number; body: Buffer }> {
  const raw = await RawConnection.open(port);
  raw.write(startupPacket({ user, database: 'pondgate' }));
  const m = await raw.message();
  raw.end();
  assert.equal(m?.type, 'R');
  return { code: m.body.readInt32BE(0), body: m.body };
}

describe('authentication and TLS', { timeout: 5 * 60_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let cluster: TestCluster;
  const extra: ProcessHandle[] = [];
  const ports: Record<string, number> = {};
  let certFile = '';
  let keyFile = '';
  let usersFile = '';

  const startGateway = async (name: string, args: string[], env: NodeJS.ProcessEnv = {}, command = ['gateway', '--nats', cluster.natsUrl, '--cluster', 'test', '--processes', '6']) => {
    const gateway = await startPondgate([...command, '--data', cluster.dataDir, '--port', '0', ...args], /^ready on /, undefined, env);
    extra.push(gateway);
    ports[name] = Number(/:(\d+)$/.exec(gateway.readyLine)?.[1]);
  };

  before(async () => {
    temp = await makeTempDir('auth');
    const data = path.join(temp.dir, 'data');
    certFile = path.join(temp.dir, 'cert.pem');
    keyFile = path.join(temp.dir, 'key.pem');
    usersFile = path.join(temp.dir, 'users');
    await runPondgate(['generate', 'tpch', '--sf', '0.01', '--partitions', '2', '--into', data]);
    await execFileAsync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost']);
    const bob = await run(process.execPath, [BIN, 'passwd', 'bob'], {}, 'bob-pw\n');
    assert.equal(bob.code, 0, bob.stderr);
    const carolMd5 = `md5${createHash('md5').update('carol-pwcarol').digest('hex')}`;
    await writeFile(usersFile, `# test users\nalice:alice-pw\n\n${bob.stdout.trim()}\ncarol:${carolMd5}\n`);
    const env = { PONDGATE_PASSWORD: '' };
    cluster = await startTestCluster(data, { workers: 1, gatewayArgs: ['--users', usersFile, '--tls-cert', certFile, '--tls-key', keyFile], env });
    ports.scram = cluster.port;
    await Promise.all([
      startGateway('md5', ['--users', usersFile, '--auth-method', 'md5', '--authentication-timeout', '2'], env),
      startGateway('password', ['--users', usersFile, '--auth-method', 'password'], env),
      startGateway('requireTls', ['--users', usersFile, '--tls-cert', certFile, '--tls-key', keyFile, '--require-tls'], env),
      startGateway('trust', ['--max-connections', '2'], env),
      startGateway('public', ['--host', '0.0.0.0'], { PONDGATE_PASSWORD: 'env-pw' }),
      startGateway('cluster', ['--workers', '1', '--users', usersFile, '--tls-cert', certFile, '--tls-key', keyFile, '--require-tls'], env, ['cluster']),
    ]);
  });

  after(async () => {
    await Promise.all(extra.map((p) => p.stop()));
    await cluster?.stop();
    await temp?.remove();
  });

  it('SCRAM-SHA-256 by default: psql logs in with a plain-text entry and with a SCRAM verifier entry', async () => {
    assert.equal((await firstAuthRequest(ports.scram, 'alice')).code, 10);
    assert.match((await firstAuthRequest(ports.scram, 'alice')).body.subarray(4).toString(), /^SCRAM-SHA-256\0\0$/);
    const alice = await psql(ports.scram, 'user=alice sslmode=disable', 'alice-pw', ['SELECT count(*) FROM nation']);
    assert.equal(alice.code, 0, alice.stderr);
    assert.equal(alice.stdout.trim(), '25');
    const bob = await psql(ports.scram, 'user=bob sslmode=disable', 'bob-pw', ['SELECT current_user']);
    assert.equal(bob.code, 0, bob.stderr);
  });

  it('a wrong password, an unknown user and a missing password fail with 28P01, and the gateway serves others after', async () => {
    const wrong = await psql(ports.scram, 'user=alice sslmode=disable', 'nope', ['SELECT 1']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /FATAL: {2}password authentication failed for user "alice"/);
    const unknown = await psql(ports.scram, 'user=mallory sslmode=disable', 'alice-pw', ['SELECT 1']);
    assert.match(unknown.stderr, /FATAL: {2}password authentication failed for user "mallory"/);
    // An md5-only entry cannot answer SCRAM: it fails like a wrong password (as in PostgreSQL).
    const carol = await psql(ports.scram, 'user=carol sslmode=disable', 'carol-pw', ['SELECT 1']);
    assert.match(carol.stderr, /password authentication failed for user "carol"/);
    const none = await psql(ports.scram, 'user=alice sslmode=disable', undefined, ['SELECT 1']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no password supplied/);
    const client = new pg.Client({ host: '127.0.0.1', port: ports.scram, user: 'alice', password: 'wrong', database: 'pondgate' });
    await assert.rejects(client.connect(), (e: { code?: string; message: string }) => e.code === '28P01' && /password authentication failed/.test(e.message));
    const again = await psql(ports.scram, 'user=alice sslmode=disable', 'alice-pw', ['SELECT 1']);
    assert.equal(again.stdout.trim(), '1', again.stderr);
  });

  it('reports an unknown database only after authentication, as PostgreSQL does', async () => {
    const unauthenticated = await psql(ports.scram, 'user=alice sslmode=disable dbname=other', 'nope', ['SELECT 1']);
    assert.match(unauthenticated.stderr, /password authentication failed/);
    const authenticated = await psql(ports.scram, 'user=alice sslmode=disable dbname=other', 'alice-pw', ['SELECT 1']);
    assert.match(authenticated.stderr, /database "other" does not exist/);
  });

  it('node-postgres logs in with a password, over plain TCP and over TLS', async () => {
    for (const ssl of [false, { rejectUnauthorized: false }]) {
      const client = new pg.Client({ host: '127.0.0.1', port: ports.scram, user: 'bob', password: 'bob-pw', database: 'pondgate', ssl });
      await client.connect();
      try {
        assert.deepEqual((await client.query('SELECT count(*)::INTEGER AS n FROM region')).rows, [{ n: 5 }]);
      } finally {
        await client.end();
      }
    }
  });

  it('psql sslmode=require connects over TLS: \\conninfo reports SSL and queries run', async () => {
    const result = await psql(ports.scram, 'user=alice sslmode=require', 'alice-pw', ['\\conninfo', 'SELECT 1']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SSL connection \(protocol: TLSv1\.[23]/);
    assert.match(result.stdout, /^1$/m);
  });

  it('offers SCRAM-SHA-256-PLUS over TLS: psql channel_binding=require and node-postgres enableChannelBinding log in', async () => {
    const bound = await psql(ports.scram, 'user=bob sslmode=require channel_binding=require', 'bob-pw', ['SELECT 1']);
    assert.equal(bound.code, 0, bound.stderr);
    assert.equal(bound.stdout.trim(), '1');
    const wrong = await psql(ports.scram, 'user=bob sslmode=require channel_binding=require', 'nope', ['SELECT 1']);
    assert.match(wrong.stderr, /password authentication failed for user "bob"/);
    // Without TLS there is nothing to bind to: libpq refuses, as against PostgreSQL.
    const plain = await psql(ports.scram, 'user=bob sslmode=disable channel_binding=require', 'bob-pw', ['SELECT 1']);
    assert.match(plain.stderr, /channel binding required/);
    const client = new pg.Client({ host: '127.0.0.1', port: ports.scram, user: 'alice', password: 'alice-pw', database: 'pondgate', ssl: { rejectUnauthorized: false }, enableChannelBinding: true });
    await client.connect();
    await client.end();
  });

  it('pondgate cluster takes the same options: users, TLS, --require-tls', async () => {
    const secure = await psql(ports.cluster, 'user=alice sslmode=require', 'alice-pw', ['SELECT count(*) FROM region']);
    assert.equal(secure.stdout.trim(), '5', secure.stderr);
    const plain = await psql(ports.cluster, 'user=alice sslmode=disable', 'alice-pw', ['SELECT 1']);
    assert.match(plain.stderr, /SSL is required/);
    const wrong = await psql(ports.cluster, 'user=alice sslmode=require', 'nope', ['SELECT 1']);
    assert.match(wrong.stderr, /password authentication failed for user "alice"/);
  });

  it('pgjdbc connects with ?ssl=true&sslmode=require and a password', async () => {
    const source = path.join(temp.dir, 'Jdbc.java');
    await writeFile(
      source,
      `import java.sql.*;
public class Jdbc { public static void main(String[] a) throws Exception {
  try (Connection c = DriverManager.getConnection(a[0])) {
    ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM nation"); r.next(); System.out.println("rows=" + r.getLong(1));
  } } }
`,
    );
    const url = `jdbc:postgresql://127.0.0.1:${ports.scram}/pondgate?ssl=true&sslmode=require&user=bob&password=bob-pw`;
    // Debian's libpostgresql-jdbc-java puts the driver here.
    const result = await run('java', ['-cp', process.env.PGJDBC_JAR ?? '/usr/share/java/postgresql.jar', source, url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /rows=25/);
  });

  it('--auth-method md5 uses MD5 for plain-text and md5 entries and still SCRAM for verifier entries', async () => {
    assert.equal((await firstAuthRequest(ports.md5, 'alice')).code, 5);
    assert.equal((await firstAuthRequest(ports.md5, 'carol')).code, 5);
    assert.equal((await firstAuthRequest(ports.md5, 'bob')).code, 10);
    for (const [user, password] of [['alice', 'alice-pw'], ['carol', 'carol-pw'], ['bob', 'bob-pw']]) {
      const ok = await psql(ports.md5, `user=${user}`, password, ['SELECT 1']);
      assert.equal(ok.stdout.trim(), '1', `${user}: ${ok.stderr}`);
    }
    const wrong = await psql(ports.md5, 'user=carol', 'alice-pw', ['SELECT 1']);
    assert.match(wrong.stderr, /password authentication failed for user "carol"/);
    const client = new pg.Client({ host: '127.0.0.1', port: ports.md5, user: 'alice', password: 'alice-pw', database: 'pondgate' });
    await client.connect();
    await client.end();
  });

  it('--authentication-timeout closes connections that do not log in in time, and only those', async () => {
    const silent = await RawConnection.open(ports.md5);
    const pending = await RawConnection.open(ports.md5);
    pending.write(startupPacket({ user: 'alice', database: 'pondgate' }));
    assert.equal((await pending.message())?.type, 'R');
    const client = new pg.Client({ host: '127.0.0.1', port: ports.md5, user: 'alice', password: 'alice-pw', database: 'pondgate' });
    await client.connect();
    const started = Date.now();
    assert.ok(await silent.waitClosed(15_000), 'a silent connection is closed');
    assert.ok(await pending.waitClosed(15_000), 'a connection stuck in authentication is closed');
    assert.ok(Date.now() - started < 15_000);
    await new Promise((r) => setTimeout(r, Math.max(0, 2500 - (Date.now() - started))));
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'a logged-in session is not timed out');
    await client.end();
  });

  it('--auth-method password checks a cleartext password against every kind of entry', async () => {
    assert.equal((await firstAuthRequest(ports.password, 'alice')).code, 3);
    for (const [user, password] of [['alice', 'alice-pw'], ['carol', 'carol-pw'], ['bob', 'bob-pw']]) {
      const ok = await psql(ports.password, `user=${user}`, password, ['SELECT 1']);
      assert.equal(ok.stdout.trim(), '1', `${user}: ${ok.stderr}`);
      const wrong = await psql(ports.password, `user=${user}`, `${password}x`, ['SELECT 1']);
      assert.match(wrong.stderr, new RegExp(`password authentication failed for user "${user}"`));
    }
  });

  it('--require-tls refuses sslmode=disable with 28000 and accepts sslmode=require', async () => {
    const plain = await psql(ports.requireTls, 'user=alice sslmode=disable', 'alice-pw', ['SELECT 1']);
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /FATAL: {2}SSL is required/);
    const raw = await RawConnection.open(ports.requireTls);
    raw.write(startupPacket({ user: 'alice', database: 'pondgate' }));
    const error = await raw.message();
    assert.equal(error?.type, 'E');
    assert.equal(errorFields(error.body).C, '28000');
    raw.end();
    const secure = await psql(ports.requireTls, 'user=alice sslmode=require', 'alice-pw', ['SELECT 1']);
    assert.equal(secure.stdout.trim(), '1', secure.stderr);
  });

  it('answers SSLRequest with N without TLS and S with it, and rejects data sent ahead of the handshake', async () => {
    const noTls = await RawConnection.open(ports.trust);
    noTls.write(sslRequest());
    assert.equal(await noTls.byte(), 'N');
    noTls.end();
    const early = await RawConnection.open(ports.scram);
    early.write(Buffer.concat([sslRequest(), startupPacket({ user: 'alice', database: 'pondgate' })]));
    const error = await early.message();
    assert.equal(error?.type, 'E');
    assert.deepEqual([errorFields(error.body).S, errorFields(error.body).C], ['FATAL', '08P01']);
    assert.match(errorFields(error.body).M, /received unencrypted data after SSL request/);
    assert.ok(await early.waitClosed());
    const tls = await RawConnection.open(ports.scram);
    tls.write(sslRequest());
    assert.equal(await tls.byte(), 'S');
    tls.end();
  });

  it('takes a CancelRequest sent over TLS (as libpq 17 sends it with sslmode=require)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: ports.scram, user: 'bob', password: 'bob-pw', database: 'pondgate', ssl: { rejectUnauthorized: false } });
    await client.connect();
    try {
      const keys = client as unknown as { processID: number; secretKey: number };
      const running = client.query('SELECT count(*) FROM range(10000000000000)').then(
        () => 'finished',
        (e: { code?: string }) => e.code,
      );
      await new Promise((r) => setTimeout(r, 500));
      const socket = net.connect(ports.scram, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(sslRequest());
      const answer = await new Promise<Buffer>((r) => socket.once('data', r));
      assert.equal(answer.toString(), 'S');
      const secure = tls.connect({ socket, rejectUnauthorized: false });
      await new Promise((r) => secure.once('secureConnect', r));
      secure.write(cancelRequest(keys.processID, keys.secretKey));
      await new Promise((r) => secure.once('close', r));
      assert.equal(await running, '57014');
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('accepts only password messages during authentication', async () => {
    const raw = await RawConnection.open(ports.scram);
    raw.write(startupPacket({ user: 'alice', database: 'pondgate' }));
    assert.equal((await raw.message())?.type, 'R');
    const query = Buffer.from('Q\0\0\0\rSELECT 1\0', 'latin1');
    raw.write(query);
    const error = await raw.message();
    assert.equal(error?.type, 'E');
    assert.deepEqual([errorFields(error.body).C, errorFields(error.body).M], ['08P01', 'expected password response, got Query message']);
    assert.ok(await raw.waitClosed());
  });

  it('answers protocol 3.2 and _pq_ options with NegotiateProtocolVersion, then continues on 3.0', async () => {
    const raw = await RawConnection.open(ports.trust);
    raw.write(startupPacket({ user: 'tester', database: 'pondgate', '_pq_.foo': 'bar', application_name: 'raw' }, 2));
    const messages = await raw.messagesUntil('Z');
    raw.end();
    assert.equal(messages[0]?.type, 'v');
    const body = messages[0].body;
    assert.equal(body.readInt32BE(0), 0, 'newest minor version');
    assert.equal(body.readInt32BE(4), 1, 'one unrecognized option');
    assert.equal(body.subarray(8).toString(), '_pq_.foo\0');
    assert.equal(messages[1]?.type, 'R');
    assert.equal(messages[1].body.readInt32BE(0), 0);
    assert.equal(messages.at(-1)?.type, 'Z');
    const old = await RawConnection.open(ports.trust);
    old.write(startupPacket({ user: 'tester' }, 0, 2));
    const refused = await old.message();
    old.end();
    assert.equal(refused?.type, 'E');
    assert.equal(errorFields(refused.body).C, '0A000');
    assert.match(errorFields(refused.body).M, /unsupported frontend protocol 2\.0/);
  });

  it('--max-connections 2: the third client gets 53300, CancelRequests still pass, and a freed slot is reused', async () => {
    const connect = async () => {
      const client = new pg.Client({ host: '127.0.0.1', port: ports.trust, user: 'tester', database: 'pondgate' });
      await client.connect();
      return client;
    };
    const first = await connect();
    const second = await connect();
    try {
      await assert.rejects(connect(), (e: { code?: string; message: string }) => e.code === '53300' && e.message === 'sorry, too many clients already');
      const cancel = await RawConnection.open(ports.trust);
      cancel.write(cancelRequest((first as unknown as { processID: number }).processID, (first as unknown as { secretKey: number }).secretKey));
      assert.ok(await cancel.waitClosed(), 'the cancel connection is served and closed while the gateway is full');
      assert.deepEqual((await first.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await second.end();
    }
    // The slot is freed when the session closes, a moment after end() resolves.
    let third: pg.Client | undefined;
    for (let i = 0; i < 50 && !third; i++) third = await connect().catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)));
    assert.ok(third, 'a slot freed by a closed session is reused');
    await third.end();
    await first.end();
  });

  it('a non-loopback bind starts with PONDGATE_PASSWORD, and loopback clients then need the password too', async () => {
    const ok = await psql(ports.public, 'user=pondgate', 'env-pw', ['SELECT 1']);
    assert.equal(ok.stdout.trim(), '1', ok.stderr);
    const none = await psql(ports.public, 'user=pondgate', undefined, ['SELECT 1']);
    assert.match(none.stderr, /no password supplied/);
    const other = await psql(ports.public, 'user=alice', 'alice-pw', ['SELECT 1']);
    assert.match(other.stderr, /password authentication failed for user "alice"/);
  });
});
