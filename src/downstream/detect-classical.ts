import type { Plane } from '../image/plane.js';
import { gaussianBlur } from '../sim/optics.js';

/**
 * The training-free nucleus detector: percentile normalisation (as StarDist's `normalize`), multi-scale
 * scale-normalised Laplacian of Gaussian blob seeds, and a seeded watershed of the LoG response inside an Otsu
 * foreground mask. Sizes are in pixels of the image it is given (HR pixels for super-resolved images).
 */
export interface ClassicalDetectorOptions {
  /** Normalisation percentiles (SPEC §6: 1.1 and 100). */
  readonly percentiles?: readonly [number, number];
  /** Smallest and largest nucleus radius looked for (HR pixels of SR-CACO-2: nuclei are ≈ 10–30 px). */
  readonly radiusPx?: readonly [number, number];
  /** LoG scales between the two radii (log-spaced). */
  readonly scales?: number;
  /** Seeds weaker than this (scale-normalised LoG of the normalised image) are noise. */
  readonly minResponse?: number;
}

export interface Detection {
  /** Row-major instance labels: 0 background, 1..count the nuclei. */
  labels: Int32Array;
  count: number;
  width: number;
  height: number;
  /** Seed position of each nucleus (label k at index k − 1). */
  seeds: Array<{ y: number; x: number }>;
}

const DEFAULTS = { percentiles: [1.1, 100] as const, radiusPx: [8, 32] as const, scales: 4, minResponse: 0.05 };

/** The value below which `p` percent of the pixels lie (linear interpolation between order statistics). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float32Array.from(values).sort();
  const at = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo]! + (at - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}

/** (v − P_lo) / (P_hi − P_lo), as csbdeep's normalize (not clipped). */
export function normalisePercentiles(plane: Plane, lo: number, hi: number): Float32Array {
  const a = percentile(plane.data, lo), b = percentile(plane.data, hi);
  const scale = b - a > 1e-12 ? 1 / (b - a) : 1;
  return Float32Array.from(plane.data, (v) => (v - a) * scale);
}

/** Otsu's threshold of values in [0, 1] (256 bins): maximises the between-class variance. */
function otsu(values: Float32Array): number {
  const hist = new Float64Array(256);
  for (const v of values) hist[Math.min(255, Math.max(0, Math.floor(v * 256)))]!++;
  let total = 0, sum = 0;
  for (let i = 0; i < 256; i++) (total += hist[i]!), (sum += i * hist[i]!);
  let w0 = 0, s0 = 0, best = 0, threshold = 0;
  for (let i = 0; i < 256; i++) {
    w0 += hist[i]!;
    s0 += i * hist[i]!;
    if (w0 === 0 || w0 === total) continue;
    const m0 = s0 / w0, m1 = (sum - s0) / (total - w0);
    const between = w0 * (total - w0) * (m0 - m1) ** 2;
    if (between > best) (best = between), (threshold = (i + 1) / 256);
  }
  return threshold;
}

/** −σ²∇²(G_σ * image): positive on bright blobs of radius ≈ σ√2, comparable across σ. */
function negativeLog(image: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const g = gaussianBlur(image, width, height, sigma);
  const out = new Float32Array(width * height);
  const s2 = sigma * sigma;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = g[i]!;
      const l = g[x > 0 ? i - 1 : i]!, r = g[x < width - 1 ? i + 1 : i]!;
      const u = g[y > 0 ? i - width : i]!, d = g[y < height - 1 ? i + width : i]!;
      out[i] = -s2 * (l + r + u + d - 4 * c);
    }
  }
  return out;
}

/** Separable running maximum over a (2r+1)² square. */
function maxFilter(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length), out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r); k++) m = Math.max(m, src[y * width + k]!);
      tmp[y * width + x] = m;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r); k++) m = Math.max(m, tmp[k * width + x]!);
      out[y * width + x] = m;
    }
  }
  return out;
}

