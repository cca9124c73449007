// Window partition / reverse (composites: their VJPs are reshape's and transpose's, checked here against central
// differences) and the padding of symbolic sizes (reflectOrZeroPad, padToMultiple, cropTo: run-time amounts,
// checked against the static composites), including a symbol a pad introduces being read back by later reshapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimAffine } from '../../src/engine/dims.js';
import * as E from '../../src/engine/index.js';
import { reflectOrZeroPad } from '../../src/engine/ops/reflect-or-zero-pad.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce } from '../models/helpers/compare.js';
import { gradCheck } from './gradcheck.js';

test('windowPartition orders windows row-major with row-major pixels inside; windowReverse undoes it', async () => {
  const bytes = E.compileFunction({
    inputs: { x: [2, 4, 6, 3] },
    fn: ({ x }) => {
      const w = E.windowPartition(x!, 2, 3);
      return { w, back: E.windowReverse(w, 2, 3, 4, 6) };
    },
  });
  const data = Float32Array.from({ length: 2 * 4 * 6 * 3 }, (_, i) => i);
  const out = await runGraphOnce(bytes, { x: { shape: [2, 4, 6, 3], data } });
  assert.deepEqual(out.w!.shape, [8, 2, 3, 3]);
  const at = (b: number, y: number, x: number, c: number) => data[((b * 4 + y) * 6 + x) * 3 + c]!;
  const w = out.w!.data as Float32Array;
  // window 5 = image 1, grid (0, 1): rows 0..1, columns 3..5
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) assert.equal(w[((5 * 2 + i) * 3 + j) * 3 + c], at(1, i, 3 + j, c));
  assert.deepEqual(out.back!.data, data);
});

test('window partition and reverse VJPs match central differences', async () => {
  const results = await gradCheck(
    [
      { name: 'partition', inputs: [{ shape: [1, 4, 4, 2] }], fn: (x) => E.windowPartition(x, 2, 2) },
      { name: 'reverse', inputs: [{ shape: [6, 2, 2, 1] }], fn: (w) => E.mul(E.windowReverse(w, 2, 2, 4, 6), E.windowReverse(w, 2, 2, 4, 6)) },
    ],
    'float64',
    1e-6,
  );
  for (const r of results) assert.ok(Math.abs(r.analytic - r.numeric) <= 1e-6 * Math.max(1, Math.abs(r.analytic)), `${r.name}: ${r.analytic} vs ${r.numeric}`);
});

test('padding symbolic H and W to a multiple equals the static pads (reflection, zeros when a pad does not fit), and the new dims resolve', async () => {
  // pad, split into 4 × 4 windows (reshapes that read H_ceil4 / 4 from the padded tensor), back, crop to 2H × 2W
  const net = (x: E.Tensor, pad: (x: E.Tensor) => E.Tensor) => {
    const p = pad(x);
    const nhwc = E.transpose(p, [0, 2, 3, 1]);
    const w = E.mul(E.windowPartition(nhwc, 4, 4), 2);
    const back = E.transpose(E.windowReverse(w, 4, 4, nhwc.shape[1]!, nhwc.shape[2]!, nhwc.shape[0]!), [0, 3, 1, 2]);
    const up = E.pixelShuffle(E.concat([back, back, back, back], 1), 2);
    return E.cropTo(up, dimAffine(x.shape[2]!, 2, 1, 0), dimAffine(x.shape[3]!, 2, 1, 0));
  };
  const pads = { reflectOrZero: (x: E.Tensor) => reflectOrZeroPad(x, 4), reflect: (x: E.Tensor) => E.padToMultiple(x, 4, 'reflect') };
  for (const [name, pad] of Object.entries(pads)) {
    const symbolic = E.compileFunction({ inputs: { x: ['N', 1, 'H', 'W'] }, fn: ({ x }) => ({ y: net(x!, pad) }) });
    const sizes: Array<[number, number]> = name === 'reflect' ? [[5, 7], [8, 3]] : [[5, 7], [8, 3], [1, 2], [2, 6]];
    for (const [h, w] of sizes) {
      const rng = new Rng(h + 10 * w);
      const x = { shape: [2, 1, h, w], data: Float32Array.from({ length: 2 * h * w }, () => rng.uniform()) };
      const { y } = await runGraphOnce(symbolic, { x });
      const { y: want } = await runGraphOnce(E.compileFunction({ inputs: { x: [2, 1, h, w] }, fn: ({ x: xs }) => ({ y: net(xs!, pad) }) }), { x });
      assert.deepEqual(y!.shape, [2, 1, 2 * h, 2 * w]);
      assert.equal(maxAbsDiff(y!.data as Float32Array, want!.data as Float32Array), 0, `${name} ${h}×${w}`);
    }
  }
  // Below the side, reflection is refused statically; reflectOrZeroPad pads a 1 × 2 image with zeros, as PyTorch's fallback.
  const { y } = await runGraphOnce(E.compileFunction({ inputs: { x: [1, 1, 1, 2] }, fn: ({ x }) => ({ y: reflectOrZeroPad(x!, 4) }) }), { x: { shape: [1, 1, 1, 2], data: Float32Array.of(1, 2) } });
  assert.deepEqual(Array.from(y!.data as Float32Array), [1, 2, 0, 0, ...new Array<number>(12).fill(0)]);
  const { y: r } = await runGraphOnce(E.compileFunction({ inputs: { x: [1, 1, 3, 3] }, fn: ({ x }) => ({ y: reflectOrZeroPad(x!, 4) }) }), { x: { shape: [1, 1, 3, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) } });
  assert.deepEqual(Array.from(r!.data as Float32Array), [1, 2, 3, 2, 4, 5, 6, 5, 7, 8, 9, 8, 4, 5, 6, 5]);
});
