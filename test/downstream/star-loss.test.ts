import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { bceWithLogits, starLoss } from '../../src/downstream/star-loss.js';
import { Rng } from '../../src/util/random.js';
import { gradCheck } from '../engine/gradcheck.js';

const P = [2, 1, 4, 5], D = [2, 3, 4, 5];

test('the StarDist loss: gradients of each input match central differences (float64)', async () => {
  const results = await gradCheck(
    [
      { name: 'bce', inputs: [{ shape: P, lo: -4, hi: 4 }, { shape: P, lo: 0, hi: 1 }], fn: (z, p) => bceWithLogits(z, p) },
      // logits, distances, target probability, target distances
      { name: 'star', inputs: [{ shape: P, lo: -4, hi: 4 }, { shape: D, lo: 0, hi: 6 }, { shape: P, lo: 0, hi: 1 }, { shape: D, lo: 0, hi: 6 }], fn: (z, d, p, t) => starLoss(z, d, p, t).loss },
      { name: 'star-weights', inputs: [{ shape: P, lo: -4, hi: 4 }, { shape: D, lo: 0, hi: 6 }, { shape: P, lo: 0, hi: 1 }, { shape: D, lo: 0, hi: 6 }], fn: (z, d, p, t) => starLoss(z, d, p, t, { weights: [0.3, 2], backgroundReg: 0.5 }).loss },
    ],
    'float64',
    1e-6,
  );
  for (const r of results) assert.ok(Math.abs(r.analytic - r.numeric) < 1e-6 * Math.max(1, Math.abs(r.numeric)), `${r.name}: analytic ${r.analytic}, numeric ${r.numeric}`);
});

test('the StarDist loss value is the formula: BCE + 0.2 · (probability-weighted L1 / mean probability + 1e-4 · background L2)', async () => {
  const rng = new Rng(3);
  const rand = (shape: number[], lo: number, hi: number) => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.uniform()) });
  const z = rand(P, -4, 4), d = rand(D, 0, 6), p = rand(P, 0, 1), t = rand(D, 0, 6);
  const ins = { z: E.input('z', P, 'float64'), d: E.input('d', D, 'float64'), p: E.input('p', P, 'float64'), t: E.input('t', D, 'float64') };
  const l = starLoss(ins.z, ins.d, ins.p, ins.t);
  const session = await E.Session.create(E.toOnnx({ inputs: Object.values(ins), outputs: [['loss', l.loss], ['prob', l.prob], ['dist', l.dist]] }), { threads: 1 });
  const out = await session.runHost({ z, d, p, t });
  await session.release();
  // by hand: per pixel BCE, then the distance terms with the probability broadcast over the 3 rays
  const [B, R, H, W] = D as [number, number, number, number];
  let bce = 0, masked = 0, mask = 0, background = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < H * W; i++) {
      const zi = z.data[b * H * W + i]!, pi = p.data[b * H * W + i]!;
      const s = 1 / (1 + Math.exp(-zi));
      bce -= pi * Math.log(s) + (1 - pi) * Math.log(1 - s);
      mask += pi;
      for (let k = 0; k < R; k++) {
        const at = (b * R + k) * H * W + i;
        masked += pi * Math.abs(t.data[at]! - d.data[at]!);
        background += (1 - pi) * d.data[at]! ** 2;
      }
    }
  }
  const n = B * H * W;
  const distTerm = masked / (n * R) / (mask / n + 1e-7) + 1e-4 * (background / (n * R));
  const expected = bce / n + 0.2 * distTerm;
  assert.ok(Math.abs(Number(out.prob!.data[0]) - bce / n) < 1e-12);
  assert.ok(Math.abs(Number(out.dist!.data[0]) - distTerm) < 1e-12);
  assert.ok(Math.abs(Number(out.loss!.data[0]) - expected) < 1e-12, `${out.loss!.data[0]} vs ${expected}`);
});