/** Detects nuclei in one plane (any pixel type). */
export function detectNucleiClassical(plane: Plane, options: ClassicalDetectorOptions = {}): Detection {
  const { width, height } = plane;
  const [pLo, pHi] = options.percentiles ?? DEFAULTS.percentiles;
  const [rMin, rMax] = options.radiusPx ?? DEFAULTS.radiusPx;
  const scales = options.scales ?? DEFAULTS.scales;
  const minResponse = options.minResponse ?? DEFAULTS.minResponse;
  const image = normalisePercentiles(plane, pLo, pHi);
  // foreground: Otsu on the lightly smoothed image (removes shot noise, keeps nucleus borders)
  const smooth = gaussianBlur(image, width, height, Math.max(1, rMin / 8));
  const clipped = Float32Array.from(smooth, (v) => Math.min(1, Math.max(0, v)));
  const foreground = otsu(clipped);
  // response: the strongest scale-normalised LoG over the radii looked for
  const response = new Float32Array(width * height).fill(-Infinity);
  const radius = new Float32Array(width * height);
  for (let k = 0; k < scales; k++) {
    const r = scales === 1 ? rMin : rMin * Math.pow(rMax / rMin, k / (scales - 1));
    const log = negativeLog(image, width, height, r / Math.SQRT2);
    for (let i = 0; i < log.length; i++) if (log[i]! > response[i]!) (response[i] = log[i]!), (radius[i] = r);
  }
  // candidate seeds: local maxima within the smallest radius, strong enough, on the foreground
  const localMax = maxFilter(response, width, height, Math.max(1, Math.round(rMin)));
  const candidates: number[] = [];
  for (let i = 0; i < response.length; i++) {
    if (response[i]! >= minResponse && response[i] === localMax[i] && clipped[i]! >= foreground) candidates.push(i);
  }
  // scale-space suppression (as skimage's blob_log prunes overlapping blobs): strongest first, a weaker candidate
  // inside an accepted blob's radius is chromatin texture of the same nucleus, not a second one
  candidates.sort((a, b) => response[b]! - response[a]! || a - b);
  const labels = new Int32Array(width * height);
  const seeds: Detection['seeds'] = [];
  const seedRadius: number[] = [];
  for (const i of candidates) {
    const y = Math.floor(i / width), x = i % width;
    if (seeds.some((s, k) => Math.hypot(s.y - y, s.x - x) < 1.4 * Math.max(seedRadius[k]!, radius[i]!))) continue;
    seeds.push({ y, x });
    seedRadius.push(radius[i]!);
    labels[i] = seeds.length;
  }
  watershed(response, clipped, foreground, labels, width, height);
  return relabelBySize(labels, seeds, width, height, Math.PI * (rMin / 2) ** 2);
}

/**
 * Seeded watershed (priority flood, highest response first) of the LoG response over the foreground: basins meet
 * on the response's valleys between touching nuclei.
 */
function watershed(response: Float32Array, image: Float32Array, foreground: number, labels: Int32Array, width: number, height: number): void {
  const heap = new FloodQueue();
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) heap.push(response[i]!, i);
  while (heap.size > 0) {
    const i = heap.pop();
    const x = i % width, y = (i - x) / width;
    const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1];
    for (const j of neighbours) {
      if (j < 0 || labels[j] !== 0 || image[j]! < foreground) continue;
      labels[j] = labels[i]!;
      heap.push(response[j]!, j);
    }
  }
}

/** Drops objects smaller than `minArea` and renumbers the rest 1..n in seed order. */
function relabelBySize(labels: Int32Array, seeds: Detection['seeds'], width: number, height: number, minArea: number): Detection {
  const area = new Int32Array(seeds.length + 1);
  for (const v of labels) area[v]!++;
  const map = new Int32Array(seeds.length + 1);
  const kept: Detection['seeds'] = [];
  for (let k = 1; k <= seeds.length; k++) if (area[k]! >= minArea) map[k] = kept.push(seeds[k - 1]!);
  for (let i = 0; i < labels.length; i++) labels[i] = map[labels[i]!]!;
  return { labels, count: kept.length, width, height, seeds: kept };
}

/** A binary max-heap of (priority, pixel) pairs; ties leave in insertion order's rough order (stable enough). */
class FloodQueue {
  private keys: number[] = [];
  private values: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, value: number): void {
    const k = this.keys, v = this.values;
    let i = k.length;
    k.push(key);
    v.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p]! >= key) break;
      k[i] = k[p]!;
      v[i] = v[p]!;
      i = p;
    }
    k[i] = key;
    v[i] = value;
  }
  pop(): number {
    const k = this.keys, v = this.values;
    const top = v[0]!;
    const lastK = k.pop()!, lastV = v.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && k[c + 1]! > k[c]!) c++;
        if (k[c]! <= lastK) break;
        k[i] = k[c]!;
        v[i] = v[c]!;
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}
