import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/util/random.js';
import { augmentLr, defaultLrAugment, gaussianBlurReflect } from '../../src/train/augment-lr.js';

function image(w: number, h: number): Float32Array {
  return Float32Array.from({ length: w * h }, (_, i) => 0.2 + 0.6 * (((i * 7919) % 97) / 97));
}

test('gaussian blur equals a direct 2-D convolution with half-sample-symmetric borders', () => {
  const w = 7;
  const h = 5;
  const img = image(w, h);
  const got = gaussianBlurReflect(img, w, h, 1);
  const r = 4;
  const g = (t: number) => Math.exp(-0.5 * t * t);
  let norm = 0;
  for (let t = -r; t <= r; t++) norm += g(t);
  // scipy 'reflect': index -1 -> 0, -2 -> 1, n -> n-1, n+1 -> n-2 (repeated for kernels wider than the image).
  const refl = (i: number, n: number) => {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) acc += (g(dx) * g(dy) * img[refl(y + dy, h) * w + refl(x + dx, w)]!) / (norm * norm);
      assert.ok(Math.abs(acc - got[y * w + x]!) < 1e-6, `(${x}, ${y})`);
    }
  }
  const flat = gaussianBlurReflect(new Float32Array(20).fill(0.5), 5, 4, 1);
  for (const v of flat) assert.ok(Math.abs(v - 0.5) < 1e-6);
});

test('augmentations off leave the LR crop unchanged and draw nothing', () => {
  const img = image(24, 24);
  const copy = img.slice();
  const rng = new Rng(3);
  augmentLr(img, 24, 24, defaultLrAugment, rng);
  assert.deepEqual(img, copy);
  assert.deepEqual(rng.state(), new Rng(3).state());
});

test('dot and gaussian noise touch one block of about 30 % of each side', () => {
  const w = 48;
  for (const kind of ['dotNoise', 'gaussianNoise'] as const) {
    for (let seed = 0; seed < 10; seed++) {
      const img = image(w, w);
      const copy = img.slice();
      augmentLr(img, w, w, { ...defaultLrAugment, [kind]: true, prob: 1 }, new Rng(seed));
      let x0 = w, y0 = w, x1 = -1, y1 = -1;
      for (let i = 0; i < img.length; i++) {
        if (img[i] === copy[i]) continue;
        const x = i % w;
        const y = Math.floor(i / w);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        if (kind === 'dotNoise') assert.equal(img[i], 0);
      }
      assert.ok(x1 >= 0, `${kind} seed ${seed}: nothing changed`);
      // Block side trunc(48·(0.3 ± 0.01·N)) is 13..15 (changed pixels lie within it).
      assert.ok(x1 - x0 + 1 <= 16 && y1 - y0 + 1 <= 16, `${kind} seed ${seed}: ${x1 - x0 + 1}x${y1 - y0 + 1}`);
      if (kind === 'gaussianNoise') assert.ok(x1 - x0 + 1 >= 12 && y1 - y0 + 1 >= 12);
    }
  }
});

test('blur usually spares the block and blurs the rest (as the original)', () => {
  const w = 40;
  let sparedBlocks = 0;
  for (let seed = 0; seed < 20; seed++) {
    const img = image(w, w);
    const copy = img.slice();
    augmentLr(img, w, w, { ...defaultLrAugment, blur: true, prob: 1 }, new Rng(seed));
    let unchanged = 0;
    for (let i = 0; i < img.length; i++) if (img[i] === copy[i]) unchanged++;
    if (unchanged >= 100 && unchanged <= 200) sparedBlocks++;
  }
  assert.ok(sparedBlocks >= 18, `${sparedBlocks} of 20 kept a ~12x12 block sharp`);
});

test('with prob 0 nothing is applied', () => {
  const img = image(16, 16);
  const copy = img.slice();
  augmentLr(img, 16, 16, { ...defaultLrAugment, blur: true, dotNoise: true, gaussianNoise: true, prob: 0 }, new Rng(1));
  assert.deepEqual(img, copy);
});
