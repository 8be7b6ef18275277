/**
 * PlannerContext backed by a DuckDB connection of the gateway, where the
 * catalog tables exist as empty tables: binding and result types come from
 * DuckDB itself. One context per session, because it uses temporary objects.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Manifest } from '../../src/storage/manifest.ts';
import type { SqlCodec } from '../sql/codec.ts';
import { isObject, quoteIdent, type ExpressionNode, type JsonObject } from '../sql/duckdb-ast.ts';
import type { ColumnSpec } from './plan.ts';
import type { PlannerContext, PlannerSettings } from './planner.ts';

export class DuckDBPlannerContext implements PlannerContext {
  private static readonly castTemplates = new Map<string, ExpressionNode>();

  constructor(
    readonly manifest: Manifest,
    readonly aggregateNames: ReadonlySet<string>,
    private readonly connection: DuckDBConnection,
    private readonly codec: SqlCodec,
    readonly settings: PlannerSettings,
    readonly slots: number,
  ) {}

  render(node: JsonObject): Promise<string> {
    return this.codec.render({ node, named_param_map: [] });
  }

  async parse(sql: string): Promise<JsonObject> {
    const parsed = await this.codec.parse(sql);
    if (!parsed.ok) throw new Error(`internal: a planner template does not parse: ${parsed.message}\n${sql}`);
    return parsed.statement;
  }

  async describe(sql: string): Promise<ColumnSpec[]> {
    return describeOn(this.connection, sql);
  }

  async bindsOver(sql: string, relation: string, columns: readonly ColumnSpec[]): Promise<boolean> {
    const definition = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(relation)} (${definition})`);
    try {
      await describeOn(this.connection, sql);
      return true;
    } catch (error) {
      if (process.env.PONDGATE_DEBUG_PLANNER) process.stderr.write(`merge does not bind: ${(error as Error).message}\n${sql}\n`);
      return false;
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(relation)}`);
    }
  }

  async castTo(type: string, child: ExpressionNode): Promise<ExpressionNode> {
    let template = DuckDBPlannerContext.castTemplates.get(type);
    if (!template) {
      const parsed = await this.codec.parse(`SELECT CAST(NULL AS ${type})`);
      const node = parsed.ok ? parsed.statement.node : undefined;
      const first = isObject(node) && Array.isArray(node.select_list) ? node.select_list[0] : undefined;
      if (!isObject(first) || first.class !== 'CAST') throw new Error(`cannot build a cast to ${type}`);
      template = first as ExpressionNode;
      DuckDBPlannerContext.castTemplates.set(type, template);
    }
    return { ...template, child };
  }
}

/** Result columns of a statement, from DuckDB's prepare (binds, does not run). */
export async function describeOn(connection: DuckDBConnection, sql: string): Promise<ColumnSpec[]> {
  const prepared = await connection.prepare(sql);
  try {
    const columns: ColumnSpec[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      columns.push({ name: prepared.columnName(i), type: prepared.columnType(i).toString() });
    }
    return columns;
  } finally {
    prepared.destroySync();
  }
}
