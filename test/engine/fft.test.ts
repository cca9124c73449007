// The DFT-by-matmul ops DFCAN uses: VJPs against finite differences, PyTorch's gradients where a frequency is
// exactly 0, and the symbolic-size graph (DFT matrices and the half roll computed at run time) against naive
// loops at even, odd and 1-px sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { gradCheck } from './gradcheck.js';
import type { GradCase } from './gradcheck.js';

const any = (shape: number[]) => ({ shape });

const cases: GradCase[] = [
  { name: 'magnitude', inputs: [any([2, 5]), any([2, 5])], fn: (re, im) => E.magnitude(re, im) },
  { name: 'halfRoll-odd', inputs: [any([2, 5, 7])], fn: (a) => E.halfRoll(E.halfRoll(a, 1), 2) },
  { name: 'halfRoll-inverse', inputs: [any([3, 5])], fn: (a) => E.halfRoll(a, 0, true) },
  { name: 'fft2Abs-shift-odd', inputs: [any([1, 2, 5, 3])], fn: (a) => E.fftShift2d(E.pow(E.add(E.fft2Abs(a), 1e-8), 0.8)) },
];

test('magnitude, halfRoll and the odd-size |FFT| shift: VJPs match central differences (float64)', async () => {
  const results = await gradCheck(cases, 'float64', 1e-6);
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > 1e-6 * Math.max(1, Math.abs(r.analytic)));
  assert.deepEqual(bad, []);
});

async function runOnce(inputs: E.Tensor[], outputs: [string, E.Tensor][], feeds: Record<string, E.HostTensor>) {
  const s = await E.Session.create(E.toOnnx({ inputs, outputs }), { threads: 1 });
  try {
    return await s.runHost(feeds);
  } finally {
    await s.release();
  }
}

/** d/dx of Σ u·(|fft2(x)| + 1e-8)^0.8, DFCAN's spectrum, as a graph output. */
async function spectrumGrad(x: E.Tensor, u: E.Tensor): Promise<E.Tensor> {
  const y = E.pow(E.add(E.fft2Abs(x), 1e-8), 0.8);
  return E.grad(E.reduceSum(E.mul(y, u)), [x], await E.compileTarget())[0]!;
}

test('a frequency exactly 0 gets the gradient PyTorch 1.13 gives: 0 through |z|, so the ^0.8 slope at 1e-8 never shows', async () => {
  // PyTorch: abs of a complex 0 has gradient sgn(0) = 0, so a zero feature map (a dead channel) gets a zero
  // gradient, whatever the other channels hold; sqrt(re² + im²) differentiated would give NaN there.
  const shape = [1, 2, 4, 6];
  const x = E.input('x', shape, 'float32');
  const u = Float32Array.from({ length: 48 }, (_, i) => Math.cos(i * 1.3));
  const g = await spectrumGrad(x, E.constant(u, shape));
  const data = Float32Array.from({ length: 48 }, (_, i) => (i < 24 ? 0 : Math.sin(i)));
  const out = (await runOnce([x], [['g', g]], { x: { shape, data } })).g!.data as Float32Array;
  assert.deepEqual(Array.from(out.subarray(0, 24)), new Array(24).fill(0));
  assert.ok(out.subarray(24).every((v) => Number.isFinite(v) && v !== 0));
  // A constant image: PyTorch's pocketfft gives exact zeros off DC at 4 × 6 (not at 5 × 7), the matmuls leave
  // residues of ~1e-8 relative (their fused multiply-adds round products differently), still finite.
  const constant = (await runOnce([x], [['g', g]], { x: { shape, data: new Float32Array(48).fill(0.7) } })).g!.data as Float32Array;
  assert.ok(constant.every(Number.isFinite));
  // The magnitude alone: (re, im)/|z|, and 0 at z = 0.
  const re = E.input('re', [3]);
  const im = E.input('im', [3]);
  const [gre, gim] = E.grad(E.reduceSum(E.magnitude(re, im)), [re, im], await E.compileTarget());
  const m = await runOnce([re, im], [['gre', gre!], ['gim', gim!]], { re: { shape: [3], data: Float32Array.of(0, 3, 0) }, im: { shape: [3], data: Float32Array.of(0, 4, -2) } });
  assert.deepEqual(Array.from(m.gre!.data as Float32Array), Array.from(Float32Array.of(0, 0.6, 0)));
  assert.deepEqual(Array.from(m.gim!.data as Float32Array), Array.from(Float32Array.of(0, 0.8, -1)));
});

