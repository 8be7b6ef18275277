/**
 * PlannerContext backed by a DuckDB connection of the gateway, where the
 * catalog tables exist as empty tables: binding and result types come from
 * DuckDB itself. One context per session, because it uses temporary objects.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertSafeTypeString } from '../../src/arrow/sql.ts';
import type { Manifest } from '../../src/storage/manifest.ts';
import type { SqlCodec } from '../sql/codec.ts';
import { isObject, type ExpressionNode, type JsonObject } from '../sql/duckdb-ast.ts';
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
    readonly duckdbVersion: string,
    /** See PlannerContext.proveSplits; tests turn it on with PONDGATE_PLAN_CHECK=1. */
    readonly proveSplits: boolean = process.env.PONDGATE_PLAN_CHECK === '1',
  ) {}

  render(node: JsonObject): Promise<string> {
    return this.codec.render({ node, named_param_map: [] });
  }

  renderAll(nodes: readonly JsonObject[]): Promise<string[]> {
    return this.codec.renderAll(nodes.map((node) => ({ node, named_param_map: [] })));
  }

  async parse(sql: string): Promise<JsonObject> {
    const parsed = await this.codec.parse(sql);
    if (!parsed.ok) throw new Error(`internal: a planner template does not parse: ${parsed.message}\n${sql}`);
    return parsed.statement;
  }

  async describe(sql: string): Promise<ColumnSpec[]> {
    return describeOn(this.connection, sql);
  }

  async binds(sql: string): Promise<boolean> {
    try {
      await describeOn(this.connection, sql);
      return true;
    } catch (error) {
      if (process.env.PONDGATE_DEBUG_PLANNER) process.stderr.write(`does not bind: ${(error as Error).message}\n${sql}\n`);
      return false;
    }
  }

  async hashBuckets(values: readonly string[], keyType: string, buckets: number): Promise<number[]> {
    assertSafeTypeString(keyType);
    if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`bad bucket count ${buckets}`);
    const reader = await this.connection.runAndReadAll(
      `SELECT DISTINCT CAST(hash(CAST(value ->> '$' AS ${keyType})) % ${buckets} AS INTEGER) FROM json_each($1::JSON)`,
      [JSON.stringify(values)],
    );
    return reader.getRows().map((row) => Number(row[0]));
  }

  /** Set once the plan took a reading of the clock: it holds for this execution only. */
  usedClock = false;

  async clock(): Promise<{ timestamptz: string; date: string; timestamp: string }> {
    this.usedClock = true;
    const reader = await this.connection.runAndReadAll('SELECT CAST(now() AS VARCHAR), CAST(current_date AS VARCHAR), CAST(CAST(now() AS TIMESTAMP) AS VARCHAR)');
    const [timestamptz, date, timestamp] = reader.getRows()[0].map(String);
    return { timestamptz, date, timestamp };
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
