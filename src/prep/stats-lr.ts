import { join } from 'node:path';
import type { SrScale } from '../io/layout.js';
import { readTiff } from '../io/tiff-read.js';
import type { Plane } from '../image/plane.js';
import { resizeBicubic } from '../image/resize-bicubic.js';
import { addHistogram, histogram, type Histogram } from '../report/plot-svg.js';
import type { ManifestEntry } from './cut-tile.js';

/** Histograms of the real LR patches against bicubic LR made from their HR patches (project page analysis). */
export interface LrComparison {
  scale: SrScale;
  patches: number;
  /** |real − bicubic| per pixel, 0..255. */
  absDiff: Histogram;
  intensityReal: Histogram;
  intensityBicubic: Histogram;
  /** |4-neighbour Laplacian| over the interior, binned over 0..256 (larger values in the last bin). */
  laplacianReal: Histogram;
  laplacianBicubic: Histogram;
  meanAbsDiff: number;
  meanAbsLaplacianReal: number;
  meanAbsLaplacianBicubic: number;
}

/** PyTorch's antialiased bicubic downscaling of an HR patch, clamped and rounded to 0..255. */
export function bicubicLr(hr: Plane, scale: number): Float32Array {
  const out = resizeBicubic(hr, hr.width / scale, hr.height / scale, { antialias: true });
  return Float32Array.from(out.data, (v) => Math.round(Math.min(255, Math.max(0, v))));
}

/** |Laplacian| (4-neighbour) of the interior pixels. */
export function absLaplacian(data: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(Math.max(0, (width - 2) * (height - 2)));
  let k = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      out[k++] = Math.abs(data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * data[i]!);
    }
  }
  return out;
}

const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};

/** Compares real and bicubic LR over the given manifest entries of one scale (files under `dataDir`). */
export async function compareRealBicubic(dataDir: string, entries: readonly ManifestEntry[], scale: SrScale, onPatch?: (done: number, total: number) => void): Promise<LrComparison> {
  const r: LrComparison = {
    scale,
    patches: 0,
    absDiff: histogram([], 0, 256, 64),
    intensityReal: histogram([], 0, 256, 64),
    intensityBicubic: histogram([], 0, 256, 64),
    laplacianReal: histogram([], 0, 256, 64),
    laplacianBicubic: histogram([], 0, 256, 64),
    meanAbsDiff: 0,
    meanAbsLaplacianReal: 0,
    meanAbsLaplacianBicubic: 0,
  };
  let diffSum = 0;
  let lapReal = 0;
  let lapBic = 0;
  for (const e of entries) {
    const [hr] = await readTiff(join(dataDir, e.hr));
    const [lr] = await readTiff(join(dataDir, e.lr));
    const bic = bicubicLr(hr!, scale);
    const real = Float32Array.from(lr!.data);
    const diff = real.map((v, i) => Math.abs(v - bic[i]!));
    const lr1 = absLaplacian(real, lr!.width, lr!.height);
    const lb1 = absLaplacian(bic, lr!.width, lr!.height);
    addHistogram(r.absDiff, histogram(diff, 0, 256, 64));
    addHistogram(r.intensityReal, histogram(real, 0, 256, 64));
    addHistogram(r.intensityBicubic, histogram(bic, 0, 256, 64));
    addHistogram(r.laplacianReal, histogram(lr1, 0, 256, 64));
    addHistogram(r.laplacianBicubic, histogram(lb1, 0, 256, 64));
    diffSum += sum(diff);
    lapReal += sum(lr1);
    lapBic += sum(lb1);
    r.patches++;
    onPatch?.(r.patches, entries.length);
  }
  r.meanAbsDiff = r.absDiff.total ? diffSum / r.absDiff.total : 0;
  r.meanAbsLaplacianReal = r.laplacianReal.total ? lapReal / r.laplacianReal.total : 0;
  r.meanAbsLaplacianBicubic = r.laplacianBicubic.total ? lapBic / r.laplacianBicubic.total : 0;
  return r;
}

/** Up to `count` entries of one scale spread evenly over the manifest (all markers and tiles). */
export function sampleEntries(entries: readonly ManifestEntry[], scale: SrScale, count: number): ManifestEntry[] {
  const of = entries.filter((e) => e.scale === scale);
  if (of.length <= count) return of;
  return Array.from({ length: count }, (_, k) => of[Math.floor((k * of.length) / count)]!);
}
