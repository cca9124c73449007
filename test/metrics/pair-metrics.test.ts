import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planeOf } from '../../src/image/plane.js';
import { pairMetrics, psnrFromMse } from '../../src/metrics/pair-metrics.js';
import { quantizeTo255, roundHalfEven } from '../../src/metrics/quantize.js';
import { isSrcacoError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';
import { referenceMetrics, referenceRoiMetrics, rows } from './reference-metrics.js';

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${what}: ${a} vs ${b}`);

function randomPair(rng: Rng, w: number, h: number) {
  const hr = new Uint8Array(w * h);
  const pred = new Float32Array(w * h);
  for (let i = 0; i < hr.length; i++) {
    // dim background (mostly below the ROI thresholds), bright cells, a few saturated pixels
    const v = rng.uniform() < 0.4 ? 2 + rng.int(250) : rng.int(9);
    hr[i] = v;
    pred[i] = (v + rng.normal() * 12) / 255 + (rng.uniform() < 0.01 ? 0.5 : 0);
  }
  return { hr: planeOf(w, h, hr), pred: planeOf(w, h, pred) };
}

test('full-image and ROI metrics agree with a loop-by-loop float64 re-implementation', () => {
  const rng = new Rng(3);
  for (const [w, h, scale] of [[40, 36, 2], [45, 51, 4], [48, 48, 8]] as const) {
    const { hr, pred } = randomPair(rng, w, h);
    const m = pairMetrics(pred, hr, { scale });
    const x = rows(quantizeTo255(pred, 'p'), w);
    const y = rows(hr.data, w);
    const full = referenceMetrics(x, y, scale);
    const roi = referenceRoiMetrics(x, y, scale);
    for (const k of ['psnr', 'nrmse', 'ssim', 'mse'] as const) {
      close(m.full[k], full[k], 1e-9, `full ${k} ${w}x${h}`);
      close(m.roi[k], roi[k], 1e-9, `roi ${k} ${w}x${h}`);
    }
    assert.equal(m.roiEmpty, false);
  }
});

test('a border and thresholds other than the defaults are honoured', () => {
  const rng = new Rng(4);
  const { hr, pred } = randomPair(rng, 30, 30);
  const m = pairMetrics(pred, hr, { scale: 4, borderPx: 1, roiThresholds: [50] });
  const x = rows(quantizeTo255(pred, 'p'), 30);
  const y = rows(hr.data, 30);
  close(m.full.ssim, referenceMetrics(x, y, 1).ssim, 1e-9, 'ssim border 1');
  close(m.roi.psnr, referenceMetrics(x, y, 1, 50).psnr, 1e-9, 'roi psnr t=50');
});

test('hand-computed values: constant images offset by 2 grey levels', () => {
  const hr = planeOf(16, 16, new Uint8Array(256).fill(10));
  const pred = planeOf(16, 16, new Uint8Array(256).fill(12));
  const m = pairMetrics(pred, hr, { scale: 2 });
  assert.equal(m.full.mse, 4);
  close(m.full.psnr, 20 * Math.log10(255 / 2), 1e-12, 'psnr');
  assert.equal(m.full.nrmse, 2); // HR range 0: the denominator becomes 1
  const ux = 12 / 255;
  const uy = 10 / 255;
  close(m.full.ssim, (2 * ux * uy + 1e-4) / (ux * ux + uy * uy + 1e-4), 1e-12, 'ssim (luminance term only)');
  // HR = 10 >= every threshold: the ROI is the whole image
  close(m.roi.psnr, m.full.psnr, 1e-12, 'roi psnr');
  close(m.roi.ssim, m.full.ssim, 1e-12, 'roi ssim');
});

test('identical images: SSIM 1 and the mse floor gives the original 498.13 dB', () => {
  const rng = new Rng(5);
  const { hr } = randomPair(rng, 24, 24);
  const m = pairMetrics(hr, hr, { scale: 2 });
  close(m.full.ssim, 1, 1e-12, 'ssim');
  assert.equal(m.full.mse, 0);
  close(m.full.psnr, psnrFromMse(1e-45), 0, 'psnr');
  close(m.full.psnr, 498.1308036086791, 1e-12, 'psnr value');
});

test('an empty ROI is flagged; its values are the original sentinels', () => {
  const hr = planeOf(20, 20, new Uint8Array(400).fill(3));
  const pred = planeOf(20, 20, new Uint8Array(400).fill(1));
  const m = pairMetrics(pred, hr, { scale: 2 });
  assert.equal(m.roiEmpty, true);
  assert.deepEqual(m.roiEmptyThresholds, [4, 5, 6, 7, 8, 9, 10]);
  close(m.roi.psnr, psnrFromMse(1e-45), 1e-14, 'roi psnr');
  assert.deepEqual({ ...m.roi, psnr: 0 }, { psnr: 0, nrmse: 0, ssim: 0, mse: 0 });
  assert.ok(!Object.is(m.roi.nrmse, -0));
  assert.equal(m.full.mse, 4);
});

test('a one-pixel ROI: hand values, and flagged when it falls outside the SSIM region', () => {
  const hr = new Uint8Array(24 * 24);
  hr[12 * 24 + 12] = 200;
  const pred = hr.slice();
  pred[12 * 24 + 12] = 190;
  const m = pairMetrics(planeOf(24, 24, pred), planeOf(24, 24, hr), { scale: 2 });
  assert.equal(m.roiEmpty, false);
  assert.equal(m.roi.mse, 100);
  close(m.roi.psnr, 20 * Math.log10(25.5), 1e-12, 'roi psnr');
  close(m.roi.nrmse, 10 / 200, 1e-12, 'roi nrmse');
  close(m.full.mse, 100 / (20 * 20), 1e-12, 'full mse');
  // the same pixel 3 px from the edge: inside the border-2 region, outside SSIM's 5-px crop
  const hr2 = new Uint8Array(24 * 24);
  hr2[3 * 24 + 12] = 200;
  const m2 = pairMetrics(planeOf(24, 24, hr2), planeOf(24, 24, hr2), { scale: 2 });
  assert.equal(m2.roiEmpty, true);
  assert.equal(m2.roi.ssim, 0);
});

test('partially empty ROI (HR max 6) lists the empty thresholds', () => {
  const rng = new Rng(6);
  const hr = new Uint8Array(30 * 30).map(() => rng.int(7));
  const m = pairMetrics(planeOf(30, 30, hr), planeOf(30, 30, hr), { scale: 2 });
  assert.deepEqual(m.roiEmptyThresholds, [7, 8, 9, 10]);
  assert.equal(m.roiEmpty, true);
});

test('a saturated float prediction is clamped to 255 before measuring', () => {
  const hr = planeOf(16, 16, new Uint8Array(256).fill(255));
  const pred = planeOf(16, 16, new Float32Array(256).fill(1.7));
  const m = pairMetrics(pred, hr, { scale: 2 });
  assert.equal(m.full.mse, 0);
  assert.equal(m.roi.mse, 0);
  assert.equal(m.roiEmpty, false);
});

test('quantisation is float32 x 255 rounded half to even, like torch', () => {
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(3.4999), 3);
  // 0.5 * 255 = 127.5 exactly -> 128; 1/255 in float32 times 255 rounds back to 1; NaN-free clamping
  const q = quantizeTo255(planeOf(5, 1, Float32Array.of(-1, 0.5, 1 / 255, 0.25, 1.9)), 'p');
  assert.deepEqual(Array.from(q), [0, 128, 1, 64, 255]);
  // uint8 pixels are used as they are
  const u = Uint8Array.of(0, 7, 255);
  assert.equal(quantizeTo255(planeOf(3, 1, u), 'p'), u);
});

test('bad inputs: size mismatch, 16-bit, NaN — one clear SrcacoError each', () => {
  const hr = planeOf(16, 16, new Uint8Array(256));
  const check = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => isSrcacoError(e) && re.test(e.message));
  check(() => pairMetrics(planeOf(8, 8, new Uint8Array(64)), hr, { scale: 2 }), /must be 16x16/);
  check(() => pairMetrics(hr, planeOf(16, 16, new Uint16Array(256)), { scale: 2 }), /ground truth is 16-bit/);
  const nan = new Float32Array(256);
  nan[17] = NaN;
  check(() => pairMetrics(planeOf(16, 16, nan), hr, { scale: 2 }), /NaN \(first at x=1, y=1\)/);
  check(() => pairMetrics(hr, hr, { scale: 8 }), /smaller than the 11x11 SSIM window/);
  check(() => pairMetrics(planeOf(16, 16, new Float32Array(256).fill(200)), hr, { scale: 2 }), /prediction is float32 with values up to 200; float images must be on 0..1/);
  check(() => pairMetrics(hr, planeOf(16, 16, new Float32Array(256).fill(1.5)), { scale: 2 }), /ground truth is float32 with values up to 1.5/);
});
