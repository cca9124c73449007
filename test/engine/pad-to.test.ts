// Padding to a multiple of a window and cropping back, with sizes known only at run time (pad-to.ts): the values,
// the new symbol of a padded size (read by later reshapes from the padded tensor's shape), and the VJPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

const image = (h: number, w: number, c = 1) => Float32Array.from({ length: c * h * w }, (_, i) => 1 + ((i * 7) % 11) / 10);

test('paddedSize: the smallest multiple ≥ max(size, minimum)', () => {
  assert.deepEqual([1, 8, 9, 16, 17].map((s) => E.paddedSize(s, 8, 15)), [16, 16, 16, 16, 24]);
  assert.deepEqual([1, 7, 8].map((s) => E.paddedSize(s, 4)), [4, 8, 8]);
});

test('padToMultiple with static sizes is a plain zero Pad; cropTo a plain Slice', () => {
  const x = E.input('x', [2, 3, 9, 17]);
  const y = E.padToMultiple(x, 8, { minSize: 15 });
  assert.deepEqual(y.shape, [2, 3, 16, 24]);
  assert.equal(y.node.kind === 'op' && y.node.prim.name, 'pad');
  assert.deepEqual(E.cropTo(y, 9, 17).shape, x.shape);
});

test('one graph with symbolic H and W pads to the window, reshapes into windows of the padded size, crops back; its gradients', async () => {
  const x = E.input('x', [1, 2, 'H', 'W']);
  const y = E.padToMultiple(x, 4, { minSize: 6 });
  assert.deepEqual(y.shape, [1, 2, 'H_w4_min6', 'W_w4_min6']);
  // Windows of 4×4: [1, 2, Hp/4, 4, Wp/4, 4], then the window means broadcast back (reshape needs Hp/4 and Wp/4).
  const windows = E.reshape(y, [1, 2, 'H_w4_min6/4', 4, 'W_w4_min6/4', 4]);
  const means = E.reshape(E.expand(E.reduceMean(windows, [3, 5], true), windows.shape), y.shape);
  const back = E.cropTo(means, 'H', 'W');
  assert.deepEqual(back.shape, x.shape);
  const up = E.resizeTo(E.slice(E.slice(y, 2, 0, 2), 3, 0, 2), 'H_w4_min6', 'W_w4_min6', 'bilinear');
  // sum(pad(x)²) has the gradient 2x, through the padding's VJP (a crop to x's symbolic size).
  const target = await E.compileTarget('cpu', { blockedConvs: false });
  const [dx] = E.grad(E.reduceSum(E.mul(y, y)), [x], target);
  const s = await E.Session.create(E.toOnnx({ inputs: [x], outputs: [['y', y], ['back', back], ['up', up], ['dx', dx!]] }), { threads: 1 });
  for (const [h, w] of [
    [3, 5],
    [9, 8],
  ] as const) {
    const data = image(h, w, 2);
    const out = await s.runHost({ x: { shape: [1, 2, h, w], data } });
    const [hp, wp] = [E.paddedSize(h, 4, 6), E.paddedSize(w, 4, 6)];
    assert.deepEqual(out.y!.shape, [1, 2, hp, wp]);
    const yd = out.y!.data as Float32Array;
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < hp; i++) {
        for (let j = 0; j < wp; j++) {
          const want = i < h && j < w ? data[(c * h + i) * w + j]! : 0;
          assert.equal(yd[(c * hp + i) * wp + j], want, `padded ${h}×${w} at ${c},${i},${j}`);
        }
      }
    }
    assert.deepEqual(out.back!.shape, [1, 2, h, w]);
    assert.deepEqual(out.up!.shape, [1, 2, hp, wp]);
    assert.deepEqual(Array.from(out.dx!.data as Float32Array), Array.from(data, (v) => Math.fround(2 * v)));
  }
  await s.release();
});

test('cropTo and fitLike with symbolic sizes undo each other in their VJPs', async () => {
  const x = E.input('x', [1, 1, 'H', 'W']);
  const big = E.padToMultiple(x, 8);
  const cropped = E.cropTo(big, 'H', 'W'); // the cropTo primitive: big's size is a symbol of its own
  assert.ok(cropped.node.kind === 'op' && cropped.node.prim.name === 'cropTo');
  const refilled = E.fitLike(E.mul(cropped, 3), big);
  const target = await E.compileTarget('cpu', { blockedConvs: false });
  const [dx] = E.grad(E.reduceSum(E.mul(refilled, refilled)), [x], target); // 18·x
  const s = await E.Session.create(E.toOnnx({ inputs: [x], outputs: [['r', refilled], ['dx', dx!]] }), { threads: 1 });
  const data = image(5, 11);
  const out = await s.runHost({ x: { shape: [1, 1, 5, 11], data } });
  await s.release();
  assert.deepEqual(out.r!.shape, [1, 1, 8, 16]);
  const dxs = out.dx!.data as Float32Array;
  data.forEach((v, i) => assert.ok(Math.abs(dxs[i]! - 18 * v) < 1e-4, `dx[${i}] ${dxs[i]} vs ${18 * v}`));
});
