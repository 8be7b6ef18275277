/**
 * DuckDB's own parser as a service: SQL text ⇄ parse tree, through
 * `json_serialize_sql` / `json_deserialize_sql` in the gateway's DuckDB.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isObject, type Json, type JsonObject, type SelectNode } from './duckdb-ast.ts';
import { parseExactJson, stringifyExactJson } from './exact-json.ts';
import { renderStatement } from './render.ts';

export type ParseResult =
  | { readonly ok: true; readonly statement: JsonObject }
  | { readonly ok: false; readonly errorType: string; readonly message: string; readonly position?: number };

export interface CodecOptions {
  /**
   * Render every tree both ways and fail on any difference between the JavaScript
   * renderer's text and DuckDB's (compared as parse trees). Costs a round trip per
   * render: for tests, which turn it on with PONDGATE_RENDER_CHECK=1.
   */
  readonly checkRendering?: boolean;
}

export class SqlCodec {
  private readonly checkRendering: boolean;

  constructor(
    private readonly connection: DuckDBConnection,
    options: CodecOptions = {},
  ) {
    this.checkRendering = options.checkRendering ?? process.env.PONDGATE_RENDER_CHECK === '1';
  }

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

  /**
   * Renders a statement (`{ node, named_param_map }`) back to DuckDB SQL: in JavaScript
   * where render.ts covers the tree, else by DuckDB's own renderer.
   */
  async render(statement: JsonObject): Promise<string> {
    const sql = renderStatement(statement);
    if (sql === undefined) return this.renderInDuckDB(statement);
    if (this.checkRendering) await this.checkAgainstDuckDB(statement, sql);
    return sql;
  }

  private async renderInDuckDB(statement: JsonObject): Promise<string> {
    const payload = stringifyExactJson({ error: false, statements: [typedDoubles(statement)] });
    const reader = await this.connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [payload]);
    return String(reader.getRows()[0]?.[0]);
  }

  /** Renders several statements, those DuckDB must render in one round trip. */
  async renderAll(statements: readonly JsonObject[]): Promise<string[]> {
    const rendered = statements.map((statement) => renderStatement(statement));
    const missing = statements.filter((_, i) => rendered[i] === undefined);
    if (this.checkRendering) {
      for (const [i, sql] of rendered.entries()) if (sql !== undefined) await this.checkAgainstDuckDB(statements[i], sql);
    }
    const fromDuckDB = await this.renderAllInDuckDB(missing);
    return rendered.map((sql) => sql ?? fromDuckDB.shift()!);
  }

  private async checkAgainstDuckDB(statement: JsonObject, sql: string): Promise<void> {
    const reference = await this.renderInDuckDB(statement);
    const mine = await this.parse(sql);
    const theirs = await this.parse(reference);
    const canonical = (result: ParseResult): string => (result.ok ? stringifyExactJson(result.statement) : `error: ${result.message}`);
    if (canonical(mine) !== canonical(theirs)) {
      throw new Error(`internal: the JavaScript rendering of a tree differs from DuckDB's\n  mine:   ${sql}\n  DuckDB: ${reference}`);
    }
  }

  private async renderAllInDuckDB(statements: readonly JsonObject[]): Promise<string[]> {
    if (statements.length === 0) return [];
    if (statements.length === 1) return [await this.renderInDuckDB(statements[0])];
    const payload = `[${statements.map((statement) => stringifyExactJson({ error: false, statements: [typedDoubles(statement)] })).join(',')}]`;
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

/**
 * DuckDB renders a DOUBLE constant such as `2.5e-3` as `0.0025`, which reads back as a
 * DECIMAL: every rendered double constant is wrapped in a cast to its type, so the SQL a
 * stage runs computes in the same types as the client's query.
 */
function typedDoubles<T extends Json>(node: T): T {
  if (Array.isArray(node)) return node.map((item) => typedDoubles(item)) as T;
  if (!isObject(node)) return node;
  if (node.class === 'CONSTANT' && isObject(node.value) && isObject(node.value.type) && node.value.is_null !== true) {
    const id = node.value.type.id;
    if (id === 'DOUBLE' || id === 'FLOAT') {
      return {
        class: 'CAST',
        type: 'OPERATOR_CAST',
        alias: node.alias ?? '',
        query_location: 0,
        child: { ...(node as JsonObject), alias: "" },
        cast_type: { id, type_info: null },
        try_cast: false,
      } as unknown as T;
    }
    return node;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = typedDoubles(value);
  return out as T;
}
