// takeAlong (torch.gather) and its scatter-add VJP: values against plain JavaScript, repeated indices summing
// in the gradient, and the VJPs (with logSumExp and silu) against central finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { gradCheck } from './gradcheck.js';
import type { GradCase } from './gradcheck.js';

const any = (shape: number[]) => ({ shape });
const i64 = (values: number[], shape: number[]) => E.constant(values, shape, 'int64');

test('takeAlong is torch.gather: out[i][j][k] = x[i][idx[i][j][k]][k] along axis 1, indices smaller than x elsewhere', async () => {
  const x = E.constant(Array.from({ length: 2 * 3 * 4 }, (_, i) => i), [2, 3, 4]);
  const idx = [2, 0, 1, 2, 2, 2, 0, 1, 1, 1, 1, 0]; // [2, 2, 3]
  const y = E.takeAlong(x, i64(idx, [2, 2, 3]), 1);
  assert.deepEqual(y.shape, [2, 2, 3]);
  const session = await E.Session.create(E.toOnnx({ inputs: [], outputs: [['y', y]] }), { threads: 1 });
  const out = await session.runHost({});
  await session.release();
  const expected = idx.map((v, n) => {
    const [i, k] = [Math.floor(n / 6), n % 3];
    return i * 12 + v * 4 + k;
  });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), expected);
});

test('takeAlong refuses indices of another rank or larger than the input outside the axis', () => {
  const x = E.input('x', [2, 3]);
  assert.throws(() => E.takeAlong(x, i64([0, 1], [2]), 1), /must have the rank/);
  assert.throws(() => E.takeAlong(x, i64([0, 0, 0, 0, 0, 0], [3, 2]), 1), /exceed/);
  assert.throws(() => E.takeAlong(x, E.constant([0, 1, 0, 1], [2, 2]), 1), /int64/);
});

const cases: GradCase[] = [
  // Repeated and unused positions: the gradient sums over repeats and is zero where nothing was taken.
  { name: 'takeAlong-axis1', inputs: [any([2, 4, 3])], fn: (x) => E.takeAlong(x, i64([3, 3, 0, 1, 1, 1, 2, 0, 3, 3, 3, 3, 0, 0, 0, 2, 1, 2], [2, 3, 3]), 1) },
  { name: 'takeAlong-last-axis', inputs: [any([3, 5])], fn: (x) => E.takeAlong(x, i64([4, 4, 0, 1, 2, 2, 2, 3, 1, 0, 0, 0], [3, 4]), -1) },
  { name: 'scatterAddAlong', inputs: [any([2, 3])], fn: (u) => E.scatterAddAlong(u, i64([1, 1, 0, 2, 0, 2], [2, 3]), 1, [2, 4]) },
  { name: 'logSumExp', inputs: [{ shape: [2, 3, 5], lo: -3, hi: 3 }], fn: (x) => E.logSumExp(x, -1, true) },
  { name: 'logSumExp-axis0', inputs: [any([4, 3])], fn: (x) => E.logSumExp(x, 0) },
];

test('the VJP of silu matches central differences (float32: ORT fuses x·sigmoid(x) into a float-only kernel)', async () => {
  const [r] = await gradCheck([{ name: 'silu', inputs: [{ shape: [7], lo: -4, hi: 4 }], fn: (x) => E.silu(x) }], 'float32', 1e-2);
  assert.ok(Math.abs(r!.analytic - r!.numeric) < 1e-2 * Math.max(1, Math.abs(r!.analytic)), `${r!.analytic} vs ${r!.numeric}`);
});

test('the VJPs of takeAlong, scatterAddAlong and logSumExp match central differences (float64)', async () => {
  const results = await gradCheck(cases, 'float64', 1e-6);
  assert.equal(results.length, cases.length);
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > 1e-6 * Math.max(1, Math.abs(r.analytic)));
  assert.deepEqual(bad, []);
  assert.ok(results.every((r) => r.analytic !== 0), 'every case has a non-zero directional derivative');
});

test('logSumExp equals log Σ exp without overflow; silu is x·sigmoid(x)', async () => {
  const x = E.constant([1000, 1001, 1002, -1, 0, 1], [2, 3]);
  const session = await E.Session.create(
    E.toOnnx({ inputs: [], outputs: [['lse', E.logSumExp(x, 1)], ['s', E.silu(E.constant([-2, 0, 3], [3]))]] }),
    { threads: 1 },
  );
  const out = await session.runHost({});
  await session.release();
  const lse = (v: number[]) => Math.log(v.reduce((a, b) => a + Math.exp(b - Math.max(...v)), 0)) + Math.max(...v);
  const got = Array.from(out.lse!.data as Float32Array);
  [lse([1000, 1001, 1002]), lse([-1, 0, 1])].forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-4 * Math.abs(v), `${got[i]} vs ${v}`));
  const s = Array.from(out.s!.data as Float32Array);
  [-2 / (1 + Math.exp(2)), 0, 3 / (1 + Math.exp(-3))].forEach((v, i) => assert.ok(Math.abs(s[i]! - v) < 1e-6));
});
