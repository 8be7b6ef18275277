/**
 * psycopg2 (Python, on libpq) against a real cluster: the script
 * psycopg2/client_matrix.py runs once and prints one JSON line per check,
 * asserted on here. Checks: plain cursors in psycopg2's implicit transaction,
 * client-side `%s` parameters, type conversion, arrays, named (server-side)
 * cursors read with itersize and fetchmany (DECLARE … CURSOR / FETCH
 * FORWARD n), conn.cancel() from a thread (QueryCanceled), and an error,
 * the aborted transaction (25P02), rollback and reuse.
 *
 * Uses /usr/bin/python3 when it exists (Debian's python3-psycopg2), else python3.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { checksOf, runProgram, startTpchCluster, type TpchCluster } from '../support/clients.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'psycopg2', 'client_matrix.py');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface TypedValue {
  type: string;
  value: unknown;
}

describe('psycopg2', { timeout: 5 * 60_000 }, () => {
  let tpch: TpchCluster;
  let checks: Map<string, Record<string, unknown>>;
  let output = '';

  const check = (name: string): Record<string, unknown> => {
    const record = checks.get(name);
    assert.ok(record, `no "${name}" line in the script's output:\n${output}`);
    assert.equal(record.error, undefined, `${name} failed: ${String(record.error)} (SQLSTATE ${String(record.sqlstate)})`);
    return record;
  };

  before(async () => {
    const probe = await runProgram(PYTHON, ['-c', 'import psycopg2']);
    assert.equal(probe.code, 0, `${PYTHON} has no psycopg2 (Debian package python3-psycopg2; scripts/setup.sh):\n${probe.stderr}`);
    tpch = await startTpchCluster('psycopg2');
    const dsn = `host=127.0.0.1 port=${tpch.cluster.port} dbname=pondgate user=py_user`;
    const run = await runProgram(PYTHON, [SCRIPT, dsn], { timeoutMs: 50_000, env: { ...process.env, PGOPTIONS: undefined, PGPASSWORD: undefined } });
    output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, output);
    checks = checksOf(run.stdout);
  });

  after(async () => {
    await tpch?.stop();
  });

  it('plain cursors in the implicit transaction, committed', () => {
    const record = check('plain');
    assert.equal(record.orders, 15000);
    assert.deepEqual(record.names, ['n']);
    assert.deepEqual((record.rows as unknown[][]).map((r) => r[0]), [1, 2, 3]);
    assert.equal(record.status, 0); // TRANSACTION_STATUS_IDLE after commit
  });

  it('%s and %(name)s parameters', () => {
    const record = check('parameters');
    assert.ok(Number(record.literal) > 0);
    assert.equal(record.bound, record.literal);
    assert.equal(record.s, 'x y');
    assert.equal(record.q, "it's");
  });

  it('values convert to Python types', () => {
    const columns = check('types').columns as Record<string, TypedValue>;
    assert.deepEqual(columns, {
      i: { type: 'int', value: '1' },
      b: { type: 'int', value: '9007199254740993' },
      n: { type: 'Decimal', value: '12.34' },
      s: { type: 'str', value: 'x y' },
      d: { type: 'date', value: '2020-01-02' },
      ts: { type: 'datetime', value: '2020-01-02T03:04:05.500000' },
      t: { type: 'bool', value: true },
      f: { type: 'float', value: 1.5 },
    });
  });

  it('LIST columns convert to Python lists', () => {
    const columns = check('arrays').columns as Record<string, TypedValue>;
    assert.deepEqual(columns, {
      ia: { type: 'list', value: [1, 2, 3] },
      sa: { type: 'list', value: ['a', 'b c'] },
      fa: { type: 'list', value: [1.5, null] },
    });
  });

  it('named server-side cursors read every lineitem row (itersize) and batches (fetchmany)', () => {
    const record = check('namedCursor');
    assert.ok(Number(record.expected) > 50_000);
    assert.equal(record.rows, record.expected);
    assert.equal(record.keySum, record.expectedKeySum);
    assert.deepEqual(record.batches, [500, 500, 200]);
  });

  it('conn.cancel() from a thread raises QueryCanceled; the connection is reusable', () => {
    const record = check('cancel');
    assert.equal(record.outcome, 'QueryCanceled:57014');
    assert.ok(Number(record.elapsedMs) < 15_000, `cancel took ${String(record.elapsedMs)} ms`);
    assert.equal(record.after, 42);
  });

  it('an error aborts the transaction (25P02) until rollback, then the connection is reused', () => {
    const record = check('error');
    assert.equal(record.outcome, 'UndefinedTable:42P01');
    assert.equal(record.aborted, 'InFailedSqlTransaction:25P02');
    assert.equal(record.after, 5);
  });
});
