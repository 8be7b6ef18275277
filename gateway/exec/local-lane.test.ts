/**
 * The gateway's own task lane: which tasks it takes, that it runs them as a worker would (rows,
 * end message), that it never makes a task wait for a slot, and that a cancel stops its task.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { pino } from 'pino';
import { generateEdge } from '../../src/datagen/edge.ts';
import type { TaskInput } from '../../src/cluster/messages.ts';
import { SqlError } from '../../src/errors.ts';
import type { Manifest } from '../../src/storage/manifest.ts';
import { makeTempDir } from '../../test/support/cluster.ts';
import type { TaskEvent, TaskSpec } from './dispatcher.ts';
import { LOCAL_LANE_WORKER_ID, LocalLane } from './local-lane.ts';

describe('LocalLane', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let manifest: Manifest;
  let lane: LocalLane;

  before(async () => {
    temp = await makeTempDir('local-lane');
    manifest = await generateEdge({ outDir: temp.dir });
    lane = await LocalLane.open({ dataDir: temp.dir, scratchDir: `${temp.dir}/.scratch`, memoryMb: 64, slots: 1, maxInputBytes: 1024 * 1024, maxMessageBytes: 1024 * 1024, log: pino({ level: 'silent' }) });
  });

  after(async () => {
    await lane?.close();
    await temp?.remove();
  });

  const accounts = (): TaskInput => {
    const table = manifest.tables.accounts!;
    return { name: '__pondgate_in0', root: 'data', files: table.partitions.flatMap((p) => p.files.map((f) => f.path)), columns: [], anyOrder: true };
  };
  const spec = (sql: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
    queryId: `q${Math.random().toString(36).slice(2, 8)}`,
    stageId: 0,
    task: 0,
    sql,
    inputs: [accounts()],
    output: { kind: 'stream', client: true },
    timeZone: 'UTC',
    deadline: Date.now() + 60_000,
    lane: 'small',
    ...extra,
  });
  const drain = async (events: AsyncGenerator<TaskEvent>): Promise<{ rows: unknown[]; workerId: string }> => {
    const rows: unknown[] = [];
    for await (const event of events) {
      if (event.kind === 'batch') rows.push(...tableFromIPC(event.data).toArray().map((r) => r.toJSON()));
      else return { rows, workerId: event.end.workerId };
    }
    throw new Error('no end');
  };

  it('runs a one-task query over small data files as a worker would, and names itself in the end message', async () => {
    const run = await lane.claim(spec('SELECT count(*)::INTEGER AS n FROM __pondgate_in0'));
    assert.ok(run, 'claimed');
    const { rows, workerId } = await drain(run(new AbortController().signal));
    assert.deepEqual(rows, [{ n: 120 }]);
    assert.equal(workerId, LOCAL_LANE_WORKER_ID);
  });

  it('joins a value larger than a result message from its pieces, as the dispatcher does', async () => {
    const run = await lane.claim(spec("SELECT repeat('x', 3000000) AS big, count(*) OVER () AS n FROM __pondgate_in0 LIMIT 1"));
    assert.ok(run);
    const { rows } = await drain(run(new AbortController().signal));
    assert.equal(rows.length, 1);
    assert.equal((rows[0] as { big: string }).big.length, 3_000_000);
  });

  it('leaves to the workers: tasks of bigger plans, file outputs, scratch inputs and inputs over its size limit', async () => {
    assert.equal(await lane.claim(spec('SELECT 1', { lane: undefined })), undefined);
    assert.equal(await lane.claim(spec('SELECT 1', { output: { kind: 'files', scratchPrefix: 'q' } })), undefined);
    assert.equal(await lane.claim(spec('SELECT 1', { inputs: [{ ...accounts(), root: 'scratch' }] })), undefined);
    const big = await LocalLane.open({ dataDir: temp.dir, scratchDir: `${temp.dir}/.scratch`, memoryMb: 16, slots: 1, maxInputBytes: 10, maxMessageBytes: 1024 * 1024, log: pino({ level: 'silent' }) });
    try {
      assert.equal(await big.claim(spec('SELECT 1')), undefined);
    } finally {
      await big.close();
    }
  });

  it('takes a task only when a slot is free at once', async () => {
    const first = await lane.claim(spec('SELECT 1 AS one'));
    assert.ok(first);
    assert.equal(await lane.claim(spec('SELECT 2 AS two')), undefined, 'its one slot is taken: the task goes to a worker');
    await drain(first(new AbortController().signal));
    assert.ok(await lane.claim(spec('SELECT 3 AS three')).then(async (run) => run && (await drain(run(new AbortController().signal)))));
  });

  it('stops a running task when its query is cancelled', async () => {
    const query = spec('SELECT count(*) FROM __pondgate_in0, range(3000000000) AS r(i) WHERE md5(owner || i) < \'0\'');
    const run = await lane.claim(query);
    assert.ok(run);
    const result = drain(run(new AbortController().signal));
    setTimeout(() => lane.cancel(query.queryId), 300);
    await assert.rejects(result, (error: unknown) => error instanceof SqlError && error.sqlstate === '57014');
  });
});
