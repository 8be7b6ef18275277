// Unit tests of the differential comparison rules: every rule must be able to
// fail, otherwise the suite could pass a wrong gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareResults,
  assertResultsMatch,
  cellsEqual,
  floatsEqual,
  formatDiff,
  parseFloatText,
  type ResultColumn,
  type TextResult,
  type TextRow,
} from './compare.ts';

const INT8 = 20;
const TEXT = 25;
const FLOAT8 = 701;
const FLOAT4 = 700;
const NUMERIC = 1700;

const cols = (...spec: Array<[string, number]>): ResultColumn[] => spec.map(([name, typeOid]) => ({ name, typeOid }));
const result = (columns: ResultColumn[], rows: TextRow[]): TextResult => ({ columns, rows });

const C = cols(['k', INT8], ['name', TEXT], ['x', FLOAT8]);

test('equal results compare equal', () => {
  const r = result(C, [['1', 'a', '0.5'], ['2', null, '1e+20']]);
  assert.equal(compareResults(r, r), null);
  assert.equal(compareResults(r, r, { orderBy: [0] }), null);
  assert.equal(formatDiff(null), 'results are equal');
});

test('wrong value fails, with row, column and both values in the diff', () => {
  const e = result(C, [['1', 'a', '0.5'], ['2', 'b', '1']]);
  const a = result(C, [['1', 'a', '0.5'], ['2', 'c', '1']]);
  const d = compareResults(e, a);
  assert.ok(d);
  assert.equal(d.kind, 'value');
  assert.equal(d.row, 1);
  assert.equal(d.column, 1);
  assert.equal(d.columnName, 'name');
  assert.equal(d.expectedValue, 'b');
  assert.equal(d.actualValue, 'c');
  assert.equal(d.expectedRowCount, 2);
  assert.equal(d.actualRowCount, 2);
  assert.match(formatDiff(d), /column 1 \(name\): expected "b", actual "c"/);
  // Same failure when ordered (not a key column).
  const o = compareResults(e, a, { orderBy: [0] });
  assert.equal(o?.kind, 'value');
  assert.equal(o?.row, 1);
});

test('NULL differs from a value and from the string "null"', () => {
  const e = result(C, [['1', null, '1']]);
  assert.equal(compareResults(e, result(C, [['1', 'null', '1']]))?.kind, 'value');
  assert.equal(compareResults(e, result(C, [['1', '', '1']]))?.kind, 'value');
  assert.equal(compareResults(result(C, [['1', 'a', null]]), result(C, [['1', 'a', '0']]))?.kind, 'value');
});

test('wrong type OID fails', () => {
  const e = result(cols(['n', NUMERIC]), [['2.5']]);
  const a = result(cols(['n', FLOAT8]), [['2.5']]);
  const d = compareResults(e, a);
  assert.equal(d?.kind, 'column-type');
  assert.equal(d?.column, 0);
  assert.match(d?.message ?? '', /expected 1700, actual 701/);
});

test('column names and column count must be equal', () => {
  const e = result(cols(['a', INT8]), [['1']]);
  assert.equal(compareResults(e, result(cols(['A', INT8]), [['1']]))?.kind, 'column-name');
  assert.equal(compareResults(e, result(cols(['a', INT8], ['b', INT8]), [['1', '2']]))?.kind, 'column-count');
});

test('ragged rows are reported', () => {
  const e = result(cols(['a', INT8]), [['1']]);
  const d = compareResults(e, result(cols(['a', INT8]), [['1', '2']]));
  assert.equal(d?.kind, 'column-count');
  assert.equal(d?.row, 0);
});

test('floats: within 1e-9 relative is equal, beyond is not', () => {
  const F = cols(['x', FLOAT8]);
  assert.equal(compareResults(result(F, [['1000000']]), result(F, [['1000000.0009']])), null);
  const d = compareResults(result(F, [['1000000']]), result(F, [['1000000.0011']]));
  assert.equal(d?.kind, 'value');
  assert.match(d?.message ?? '', /tolerance/);
  // float4 is a float too.
  assert.equal(compareResults(result(cols(['x', FLOAT4]), [['0.1']]), result(cols(['x', FLOAT4]), [['0.10000000000000002']])), null);
  // numeric is exact even for tiny differences.
  const N = cols(['x', NUMERIC]);
  assert.equal(compareResults(result(N, [['1.000000000000']]), result(N, [['1.000000000001']]))?.kind, 'value');
  // Text-level differences of an equal number are fine for floats, not for numeric.
  assert.equal(compareResults(result(F, [['1e+20']]), result(F, [['100000000000000000000']])), null);
  assert.equal(compareResults(result(N, [['2.50']]), result(N, [['2.5']]))?.kind, 'value');
});

