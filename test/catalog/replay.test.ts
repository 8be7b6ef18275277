/**
 * BI tools' catalog SQL, replayed against a real cluster serving flights and
 * airports (the vega-datasets files, imported as a user would): every
 * statement of every replay file (replay/*.sql, taken from the tools' public
 * sources) runs through the protocol the tool uses, and its answer equals what
 * PostgreSQL 15 answered for tables of the same shape (replay/*.pg15.json,
 * recorded by record-pg15.ts), apart from the columns each statement marks as
 * differing by design (OIDs, sizes, counters). Catalog statements must stay on
 * the gateway: their EXPLAIN is a local plan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startBiCluster, type BiCluster } from './bi-cluster.ts';
import { loadRecordings, loadReplayFiles, runReplayStatement, type RecordedResult, type Recording, type ReplayStatement } from './replay.ts';

const files = await loadReplayFiles();

/** Rows as comparable strings: only the compared columns, in a fixed order. */
function comparable(result: RecordedResult, statement: ReplayStatement): string[] {
  const names = result.fields.map(([name]) => name);
  const kept = names.map((name, i) => (statement.ignore.has(name) ? -1 : i)).filter((i) => i >= 0);
  const filterAt = statement.filter ? names.indexOf(statement.filter.column) : -1;
  return result.rows
    .filter((row) => filterAt < 0 || row[filterAt] === statement.filter?.value)
    .map((row) => JSON.stringify(kept.map((i) => [names[i], row[i]])))
    .sort();
}

function check(statement: ReplayStatement, actual: Recording, expected: Recording, where: string): void {
  assert.equal(actual.error, undefined, `${where}: pondgate says ${actual.error}\n${statement.sql}`);
  assert.equal(expected.error, undefined, `${where}: the recording is of an error`);
  assert.equal(actual.results.length, expected.results.length, `${where}: number of results`);
  actual.results.forEach((result, i) => {
    const want = expected.results[i];
    assert.equal(result.command, want.command, `${where}: command tag`);
    if (statement.compare === 'none') return;
    assert.deepEqual(result.fields.map(([name]) => name), want.fields.map(([name]) => name), `${where}: column names`);
    if (statement.compare === 'count') {
      assert.equal(comparable(result, statement).length, comparable(want, statement).length, `${where}: row count`);
      return;
    }
    assert.deepEqual(comparable(result, statement), comparable(want, statement), `${where}: rows (PostgreSQL 15's are expected)`);
  });
}

describe('BI tools: replayed catalog SQL answers as PostgreSQL 15 does', { timeout: 10 * 60_000 }, () => {
  let bi: BiCluster;

  before(async () => {
    bi = await startBiCluster('replay');
  });

  after(async () => {
    await bi?.stop();
  });

  for (const file of files) {
    describe(file.tool, () => {
      let client: pg.Client;
      let recordings: Record<string, Recording>;

      before(async () => {
        recordings = await loadRecordings(file.tool);
        client = new pg.Client({ connectionString: bi.connectionString });
        await client.connect();
      });

      after(async () => {
        await client?.end();
      });

      for (const statement of file.statements) {
        it(`${statement.name} (${statement.source})`, async () => {
          const expected = recordings[statement.name];
          assert.ok(expected, `no PostgreSQL 15 recording of ${file.tool}/${statement.name}: run test/catalog/record-pg15.ts`);
          const protocols = statement.protocol === 'both' ? (['extended', 'simple'] as const) : ([statement.protocol] as const);
          for (const protocol of protocols) {
            check(statement, await runReplayStatement(client, statement, protocol), expected, `${file.tool}/${statement.name} (${protocol})`);
          }
          if (!statement.data && /^\s*(select|with)\b/i.test(statement.sql) && !statement.sql.includes(';')) {
            const plan = await runReplayStatement(client, { ...statement, sql: `EXPLAIN ${statement.sql}` }, 'extended');
            assert.match(String(plan.results[0]?.rows[0]?.[0]), /^Local plan/, `${file.tool}/${statement.name} must stay on the gateway`);
          }
        });
      }
    });
  }
});
