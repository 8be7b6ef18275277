/**
 * The worker's DuckDB: created with explicit resources, then sandboxed so that
 * SQL can read only the data directory and write only the scratch directory. External access, once disabled, cannot
 * be re-enabled while the database runs, and allowed_directories cannot change
 * after that. lock_configuration is deliberately NOT set: it would also lock
 * the per-connection TimeZone that each task must set to its session's zone;
 * workers only run SELECTs the planner rendered from a parse tree, never SET.
 *
 * The PostgreSQL-compatibility functions the gateway's catalog rewrite calls
 * (memory.pg_compat.quote_ident, format_type, …) are installed here too, so
 * that any fragment of a rewritten query can run on any worker.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { duckdbConfig, type DuckDBResources } from '../src/duckdb/resources.ts';
import { installCompatFunctions } from '../src/pg/compat-functions.ts';

/** `directories`: the data directory and the scratch directory, fixed for the process's life. */
export async function openSandboxedDuckDB(directories: readonly string[], resources: DuckDBResources): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(':memory:', duckdbConfig(resources));
  const connection = await instance.connect();
  try {
    const allowed = directories.map((dir) => `'${path.resolve(dir).replace(/'/g, "''")}'`);
    await connection.run(`SET allowed_directories = [${allowed.join(', ')}]`);
    await connection.run('SET enable_external_access = false');
    await connection.run('SET autoinstall_known_extensions = false');
    await connection.run('SET autoload_known_extensions = false');
    await installCompatFunctions(connection);
  } finally {
    connection.closeSync();
  }
  return instance;
}