test('float special values', () => {
  assert.equal(parseFloatText('NaN'), Number.NaN);
  assert.equal(parseFloatText('-Infinity'), Number.NEGATIVE_INFINITY);
  assert.equal(parseFloatText(''), undefined);
  assert.equal(parseFloatText(' 1'), undefined);
  assert.equal(parseFloatText('abc'), undefined);
  assert.ok(floatsEqual(Number.NaN, Number.NaN));
  assert.ok(!floatsEqual(Number.NaN, 1));
  assert.ok(floatsEqual(Infinity, Infinity));
  assert.ok(!floatsEqual(Infinity, -Infinity));
  assert.ok(!floatsEqual(Infinity, 1e308));
  assert.ok(floatsEqual(0, 0));
  assert.ok(floatsEqual(0, -0));
  assert.ok(!floatsEqual(0, 1e-300));
  assert.ok(cellsEqual('NaN', 'NaN', true));
  assert.ok(cellsEqual('Infinity', 'Infinity', true));
  assert.ok(!cellsEqual('Infinity', '-Infinity', true));
  assert.ok(!cellsEqual('abc', 'abd', true));
  assert.ok(!cellsEqual('1', '1.0', false));
  assert.ok(cellsEqual('1', '1.0', true));
});

test('unordered: row order does not matter', () => {
  const e = result(C, [['1', 'a', '1'], ['2', 'b', '2'], ['3', 'c', '3']]);
  const a = result(C, [['3', 'c', '3'], ['1', 'a', '1'], ['2', 'b', '2']]);
  assert.equal(compareResults(e, a), null);
});

test('unordered: float tolerance works when the float columns alone would misalign rows', () => {
  const F = cols(['x', FLOAT8], ['y', FLOAT8]);
  // Sorting by x pairs rows differently on the two sides; the greedy pass must still match them.
  const e = result(F, [['1', '5'], ['1.0000000000001', '6']]);
  const a = result(F, [['1.0000000000001', '5'], ['1', '6']]);
  assert.equal(compareResults(e, a), null);
});

test('missing duplicate row fails as a multiset', () => {
  const e = result(C, [['1', 'a', '1'], ['1', 'a', '1'], ['2', 'b', '2']]);
  const a = result(C, [['1', 'a', '1'], ['2', 'b', '2']]);
  const d = compareResults(e, a);
  assert.equal(d?.kind, 'missing-rows');
  assert.equal(d?.missingCount, 1);
  assert.deepEqual(d?.missingRows, [['1', 'a', '1']]);
  assert.equal(d?.expectedRowCount, 3);
  assert.equal(d?.actualRowCount, 2);
});

test('extra duplicate row fails as a multiset', () => {
  const e = result(C, [['1', 'a', '1'], ['2', 'b', '2']]);
  const a = result(C, [['2', 'b', '2'], ['1', 'a', '1'], ['2', 'b', '2']]);
  const d = compareResults(e, a);
  assert.equal(d?.kind, 'extra-rows');
  assert.equal(d?.extraCount, 1);
  assert.deepEqual(d?.extraRows, [['2', 'b', '2']]);
  // And with ORDER BY: the duplicate lands in a tied group.
  const o = compareResults(e, result(C, [['1', 'a', '1'], ['2', 'b', '2'], ['2', 'b', '2']]), { orderBy: [0] });
  assert.equal(o?.kind, 'extra-rows');
  assert.match(o?.message ?? '', /tied on ORDER BY keys/);
});

test('ordered: wrong order of keys fails', () => {
  const e = result(C, [['1', 'a', '1'], ['2', 'b', '2'], ['3', 'c', '3']]);
  const a = result(C, [['1', 'a', '1'], ['3', 'c', '3'], ['2', 'b', '2']]);
  assert.equal(compareResults(e, a), null, 'same multiset');
  const d = compareResults(e, a, { orderBy: [0] });
  assert.equal(d?.kind, 'order');
  assert.equal(d?.row, 1);
  assert.equal(d?.column, 0);
  assert.equal(d?.expectedValue, '2');
  assert.equal(d?.actualValue, '3');
});

