import type { Plane } from './plane.js';
import { checkOutSize, resampleSeparable, type AxisWeights } from './resize-separable.js';

/** OpenCV's INTER_CUBIC weights for one axis: a = -0.75, 4 taps, out-of-image taps replicate the edge pixel. */
export function cv2CubicWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize; // 1 / inv_scale, in double as cv::resize computes it
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  const a = -0.75;
  for (let i = 0; i < outSize; i++) {
    const fx = Math.fround((i + 0.5) * scale - 0.5);
    const sx = Math.floor(fx);
    const x = Math.fround(fx - sx);
    // interpolateCubic: the last coefficient is 1 - the others
    const c0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
    const c1 = ((a + 2) * x - (a + 3)) * x * x + 1;
    const c2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
    const cs = [c0, c1, c2, 1 - c0 - c1 - c2];
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(Math.max(sx - 1 + k, 0), inSize - 1);
      weight[i * 4 + k] = cs[k];
    }
  }
  return { outSize, taps: 4, index, weight };
}

/** OpenCV `cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)` of a float image (no antialiasing). */
export function resizeCubicCv2(plane: Plane, width: number, height: number): Plane<Float32Array> {
  checkOutSize(width, height);
  return resampleSeparable(plane, cv2CubicWeights(plane.width, width), cv2CubicWeights(plane.height, height));
}

const f32 = Math.fround;
/** INTER_RESIZE_COEF_BITS: OpenCV's 8-bit resize works with weights in units of 1/2048. */
const COEF_SCALE = 2048;

/** OpenCV's fixed-point weights for one axis: interpolateCubic in float32, times 2048, rounded to short. */
function cv2CubicFixedWeights(inSize: number, outSize: number): { index: Int32Array; weight: Int32Array } {
  const scale = inSize / outSize;
  const index = new Int32Array(outSize * 4);
  const weight = new Int32Array(outSize * 4);
  const a = f32(-0.75);
  for (let i = 0; i < outSize; i++) {
    const fx0 = f32((i + 0.5) * scale - 0.5);
    const sx = Math.floor(fx0);
    const x = f32(fx0 - sx);
    const x1 = f32(x + 1);
    const y = f32(1 - x);
    const c0 = f32(f32(f32(f32(f32(f32(a * x1) - f32(5 * a)) * x1) + f32(8 * a)) * x1) - f32(4 * a));
    const c1 = f32(f32(f32(f32(f32(f32(a + 2) * x) - f32(a + 3)) * x) * x) + 1);
    const c2 = f32(f32(f32(f32(f32(f32(a + 2) * y) - f32(a + 3)) * y) * y) + 1);
    const c3 = f32(f32(f32(1 - c0) - c1) - c2);
    const cs = [c0, c1, c2, c3];
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(Math.max(sx - 1 + k, 0), inSize - 1);
      weight[i * 4 + k] = roundHalfEven(f32(cs[k]! * COEF_SCALE)); // saturate_cast<short>(float): cvRound
    }
  }
  return { index, weight };
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  return r > 0.5 ? f + 1 : r < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * OpenCV `cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)` of an 8-bit image, bit for bit
 * (x86-64 build): integer weights in 1/2048, integer horizontal sums, vertical sums rounded and
 * saturated to 0..255.
 * This is how the original upsamples LR patches for its pre-upsampling models (`_resize_low_to_scale`).
 */
export function resizeCubicCv2Uint8(plane: Plane<Uint8Array>, width: number, height: number): Plane<Uint8Array> {
  checkOutSize(width, height);
  const wx = cv2CubicFixedWeights(plane.width, width);
  const wy = cv2CubicFixedWeights(plane.height, height);
  const src = plane.data;
  const tmp = new Float64Array(width * plane.height); // exact integers
  for (let r = 0; r < plane.height; r++) {
    const row = r * plane.width;
    for (let c = 0; c < width; c++) {
      const o = c * 4;
      tmp[r * width + c] =
        src[row + wx.index[o]!]! * wx.weight[o]! +
        src[row + wx.index[o + 1]!]! * wx.weight[o + 1]! +
        src[row + wx.index[o + 2]!]! * wx.weight[o + 2]! +
        src[row + wx.index[o + 3]!]! * wx.weight[o + 3]!;
    }
  }
  const out = new Uint8Array(width * height);
  const shift = COEF_SCALE * COEF_SCALE;
  for (let r = 0; r < height; r++) {
    const o = r * 4;
    const [r0, r1, r2, r3] = [wy.index[o]! * width, wy.index[o + 1]! * width, wy.index[o + 2]! * width, wy.index[o + 3]! * width];
    const [b0, b1, b2, b3] = [wy.weight[o]!, wy.weight[o + 1]!, wy.weight[o + 2]!, wy.weight[o + 3]!];
    // OpenCV's vertical pass runs 128-bit SIMD (VResizeCubicVec_32s8u) over blocks of 8 columns in
    // float32 (mul + add, round half even) and its integer code over the remaining columns; the two
    // round differently near .5, so both are reproduced (checked on the fixtures: 0 mismatches).
    const simdEnd = width - (width % 8);
    const [f0, f1, f2, f3] = [f32(b0 / shift), f32(b1 / shift), f32(b2 / shift), f32(b3 / shift)];
    for (let c = 0; c < width; c++) {
      let q: number;
      if (c < simdEnd) {
        const s0 = tmp[r0 + c]!, s1 = tmp[r1 + c]!, s2 = tmp[r2 + c]!, s3 = tmp[r3 + c]!;
        let acc = f32(s3 * f3);
        acc = f32(f32(s2 * f2) + acc);
        acc = f32(f32(s1 * f1) + acc);
        acc = f32(f32(s0 * f0) + acc);
        q = roundHalfEven(acc);
      } else {
        const v = tmp[r0 + c]! * b0 + tmp[r1 + c]! * b1 + tmp[r2 + c]! * b2 + tmp[r3 + c]! * b3;
        q = Math.floor((v + shift / 2) / shift); // FixedPtCast: (v + 2^21) >> 22
      }
      out[r * width + c] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return { width, height, data: out };
}
