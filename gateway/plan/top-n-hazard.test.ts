import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SqlCodec } from '../sql/codec.ts';
import { topNHazard } from './top-n-hazard.ts';

describe('topNHazard', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let codec: SqlCodec;

  before(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    connection = await instance.connect();
    codec = new SqlCodec(connection);
  });

  after(() => {
    connection?.closeSync();
    instance?.closeSync();
  });

  const hazard = async (sql: string): Promise<boolean> => {
    const parsed = await codec.parse(sql);
    assert.ok(parsed.ok, sql);
    return topNHazard(parsed.statement);
  };

  it('flags a LIMIT over an outer join, a positional or ASOF join, or a subquery expression', async () => {
    assert.equal(await hazard('SELECT r.id FROM a LEFT JOIN r ON r.k = a.k ORDER BY 1 NULLS FIRST LIMIT 5'), true);
    assert.equal(await hazard('SELECT r.id FROM r RIGHT JOIN a ON a.k = r.k ORDER BY 1 LIMIT 5'), true);
    assert.equal(await hazard('SELECT * FROM r FULL JOIN a USING (k) ORDER BY 1 LIMIT 5 OFFSET 2'), true);
    assert.equal(await hazard('SELECT * FROM r POSITIONAL JOIN a ORDER BY 1 LIMIT 5'), true);
    assert.equal(await hazard('SELECT * FROM r ASOF JOIN a ON r.t >= a.t ORDER BY 1 LIMIT 5'), true);
    assert.equal(await hazard('SELECT a.k, (SELECT max(id) FROM r WHERE r.k = a.k) AS m FROM a ORDER BY 2 LIMIT 5'), true);
    assert.equal(await hazard('SELECT * FROM a WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k = a.k) ORDER BY 1 LIMIT 5'), true);
    assert.equal(await hazard('SELECT * FROM (SELECT r.id FROM a LEFT JOIN r ON r.k = a.k) AS s ORDER BY 1 LIMIT 10%'), true);
  });

  it('leaves alone statements without a LIMIT or without such a join', async () => {
    assert.equal(await hazard('SELECT r.id FROM a LEFT JOIN r ON r.k = a.k ORDER BY 1'), false);
    assert.equal(await hazard('SELECT r.id FROM a JOIN r ON r.k = a.k ORDER BY 1 LIMIT 5'), false);
    assert.equal(await hazard('SELECT * FROM a, r WHERE a.k = r.k ORDER BY 1 LIMIT 5'), false);
    assert.equal(await hazard('SELECT id FROM r ORDER BY id DESC LIMIT 10'), false);
  });
});