test('ordered: rows tied on all keys may come in any order', () => {
  const e = result(C, [['1', 'a', '1'], ['1', 'b', '2'], ['2', 'c', '3'], ['2', 'd', '4']]);
  const a = result(C, [['1', 'b', '2'], ['1', 'a', '1'], ['2', 'd', '4'], ['2', 'c', '3']]);
  assert.equal(compareResults(e, a, { orderBy: [0] }), null);
  // Not with a second key that breaks the tie.
  assert.equal(compareResults(e, a, { orderBy: [0, 1] })?.kind, 'order');
  // A row moved to another tie group is a difference even though the multiset is equal.
  const moved = result(C, [['1', 'a', '1'], ['2', 'c', '3'], ['1', 'b', '2'], ['2', 'd', '4']]);
  assert.equal(compareResults(e, moved), null);
  // The first group (key 1) then lacks row b: reported where the groups first disagree.
  const d = compareResults(e, moved, { orderBy: [0] });
  assert.equal(d?.kind, 'missing-rows');
  assert.equal(d?.row, 1);
  assert.deepEqual(d?.expectedRow, ['1', 'b', '2']);
});

test('ordered: tied group values are compared as multisets', () => {
  const e = result(C, [['1', 'a', '1'], ['1', 'b', '2']]);
  const a = result(C, [['1', 'b', '2'], ['1', 'a', '9']]);
  const d = compareResults(e, a, { orderBy: [0] });
  assert.equal(d?.kind, 'value');
  assert.equal(d?.column, 2);
});

test('ordered: float keys compare with tolerance, NULL keys group together', () => {
  const F = cols(['x', FLOAT8], ['n', TEXT]);
  const e = result(F, [[null, 'a'], [null, 'b'], ['0.30000000000000004', 'c']]);
  const a = result(F, [[null, 'b'], [null, 'a'], ['0.3', 'c']]);
  assert.equal(compareResults(e, a, { orderBy: [0] }), null);
  assert.equal(compareResults(e, result(F, [['0.3', 'c'], [null, 'b'], [null, 'a']]), { orderBy: [0] })?.kind, 'order');
});

test('ordered: truncated or longer results fail', () => {
  const e = result(C, [['1', 'a', '1'], ['2', 'b', '2']]);
  const short = compareResults(e, result(C, [['1', 'a', '1']]), { orderBy: [0] });
  assert.equal(short?.kind, 'missing-rows');
  assert.equal(short?.row, 1);
  const long = compareResults(e, result(C, [['1', 'a', '1'], ['2', 'b', '2'], ['3', 'c', '3']]), { orderBy: [0] });
  assert.equal(long?.kind, 'extra-rows');
  assert.equal(long?.row, 2);
});

test('orderBy indexes must name output columns', () => {
  const e = result(C, [['1', 'a', '1']]);
  assert.equal(compareResults(e, e, { orderBy: [3] })?.kind, 'bad-order-by');
  assert.equal(compareResults(e, e, { orderBy: [-1] })?.kind, 'bad-order-by');
});

test('empty results fail unless expectEmpty; expectEmpty requires both empty', () => {
  const empty = result(C, []);
  const one = result(C, [['1', 'a', '1']]);
  assert.equal(compareResults(empty, empty)?.kind, 'empty');
  assert.equal(compareResults(one, empty)?.kind, 'empty');
  assert.equal(compareResults(empty, one)?.kind, 'empty');
  assert.equal(compareResults(empty, empty, { expectEmpty: true }), null);
  assert.equal(compareResults(empty, one, { expectEmpty: true })?.kind, 'not-empty');
  assert.equal(compareResults(one, one, { expectEmpty: true })?.kind, 'not-empty');
  // Columns are still checked for empty results.
  assert.equal(compareResults(empty, result(cols(['k', TEXT], ['name', TEXT], ['x', FLOAT8]), []), { expectEmpty: true })?.kind, 'column-type');
});

test('diff message carries the counts', () => {
  const e = result(C, [['1', 'a', '1']]);
  const d = compareResults(e, result(C, [['1', 'a', '2'], ['1', 'a', '3']]));
  assert.ok(d);
  assert.match(d.message, /rows: expected 1, actual 2/);
});

test('assertResultsMatch throws an AssertionError naming the query', () => {
  const e = result(C, [['1', 'a', '1']]);
  assert.doesNotThrow(() => assertResultsMatch(e, e, {}, 'q1'));
  assert.throws(() => assertResultsMatch(e, result(C, [['1', 'b', '1']]), {}, 'q1'), (err: unknown) => {
    assert.ok(err instanceof assert.AssertionError);
    assert.match(err.message, /^q1: \[value\] value differs in column 1 \(name\)/);
    return true;
  });
});
