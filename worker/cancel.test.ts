/** Which accepted tasks a cancel message stops: all of its query's, or only the attempt it names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreditGate } from './credits.ts';
import { cancelApplies, type TaskRecord } from './task-runner.ts';

const task = (queryId: string, resultSubject: string): TaskRecord => ({ queryId, resultSubject, credits: new CreditGate(1), cancelled: false });

test('a cancel stops every task of its query, or only the attempt whose result subject it names', () => {
  const tasks = [task('q1', 'r.g.q1.0.0.1.a'), task('q1', 'r.g.q1.0.1.1.b'), task('q2', 'r.g.q2.0.0.1.c')];
  const stopped = (message: { queryId: string; resultSubject?: string }) => tasks.filter((t) => cancelApplies(t, message)).map((t) => t.resultSubject);
  assert.deepEqual(stopped({ queryId: 'q1' }), ['r.g.q1.0.0.1.a', 'r.g.q1.0.1.1.b']);
  assert.deepEqual(stopped({ queryId: 'q1', resultSubject: 'r.g.q1.0.1.1.b' }), ['r.g.q1.0.1.1.b']);
  // An attempt of another query with that subject is never stopped, nor one of an unknown query.
  assert.deepEqual(stopped({ queryId: 'q2', resultSubject: 'r.g.q1.0.1.1.b' }), []);
  assert.deepEqual(stopped({ queryId: 'q3' }), []);
});
