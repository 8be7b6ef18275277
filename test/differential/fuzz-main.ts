/**
 * `npm run fuzz:queries -- --runs N --seed S`: a longer run of the query
 * fuzzer than the one in `npm test`, with a random seed unless one is given
 * (printed first, so any run can be repeated). Starts its own cluster over
 * freshly generated data. A failing query is shrunk, printed, and saved to
 * regressions/fuzz.json (unless --no-save), where the differential corpus
 * picks it up. Exit code 1 when a query failed.
 *
 * Options: --runs N (default 500), --seed S (default random), --layout
 * even|hash (default even), --sf X (default 0.05), --minutes M (stop
 * generating after M minutes), --path P (replay one case of a seed), --no-save,
 * --verbose (print every query).
 */
import { parseArgs } from 'node:util';
import { openDifferential } from './harness.ts';
import { describeFuzzReport, runQueryFuzz } from './fuzz.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '500' },
    seed: { type: 'string' },
    layout: { type: 'string', default: 'even' },
    sf: { type: 'string', default: '0.05' },
    minutes: { type: 'string' },
    path: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

const runs = Math.floor(positive('runs', values.runs) ?? 500);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
if (values.layout !== 'even' && values.layout !== 'hash') throw new Error(`--layout must be even or hash, got ${values.layout}`);
const scaleFactor = positive('sf', values.sf) ?? 0.05;
const minutes = positive('minutes', values.minutes);

console.log(`query fuzzer: seed ${seed}, ${runs} runs, ${values.layout} layout, SF ${scaleFactor}${values.path ? `, replaying path ${values.path}` : ''}`);
const started = Date.now();
const differential = await openDifferential({ scaleFactor, hashKey: values.layout === 'hash', flights: false });
console.log(`cluster ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
let exitCode = 0;
try {
  const report = await runQueryFuzz({
    differential,
    runs,
    seed,
    path: values.path,
    saveTo: values['no-save'] ? false : undefined,
    timeLimitMs: minutes ? minutes * 60_000 : undefined,
    onQuery: (query, i) => {
      if (values.verbose) console.log(`[${i}] ${query.sql}`);
      else if (i > 0 && i % 50 === 0) console.log(`${i} queries, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    },
  });
  console.log(describeFuzzReport(report));
  if (report.failure) exitCode = 1;
} finally {
  await differential.close();
}
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(exitCode);
