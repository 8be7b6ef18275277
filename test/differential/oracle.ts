/**
 * The oracle: one in-process DuckDB over the same Parquet files the cluster
 * reads, with each catalog table as a view in schema `public`. Its results
 * are rendered to PostgreSQL text by the same type map and text encoder the
 * gateway uses, so the two sides are compared as a client sees them.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { queryArrow } from '../../src/arrow/read-result.ts';
import { columnName } from '../../src/arrow/schema.ts';
import { resolveDataPath, tablePaths } from '../../src/storage/manifest.ts';
import { readManifest } from '../../src/storage/manifest-store.ts';
import { pgTypeOf } from '../../src/pg/pg-types.ts';
import { makeTextFormatter } from '../../src/pg/text-format.ts';
import type { TextResult, TextRow } from './compare.ts';

export interface Oracle {
  /** Runs `sql` with the session TimeZone `timeZone` (default: the zone the oracle was opened with). */
  query(sql: string, timeZone?: string): Promise<TextResult>;
  close(): void;
}

export interface OracleOptions {
  /**
   * Read each table's files in reverse order (and with 2 threads): a query
   * whose answer changes under that is not deterministic, and could not be
   * compared with a distributed engine, which reads partitions in any order.
   */
  readonly perturbed?: boolean;
}

export async function openOracle(dataDir: string, timeZone = 'UTC', options: OracleOptions = {}): Promise<Oracle> {
  const instance = await DuckDBInstance.create(':memory:', { threads: options.perturbed ? '2' : '1', memory_limit: '2GB' });
  const connection: DuckDBConnection = await instance.connect();
  await connection.run('CREATE SCHEMA public');
  // The reference must be right: DuckDB's top-N optimizer has a wrong-results bug over outer joins
  // (src/duckdb/top-n-guard.ts), so ORDER BY … LIMIT is answered by a full sort here.
  await connection.run("SET disabled_optimizers = 'top_n'");
  const manifest = await readManifest(dataDir);
  for (const table of Object.values(manifest.tables)) {
    const files = tablePaths(table).map((f) => `'${resolveDataPath(dataDir, f).replace(/'/g, "''")}'`);
    if (options.perturbed) files.reverse();
    await connection.run(`CREATE VIEW public."${table.name}" AS SELECT * FROM read_parquet([${files.join(', ')}])`);
  }
  await connection.run('USE memory.public');
  let currentZone = '';
  const useZone = async (zone: string): Promise<void> => {
    if (zone === currentZone) return;
    await connection.run(`SET TimeZone = '${zone.replace(/'/g, "''")}'`);
    currentZone = zone;
  };
  await useZone(timeZone);
  return {
    async query(sql: string, zone: string = timeZone): Promise<TextResult> {
      // The zone decides DuckDB's own results (casts, truncation) and the text of TIMESTAMPTZ values.
      await useZone(zone);
      // 'client': nested values as the gateway sends them to clients (JSON, PostgreSQL arrays).
      const result = await queryArrow(connection, sql, { mode: 'client' });
      const fields = result.schema.fields;
      const formatters = fields.map((field) => makeTextFormatter(field, { timeZone: zone, extraFloatDigits: 1 }));
      const decoder = new TextDecoder();
      const rows: TextRow[] = [];
      for (const batch of result.batches) {
        const columns = batch.data.children;
        for (let r = 0; r < batch.numRows; r++) {
          rows.push(
            formatters.map((format, c) => {
              const value = format(columns[c], r);
              return value === null || typeof value === 'string' ? value : decoder.decode(value);
            }),
          );
        }
      }
      return {
        columns: fields.map((field) => ({ name: columnName(field), typeOid: pgTypeOf(field.metadata.get('duckdb_type') ?? 'VARCHAR').oid })),
        rows,
      };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
