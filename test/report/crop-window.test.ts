import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busiestWindow } from '../../src/report/crop-window.js';
import { Rng } from '../../src/util/random.js';

// Brute force: count pixels >= threshold in every window position, first maximum in raster order.
function bruteForce(img: Uint8Array, w: number, h: number, ww: number, wh: number, step: number, threshold: number) {
  let best = { x: 0, y: 0, count: -1 };
  for (let y = 0; y + wh <= h; y += step) {
    for (let x = 0; x + ww <= w; x += step) {
      let count = 0;
      for (let yy = y; yy < y + wh; yy++) for (let xx = x; xx < x + ww; xx++) count += img[yy * w + xx]! >= threshold ? 1 : 0;
      if (count > best.count) best = { x, y, count };
    }
  }
  return { x: best.x, y: best.y };
}

test('busiestWindow finds the window with the most cell pixels, on the scale grid', () => {
  const rng = new Rng(3);
  const [w, h] = [48, 40];
  for (const step of [1, 2, 4]) {
    const img = Uint8Array.from({ length: w * h }, () => (rng.uniform() < 0.3 ? 10 : 0));
    // A bright blob far from the centre: the window must move onto it.
    for (let y = 28; y < 38; y++) for (let x = 34; x < 46; x++) img[y * w + x] = 200;
    const got = busiestWindow(img, w, h, 16, 12, step);
    assert.deepEqual({ x: got.x, y: got.y }, bruteForce(img, w, h, 16, 12, step, 4), `step ${step}`);
    assert.equal(got.x % step, 0);
    assert.equal(got.y % step, 0);
    assert.equal(got.width, 16);
    assert.equal(got.height, 12);
  }
});

test('busiestWindow on an empty image keeps the top-left window', () => {
  assert.deepEqual(busiestWindow(new Uint8Array(32 * 32), 32, 32, 8, 8, 2), { x: 0, y: 0, width: 8, height: 8 });
});
