// unfold / fold (F.unfold / F.fold) against a direct loop over windows, their gradients against central
// differences, symbolic H and W; padToMultiple / cropToMultiple / fitLike (pad or crop the end of H and W at run time).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';
import { runGraphOnce } from '../models/helpers/compare.js';
import { gradCheck } from './gradcheck.js';
import type { GradCase } from './gradcheck.js';

interface Geo {
  k: number;
  s: number;
  p: number;
  d: number;
}

/** F.unfold by its definition: column (c·k + i)·k + j, window l = row·Lw + col, zero outside the image. */
function unfoldRef(x: Float64Array, [n, c, h, w]: number[], { k, s, p, d }: Geo) {
  const lh = Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1;
  const lw = Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1;
  const out = new Float64Array(n! * c! * k * k * lh * lw);
  for (let b = 0; b < n!; b++)
    for (let ch = 0; ch < c!; ch++)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          for (let r = 0; r < lh; r++)
            for (let q = 0; q < lw; q++) {
              const y = r * s - p + i * d;
              const xx = q * s - p + j * d;
              const v = y >= 0 && y < h! && xx >= 0 && xx < w! ? x[((b * c! + ch) * h! + y) * w! + xx]! : 0;
              out[((b * c! + ch) * k * k + i * k + j) * lh * lw + r * lw + q] = v;
            }
  return { data: out, shape: [n!, c! * k * k, lh * lw] };
}

/** F.fold by its definition: the adjoint of unfoldRef. */
function foldRef(cols: Float64Array, [n, c, h, w]: number[], { k, s, p, d }: Geo) {
  const lh = Math.floor((h! + 2 * p - d * (k - 1) - 1) / s) + 1;
  const lw = Math.floor((w! + 2 * p - d * (k - 1) - 1) / s) + 1;
  const out = new Float64Array(n! * c! * h! * w!);
  for (let b = 0; b < n!; b++)
    for (let ch = 0; ch < c!; ch++)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          for (let r = 0; r < lh; r++)
            for (let q = 0; q < lw; q++) {
              const y = r * s - p + i * d;
              const xx = q * s - p + j * d;
              if (y >= 0 && y < h! && xx >= 0 && xx < w!) out[((b * c! + ch) * h! + y) * w! + xx]! += cols[((b * c! + ch) * k * k + i * k + j) * lh * lw + r * lw + q]!;
            }
  return out;
}

const random = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => 2 * rng.uniform() - 1);
};

const CASES: Array<{ name: string; shape: number[]; geo: Geo }> = [
  { name: 'k3 s3 (tokens, blocks)', shape: [2, 2, 6, 9], geo: { k: 3, s: 3, p: 0, d: 1 } },
  { name: 'k3 s3, border not covered', shape: [1, 2, 7, 8], geo: { k: 3, s: 3, p: 0, d: 1 } },
  { name: 'k6 s3 (overlapping, blocks)', shape: [2, 3, 9, 12], geo: { k: 6, s: 3, p: 0, d: 1 } },
  { name: 'k6 s3, border not covered', shape: [1, 1, 10, 11], geo: { k: 6, s: 3, p: 0, d: 1 } },
  { name: 'k2 s1 p1 (blocks of 1)', shape: [1, 2, 4, 5], geo: { k: 2, s: 1, p: 1, d: 1 } },
  { name: 'k3 s2 p1 d2 (taps)', shape: [2, 2, 7, 6], geo: { k: 3, s: 2, p: 1, d: 2 } },
  { name: 'k2 s3 (taps, gaps)', shape: [1, 1, 8, 7], geo: { k: 2, s: 3, p: 0, d: 1 } },
];

test('unfold and fold equal F.unfold / F.fold by their definitions (float64)', async () => {
  for (const { name, shape, geo } of CASES) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = random(n, 1);
    const ref = unfoldRef(x, shape, geo);
    const cols = random(ref.data.length, 2);
    const opts = { stride: geo.s, padding: geo.p, dilation: geo.d };
    const bytes = E.compileFunction({
      inputs: { x: { shape, dtype: 'float64' }, cols: { shape: ref.shape, dtype: 'float64' } },
      fn: ({ x: xi, cols: ci }) => ({ u: E.unfold(xi!, geo.k, opts), f: E.fold(ci!, [shape[2]!, shape[3]!], geo.k, opts) }),
    });
    const out = await runGraphOnce(bytes, { x: { shape, data: x }, cols: { shape: ref.shape, data: cols } });
    assert.deepEqual(out.u!.shape, ref.shape, name);
    assert.deepEqual(Array.from(out.u!.data as Float64Array), Array.from(ref.data), `${name}: unfold`);
    const f = foldRef(cols, shape, geo);
    const got = out.f!.data as Float64Array;
    assert.deepEqual(out.f!.shape, shape, name);
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(got[i]! - f[i]!) < 1e-12, `${name}: fold at ${i}: ${got[i]} vs ${f[i]}`);
  }
});

