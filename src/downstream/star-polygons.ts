/**
 * Star-convex polygons and their non-maximum suppression, as StarDist 2D's post-processing
 * (stardist/nms.py `non_maximum_suppression`, geometry/geom2d.py `polygons_to_label`): every grid point whose
 * probability exceeds the threshold proposes the polygon its ray distances draw; proposals are taken by decreasing
 * probability, and each kept polygon suppresses every later one it overlaps by more than the NMS threshold, where
 * overlap is the intersection over the smaller of the two areas (StarDist's criterion). Areas and intersections
 * are counted in pixels of the polygons' rasterisations (pixel centres inside, as skimage.draw.polygon draws the
 * final labels) instead of StarDist's exact polygon clipping: the same decisions up to boundary pixels.
 */
import { rayAngles } from './star-targets.js';

/** One proposal: centre (full-resolution pixels), probability and ray distances. */
export interface StarPolygon {
  y: number;
  x: number;
  prob: number;
  dist: ArrayLike<number>;
}

/** A polygon's rasterisation clipped to the image: its bounding box and a mask over it. */
export interface PolygonRaster {
  y0: number;
  x0: number;
  height: number;
  width: number;
  mask: Uint8Array;
  area: number;
}

/** Vertices (row, column) of a star-convex polygon: centre + d_k (sin φ_k, cos φ_k). */
export function polygonVertices(p: StarPolygon): { ys: Float64Array; xs: Float64Array } {
  const phis = rayAngles(p.dist.length);
  return { ys: Float64Array.from(phis, (f, k) => p.y + p.dist[k]! * Math.sin(f)), xs: Float64Array.from(phis, (f, k) => p.x + p.dist[k]! * Math.cos(f)) };
}

/** The pixels whose centres lie inside the polygon (even-odd rule), within an image of the given size. */
export function rasterisePolygon(p: StarPolygon, imageHeight: number, imageWidth: number): PolygonRaster {
  const { ys, xs } = polygonVertices(p);
  const n = ys.length;
  const y0 = Math.max(0, Math.ceil(Math.min(...ys))), y1 = Math.min(imageHeight - 1, Math.floor(Math.max(...ys)));
  const x0 = Math.max(0, Math.ceil(Math.min(...xs))), x1 = Math.min(imageWidth - 1, Math.floor(Math.max(...xs)));
  const height = Math.max(0, y1 - y0 + 1), width = Math.max(0, x1 - x0 + 1);
  const mask = new Uint8Array(height * width);
  let area = 0;
  const crossings: number[] = [];
  for (let r = 0; r < height; r++) {
    const y = y0 + r;
    crossings.length = 0;
    // scanline: the x where each edge crosses row y (half-open in y so shared vertices count once)
    for (let k = 0; k < n; k++) {
      const ya = ys[k]!, yb = ys[(k + 1) % n]!;
      if ((ya <= y && yb > y) || (yb <= y && ya > y)) {
        const xa = xs[k]!, xb = xs[(k + 1) % n]!;
        crossings.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
      }
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const from = Math.max(x0, Math.ceil(crossings[c]!)), to = Math.min(x1, Math.floor(crossings[c + 1]!));
      for (let x = from; x <= to; x++) {
        mask[r * width + (x - x0)] = 1;
        area++;
      }
    }
  }
  return { y0, x0, height, width, mask, area };
}

/** Pixels two rasterisations share. */
export function rasterIntersection(a: PolygonRaster, b: PolygonRaster): number {
  const y0 = Math.max(a.y0, b.y0), y1 = Math.min(a.y0 + a.height, b.y0 + b.height);
  const x0 = Math.max(a.x0, b.x0), x1 = Math.min(a.x0 + a.width, b.x0 + b.width);
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) n += a.mask[(y - a.y0) * a.width + (x - a.x0)]! & b.mask[(y - b.y0) * b.width + (x - b.x0)]!;
  }
  return n;
}

/**
 * Greedy NMS: proposals by decreasing probability (ties by input order); a proposal is kept unless a kept one
 * overlaps it by more than `nmsThreshold` (intersection / smaller area). Returns the kept proposals' indices in
 * the order taken, with their rasterisations.
 */
export function suppressPolygons(proposals: readonly StarPolygon[], nmsThreshold: number, imageHeight: number, imageWidth: number): Array<{ index: number; raster: PolygonRaster }> {
  const order = proposals.map((_, i) => i).sort((a, b) => proposals[b]!.prob - proposals[a]!.prob || a - b);
  const kept: Array<{ index: number; raster: PolygonRaster }> = [];
  for (const i of order) {
    const raster = rasterisePolygon(proposals[i]!, imageHeight, imageWidth);
    if (raster.area === 0) continue;
    const suppressed = kept.some((k) => {
      const r = k.raster;
      if (r.y0 >= raster.y0 + raster.height || raster.y0 >= r.y0 + r.height || r.x0 >= raster.x0 + raster.width || raster.x0 >= r.x0 + r.width) return false;
      return rasterIntersection(r, raster) / Math.min(r.area, raster.area) > nmsThreshold;
    });
    if (!suppressed) kept.push({ index: i, raster });
  }
  return kept;
}

/**
 * The label image of kept polygons, painted by increasing probability so the most probable one wins where they
 * overlap (polygons_to_label's order); labels 1..n by decreasing probability, a polygon painted over entirely
 * dropped. Returns the labels and, per label, its proposal index.
 */
export function polygonsToLabels(kept: ReadonlyArray<{ index: number; raster: PolygonRaster }>, height: number, width: number): { labels: Int32Array; indices: number[] } {
  const paint = new Int32Array(height * width);
  // kept is in decreasing probability: paint it backwards, each with its position + 1
  for (let k = kept.length - 1; k >= 0; k--) {
    const r = kept[k]!.raster;
    for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) if (r.mask[y * r.width + x]) paint[(r.y0 + y) * width + r.x0 + x] = k + 1;
  }
  const present = new Uint8Array(kept.length + 1);
  for (const v of paint) present[v] = 1;
  const map = new Int32Array(kept.length + 1);
  const indices: number[] = [];
  for (let k = 1; k <= kept.length; k++) if (present[k]) map[k] = indices.push(kept[k - 1]!.index);
  for (let i = 0; i < paint.length; i++) paint[i] = map[paint[i]!]!;
  return { labels: paint, indices };
}
