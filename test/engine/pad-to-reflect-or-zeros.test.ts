// GRL's padding of symbolic sizes (padToMultiple 'reflect-or-zeros': reflection, or zeros where a pad is not smaller than its side,
// with run-time amounts) against the static pads, beside padToMultiple's reflection, including the padded-size
// symbol being read back by later reshapes into windows and the crop to 2H × 2W.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimAffine } from '../../src/engine/dims.js';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce } from '../models/helpers/compare.js';

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
  const pads = { reflectOrZero: (x: E.Tensor) => E.padToMultiple(x, 4, { mode: 'reflect-or-zeros' }), reflect: (x: E.Tensor) => E.padToMultiple(x, 4, { mode: 'reflect' }) };
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
  // Below the side, reflection is refused statically; reflect-or-zeros pads a 1 × 2 image with zeros, as PyTorch's fallback.
  const { y } = await runGraphOnce(E.compileFunction({ inputs: { x: [1, 1, 1, 2] }, fn: ({ x }) => ({ y: E.padToMultiple(x!, 4, { mode: 'reflect-or-zeros' }) }) }), { x: { shape: [1, 1, 1, 2], data: Float32Array.of(1, 2) } });
  assert.deepEqual(Array.from(y!.data as Float32Array), [1, 2, 0, 0, ...new Array<number>(12).fill(0)]);
  const { y: r } = await runGraphOnce(E.compileFunction({ inputs: { x: [1, 1, 3, 3] }, fn: ({ x }) => ({ y: E.padToMultiple(x!, 4, { mode: 'reflect-or-zeros' }) }) }), { x: { shape: [1, 1, 3, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) } });
  assert.deepEqual(Array.from(r!.data as Float32Array), [1, 2, 3, 2, 4, 5, 6, 5, 7, 8, 9, 8, 4, 5, 6, 5]);
});
