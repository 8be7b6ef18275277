/**
 * DuckDB's own parser as a service: SQL text ⇄ parse tree, through
 * `json_serialize_sql` / `json_deserialize_sql` in the gateway's DuckDB.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isObject, type Json, type JsonObject, type SelectNode } from './duckdb-ast.ts';
import { parseExactJson, stringifyExactJson } from './exact-json.ts';

export type ParseResult =
  | { readonly ok: true; readonly statement: JsonObject }
  | { readonly ok: false; readonly errorType: string; readonly message: string; readonly position?: number };

export class SqlCodec {
  constructor(private readonly connection: DuckDBConnection) {}

  /** Parses one SELECT statement. Non-SELECT statements and syntax errors come back as `ok: false`. */
  async parse(sql: string): Promise<ParseResult> {
    const reader = await this.connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
    // query_location holds uint64 max when unknown, which JSON.parse would round; positions are not needed.
    const text = String(reader.getRows()[0]?.[0] ?? '').replace(/"query_location":\d+/g, '"query_location":0');
    // Integer constants beyond 2^53 must keep their digits (see exact-json.ts).
    const parsed = parseExactJson(text) as Json;
    if (!isObject(parsed)) return { ok: false, errorType: 'parser', message: 'unexpected parser output' };
    if (parsed.error === true) {
      // "position" (a string) is the character offset of a syntax error, when the parser knows it.
      const position = typeof parsed.position === 'string' && /^\d+$/.test(parsed.position) ? Number(parsed.position) : undefined;
      return { ok: false, errorType: String(parsed.error_type ?? 'parser'), message: String(parsed.error_message ?? 'syntax error'), position };
    }
    const statements = parsed.statements;
    if (!Array.isArray(statements) || statements.length !== 1 || !isObject(statements[0])) {
      return { ok: false, errorType: 'parser', message: 'expected exactly one statement' };
    }
    return { ok: true, statement: statements[0] };
  }

  /** Renders a statement (`{ node, named_param_map }`) back to DuckDB SQL. */
  async render(statement: JsonObject): Promise<string> {
    const payload = stringifyExactJson({ error: false, statements: [statement] });
    const reader = await this.connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [payload]);
    return String(reader.getRows()[0]?.[0]);
  }

  /** Renders several statements in one round trip to DuckDB. */
  async renderAll(statements: readonly JsonObject[]): Promise<string[]> {
    if (statements.length === 0) return [];
    if (statements.length === 1) return [await this.render(statements[0])];
    const payload = `[${statements.map((statement) => stringifyExactJson({ error: false, statements: [statement] })).join(',')}]`;
    const reader = await this.connection.runAndReadAll(
      'SELECT json_deserialize_sql(value) FROM json_each($1::JSON) ORDER BY CAST(key AS INTEGER)',
      [payload],
    );
    const rows = reader.getRows();
    if (rows.length !== statements.length) throw new Error(`rendered ${rows.length} of ${statements.length} statements`);
    return rows.map((row) => String(row[0]));
  }

  async renderSelect(node: SelectNode): Promise<string> {
    return this.render({ node, named_param_map: [] });
  }
}
