// l2Normalize (PyTorch's F.normalize, p = 2): values, its VJP against central differences on both sides of the
// eps clamp, and PyTorch's own gradients at a zero vector and at a norm exactly equal to eps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { runGraphOnce } from '../models/helpers/compare.js';
import { gradCheck } from './gradcheck.js';
import type { GradCase } from './gradcheck.js';

const cases: GradCase[] = [
  { name: 'channels', inputs: [{ shape: [2, 3, 2, 2] }], fn: (x) => E.l2Normalize(x, 1) },
  { name: 'last-axis', inputs: [{ shape: [3, 5] }], fn: (x) => E.l2Normalize(x, -1) },
  // Every norm ≤ √3·0.3 < eps: the clamped side, where the denominator is the constant eps.
  { name: 'below-eps', inputs: [{ shape: [4, 3], lo: -0.3, hi: 0.3 }], fn: (x) => E.l2Normalize(x, 1, 1) },
  // Norms of pairs in [-1, 1]² around eps = 0.7: both sides in one tensor.
  { name: 'around-eps', inputs: [{ shape: [16, 2] }], fn: (x) => E.l2Normalize(x, 1, 0.7) },
];

test('l2Normalize VJP matches central differences in float64, on both sides of the eps clamp', async () => {
  const results = await gradCheck(cases, 'float64', 1e-6);
  assert.equal(results.length, cases.length);
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > 1e-6 * Math.max(1, Math.abs(r.analytic)));
  assert.deepEqual(bad, []);
});

test('l2Normalize VJP matches central differences in float32', async () => {
  const results = await gradCheck(cases.slice(0, 2), 'float32', 1e-2);
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > 1e-2 * Math.max(1, Math.abs(r.analytic)));
  assert.deepEqual(bad, []);
});

test('l2Normalize values and gradients equal PyTorch at a zero vector and at a norm equal to eps', async () => {
  // x [2, 3] normalised along axis 1 with eps 0.5; loss Σ y·u with u = [1, 2, 3] per row.
  const target = await E.compileTarget('cpu', { blockedConvs: false });
  const bytes = E.compileFunction({
    inputs: { x: { shape: [2, 3], dtype: 'float64' } },
    fn: ({ x }) => {
      const y = E.l2Normalize(x!, 1, 0.5);
      const u = E.constant([1, 2, 3, 1, 2, 3], [2, 3], 'float64');
      const [dx] = E.grad(E.reduceSum(E.mul(y, u)), [x!], target);
      return { y, dx: dx! };
    },
  });
  const out = await runGraphOnce(bytes, { x: { shape: [2, 3], data: Float64Array.of(0, 0, 0, 0.3, 0.4, 0) } });
  const close = (a: ArrayLike<number>, b: number[]) => b.every((v, i) => Math.abs(a[i]! - v) < 1e-12);
  // torch 1.13: F.normalize(x, dim=0, eps=0.5) and its gradient for each row; the clamp passes the norm's
  // gradient at ‖x‖ = eps (clamp_min's backward keeps x ≥ min), and a zero vector gets u / eps, not NaN.
  assert.ok(close(out.y!.data as Float64Array, [0, 0, 0, 0.6, 0.8, 0]), String(out.y!.data));
  assert.ok(close(out.dx!.data as Float64Array, [2, 4, 6, -0.64, 0.48, 6]), String(out.dx!.data));
});

test('l2Normalize lowers for symbolic shapes and keeps the default eps of PyTorch (1e-12)', async () => {
  const bytes = E.compileFunction({ inputs: { x: [1, 'C', 'H'] }, fn: ({ x }) => E.l2Normalize(x!, 1) });
  const out = await runGraphOnce(bytes, { x: { shape: [1, 2, 3], data: Float32Array.of(3, 0, 1e-13, 4, 0, 0) } });
  const y = Array.from(out.y!.data as Float32Array);
  // Column 3 has norm 1e-13 < 1e-12: divided by eps, not renormalised to 1.
  const want = [0.6, 0, 0.1, 0.8, 0, 0];
  assert.ok(y.every((v, i) => Math.abs(v - want[i]!) < 1e-6), y.join(', '));
});
