import type { Rng } from '../util/random.js';

/**
 * LR-only training augmentations of the original (`dataset_dpsr.py`: np_blur, np_prod_binary_noise,
 * np_add_gaussian_noise), each applied with probability `prob` to a random block covering about `area`
 * of each side (side · (area + 0.01·N(0,1)), so ~30 % of each side by default, not of the area).
 * Applied in place, in this order, on an LR crop in [0, 1]; clipping is the caller's decision.
 */
export interface LrAugmentOptions {
  blur: boolean;
  dotNoise: boolean;
  gaussianNoise: boolean;
  /** Probability of each enabled augmentation (original default 0.5). */
  prob: number;
  /** Block side as a fraction of the image side (original default 0.3). */
  area: number;
  /** Gaussian blur sigma in LR pixels (original default 1). */
  blurSigma: number;
  /** Probability that a pixel of the block is zeroed (original default 0.5). */
  dotZeroProb: number;
  /** Standard deviation of the added noise, image in [0,1] (original default 0.03). */
  noiseStd: number;
}

/** All off, with the original's parameters. */
export const defaultLrAugment: LrAugmentOptions = {
  blur: false,
  dotNoise: false,
  gaussianNoise: false,
  prob: 0.5,
  area: 0.3,
  blurSigma: 1,
  dotZeroProb: 0.5,
  noiseStd: 0.03,
};

interface Block {
  x: number;
  y: number;
  w: number;
  h: number;
}

function randomBlock(width: number, height: number, area: number, rng: Rng): Block {
  const ratio = rng.normal() * 0.01 + area;
  const h = Math.max(0, Math.min(height, Math.trunc(height * ratio)));
  const w = Math.max(0, Math.min(width, Math.trunc(width * ratio)));
  const y = rng.int(height - h + 1);
  const x = rng.int(width - w + 1);
  return { x, y, w, h };
}

/** Applies the enabled LR augmentations to `img` (width × height, row-major) in place. */
export function augmentLr(img: Float32Array, width: number, height: number, o: LrAugmentOptions, rng: Rng): void {
  if (o.area <= 0) return;
  if (o.blur && rng.uniform() < o.prob) {
    const b = randomBlock(width, height, o.area, rng);
    const blurred = gaussianBlurReflect(img, width, height, o.blurSigma);
    // As the original: rarely (2 %) only the block is blurred, usually everything but the block.
    const insideOnly = rng.uniform() >= 0.98;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;
        if (inside === insideOnly) img[y * width + x] = blurred[y * width + x]!;
      }
    }
  }
  if (o.dotNoise && rng.uniform() < o.prob) {
    const b = randomBlock(width, height, o.area, rng);
    for (let y = b.y; y < b.y + b.h; y++) {
      for (let x = b.x; x < b.x + b.w; x++) if (rng.uniform() < o.dotZeroProb) img[y * width + x] = 0;
    }
  }
  if (o.gaussianNoise && rng.uniform() < o.prob) {
    const b = randomBlock(width, height, o.area, rng);
    for (let y = b.y; y < b.y + b.h; y++) {
      for (let x = b.x; x < b.x + b.w; x++) img[y * width + x] = img[y * width + x]! + o.noiseStd * rng.normal();
    }
  }
}

/** scipy.ndimage.gaussian_filter (truncate 4, mode 'reflect': edge pixel repeated) of a 2-D image. */
export function gaussianBlurReflect(img: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  const reflect = (i: number, n: number): number => {
    // Half-sample symmetric (d c b a | a b c d), periodic with period 2n.
    const p = 2 * n;
    let j = ((i % p) + p) % p;
    if (j >= n) j = p - 1 - j;
    return j;
  };
  const tmp = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = -radius; t <= radius; t++) acc += k[t + radius]! * img[y * width + reflect(x + t, width)]!;
      tmp[y * width + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = -radius; t <= radius; t++) acc += k[t + radius]! * tmp[reflect(y + t, height) * width + x]!;
      out[y * width + x] = acc;
    }
  }
  return out;
}
