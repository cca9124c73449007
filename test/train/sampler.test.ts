import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planeOf } from '../../src/image/plane.js';
import { Rng } from '../../src/util/random.js';
import { defaultPatchOptions, samplePatch } from '../../src/train/data-patch.js';
import {
  alignCrop,
  backgroundCentreWeight,
  drawCentreOrigin,
  roiCentreWeight,
  samplingRoi,
} from '../../src/train/sampler-crop.js';
import { boxPair } from './helpers.js';

function boxDown(a: Float32Array, side: number, scale: number): Float32Array {
  const m = side / scale;
  const out = new Float32Array(m * m);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[Math.floor(y / scale) * m + Math.floor(x / scale)]! += a[y * side + x]!;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / (scale * scale);
  return out;
}

for (const scale of [2, 4]) {
  test(`×${scale}: every sampled LR crop is exactly the box average of its HR crop (any dihedral mode)`, () => {
    const pair = boxPair(64, scale, 11);
    const o = defaultPatchOptions(scale, { hrPatchPx: 16 });
    const rng = new Rng(5);
    const modes = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const p = samplePatch(pair, o, rng);
      modes.add(p.mode);
      assert.equal(p.origin.hrX, p.origin.lrX * scale);
      assert.equal(p.origin.hrY, p.origin.lrY * scale);
      const down = boxDown(p.hr, 16, scale);
      for (let k = 0; k < down.length; k++) assert.ok(Math.abs(down[k]! - p.lr[k]!) < 1e-6, `patch ${i} pixel ${k}`);
    }
    assert.equal(modes.size, 8);
  });
}

test('seedCompat reproduces the original drift: some LR crops are off their HR crops', () => {
  const scale = 4;
  const pair = boxPair(64, scale, 11);
  const o = defaultPatchOptions(scale, { hrPatchPx: 16, seedCompat: true });
  const rng = new Rng(5);
  let drifted = 0;
  for (let i = 0; i < 40; i++) {
    const p = samplePatch(pair, o, rng);
    if (p.origin.hrX !== p.origin.lrX * scale || p.origin.hrY !== p.origin.lrY * scale) drifted++;
  }
  assert.ok(drifted > 20, `${drifted} of 40 drifted`);
  assert.deepEqual(alignCrop(7, 9, 4, true), { hrX: 7, hrY: 9, lrX: 1, lrY: 2 });
  assert.deepEqual(alignCrop(7, 9, 4, false), { hrX: 4, hrY: 8, lrX: 1, lrY: 2 });
});

test('crop centres follow exp(5·roi)+1 (chi-square over every candidate)', () => {
  const w = 12;
  const h = 10;
  const patch = 4;
  const roi = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) roi[y * w + x] = x < 5 && y > 2 ? 1 : 0;
  const nx = w - patch + 1;
  const ny = h - patch + 1;
  const weight = (x: number, y: number) => Math.exp(5 * roi[(y + 2) * w + (x + 2)]!) + 1;
  let total = 0;
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) total += weight(x, y);
  const counts = new Float64Array(nx * ny);
  const rng = new Rng(99);
  const draws = 40000;
  for (let i = 0; i < draws; i++) {
    const { x, y } = drawCentreOrigin(roi, w, h, patch, rng);
    counts[y * nx + x]!++;
  }
  let chi2 = 0;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const e = (draws * weight(x, y)) / total;
      chi2 += (counts[y * nx + x]! - e) ** 2 / e;
    }
  }
  // 63 cells, 62 degrees of freedom: the 1e-5 upper quantile is about 120.
  assert.ok(chi2 < 120, `chi-square ${chi2.toFixed(1)}`);
  assert.equal(roiCentreWeight / backgroundCentreWeight, (Math.exp(5) + 1) / 2);
});

test('seedCompat never draws the last origin (the original slices it off); the default does', () => {
  const w = 6;
  const roi = new Uint8Array(w * w);
  const seen = (compat: boolean) => {
    const rng = new Rng(1);
    let max = 0;
    for (let i = 0; i < 400; i++) max = Math.max(max, drawCentreOrigin(roi, w, w, 4, rng, compat).x);
    return max;
  };
  assert.equal(seen(false), 2);
  assert.equal(seen(true), 1);
});

test('sampling ROI thresholds the cv2-bicubic-upsampled LR on the 0..255 scale', () => {
  const lr = planeOf(4, 4, Uint8Array.from([0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0]));
  const roi = samplingRoi(lr, 2, 4);
  assert.equal(roi.length, 64);
  assert.equal(roi[0], 0);
  assert.equal(roi[3 * 8 + 3], 1);
  const asFloat = planeOf(4, 4, Float32Array.from(lr.data, (v) => v / 255));
  assert.deepEqual(samplingRoi(asFloat, 2, 4), roi);
  assert.throws(() => drawCentreOrigin(roi, 8, 8, 9, new Rng(1)), /cannot hold/);
});
