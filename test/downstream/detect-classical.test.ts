import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planeOf } from '../../src/image/plane.js';
import { detectNucleiClassical, normalisePercentiles, percentile } from '../../src/downstream/detect-classical.js';
import { matchInstances } from '../../src/downstream/match.js';
import { Rng } from '../../src/util/random.js';

test('percentiles interpolate like numpy and normalisation maps them to 0 and 1', () => {
  assert.equal(percentile([3, 1, 2, 4], 50), 2.5);
  assert.ok(Math.abs(percentile([0, 10], 1.1) - 0.11) < 1e-12);
  const n = normalisePercentiles(planeOf(2, 2, Float32Array.from([0, 10, 5, 2])), 0, 100);
  assert.deepEqual(n, Float32Array.from([0, 1, 0.5, 0.2]));
});

test('textured discs, two of them touching, on a noisy background: one instance each', () => {
  const W = 160, H = 120;
  const discs = [
    { y: 30, x: 30, r: 16 },
    { y: 30, x: 62, r: 16 }, // touches the first
    { y: 85, x: 40, r: 12 },
    { y: 75, x: 115, r: 22 },
  ];
  const rng = new Rng(4);
  const img = new Float32Array(W * H);
  const truth = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      img[i] = 4 + 2 * rng.normal();
      discs.forEach((d, k) => {
        if ((y - d.y) ** 2 + (x - d.x) ** 2 < d.r * d.r) {
          img[i] = 70 * (0.85 + 0.15 * rng.normal()); // chromatin-like texture
          truth[i] = k + 1;
        }
      });
    }
  }
  const det = detectNucleiClassical(planeOf(W, H, img));
  assert.equal(det.count, discs.length);
  const m = matchInstances(truth, det.labels);
  assert.equal(m.truePositives, discs.length);
  assert.ok(m.meanMatchedIou > 0.75, `mean IoU ${m.meanMatchedIou}`);
  // a blank image has no nuclei
  assert.equal(detectNucleiClassical(planeOf(W, H, new Float32Array(W * H))).count, 0);
});
