// The JavaScript renderer against DuckDB's own: for every tree it renders, its
// text must parse back to the same tree as DuckDB's rendering of that tree.
// Trees it does not cover must come back undefined (DuckDB renders them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CORPUS } from '../../test/differential/corpus.ts';
import { SqlCodec } from './codec.ts';
import { stringifyExactJson } from './exact-json.ts';
import { normalizePgSyntax } from './pg-syntax.ts';
import { NON_UNRESERVED_KEYWORDS, renderStatement } from './render.ts';
import type { JsonObject } from './duckdb-ast.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let codec: SqlCodec;

before(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
  codec = new SqlCodec(connection, { checkRendering: false });
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

async function tree(sql: string): Promise<JsonObject> {
  const parsed = await codec.parse(sql);
  if (!parsed.ok) throw new Error(`does not parse: ${parsed.message}\n${sql}`);
  return parsed.statement;
}

/** The JavaScript text and DuckDB's text of one tree, each parsed again. */
async function bothWays(statement: JsonObject): Promise<{ mine: string | undefined; same: boolean; reference: string }> {
  const mine = renderStatement(statement);
  const duckdb = String((await connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [stringifyExactJson({ error: false, statements: [statement] })])).getRows()[0][0]);
  if (mine === undefined) return { mine, same: true, reference: duckdb };
  const a = stringifyExactJson(await tree(mine));
  const b = stringifyExactJson(await tree(duckdb));
  return { mine, same: a === b, reference: duckdb };
}

