// Window partition / reverse, the shifted-window mask and padding to a multiple: values against direct index
// arithmetic (and the original's mask construction), symbolic H and W, and VJPs against central differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { shiftedWindowMaskValues } from '../../src/engine/ops/window.js';
import { gradCheck } from './gradcheck.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

async function runOnce(bytes: Uint8Array, feeds: Record<string, E.HostTensor>) {
  const s = await E.Session.create(bytes, { threads: 1 });
  try {
    return await s.runHost(feeds);
  } finally {
    await s.release();
  }
}

test('windowPartition takes wh × ww windows in row-major grid order; windowReverse undoes it, also with symbolic H and W', async () => {
  const [b, h, w, c, wh, ww] = [2, 4, 6, 3, 2, 3];
  const x = { shape: [b, h, w, c], data: iota(b * h * w * c) };
  const bytes = E.compileFunction({
    inputs: { x: [b, 'H', 'W', c] },
    fn: ({ x: t }) => {
      const windows = E.windowPartition(t!, wh, ww);
      return { windows, back: E.windowReverse(windows, wh, ww, 'H', 'W') };
    },
  });
  const out = await runOnce(bytes, { x });
  const nh = h / wh;
  const nw = w / ww;
  assert.deepEqual(out.windows!.shape, [b * nh * nw, wh, ww, c]);
  const got = out.windows!.data as Float32Array;
  for (let n = 0; n < b * nh * nw; n++) {
    const [bi, gy, gx] = [Math.floor(n / (nh * nw)), Math.floor((n % (nh * nw)) / nw), n % nw];
    for (let py = 0; py < wh; py++) {
      for (let px = 0; px < ww; px++) {
        for (let ci = 0; ci < c; ci++) {
          const want = ((bi * h + gy * wh + py) * w + gx * ww + px) * c + ci;
          assert.equal(got[((n * wh + py) * ww + px) * c + ci], want);
        }
      }
    }
  }
  assert.deepEqual(out.back!.data, x.data);
  // The batch of symbolic windows is read back from the product windowPartition wrote.
  const sym = E.windowPartition(E.input('x', ['N', 'H', 'W', 4]), 2, 2);
  assert.deepEqual(E.windowReverse(sym, 2, 2, 'H', 'W').shape, ['N', 'H', 'W', 4]);
  assert.throws(() => E.windowPartition(E.input('x', [1, 5, 4, 1]), 2, 2), /height 5 is not a multiple of the window 2/);
});

test("the shifted-window mask equals the original's calculate_mask, statically and built at run time for the actual size", async () => {
  // The original: region labels 0/1/2 on rows and columns (slices [0, −w), [−w, −s), [−s, ∞)), label = 3·row + col,
  // windows of the label map, −100 where two tokens' labels differ.
  const reference = (h: number, w: number, win: number, s: number) => {
    const region = (p: number, size: number) => (p < size - win ? 0 : p < size - s ? 1 : 2);
    const n = win * win;
    const out: number[] = [];
    for (let gy = 0; gy < h / win; gy++) {
      for (let gx = 0; gx < w / win; gx++) {
        const labels = Array.from({ length: n }, (_, t) => 3 * region(gy * win + Math.floor(t / win), h) + region(gx * win + (t % win), w));
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.push(labels[i] === labels[j] ? 0 : -100);
      }
    }
    return out;
  };
  for (const [h, w] of [[8, 12], [4, 4], [12, 8]] as const) {
    assert.deepEqual(Array.from(shiftedWindowMaskValues(h, w, { wh: 4, ww: 4, sh: 2, sw: 2 })), reference(h, w, 4, 2), `${h}×${w}`);
  }
  const bytes = E.compileFunction({ inputs: { x: [1, 'H', 'W', 1] }, fn: ({ x }) => E.shiftedWindowMask(x!, 4, 4, 2, 2) });
  for (const [h, w] of [[8, 12], [4, 4], [12, 8], [16, 4]] as const) {
    const { y } = await runOnce(bytes, { x: { shape: [1, h, w, 1], data: new Float32Array(h * w) } });
    assert.deepEqual(y!.shape, [(h / 4) * (w / 4), 16, 16]);
    // (0 · −100 is −0 there: the same additive mask.)
    assert.deepEqual(Array.from(y!.data as Float32Array, (v) => v + 0), reference(h, w, 4, 2), `run time ${h}×${w}`);
  }
});

test('padToMultiple reflects the bottom and right up to the multiple (static and run-time amounts); cropTo keeps the top-left', async () => {
  const bytes = E.compileFunction({
    inputs: { x: [1, 1, 'H', 'W'] },
    fn: ({ x }) => {
      const padded = E.padToMultiple(x!, 4, { mode: 'reflect' });
      return { padded, back: E.cropTo(padded, 'H', 'W') };
    },
  });
  for (const [h, w] of [[3, 6], [4, 5], [8, 8]] as const) {
    const x = { shape: [1, 1, h, w], data: iota(h * w) };
    const out = await runOnce(bytes, { x });
    const [ph, pw] = [Math.ceil(h / 4) * 4, Math.ceil(w / 4) * 4];
    assert.deepEqual(out.padded!.shape, [1, 1, ph, pw]);
    const reflect = (p: number, n: number) => (p < n ? p : 2 * (n - 1) - p);
    const want = Array.from({ length: ph * pw }, (_, i) => reflect(Math.floor(i / pw), h) * w + reflect(i % pw, w));
    assert.deepEqual(Array.from(out.padded!.data as Float32Array), want, `${h}×${w}`);
    assert.deepEqual(out.back!.data, x.data);
    const fixed = await runOnce(E.compileFunction({ inputs: { x: [1, 1, h, w] }, fn: ({ x: t }) => E.padToMultiple(t!, 4, { mode: 'reflect' }) }), { x });
    assert.deepEqual(fixed.y!.data, out.padded!.data, `static ${h}×${w}`);
  }
  assert.throws(() => E.padToMultiple(E.input('x', [1, 1, 2, 8]), 8, { mode: 'reflect' }), /pads smaller than the sides/);
});

test('window partition and reverse, the mask-free window ops, padding and cropping: VJPs match central differences', async () => {
  const results = await gradCheck(
    [
      { name: 'windowPartition', inputs: [{ shape: [2, 4, 6, 3] }], fn: (x) => E.windowPartition(x, 2, 3) },
      { name: 'windowReverse', inputs: [{ shape: [8, 2, 3, 3] }], fn: (x) => E.windowReverse(x, 2, 3, 4, 6) },
      { name: 'roll-partition', inputs: [{ shape: [1, 4, 4, 2] }], fn: (x) => E.windowPartition(E.roll(E.roll(x, -1, 1), -1, 2), 2, 2) },
      { name: 'padToMultiple', inputs: [{ shape: [1, 2, 5, 6] }], fn: (x) => E.padToMultiple(x, 4, { mode: 'reflect' }) },
      { name: 'cropTo', inputs: [{ shape: [1, 2, 5, 6] }], fn: (x) => E.cropTo(x, 3, 4) },
    ],
    'float64',
    1e-6,
  );
  for (const r of results) assert.ok(Math.abs(r.analytic - r.numeric) <= 1e-6 * Math.max(1, Math.abs(r.numeric)), `${r.name}: ${r.analytic} vs ${r.numeric}`);
});
