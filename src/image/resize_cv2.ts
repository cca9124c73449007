import type { Plane } from './plane.js';
import { checkOutSize, resampleSeparable, type AxisWeights } from './resize_separable.js';

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
