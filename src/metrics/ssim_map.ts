/**
 * The SSIM map of the original (`utils_image._ssim_per_channel`): images on 0..255 scaled to 0..1,
 * Gaussian window 11x11 with sigma 1.5, K1 0.01, K2 0.03, *valid* convolution (no padding), computed
 * here in float64. The 2-D Gaussian is separable, so each filtered map (mu_x, mu_y, E[x^2 + y^2], E[xy])
 * takes one horizontal and one vertical 1-D pass.
 */
export interface SsimOptions {
  windowSize?: number;
  sigma?: number;
  k1?: number;
  k2?: number;
  dataRange?: number;
}

/** The normalised 1-D Gaussian whose outer product is the original's normalised 2-D window. */
export function gaussianWindow1d(size = 11, sigma = 1.5): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    s += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

/** Reusable buffers: evaluating many same-size images allocates once (a returned map lives until the next call). */
export class SsimScratch {
  private buffers = new Map<number, Float64Array[]>();
  get(length: number, count: number): Float64Array[] {
    let b = this.buffers.get(length);
    if (!b || b.length < count) {
      b = Array.from({ length: count }, () => new Float64Array(length));
      this.buffers.set(length, b);
    }
    return b;
  }
}

/**
 * SSIM map over the window [x0, x0+w) x [y0, y0+h) of two same-size 8-bit images (row stride `stride`).
 * The map is (w - size + 1) x (h - size + 1); map pixel (i, j) is centred on window pixel (i + r, j + r),
 * r = (size - 1) / 2.
 */
export function ssimMapValid(
  pred: Uint8Array,
  truth: Uint8Array,
  stride: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  options: SsimOptions = {},
  scratch: SsimScratch = new SsimScratch(),
): { map: Float64Array; width: number; height: number } {
  const size = options.windowSize ?? 11;
  const g = gaussianWindow1d(size, options.sigma ?? 1.5);
  const range = options.dataRange ?? 255;
  const c1 = (options.k1 ?? 0.01) ** 2;
  const c2 = (options.k2 ?? 0.03) ** 2;
  const ow = w - size + 1;
  const oh = h - size + 1;
  if (ow < 1 || oh < 1) {
    throw new RangeError(`SSIM needs at least ${size}x${size} pixels after the border, received ${w}x${h}`);
  }
  const [sx, sy, ss, sxy] = scratch.get(w * h, 4);
  const [tmp] = scratch.get(ow * h, 1);
  const [fx, fy, fss, fxy, map] = scratch.get(ow * oh, 5);
  // Raw 0..255 values and their products are exact integers in float64; 1/range scaling comes last.
  for (let r = 0; r < h; r++) {
    const base = (y0 + r) * stride + x0;
    const o = r * w;
    for (let c = 0; c < w; c++) {
      const a = pred[base + c];
      const b = truth[base + c];
      sx[o + c] = a;
      sy[o + c] = b;
      ss[o + c] = a * a + b * b;
      sxy[o + c] = a * b;
    }
  }
  // Only sigma_x^2 + sigma_y^2 enters SSIM, and filtering is linear, so x^2 + y^2 is filtered as one
  // map: four filtered maps instead of five. One map at a time keeps the inner loops simple enough for the JIT (measured ~2x faster than
  // filtering the five maps together).
  const filter = size === 11 ? filterValid11 : filterValid;
  filter(sx, w, h, g, tmp, fx);
  filter(sy, w, h, g, tmp, fy);
  filter(ss, w, h, g, tmp, fss);
  filter(sxy, w, h, g, tmp, fxy);
  const s1 = 1 / range;
  const s2 = 1 / (range * range);
  for (let q = 0; q < ow * oh; q++) {
    const ux = fx[q] * s1;
    const uy = fy[q] * s1;
    const uxx = ux * ux;
    const uyy = uy * uy;
    const uxy = ux * uy;
    const vxy = fss[q] * s2 - uxx - uyy;
    const cxy = fxy[q] * s2 - uxy;
    const cs = (2 * cxy + c2) / (vxy + c2);
    map[q] = ((2 * uxy + c1) / (uxx + uyy + c1)) * cs;
  }
  return { map, width: ow, height: oh };
}

/** Valid 2-D filtering by the separable window g (any odd size): src w x h -> dst (w-n+1) x (h-n+1). */
function filterValid(src: Float64Array, w: number, h: number, g: Float64Array, tmp: Float64Array, dst: Float64Array): void {
  const n = g.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < ow; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * src[r * w + c + k];
      tmp[r * ow + c] = s;
    }
  }
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * tmp[(i + k) * ow + j];
      dst[i * ow + j] = s;
    }
  }
}

/** filterValid unrolled for the 11-tap symmetric window (the metric's hot loop). */
function filterValid11(src: Float64Array, w: number, h: number, g: Float64Array, tmp: Float64Array, dst: Float64Array): void {
  const [g0, g1, g2, g3, g4, g5] = g;
  const ow = w - 10;
  const oh = h - 10;
  for (let r = 0; r < h; r++) {
    const b = r * w;
    const o = r * ow;
    for (let c = 0; c < ow; c++) {
      const q = b + c;
      tmp[o + c] =
        g5 * src[q + 5] +
        g0 * (src[q] + src[q + 10]) +
        g1 * (src[q + 1] + src[q + 9]) +
        g2 * (src[q + 2] + src[q + 8]) +
        g3 * (src[q + 3] + src[q + 7]) +
        g4 * (src[q + 4] + src[q + 6]);
    }
  }
  const s = ow;
  for (let i = 0; i < oh; i++) {
    const b = i * ow;
    for (let j = 0; j < ow; j++) {
      const q = b + j;
      dst[q] =
        g5 * tmp[q + 5 * s] +
        g0 * (tmp[q] + tmp[q + 10 * s]) +
        g1 * (tmp[q + s] + tmp[q + 9 * s]) +
        g2 * (tmp[q + 2 * s] + tmp[q + 8 * s]) +
        g3 * (tmp[q + 3 * s] + tmp[q + 7 * s]) +
        g4 * (tmp[q + 4 * s] + tmp[q + 6 * s]);
    }
  }
}
