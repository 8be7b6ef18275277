/**
 * A private PostgreSQL 15 server for recording reference answers: a fresh
 * cluster made by Debian's initdb in a temporary directory, listening on a
 * free loopback port and a socket in that directory, stopped and removed
 * afterwards. It never touches the machine's own server or its data.
 *
 * initdb and postgres refuse to run as root, so when this process is root the
 * server runs as the `postgres` system user (Debian's server package makes it).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** The server's temporary directory (settings such as data_directory name it). */
  readonly dir: string;
  stop(): void;
}

export function postgresBinDir(major = 15): string {
  const dir = `/usr/lib/postgresql/${major}/bin`;
  if (!existsSync(path.join(dir, 'initdb'))) throw new Error(`PostgreSQL ${major} server binaries not found in ${dir} (Debian: apt-get install postgresql-${major})`);
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  return { uid: Number(line[2]), gid: Number(line[3]) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pondgate-pg15-'));
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' }) : execFileSync(command, args, { stdio: 'pipe' });
  if (asRoot) {
    const { uid, gid } = systemUser('postgres');
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  run(path.join(bin, 'pg_ctl'), [
    '-D', data, '-w', '-l', path.join(dir, 'server.log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c TimeZone=UTC`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
