import { PearsonSums } from '../util/pearson.js';
import type { Plane } from '../image/plane.js';

/** A coarse picture of a plane: means of `blockPx`-square blocks, robust to noise and re-encoding. */
export interface Thumbnail {
  width: number;
  height: number;
  blockPx: number;
  data: Float32Array;
}

/** Accumulates block means of a plane read band by band (bands must start at multiples of `blockPx`). */
export class ThumbnailBuilder {
  private readonly sums: Float64Array;
  readonly width: number;
  readonly height: number;

  constructor(
    planeWidth: number,
    planeHeight: number,
    readonly blockPx: number,
  ) {
    this.width = Math.floor(planeWidth / blockPx);
    this.height = Math.floor(planeHeight / blockPx);
    this.sums = new Float64Array(this.width * this.height);
  }

  /** Adds rows [y0, y0 + band.height) of the plane. */
  addBand(band: Plane, y0: number): void {
    const rows = Math.min(band.height, this.height * this.blockPx - y0);
    for (let r = 0; r < rows; r++) {
      const ty = Math.floor((y0 + r) / this.blockPx);
      const src = r * band.width;
      for (let tx = 0; tx < this.width; tx++) {
        let s = 0;
        for (let k = tx * this.blockPx; k < (tx + 1) * this.blockPx; k++) s += band.data[src + k]!;
        this.sums[ty * this.width + tx]! += s;
      }
    }
  }

  finish(): Thumbnail {
    const n = this.blockPx * this.blockPx;
    return { width: this.width, height: this.height, blockPx: this.blockPx, data: Float32Array.from(this.sums, (v) => v / n) };
  }
}

/** The block-mean thumbnail of a whole plane. */
export function thumbnail(plane: Plane, blockPx: number): Thumbnail {
  const b = new ThumbnailBuilder(plane.width, plane.height, blockPx);
  b.addBand(plane, 0);
  return b.finish();
}

/**
 * Pearson correlation of two sets of thumbnails (one per marker) over their common top-left area, all markers
 * pooled; 0 when either is constant. Near-duplicate tiles or patches score close to 1, unrelated ones near 0.
 */
export function thumbnailCorrelation(a: readonly Thumbnail[], b: readonly Thumbnail[]): number {
  const sums = new PearsonSums();
  a.forEach((ta, k) => {
    const tb = b[k];
    if (!tb) return;
    const w = Math.min(ta.width, tb.width);
    const h = Math.min(ta.height, tb.height);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) sums.add(ta.data[y * ta.width + x]!, tb.data[y * tb.width + x]!);
    }
  });
  return sums.value();
}

/** Correlation at or above which two tiles or patches count as (near-)duplicates. */
export const DUPLICATE_CORRELATION = 0.98;
