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
  const [hx, hy, hss, hxy] = scratch.get(ow * h, 4);
  const [map] = scratch.get(ow * oh, 1);
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
  // map: four filtered maps instead of five. One map per loop keeps the loops simple enough for the
  // JIT (measured faster than filtering the maps together: docs/benchmarks.md); the vertical pass works
  // one output row at a time so its four rows stay in cache for the SSIM formula.
  const rows = size === 11 ? rowsValid11 : rowsValid;
  const hpass = size === 11 ? hpassValid11 : hpassValid;
  hpass(sx, w, h, g, hx);
  hpass(sy, w, h, g, hy);
  hpass(ss, w, h, g, hss);
  hpass(sxy, w, h, g, hxy);
  const vx = new Float64Array(ow);
  const vy = new Float64Array(ow);
  const vss = new Float64Array(ow);
  const vxy = new Float64Array(ow);
  const s1 = 1 / range;
  const s2 = 1 / (range * range);
  for (let i = 0; i < oh; i++) {
    rows(hx, ow, i, g, vx);
    rows(hy, ow, i, g, vy);
    rows(hss, ow, i, g, vss);
    rows(hxy, ow, i, g, vxy);
    const o = i * ow;
    for (let j = 0; j < ow; j++) {
      const ux = vx[j] * s1;
      const uy = vy[j] * s1;
      const uxx = ux * ux;
      const uyy = uy * uy;
      const uxy = ux * uy;
      const sigmas = vss[j] * s2 - uxx - uyy;
      const cxy = vxy[j] * s2 - uxy;
      const cs = (2 * cxy + c2) / (sigmas + c2);
      map[o + j] = ((2 * uxy + c1) / (uxx + uyy + c1)) * cs;
    }
  }
  return { map, width: ow, height: oh };
}

/** Horizontal valid filtering by g (any odd size): src w x h -> dst (w-n+1) x h. */
function hpassValid(src: Float64Array, w: number, h: number, g: Float64Array, dst: Float64Array): void {
  const n = g.length;
  const ow = w - n + 1;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < ow; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * src[r * w + c + k];
      dst[r * ow + c] = s;
    }
  }
}

/** Output row i of the vertical valid filtering by g of a map `ow` wide. */
function rowsValid(src: Float64Array, ow: number, i: number, g: Float64Array, dst: Float64Array): void {
  for (let j = 0; j < ow; j++) {
    let s = 0;
    for (let k = 0; k < g.length; k++) s += g[k] * src[(i + k) * ow + j];
    dst[j] = s;
  }
}

/** hpassValid unrolled for the 11-tap symmetric window (the metric's hot loop). */
function hpassValid11(src: Float64Array, w: number, h: number, g: Float64Array, dst: Float64Array): void {
  const [g0, g1, g2, g3, g4, g5] = g;
  const ow = w - 10;
  for (let r = 0; r < h; r++) {
    const b = r * w;
    const o = r * ow;
    for (let c = 0; c < ow; c++) {
      const q = b + c;
      dst[o + c] =
        g5 * src[q + 5] +
        g0 * (src[q] + src[q + 10]) +
        g1 * (src[q + 1] + src[q + 9]) +
        g2 * (src[q + 2] + src[q + 8]) +
        g3 * (src[q + 3] + src[q + 7]) +
        g4 * (src[q + 4] + src[q + 6]);
    }
  }
}

/** rowsValid unrolled for the 11-tap symmetric window. */
function rowsValid11(src: Float64Array, ow: number, i: number, g: Float64Array, dst: Float64Array): void {
  const [g0, g1, g2, g3, g4, g5] = g;
  const b = i * ow;
  const s = ow;
  for (let j = 0; j < ow; j++) {
    const q = b + j;
    dst[j] =
      g5 * src[q + 5 * s] +
      g0 * (src[q] + src[q + 10 * s]) +
      g1 * (src[q + s] + src[q + 9 * s]) +
      g2 * (src[q + 2 * s] + src[q + 8 * s]) +
      g3 * (src[q + 3 * s] + src[q + 7 * s]) +
      g4 * (src[q + 4 * s] + src[q + 6 * s]);
  }
}
