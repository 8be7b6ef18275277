/**
 * PlannerContext backed by a DuckDB connection of the gateway, where the
 * catalog tables exist as empty tables: binding and result types come from
 * DuckDB itself. One context per session, because it uses temporary objects.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TASK_INPUT_RELATION } from '../../src/cluster/messages.ts';
import type { Manifest, TableEntry } from '../../src/storage/manifest.ts';
import { CATALOG_SCHEMA } from '../catalog/catalog.ts';
import type { SqlCodec } from '../sql/codec.ts';
import { isObject, quoteIdent, type ExpressionNode, type SelectNode } from '../sql/duckdb-ast.ts';
import type { ColumnSpec } from './plan.ts';
import type { PlannerContext } from './planner.ts';

export class DuckDBPlannerContext implements PlannerContext {
  private readonly castTemplates = new Map<string, ExpressionNode>();

  constructor(
    readonly manifest: Manifest,
    readonly aggregateNames: ReadonlySet<string>,
    private readonly connection: DuckDBConnection,
    private readonly codec: SqlCodec,
  ) {}

  render(node: SelectNode): Promise<string> {
    return this.codec.renderSelect(node);
  }

  async describe(sql: string): Promise<ColumnSpec[]> {
    return describeOn(this.connection, sql);
  }

  async describeFragment(sql: string, table: TableEntry): Promise<ColumnSpec[]> {
    await this.connection.run(
      `CREATE OR REPLACE TEMP VIEW ${TASK_INPUT_RELATION} AS SELECT * FROM ${CATALOG_SCHEMA}.${quoteIdent(table.name)}`,
    );
    try {
      return await describeOn(this.connection, sql);
    } finally {
      await this.connection.run(`DROP VIEW IF EXISTS temp.main.${TASK_INPUT_RELATION}`);
    }
  }

  async bindsOver(mergeSql: string, relation: string, columns: readonly ColumnSpec[]): Promise<boolean> {
    const definition = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(relation)} (${definition})`);
    try {
      await describeOn(this.connection, mergeSql);
      return true;
    } catch (error) {
      if (process.env.PONDGATE_DEBUG_PLANNER) process.stderr.write(`merge does not bind: ${(error as Error).message}\n${mergeSql}\n`);
      return false;
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(relation)}`);
    }
  }

  async castTo(type: string, child: ExpressionNode): Promise<ExpressionNode> {
    let template = this.castTemplates.get(type);
    if (!template) {
      const parsed = await this.codec.parse(`SELECT CAST(NULL AS ${type})`);
      const node = parsed.ok ? parsed.statement.node : undefined;
      const first = isObject(node) && Array.isArray(node.select_list) ? node.select_list[0] : undefined;
      if (!isObject(first) || first.class !== 'CAST') throw new Error(`cannot build a cast to ${type}`);
      template = first as ExpressionNode;
      this.castTemplates.set(type, template);
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
