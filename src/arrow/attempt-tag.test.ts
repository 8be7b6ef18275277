/**
 * A tagged staging table: rows loaded under one attempt tag can be deleted
 * exactly, rows of the other tags stay, and the restoring view never shows the
 * tag. This is what lets the gateway drop a failed task attempt's rows before
 * the task runs again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { queryArrow } from './read-result.ts';
import { qualifiedName, quoteIdent } from './sql.ts';
import { ArrowToDuckDBLoader, ATTEMPT_TAG_COLUMN, restoreViewSql, stagingTableSql } from './to-duckdb.ts';

describe('tagged staging tables', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    // Crosses vector (2048) boundaries; long and short strings, NULLs, a nested column.
    await connection.run(`CREATE TABLE src AS SELECT i AS k, CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('x', i % 40) END AS s, [i, i + 1] AS l FROM range(20000) t(i)`);
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  test('deleting one tag removes exactly the rows loaded under it', async () => {
    const arrow = await queryArrow(connection, 'SELECT * FROM src ORDER BY k', { targetBytes: 16 * 1024 });
    assert.ok(arrow.batches.length > 3, 'the test needs several batches');
    await connection.run('CREATE SCHEMA q');
    const staging = { catalog: 'memory', schema: 'q', name: 'stage' };
    const view = { catalog: 'memory', schema: 'q', name: 'result' };
    await connection.run(stagingTableSql(arrow.schema, staging, { tagged: true }));
    await connection.run(restoreViewSql(arrow.schema, view, staging));
    const loader = await ArrowToDuckDBLoader.create(connection, staging, arrow.schema, { tagged: true });
    // Tag 1, a failed attempt, delivers part of the rows again, interleaved with the good ones.
    arrow.batches.forEach((batch, i) => {
      loader.append(batch, 0);
      if (i % 2 === 0) loader.append(batch, 1);
    });
    loader.flush();
    const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRows()[0][0]);
    assert.ok((await count(`SELECT count(*) FROM ${qualifiedName(view)}`)) > 20000);
    await connection.run(`DELETE FROM ${qualifiedName(staging)} WHERE ${quoteIdent(ATTEMPT_TAG_COLUMN)} = 1`);
    // The retry's rows, under a tag of their own, after the delete.
    loader.append(arrow.batches[0], 2);
    loader.close();
    assert.equal(await count(`SELECT count(*) FROM (SELECT * FROM ${qualifiedName(view)} EXCEPT ALL SELECT * FROM src)`), arrow.batches[0].numRows);
    assert.equal(await count(`SELECT count(*) FROM (SELECT * FROM src EXCEPT ALL SELECT * FROM ${qualifiedName(view)})`), 0);
    assert.equal(await count(`SELECT count(*) FROM ${qualifiedName(view)} WHERE k >= ${arrow.batches[0].numRows}`), 20000 - arrow.batches[0].numRows);
    const columns = (await connection.runAndReadAll(`SELECT * FROM ${qualifiedName(view)} LIMIT 0`)).columnNames();
    assert.deepEqual(columns, ['k', 's', 'l']);
  });
});
