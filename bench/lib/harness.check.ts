/**
 * Checks of the bench's own arithmetic (run with `npm run bench:check`, node's test runner):
 * percentiles, medians and paired ratios, the rotation of interleaved arms, and the
 * .cpuprofile self-time summary. No durations are asserted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfTimes } from '../profile/summarize-cpuprofile.ts';
import { interleave } from './interleave.ts';
import { percentiles, quantile, ratios, spread } from './stats.ts';

test('nearest-rank quantiles', () => {
  const xs = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(quantile(xs, 0.5), 500);
  assert.equal(quantile(xs, 0.99), 990);
  assert.equal(quantile(xs, 0.999), 999);
  assert.equal(quantile(xs, 1), 1000);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  const p = percentiles([5, 1, 3, 2, 4]);
  assert.deepEqual([p.n, p.p50, p.max], [5, 3, 5]);
});

test('median with min..max, odd and even counts', () => {
  assert.deepEqual({ ...spread([3, 1, 2]), values: [] }, { median: 2, min: 1, max: 3, values: [] });
  assert.equal(spread([4, 1, 3, 2]).median, 2.5);
});

test('ratios pair repeats by index', () => {
  const r = ratios([10, 20, 30], [10, 10, 10]);
  assert.deepEqual([r.median, r.min, r.max], [2, 1, 3]);
});

test('interleave rotates the order of arms each repeat', async () => {
  const order: string[] = [];
  const arm = (name: string) => ({ name, run: async (rep: number) => (order.push(`${name}${rep}`), rep) });
  const res = await interleave([arm('A'), arm('B'), arm('C')], 3);
  assert.deepEqual(order, ['A0', 'B0', 'C0', 'B1', 'C1', 'A1', 'C2', 'A2', 'B2']);
  assert.deepEqual(res.get('B'), [0, 1, 2]);
  await assert.rejects(interleave([arm('A')], 2), /at least 3 repeats/);
});

test('self time sums the sample deltas per function and leaves idle out', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
  const profile = {
    nodes: [{ id: 1, callFrame: frame('(idle)') }, { id: 2, callFrame: frame('hot', 'file:///x/node_modules/pkg/a.js') }, { id: 3, callFrame: frame('cold') }],
    samples: [2, 2, 3, 1, 2],
    timeDeltas: [1000, 1000, 1000, 5000, 1000],
    startTime: 0,
    endTime: 9000,
  };
  const { rows, busyMs } = selfTimes(profile);
  assert.equal(busyMs, 4);
  assert.deepEqual(rows.map((r) => [r.fn, r.selfMs, r.where]), [['hot', 3, 'pkg/a.js:1'], ['cold', 1, '']]);
  assert.equal(rows[0]!.percent, 75);
});
