/**
 * The real clients BI tools are built on, asked for everything they read about a
 * database: pgjdbc's DatabaseMetaData (MetaDataProbe.java), SQLAlchemy's
 * inspect() (inspect_probe.py), psqlODBC's catalog functions through pyodbc
 * (catalog_functions.py) and psql's describe commands. Each probe gives named
 * checks; record-pg15.ts stores PostgreSQL 15's answers (clients.pg15.json) and
 * the client tests compare pondgate's with them.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENTS = path.resolve(here, '..', 'clients');
export const CLIENT_RECORDINGS = path.join(here, 'replay', 'clients.pg15.json');

export interface Server {
  readonly port: number;
  readonly user: string;
  /** A directory the probes may write to (compiled Java, odbc.ini). */
  readonly scratch: string;
}

/** A check's answer: rows (objects, or psql's unaligned lines) or the error the client raised. */
export type CheckResult = { readonly rows: unknown[] } | { readonly error: string };
export type ProbeResults = Record<string, CheckResult>;

/** psql's describe commands the issue names, run unaligned so column widths do not matter. */
export const PSQL_COMMANDS = ['\\d flights', '\\d+ flights', '\\df', '\\dv', '\\du', '\\dT', '\\dn+', '\\l+', '\\dt+'];

const JDBC_JARS = ['/usr/share/java/postgresql.jar', '/usr/share/java/postgresql-jdbc4.jar'];

function jsonLines(output: string, prefix: string): ProbeResults {
  const results: ProbeResults = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { check: string; rows?: unknown[]; error?: string };
    results[`${prefix}.${record.check}`] = record.error !== undefined ? { error: record.error } : { rows: record.rows ?? [] };
  }
  return results;
}

async function jdbcJar(): Promise<string> {
  for (const jar of process.env.PONDGATE_JDBC_JAR ? [process.env.PONDGATE_JDBC_JAR] : JDBC_JARS) {
    if (await readFile(jar).then(() => true, () => false)) return jar;
  }
  throw new Error('pgjdbc not found; install libpostgresql-jdbc-java (scripts/setup.sh)');
}

export async function probeJdbc(server: Server): Promise<ProbeResults> {
  const jar = await jdbcJar();
  const classes = path.join(server.scratch, 'jdbc-classes');
  await mkdir(classes, { recursive: true });
  await run('javac', ['-cp', jar, '-d', classes, path.join(CLIENTS, 'jdbc', 'MetaDataProbe.java')]);
  const url = `jdbc:postgresql://127.0.0.1:${server.port}/pondgate?loggerLevel=OFF`;
  const { stdout } = await run('java', ['-cp', `${jar}${path.delimiter}${classes}`, 'MetaDataProbe', url, server.user], { timeout: 120_000, maxBuffer: 64 << 20 });
  return jsonLines(stdout, 'jdbc');
}

export async function probeSqlAlchemy(server: Server): Promise<ProbeResults> {
  const url = `postgresql+psycopg2://${server.user}@127.0.0.1:${server.port}/pondgate`;
  const { stdout } = await run('/usr/bin/python3', [path.join(CLIENTS, 'sqlalchemy', 'inspect_probe.py'), url], { timeout: 120_000, maxBuffer: 64 << 20 });
  return jsonLines(stdout, 'sqlalchemy');
}

export async function probeOdbc(server: Server): Promise<ProbeResults> {
  const ini = path.join(server.scratch, 'odbc.ini');
  await writeFile(ini, `[probe]\nDriver=PostgreSQL Unicode\nServername=127.0.0.1\nPort=${server.port}\nDatabase=pondgate\nUsername=${server.user}\nSSLmode=disable\n`);
  const { stdout } = await run('/usr/bin/python3', [path.join(CLIENTS, 'odbc', 'catalog_functions.py'), 'DSN=probe'], {
    env: { ...process.env, ODBCINI: ini },
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return jsonLines(stdout, 'odbc');
}

export async function probePsql(server: Server): Promise<ProbeResults> {
  const results: ProbeResults = {};
  for (const command of PSQL_COMMANDS) {
    try {
      const { stdout } = await run('psql', ['-h', '127.0.0.1', '-p', String(server.port), '-U', server.user, '-X', '-A', '-F', '|', '-c', command, 'pondgate'], {
        env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
        timeout: 60_000,
      });
      results[`psql.${command}`] = { rows: stdout.split('\n').filter((line) => line !== '') };
    } catch (error) {
      results[`psql.${command}`] = { error: String((error as { stderr?: string }).stderr ?? error) };
    }
  }
  return results;
}

export async function probeAll(server: Server): Promise<ProbeResults> {
  return { ...(await probeJdbc(server)), ...(await probeSqlAlchemy(server)), ...(await probeOdbc(server)), ...(await probePsql(server)) };
}