test('x^0.8 at exactly 0 has the gradient PyTorch gives, +∞ (DFCAN adds 1e-8 first, so never reaches it)', async () => {
  const p = E.input('p', [3]);
  const [gp] = E.grad(E.reduceSum(E.pow(p, 0.8)), [p], await E.compileTarget());
  const out = await runOnce([p], [['g', gp!]], { p: { shape: [3], data: Float32Array.of(0, 1e-8, 1) } });
  const [atZero, atTiny, atOne] = out.g!.data as Float32Array;
  // torch.pow(tensor([0., 1e-8, 1.]), 0.8).backward(ones(3)) → [inf, 31.848576, 0.8]
  assert.equal(atZero, Infinity);
  assert.ok(Math.abs(atTiny! - 31.848576) < 1e-4 && Math.abs(atOne! - 0.8) < 1e-7, `${atTiny}, ${atOne}`);
});

/** Naive float64 DFT of an h × w image: [re, im]. */
function naiveDft(img: Float32Array, h: number, w: number): [Float64Array, Float64Array] {
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let k = 0; k < h; k++)
    for (let l = 0; l < w; l++)
      for (let a = 0; a < h; a++)
        for (let b = 0; b < w; b++) {
          const t = -2 * Math.PI * ((k * a) / h + (l * b) / w);
          re[k * w + l]! += img[a * w + b]! * Math.cos(t);
          im[k * w + l]! += img[a * w + b]! * Math.sin(t);
        }
  return [re, im];
}

test('with symbolic H and W, fft2, |fft2| and the fftshift run at any size (even, odd, 1 px) and equal naive loops', async () => {
  const x = E.input('x', [1, 2, 'H', 'W']);
  const { re, im } = E.fft2(x);
  const graph = E.toOnnx({ inputs: [x], outputs: [['re', re], ['im', im], ['abs', E.fft2Abs(x)], ['shift', E.fftShift2d(x)]] });
  const s = await E.Session.create(graph, { threads: 1 });
  try {
    for (const [h, w] of [[4, 6], [5, 7], [1, 1], [1, 3], [9, 2]] as const) {
      const data = Float32Array.from({ length: 2 * h * w }, (_, i) => Math.sin(i * 0.37 + h));
      const out = await s.runHost({ x: { shape: [1, 2, h, w], data } });
      assert.deepEqual(out.re!.shape, [1, 2, h, w]);
      for (let c = 0; c < 2; c++) {
        const img = data.subarray(c * h * w, (c + 1) * h * w);
        const [nre, nim] = naiveDft(img, h, w);
        for (let i = 0; i < h * w; i++) {
          const at = c * h * w + i;
          const [r, q, a] = [(out.re!.data as Float32Array)[at]!, (out.im!.data as Float32Array)[at]!, (out.abs!.data as Float32Array)[at]!];
          assert.ok(Math.abs(r - nre[i]!) < 1e-5 && Math.abs(q - nim[i]!) < 1e-5, `${h}×${w} [${c}, ${i}]: ${r} + ${q}i vs ${nre[i]} + ${nim[i]}i`);
          assert.ok(Math.abs(a - Math.hypot(nre[i]!, nim[i]!)) < 1e-5, `${h}×${w} |F| [${c}, ${i}]`);
        }
        // The original's fftshift2d: rows from h//2 first, then columns from w//2 first.
        const [fh, fw] = [Math.floor(h / 2), Math.floor(w / 2)];
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) {
            const want = img[((i + fh) % h) * w + ((j + fw) % w)]!;
            assert.equal((out.shift!.data as Float32Array)[c * h * w + i * w + j], want, `${h}×${w} shift [${c}, ${i}, ${j}]`);
          }
      }
    }
  } finally {
    await s.release();
  }
});

test('the in-graph DFT matrices equal the static constants (same float64 values, rounded once)', async () => {
  for (const [h, w] of [[6, 5], [48, 7]] as const) {
    const data = Float32Array.from({ length: h * w }, (_, i) => Math.cos(i * 0.11));
    const xs = E.input('x', [1, 1, 'H', 'W']);
    const xf = E.input('x', [1, 1, h, w]);
    const sym = await runOnce([xs], [['y', E.fft2Abs(xs)]], { x: { shape: [1, 1, h, w], data } });
    const fixed = await runOnce([xf], [['y', E.fft2Abs(xf)]], { x: { shape: [1, 1, h, w], data } });
    assert.deepEqual(Array.from(sym.y!.data as Float32Array), Array.from(fixed.y!.data as Float32Array), `${h}×${w}`);
  }
});
