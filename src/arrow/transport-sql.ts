/**
 * Wraps a worker's SQL so every column arrives in a type the chunk converter
 * can copy: columns without a native Arrow mapping become DuckDB's own text.
 */
import type { ColumnSpec } from './schema.ts';
import { quoteIdent } from './sql.ts';
import { mapDuckDBType } from './types.ts';

/**
 * 'transport': DuckDB's own text, which the gateway's staging casts back to the
 * original type (worker -> gateway). 'client': the same, except nested values
 * (LIST/ARRAY/STRUCT/MAP/UNION) become JSON via to_json(), which keeps element
 * types apart unambiguously so the wire layer can print PostgreSQL arrays and
 * JSON; use it only for results that go to a client.
 */
export type TransportMode = 'transport' | 'client';

/** LIST `T[]`, ARRAY `T[n]`, STRUCT, MAP or UNION, by DuckDB's type string. */
export function isNestedType(duckdbType: string): boolean {
  const t = duckdbType.trim();
  return /\]$/.test(t) || /^(STRUCT|MAP|UNION)\s*\(/i.test(t);
}

/** Positional column name used inside the wrapper; original names travel in the Arrow schema. */
export function positionalName(index: number): string {
  return `c${index}`;
}

/** True when some column needs varchar transport, i.e. the SQL must be wrapped. */
export function needsTransportWrap(columns: readonly ColumnSpec[]): boolean {
  return columns.some((c) => mapDuckDBType(c.type).transport === 'varchar');
}

/**
 * `SELECT "c0", CAST("c1" AS VARCHAR) AS "c1" FROM (<sql>) AS t("c0","c1")`.
 *
 * Columns are renamed positionally because result names may repeat or be
 * empty, which would make them ambiguous in the outer select; the converter is
 * given the original names, so nothing is lost. Returns `sql` unchanged when
 * no column needs casting, to leave simple queries exactly as written.
 *
 * Trailing semicolons are stripped and the inner SQL is put on its own lines
 * so a trailing `--` comment cannot swallow the closing parenthesis.
 */
export function transportSql(sql: string, columns: readonly ColumnSpec[], mode: TransportMode = 'transport'): string {
  if (!needsTransportWrap(columns)) return sql;
  const inner = sql.replace(/[\s;]+$/, '');
  const names = columns.map((_, i) => quoteIdent(positionalName(i)));
  const select = columns.map((c, i) => {
    if (mode === 'client' && isNestedType(c.type)) return `CAST(to_json(${names[i]}) AS VARCHAR) AS ${names[i]}`;
    return mapDuckDBType(c.type).transport === 'varchar' ? `CAST(${names[i]} AS VARCHAR) AS ${names[i]}` : names[i];
  });
  return `SELECT ${select.join(', ')} FROM (\n${inner}\n) AS t(${names.join(', ')})`;
}