describe('the JavaScript renderer', () => {
  it('renders every corpus query it covers exactly as DuckDB does, and covers most of them', async () => {
    let rendered = 0;
    for (const entry of CORPUS) {
      const statement = await tree(normalizePgSyntax(entry.sql));
      const { mine, same, reference } = await bothWays(statement);
      if (mine !== undefined) rendered++;
      assert.ok(same, `${entry.id}:\n  mine:   ${mine}\n  DuckDB: ${reference}`);
    }
    // A renderer that refused everything would pass the check above vacuously.
    assert.ok(rendered >= CORPUS.length * 0.9, `rendered ${rendered} of ${CORPUS.length}`);
  });

  const cases: readonly string[] = [
    'SELECT 2147483647, -2147483647, 2147483648, -2147483648, 9223372036854775807, 9223372036854775808, -9223372036854775809',
    'SELECT 170141183460469231731687303715884105727, -170141183460469231731687303715884105727, 18446744073709551616',
    'SELECT 0.5, 12.50, 100.000, 0.0001, 123456789012345678.123',
    "SELECT 'it''s', 'back\\slash', 'ünïcødé ✓ 𝄞', 'line\nbreak', ''",
    'SELECT TRUE, FALSE, NULL',
    'SELECT a AS "Mixed Case", "we""ird" AS "x""y" FROM "T" AS "t t"',
    'SELECT * FROM a LEFT JOIN b ON a.x = b.x RIGHT JOIN c USING (y) FULL OUTER JOIN d ON (c.z IS NOT DISTINCT FROM d.z)',
    'SELECT * FROM a CROSS JOIN (b INNER JOIN c ON b.k = c.k)',
    'SELECT x FROM a SEMI JOIN b ON a.x = b.x ANTI JOIN c ON a.x = c.x',
    'WITH w(a, b) AS MATERIALIZED (SELECT 1, 2), v AS NOT MATERIALIZED (SELECT 3) SELECT * FROM w, v',
    'SELECT DISTINCT ON (a, b) a, b, c FROM t ORDER BY a DESC NULLS FIRST, b ASC NULLS LAST, c LIMIT 5 OFFSET 10',
    'SELECT a, b, sum(c) FILTER (WHERE c > 0), count(DISTINCT d), string_agg(e, \',\' ORDER BY e DESC) FROM t GROUP BY ROLLUP (a, b) HAVING grouping(a, b) < 3',
    'SELECT a FROM t GROUP BY CUBE (a, b), c',
    'SELECT row_number() OVER (PARTITION BY a ORDER BY b), sum(c) OVER (ORDER BY d ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING), lag(x, 2, 0) OVER (ORDER BY y), lead(x) OVER () FROM t QUALIFY rank() OVER (ORDER BY z) <= 3',
    'SELECT CASE WHEN a THEN 1 WHEN b THEN 2 END, CASE x WHEN 1 THEN 2 ELSE 3 END, CAST(a AS DECIMAL(12, 3)), TRY_CAST(b AS TIMESTAMP WITH TIME ZONE), a::DATE',
    'SELECT a IN (1, 2), a NOT IN (SELECT b FROM u), EXISTS (SELECT 1), NOT EXISTS (SELECT 1 FROM u WHERE u.k = t.k), a > ANY (SELECT b FROM u), (SELECT max(b) FROM u) FROM t',
    'SELECT a LIKE b, a NOT LIKE b, a ILIKE b, a NOT ILIKE b, a || b, -a, +a, a // b, a % b, 2 ^ 3, a & b, a << 1 FROM t',
    'SELECT coalesce(a, b, c), a IS NULL, a IS NOT NULL, NOT a, a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2, a <> b, a != b FROM t',
    '(SELECT 1 UNION ALL SELECT 2) EXCEPT (SELECT 3 INTERSECT ALL SELECT 4) ORDER BY 1 LIMIT 1',
    'SELECT a FROM t UNION ALL BY NAME SELECT b AS a FROM u',
    'SELECT main.sum(x), t.* FROM main.t',
    'SELECT * FROM range(3) AS r(z), generate_series(1, 2)',
    'SELECT x FROM (SELECT 1 AS x) WHERE x = 1',
    'SELECT $1 AS p, a FROM t WHERE b = $2 AND c IN ($1, $3)',
  ];
  for (const sql of cases) {
    it(`renders like DuckDB: ${sql.slice(0, 70)}`, async () => {
      const { mine, same, reference } = await bothWays(await tree(sql));
      assert.ok(mine !== undefined, 'the renderer should cover this tree');
      assert.ok(same, `\n  mine:   ${mine}\n  DuckDB: ${reference}`);
    });
  }

  const refused: readonly string[] = [
    'SELECT 1.5e10',
    'SELECT -9223372036854775808',
    'SELECT * FROM a NATURAL JOIN b',
    'SELECT * FROM a POSITIONAL JOIN b',
    'SELECT sum(x) OVER (ORDER BY y RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
    'SELECT x COLLATE nocase FROM t',
    'SELECT * EXCLUDE (a) FROM t',
    'SELECT list_transform([1, 2], x -> x + 1)',
    'SELECT struct_pack(a := 1)',
    'SELECT * FROM t USING SAMPLE 10%',
    'SELECT a FROM t LIMIT 10%',
    'SELECT a FROM t GROUP BY ALL',
    "SELECT DATE '2020-01-01' + INTERVAL 1 DAY",
  ];
  for (const sql of refused) {
    it(`leaves to DuckDB: ${sql}`, async () => {
      const statement = await tree(sql);
      // What the parser turns into a covered shape (a cast of a string) may still render in JavaScript; then it must agree.
      const { mine, same, reference } = await bothWays(statement);
      assert.ok(same, `\n  mine:   ${mine}\n  DuckDB: ${reference}`);
      if (!/DATE|INTERVAL/.test(sql)) assert.equal(mine, undefined, `expected a refusal, got ${mine}`);
    });
  }

  it('knows the keywords of the DuckDB it runs with', async () => {
    const reader = await connection.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved' ORDER BY 1");
    assert.deepEqual([...NON_UNRESERVED_KEYWORDS].sort(), reader.getRows().map((row) => String(row[0])));
  });

  it('goes to DuckDB for a constant the parser would read back as another type', () => {
    const constant = (id: string, value: number | string, typeInfo: JsonObject | null = null): JsonObject => ({
      node: {
        type: 'SELECT_NODE', modifiers: [], cte_map: { map: [] },
        select_list: [{ class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', query_location: 0, value: { type: { id, type_info: typeInfo }, is_null: false, value } }],
        from_table: { type: 'EMPTY', alias: '', sample: null, query_location: 0 },
        where_clause: null, group_expressions: [], group_sets: [], aggregate_handling: 'STANDARD_HANDLING', having: null, sample: null, qualify: null,
      },
      named_param_map: [],
    });
    assert.equal(renderStatement(constant('BIGINT', 5)), undefined, 'a small BIGINT reads back as INTEGER');
    assert.equal(renderStatement(constant('INTEGER', 5)), 'SELECT 5');
    assert.equal(renderStatement(constant('DECIMAL', 5, { type: 'DECIMAL_TYPE_INFO', alias: '', extension_info: null, width: 4, scale: 1 })), undefined, 'DECIMAL(4,1) 0.5 reads back as DECIMAL(2,1)');
    assert.equal(renderStatement(constant('DECIMAL', 5, { type: 'DECIMAL_TYPE_INFO', alias: '', extension_info: null, width: 2, scale: 1 })), 'SELECT 0.5');
    assert.equal(renderStatement(constant('DATE', 0)), undefined);
  });
});
