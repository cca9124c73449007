/** Area downsampling and separable bicubic (Keys, a = -0.5) translation of float planes, edge-clamped. */

/** A float image at some resolution, row-major. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Mean of each s×s block (the LR pixel i integrates HR pixels [i·s, (i+1)·s)); a partial last block is dropped. */
export function areaDownsample(src: { width: number; height: number; data: ArrayLike<number> }, scale: number): FloatImage {
  const width = Math.floor(src.width / scale);
  const height = Math.floor(src.height / scale);
  const out = new Float32Array(width * height);
  const inv = 1 / (scale * scale);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < scale; dy++) {
        const row = (y * scale + dy) * src.width + x * scale;
        for (let dx = 0; dx < scale; dx++) sum += src.data[row + dx]!;
      }
      out[y * width + x] = sum * inv;
    }
  }
  return { width, height, data: out };
}

/** Keys cubic convolution weights for taps at offsets -1, 0, 1, 2 from floor(position), fraction t. */
export function cubicWeights(t: number): [number, number, number, number] {
  const a = -0.5;
  const w = (x: number): number => {
    const ax = Math.abs(x);
    if (ax <= 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
    if (ax < 2) return ((a * ax - 5 * a) * ax + 8 * a) * ax - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

/**
 * `out(y, x) = src(y + dy, x + dx)` with bicubic interpolation; positions outside the image take the edge value.
 * A pure translation is separable, so rows and columns are interpolated one after the other (8 taps, not 16).
 */
export function translateBicubic(src: FloatImage, dy: number, dx: number): FloatImage {
  const { width, height, data } = src;
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  const ix = Math.floor(dx);
  const wx = cubicWeights(dx - ix);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = 0; k < 4; k++) {
        const xx = Math.min(width - 1, Math.max(0, x + ix - 1 + k));
        acc += wx[k]! * data[row + xx]!;
      }
      tmp[row + x] = acc;
    }
  }
  const iy = Math.floor(dy);
  const wy = cubicWeights(dy - iy);
  for (let y = 0; y < height; y++) {
    const rows = [0, 1, 2, 3].map((k) => Math.min(height - 1, Math.max(0, y + iy - 1 + k)) * width);
    for (let x = 0; x < width; x++) {
      out[y * width + x] =
        wy[0] * tmp[rows[0]! + x]! + wy[1] * tmp[rows[1]! + x]! + wy[2] * tmp[rows[2]! + x]! + wy[3] * tmp[rows[3]! + x]!;
    }
  }
  return { width, height, data: out };
}

/** Halves an image by 2×2 block means (used for the coarse levels of the shift search). */
export function halve(src: FloatImage): FloatImage {
  return areaDownsample(src, 2);
}

/** Separable Gaussian blur (σ in pixels, radius 3σ), edges repeated. */
export function gaussianBlur(src: FloatImage, sigmaPx: number): FloatImage {
  if (sigmaPx <= 0) return src;
  const radius = Math.ceil(3 * sigmaPx);
  const kernel = Float64Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigmaPx * sigmaPx)));
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= total;
  const { width, height, data } = src;
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * data[y * width + Math.min(width - 1, Math.max(0, x + k))]!;
      tmp[y * width + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[Math.min(height - 1, Math.max(0, y + k)) * width + x]!;
      out[y * width + x] = acc;
    }
  }
  return { width, height, data: out };
}
