// Drop-path: identity without noise (inference) or at rate 0; in training, a per-sample keep mask from the
// step's uniform noise scaled by 1 / (1 − p); its VJP against central differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { dropPath, dropPathWithNoise, forwardContext } from '../../src/engine/nn/index.js';
import { gradCheck } from './gradcheck.js';

test('drop-path keeps a sample where its uniform draw is below 1 − p and scales it by 1 / (1 − p)', async () => {
  const u = E.constant([0.1, 0.9, 0.69, 0.71], [4, 1, 1]);
  const bytes = E.compileFunction({ inputs: { x: [4, 1, 2] }, fn: ({ x }) => dropPathWithNoise(x!, u, 0.3) });
  const s = await E.Session.create(bytes, { threads: 1 });
  const { y } = await s.runHost({ x: { shape: [4, 1, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) } });
  await s.release();
  const k = 1 / 0.7;
  const want = [1 * k, 2 * k, 0, 0, 5 * k, 6 * k, 0, 0];
  (y!.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `${i}: ${v} vs ${want[i]}`));
});

test('drop-path is the identity in inference, at rate 0 and without a noise source; in training it asks for [B, 1, …] uniform noise', () => {
  const x = E.input('x', [2, 3, 4]);
  assert.equal(dropPath(x, 0.2, forwardContext(false), 'a'), x);
  assert.equal(dropPath(x, 0.2, forwardContext(true), 'a'), x);
  const asked: Array<[string, readonly number[], string]> = [];
  const ctx = forwardContext(true, (name, shape, kind) => {
    asked.push([name, shape, kind]);
    return E.input(name, shape);
  });
  assert.equal(dropPath(x, 0, ctx, 'a'), x);
  assert.notEqual(dropPath(x, 0.2, ctx, 'blk/attn'), x);
  assert.deepEqual(asked, [['drop_path/blk/attn', [2, 1, 1], 'uniform']]);
});

test('drop-path: VJP matches central differences (the mask is constant in x)', async () => {
  const u = E.constant([0.2, 0.95, 0.5], [3, 1, 1], 'float64');
  const [r] = await gradCheck([{ name: 'dropPath', inputs: [{ shape: [3, 2, 2] }], fn: (x) => dropPathWithNoise(x, u, 0.25) }], 'float64', 1e-6);
  assert.ok(Math.abs(r!.analytic - r!.numeric) < 1e-8 * Math.max(1, Math.abs(r!.numeric)), `${r!.analytic} vs ${r!.numeric}`);
  assert.ok(Math.abs(r!.analytic) > 1e-3, 'the kept samples carry gradient');
});
