import type { Plane } from './plane.js';
import { checkOutSize, resampleSeparable, type AxisWeights } from './resize-separable.js';

/** Options of `resizeBicubic` (PyTorch `F.interpolate(mode='bicubic', align_corners=False)`). */
export interface ResizeBicubicOptions {
  /** PyTorch's `antialias=True`: a = -0.5 kernel stretched by the scale when shrinking, window clipped and renormalised at the borders. */
  antialias?: boolean;
  /** The `scale_factor` PyTorch was given (the coordinate scale is then 1/scaleFactor, not in/out). */
  scaleFactor?: number;
}

const f32 = Math.fround;

/** Keys' cubic convolution kernel with parameter a (PyTorch: -0.75 plain, -0.5 antialiased). */
export function cubicKernel(x: number, a: number): number {
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** PyTorch's in/out coordinate scale, in float32 as its kernels compute it. */
function torchScale(inSize: number, outSize: number, scaleFactor?: number): number {
  return scaleFactor ? f32(1 / scaleFactor) : f32(inSize / outSize);
}

/** Plain bicubic (`upsample_bicubic2d`): 4 taps, a = -0.75, source indices clamped to the image. */
export function torchBicubicWeights(inSize: number, outSize: number, scaleFactor?: number): AxisWeights {
  const scale = torchScale(inSize, outSize, scaleFactor);
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  for (let i = 0; i < outSize; i++) {
    // area_pixel_compute_source_index(cubic=true): no clamping of the coordinate itself
    const real = f32(f32(scale * f32(i + 0.5)) - 0.5);
    const x0 = Math.floor(real);
    const t = f32(real - x0);
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
      weight[i * 4 + k] = cubicKernel(t + 1 - k, -0.75);
    }
  }
  return { outSize, taps: 4, index, weight };
}

/** Antialiased bicubic (`_upsample_bicubic2d_aa`, PIL's filter): a = -0.5, support 2·max(scale, 1). */
export function torchBicubicAntialiasWeights(inSize: number, outSize: number, scaleFactor?: number): AxisWeights {
  const scale = torchScale(inSize, outSize, scaleFactor);
  const support = scale >= 1 ? f32(2 * scale) : 2;
  const invScale = scale >= 1 ? f32(1 / scale) : 1;
  const taps = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = f32(scale * (i + 0.5));
    // static_cast<int64_t> truncates toward zero, then the window is clipped to the image
    const xmin = Math.max(Math.trunc(f32(f32(center - support) + 0.5)), 0);
    const xsize = Math.min(Math.trunc(f32(f32(center + support) + 0.5)), inSize) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = cubicKernel(f32(f32(j + xmin - center + 0.5) * invScale), -0.5);
      weight[i * taps + j] = w;
      total += w;
    }
    for (let j = 0; j < taps; j++) {
      index[i * taps + j] = j < xsize ? xmin + j : xmin;
      if (j < xsize && total !== 0) weight[i * taps + j] /= total;
    }
  }
  return { outSize, taps, index, weight };
}

/** PyTorch `F.interpolate(x, size=(height, width), mode='bicubic', align_corners=False[, antialias])`. */
export function resizeBicubic(
  plane: Plane,
  width: number,
  height: number,
  options: ResizeBicubicOptions = {},
): Plane<Float32Array> {
  checkOutSize(width, height);
  const weights = options.antialias ? torchBicubicAntialiasWeights : torchBicubicWeights;
  return resampleSeparable(
    plane,
    weights(plane.width, width, options.scaleFactor),
    weights(plane.height, height, options.scaleFactor),
  );
}
