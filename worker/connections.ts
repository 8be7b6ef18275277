/**
 * The worker's DuckDB connections, kept between tasks. A task used to open a connection, set
 * its time zone and create a view per input before its SQL could run: a few milliseconds a
 * task, most of a small query's time. A kept connection remembers its time zone and the inputs
 * it has bound (by name and what they read — data files never change in place, so the same
 * list is the same rows), and a task repeats only what differs.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { assertSafeTypeString, quoteIdent } from '../src/arrow/sql.ts';
import type { TaskInput } from '../src/cluster/messages.ts';

export interface PooledConnection {
  readonly connection: DuckDBConnection;
  timeZone: string;
  /** Input name -> what it is bound to ('view:<files>', 'cache:<select>' or 'table:<columns>'). */
  readonly inputs: Map<string, string>;
}

export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];

  constructor(
    private readonly duckdb: DuckDBInstance,
    /** At most this many idle connections are kept (the worker's slots). */
    private readonly keep: number,
  ) {}

  async acquire(): Promise<PooledConnection> {
    return this.idle.pop() ?? { connection: await this.duckdb.connect(), timeZone: '', inputs: new Map() };
  }

  /** Back to the pool after a task that ended normally; anything else closes it (its state is unknown). */
  release(pooled: PooledConnection, reusable: boolean): void {
    if (reusable && this.idle.length < this.keep) this.idle.push(pooled);
    else pooled.connection.closeSync();
  }

  closeAll(): void {
    for (const pooled of this.idle.splice(0)) pooled.connection.closeSync();
  }
}

export async function setTimeZone(pooled: PooledConnection, timeZone: string): Promise<void> {
  if (pooled.timeZone === timeZone) return;
  await pooled.connection.run(`SET SESSION TimeZone = '${timeZone.replace(/'/g, "''")}'`);
  pooled.timeZone = timeZone;
}

/**
 * Makes each input a temporary view over its Parquet files (absolute paths) — or over the
 * worker's cached tables of those files, when `cached` gives their SELECT — or an empty
 * temporary table of its columns when it has no files; skips the ones already bound so.
 */
export async function bindInputsOn(
  pooled: PooledConnection,
  inputs: readonly TaskInput[],
  absoluteFiles: (input: TaskInput) => string[],
  cached: (input: TaskInput) => string | undefined = () => undefined,
): Promise<void> {
  for (const input of inputs) {
    const name = quoteIdent(input.name);
    let binding: string;
    let sql: string;
    const fromCache = input.files.length > 0 ? cached(input) : undefined;
    if (fromCache !== undefined) {
      binding = `cache:${fromCache}`;
      sql = `CREATE TEMP VIEW ${name} AS ${fromCache}`;
    } else if (input.files.length > 0) {
      const files = absoluteFiles(input).map(sqlString);
      binding = `view:${files.join(',')}`;
      // hive_partitioning off: exchange files sit in `<bucket column>=<n>/` directories,
      // which DuckDB would otherwise turn into an extra column.
      sql = `CREATE TEMP VIEW ${name} AS SELECT * FROM read_parquet([${files.join(', ')}], hive_partitioning = false)`;
    } else {
      if (input.columns.length === 0) throw new Error(`Invalid Input Error: input ${input.name} has neither files nor columns`);
      const columns = input.columns.map((c) => {
        assertSafeTypeString(c.type);
        return `${quoteIdent(c.name)} ${c.type}`;
      });
      binding = `table:${columns.join(',')}`;
      sql = `CREATE TEMP TABLE ${name} (${columns.join(', ')})`;
    }
    const previous = pooled.inputs.get(input.name);
    if (previous === binding) continue;
    pooled.inputs.delete(input.name);
    if (previous !== undefined) await pooled.connection.run(`DROP ${previous.startsWith('table:') ? 'TABLE' : 'VIEW'} IF EXISTS temp.main.${name}`);
    await pooled.connection.run(sql);
    pooled.inputs.set(input.name, binding);
  }
}

const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
