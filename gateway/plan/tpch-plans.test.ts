/**
 * The 22 TPC-H queries are distributed, in both layouts the generator writes:
 * no `delegate`, no `gather`, and no single-task plan, at the sizes of scale
 * factor 1. Planning reads only the manifest, so the data is generated small
 * (SF 0.01, real files and statistics) and its row and byte counts are
 * scaled by 100; key ranges stay as they are (only their order matters).
 * The differential suite checks the answers of the same queries on a cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { generateTpch } from '../../src/datagen/tpch.ts';
import { TPCH_QUERIES } from '../../src/datagen/tpch-queries.ts';
import type { Manifest, TableEntry } from '../../src/storage/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import { Catalog } from '../catalog/catalog.ts';
import { SqlCodec } from '../sql/codec.ts';
import { DuckDBPlannerContext } from './context.ts';
import { explainText } from './plan.ts';
import { DEFAULT_PLANNER_SETTINGS, planQuery } from './planner.ts';

const SCALE = 100;

function scaled(manifest: Manifest): Manifest {
  const tables: Record<string, TableEntry> = {};
  for (const [name, table] of Object.entries(manifest.tables)) {
    tables[name] = {
      ...table,
      partitions: table.partitions.map((p) => ({
        ...p,
        rows: p.rows * SCALE,
        bytes: p.bytes * SCALE,
        files: p.files.map((f) => ({ ...f, rows: f.rows * SCALE, bytes: f.bytes * SCALE })),
      })),
    };
  }
  return { ...manifest, tables };
}

for (const layout of ['even', 'hash-key'] as const) {
  describe(`TPC-H plans (${layout} layout, SF 1 sizes)`, { timeout: 120_000 }, () => {
    let temp: { dir: string; remove: () => Promise<void> };
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    let catalog: Catalog;
    let manifest: Manifest;

    before(async () => {
      temp = await makeTempDir(`tpch-plans-${layout}`);
      await generateTpch({ scaleFactor: 0.01, outDir: temp.dir, partitions: 8, threads: 1, memoryLimit: '512MB', hashKey: layout === 'hash-key' });
      instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
      catalog = await Catalog.open(instance, temp.dir, pino({ level: 'silent' }));
      manifest = scaled(await catalog.current());
      connection = await instance.connect();
      await connection.run('USE memory.public');
    });

    after(async () => {
      connection?.closeSync();
      instance?.closeSync();
      await temp?.remove();
    });

    for (const query of TPCH_QUERIES) {
      it(`Q${query.id} (${query.name}) runs as split stages`, async () => {
        const codec = new SqlCodec(connection, { checkRendering: true });
        const parsed = await codec.parse(query.sql);
        assert.ok(parsed.ok);
        // The default cluster: 2 workers with 2 task slots each.
        const context = new DuckDBPlannerContext(manifest, catalog.aggregateNames, connection, codec, DEFAULT_PLANNER_SETTINGS, 4, catalog.duckdbVersion, true);
        const plan = await planQuery(parsed.statement, query.sql, context);
        const text = explainText(plan).join('\n');
        assert.equal(plan.kind, 'distributed', text);
        assert.equal(plan.kind === 'distributed' && plan.strategy, 'distributed', text);
        assert.doesNotMatch(text.split('\n')[1], /1 task in one task/, `the query runs as one task:\n${text}`);
      });

      it(`Q${query.id}: the bounded placement search chooses what proving every family would`, async () => {
        const codec = new SqlCodec(connection);
        const parsed = await codec.parse(query.sql);
        assert.ok(parsed.ok);
        const planWith = async (exhaustivePlacement: boolean) => {
          const settings = { ...DEFAULT_PLANNER_SETTINGS, exhaustivePlacement };
          const plan = await planQuery(parsed.statement, query.sql, new DuckDBPlannerContext(manifest, catalog.aggregateNames, connection, codec, settings, 4, catalog.duckdbVersion, false));
          return explainText(plan).join('\n');
        };
        assert.equal(await planWith(false), await planWith(true));
      });

      it(`Q${query.id}: an unproven split aggregate's fallback is the statement's own delegate plan`, async () => {
        const codec = new SqlCodec(connection, { checkRendering: true });
        const parsed = await codec.parse(query.sql);
        assert.ok(parsed.ok);
        const context = new DuckDBPlannerContext(manifest, catalog.aggregateNames, connection, codec, DEFAULT_PLANNER_SETTINGS, 4, catalog.duckdbVersion, false);
        const plan = await planQuery(parsed.statement, query.sql, context);
        assert.equal(plan.kind, 'distributed');
        if (plan.kind !== 'distributed') return;
        const splits = plan.stages.some((stage) => stage.role.startsWith('partial aggregate'));
        assert.equal(plan.fallback !== undefined, splits, 'a plan carries a fallback exactly when it has an unproven split aggregate');
        if (!plan.fallback) return;
        // Built after the distributed plan from the same tree: the builder must not have changed it.
        const fallback = await plan.fallback();
        const delegateContext = new DuckDBPlannerContext(manifest, catalog.aggregateNames, connection, codec, { ...DEFAULT_PLANNER_SETTINGS, distributed: false }, 4, catalog.duckdbVersion, false);
        const delegate = await planQuery(parsed.statement, query.sql, delegateContext);
        assert.equal(delegate.kind, 'distributed');
        assert.equal(fallback.strategy, 'delegate');
        assert.deepEqual(fallback.stages.map((s) => s.sql), delegate.kind === 'distributed' ? delegate.stages.map((s) => s.sql) : []);
        assert.equal(fallback.mergeSql, delegate.kind === 'distributed' ? delegate.mergeSql : '');
      });
    }
  });
}
