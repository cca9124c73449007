import type { Rng } from '../util/random.js';

/** Side of the periodic texture (a power of two, so lookups wrap with a mask). */
export const TEXTURE_SIZE = 256;
export const TEXTURE_MASK = TEXTURE_SIZE - 1;

/**
 * A periodic, smooth random texture with zero mean and unit variance: white noise blurred (with wrap-around)
 * by a Gaussian of `sigmaPx`. It stands in for chromatin granularity inside nuclei and for the uneven
 * cytoplasmic stain; cells look different because each reads it at its own offset.
 */
export function smoothNoiseTexture(rng: Rng, sigmaPx: number): Float32Array {
  const n = TEXTURE_SIZE;
  let a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const radius = Math.ceil(3 * sigmaPx);
  const kernel = new Float32Array(2 * radius + 1);
  for (let k = -radius; k <= radius; k++) kernel[k + radius] = Math.exp(-(k * k) / (2 * sigmaPx * sigmaPx));
  for (let pass = 0; pass < 2; pass++) {
    const b = new Float32Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) {
          // pass 0 blurs along x, pass 1 along y
          const idx = pass === 0 ? y * n + ((x + k) & TEXTURE_MASK) : ((y + k) & TEXTURE_MASK) * n + x;
          s += kernel[k + radius]! * a[idx]!;
        }
        b[y * n + x] = s;
      }
    }
    a = b;
  }
  let mean = 0;
  for (const v of a) mean += v;
  mean /= a.length;
  let variance = 0;
  for (const v of a) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / a.length) || 1;
  for (let i = 0; i < a.length; i++) a[i] = (a[i]! - mean) / sd;
  return a;
}
