/**
 * OpenCV's bicubic upscaling (`cv2.resize(..., INTER_CUBIC)`) of uint8 images by an integer factor, as the
 * original data pipeline uses it for the ROI that weights crop centres (upsampled LR >= 4) and for SRCNN's
 * input. Keys' kernel with a = -0.75, half-pixel centres, replicated border. The float path and the
 * SIMD-exact uint8 path live in src/image/resize_cv2.ts (resizeCubicCv2, resizeCubicCv2Uint8).
 */

/** The 4 tap weights of each output phase (0..scale-1), computed in float32 as OpenCV does. */
function cubicPhaseWeights(scale: number): { offsets: Int32Array; weights: Float32Array } {
  const offsets = new Int32Array(scale);
  const weights = new Float32Array(scale * 4);
  const A = -0.75;
  for (let p = 0; p < scale; p++) {
    const f = Math.fround((p + 0.5) / scale - 0.5);
    const sx = Math.floor(f);
    const x = Math.fround(f - sx);
    offsets[p] = sx;
    const x1 = x + 1;
    const c0 = Math.fround(((A * x1 - 5 * A) * x1 + 8 * A) * x1 - 4 * A);
    const c1 = Math.fround(((A + 2) * x - (A + 3)) * x * x + 1);
    const c2 = Math.fround(((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1);
    weights[p * 4] = c0;
    weights[p * 4 + 1] = c1;
    weights[p * 4 + 2] = c2;
    weights[p * 4 + 3] = Math.fround(1 - c0 - c1 - c2);
  }
  return { offsets, weights };
}

/**
 * OpenCV's uint8 path of the same upscaling: tap weights rounded to 11-bit fixed point, integer sums, one
 * rounding shift by 22 bits, saturation to 0..255. This is cv2's scalar code; cv2 4.6 on x86-64 runs the vertical
 * pass of every block of 8 columns in float32 SIMD, which rounds differently near .5: about 6 pixels per million
 * differ from cv2 (resizeCubicCv2Uint8 reproduces both paths, 0 differences). Kept as is so training data stays
 * bit-identical to earlier runs. Runs once per training sample on the whole LR patch, hence the tap tables.
 */
export function upscaleCubicCv2Uint8(src: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be an integer >= 1, got ${scale}`);
  const ow = width * scale;
  const oh = height * scale;
  const { offsets, weights } = cubicPhaseWeights(scale);
  const iw = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) iw[i] = Math.round(weights[i]! * 2048);
  const xs = tapTable(ow, width, scale, offsets);
  const tmp = new Int32Array(ow * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const o = y * ow;
    for (let x = 0; x < ow; x++) {
      const t = x * 4;
      const w = (x % scale) * 4;
      tmp[o + x] =
        src[row + xs[t]!]! * iw[w]! +
        src[row + xs[t + 1]!]! * iw[w + 1]! +
        src[row + xs[t + 2]!]! * iw[w + 2]! +
        src[row + xs[t + 3]!]! * iw[w + 3]!;
    }
  }
  const ys = tapTable(oh, height, scale, offsets);
  const out = new Uint8Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const w = (y % scale) * 4;
    const w0 = iw[w]!;
    const w1 = iw[w + 1]!;
    const w2 = iw[w + 2]!;
    const w3 = iw[w + 3]!;
    const r0 = ys[y * 4]! * ow;
    const r1 = ys[y * 4 + 1]! * ow;
    const r2 = ys[y * 4 + 2]! * ow;
    const r3 = ys[y * 4 + 3]! * ow;
    const o = y * ow;
    for (let x = 0; x < ow; x++) {
      // Up to 2^31 and beyond: plain JS numbers (float64, exact here), never int32 arithmetic.
      const acc = tmp[r0 + x]! * w0 + tmp[r1 + x]! * w1 + tmp[r2 + x]! * w2 + tmp[r3 + x]! * w3;
      const v = Math.floor((acc + 2097152) / 4194304);
      out[o + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** For each output index, its 4 source indices (replicated border). */
function tapTable(outLen: number, inLen: number, scale: number, offsets: Int32Array): Int32Array {
  const t = new Int32Array(outLen * 4);
  for (let i = 0; i < outLen; i++) {
    const base = Math.floor(i / scale) + offsets[i % scale]!;
    for (let k = 0; k < 4; k++) t[i * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inLen - 1);
  }
  return t;
}
