/**
 * Writes rows computed in TypeScript into a table of the gateway's DuckDB,
 * replacing it in one transaction so that no query sees it half-built.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export type CellValue = number | bigint | string | boolean | null;

export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

export function sqlLiteral(value: CellValue, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'bigint') return `CAST(${value} AS ${type})`;
  return `CAST('${value.replace(/'/g, "''")}' AS ${type})`;
}

export async function replaceTable(connection: DuckDBConnection, table: string, columns: readonly TableColumn[], rows: ReadonlyArray<readonly CellValue[]>): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(`CREATE OR REPLACE TABLE ${table} (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    for (let i = 0; i < rows.length; i += 500) {
      const values = rows.slice(i, i + 500).map((row) => `(${row.map((value, j) => sqlLiteral(value, columns[j].type)).join(', ')})`);
      await connection.run(`INSERT INTO ${table} VALUES ${values.join(', ')}`);
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