test('unfold / fold VJPs and padToMultiple / cropToMultiple / fitLike VJPs match central differences (float64)', async () => {
  const cases: GradCase[] = CASES.flatMap(({ name, shape, geo }) => {
    const opts = { stride: geo.s, padding: geo.p, dilation: geo.d };
    const l = unfoldRef(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape, geo).shape;
    return [
      { name: `unfold ${name}`, inputs: [{ shape }], fn: (x: Tensor) => E.unfold(x, geo.k, opts) },
      { name: `fold ${name}`, inputs: [{ shape: l }], fn: (c: Tensor) => E.fold(c, [shape[2]!, shape[3]!], geo.k, opts) },
    ];
  });
  // The primitives themselves (static shapes would otherwise take the plain pad).
  cases.push(
    { name: 'padToMultiple (run-time form)', inputs: [{ shape: [1, 2, 4, 5] }], fn: (x) => E.apply(E.PAD_TO_PRIMITIVES.padToMultiple, [x], { multiple: 3, minSize: 6, mode: 'constant' }) },
    { name: 'cropToMultiple (run-time form)', inputs: [{ shape: [2, 1, 7, 5] }], fn: (x) => E.apply(E.PAD_TO_PRIMITIVES.cropToMultiple, [x], { multiple: 3 }) },
    { name: 'fitLike', inputs: [{ shape: [1, 2, 4, 5] }, { shape: [1, 1, 6, 3] }], fn: (x, r) => E.add(E.apply(E.PAD_TO_PRIMITIVES.fitLike, [x, r], null), E.mul(r, 0)) },
  );
  const results = await gradCheck(cases, 'float64', 1e-6);
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > 1e-6 * Math.max(1, Math.abs(r.analytic)));
  assert.deepEqual(bad, []);
  assert.equal(results.length, cases.length);
  assert.ok(results.every((r) => Math.abs(r.analytic) > 1e-3), 'every case has a non-zero derivative to check');
});

test('symbolic H and W: tokens of 3×3 and overlapping 6×6 windows after padding to a multiple of 3, cropped back', async () => {
  // The graph pads H and W to a multiple of 3 (at least 6), unfolds 3×3 and 6×6/3 windows, folds them back and
  // crops to the input size; at run time the padding depends on the image size.
  const bytes = E.compileFunction({
    inputs: { x: { shape: ['N', 2, 'H', 'W'], dtype: 'float64' } },
    fn: ({ x }) => {
      const xp = E.padToMultiple(x!, 3, { minSize: 6 });
      const t = E.unfold(xp, 3, { stride: 3 });
      const big = E.unfold(E.fold(t, [xp.shape[2]!, xp.shape[3]!], 3, { stride: 3 }), 6, { stride: 3 });
      const back = E.fold(big, [xp.shape[2]!, xp.shape[3]!], 6, { stride: 3 });
      const down = E.cropToMultiple(x!, 3);
      return { tokens: t, big, y: E.fitLike(back, x!), down, up: E.fitLike(down, x!) };
    },
  });
  for (const [h, w] of [
    [7, 5],
    [9, 12],
    [2, 4],
  ] as const) {
    const shape = [2, 2, h, w];
    const x = random(2 * 2 * h * w, 3);
    const out = await runGraphOnce(bytes, { x: { shape, data: x } });
    const [hp, wp] = [Math.max(6, Math.ceil(h / 3) * 3), Math.max(6, Math.ceil(w / 3) * 3)];
    const padded = new Float64Array(2 * 2 * hp * wp);
    for (let b = 0; b < 4; b++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) padded[(b * hp + r) * wp + c] = x[(b * h + r) * w + c]!;
    const tokens = unfoldRef(padded, [2, 2, hp, wp], { k: 3, s: 3, p: 0, d: 1 });
    assert.deepEqual(out.tokens!.shape, tokens.shape);
    assert.deepEqual(Array.from(out.tokens!.data as Float64Array), Array.from(tokens.data));
    const big = unfoldRef(padded, [2, 2, hp, wp], { k: 6, s: 3, p: 0, d: 1 });
    assert.deepEqual(out.big!.shape, big.shape);
    assert.deepEqual(Array.from(out.big!.data as Float64Array), Array.from(big.data));
    // fold(unfold(x)) counts each pixel once per window that covers it: 1, 2 or 4 times for 6×6 windows, stride 3.
    const cover = (i: number, n: number) => (i < 3 || i >= n - 3 ? 1 : 2);
    assert.deepEqual(out.y!.shape, shape);
    const y = out.y!.data as Float64Array;
    for (let b = 0; b < 4; b++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          const i = (b * h + r) * w + c;
          assert.ok(Math.abs(y[i]! - x[i]! * cover(r, hp) * cover(c, wp)) < 1e-12, `${h}×${w} at ${b},${r},${c}`);
        }
    assert.deepEqual(out.down!.shape, [2, 2, Math.floor(h / 3) * 3, Math.floor(w / 3) * 3]);
    const up = out.up!.data as Float64Array;
    for (let b = 0; b < 4; b++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          const i = (b * h + r) * w + c;
          assert.equal(up[i], r < Math.floor(h / 3) * 3 && c < Math.floor(w / 3) * 3 ? x[i] : 0);
        }
  }
});

test('unfold / fold refuse what they cannot do', () => {
  const x = E.input('x', [1, 1, 'H', 'W']);
  assert.throws(() => E.unfold(x, 3, { stride: 2 }), /needs static H and W/);
  assert.throws(() => E.unfold(E.input('y', [1, 1, 2, 2]), 3), /no row of window fits/);
  assert.throws(() => E.fold(E.input('c', [1, 8, 4]), [4, 4], 3), /not a multiple of kernel²/);
  assert.throws(() => E.fold(E.input('c', [1, 9, 5]), [4, 4], 3, { stride: 1 }), /5 windows given/);
  assert.throws(() => E.unfold(x, 0), /kernel must be an integer ≥ 1/);
});
