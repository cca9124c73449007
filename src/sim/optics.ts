import type { SimParams } from './params.js';
import type { Region } from './render.js';
import type { Specimen } from './specimen.js';

/**
 * The optics model. Lateral: the in-focus signal is convolved with the objective's PSF, approximated by a
 * Gaussian of sigma = 0.21 lambda / NA (params.psfSigmaHrPx) — separable, so two 1D passes. Axial: tissue
 * above and below the focal plane leaks through the confocal pinhole as a weak, wide haze; it is computed on a
 * grid 8x coarser than HR, at a few defocus planes, each blurred by its geometric defocus radius
 * (|z| tan(asin NA)) and weighted by a Lorentzian confocal rejection, then upsampled bilinearly.
 */

/** A normalised 1D Gaussian kernel of the given sigma (radius 3.5 sigma). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3.5 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Separable Gaussian blur of a row-major float image (edges clamped); returns a new array. */
export function gaussianBlur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(width * height);
  // Most of a tile is empty background: all-zero rows are skipped in both passes (their blur is zero).
  const rowHasSignal = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let any = false;
    for (let x = 0; x < width; x++) {
      if (src[row + x] !== 0) {
        any = true;
        break;
      }
    }
    if (!any) continue;
    rowHasSignal[y] = 1;
    for (let x = 0; x < width; x++) {
      let s = 0;
      if (x >= r && x < width - r) {
        for (let j = 0, xi = row + x - r; j < k.length; j++, xi++) s += k[j]! * src[xi]!;
      } else {
        for (let j = -r; j <= r; j++) s += k[j + r]! * src[row + Math.min(width - 1, Math.max(0, x + j))]!;
      }
      tmp[row + x] = s;
    }
  }
  // Vertical pass row by row: each output row is a weighted sum of whole input rows (cache friendly).
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const orow = y * width;
    for (let j = -r; j <= r; j++) {
      const yi = Math.min(height - 1, Math.max(0, y + j));
      if (!rowHasSignal[yi]) continue;
      const w = k[j + r]!;
      const irow = yi * width;
      for (let x = 0; x < width; x++) out[orow + x]! += w * tmp[irow + x]!;
    }
  }
  return out;
}

/** Coarse grid factor of the haze computation. */
const HAZE_FACTOR = 8;
/** Defocus planes (um) sampled for the haze. */
const HAZE_PLANES_UM = [-9, -6, -3.5, 3.5, 6, 9];
/** Axial distance at which the confocal pinhole halves defocused light (~ axial FWHM of 20x/0.8). */
const CONFOCAL_HALF_UM = 2.5;

/**
 * Out-of-focus tissue density over a region, per HR pixel, in [0, ~1]: the weighted fraction of defocus
 * planes that cut tissue near each pixel. Multiply by a marker's hazeCounts to get counts.
 */
export function defocusHaze(params: SimParams, specimen: Specimen, region: Region): Float32Array {
  const px = params.pixelSizeHrUm;
  const gh = Math.ceil(region.height / HAZE_FACTOR) + 2, gw = Math.ceil(region.width / HAZE_FACTOR) + 2;
  const cellUm = HAZE_FACTOR * px;
  const total = new Float32Array(gh * gw);
  const tanAngle = Math.tan(Math.asin(Math.min(params.numericalAperture, 0.99)));
  let weightSum = 0;
  for (const z of HAZE_PLANES_UM) weightSum += 1 / (1 + (z / CONFOCAL_HALF_UM) ** 2);
  for (const z of HAZE_PLANES_UM) {
    const weight = 1 / (1 + (z / CONFOCAL_HALF_UM) ** 2) / weightSum;
    const plane = new Float32Array(gh * gw);
    let any = false;
    for (const c of specimen.cysts) {
      const dz = z - c.czUm;
      if (Math.abs(dz) >= c.outerRadiusUm) continue;
      const rOut = Math.sqrt(c.outerRadiusUm ** 2 - dz * dz);
      const rIn = c.innerRadiusUm > Math.abs(dz) ? Math.sqrt(c.innerRadiusUm ** 2 - dz * dz) : 0;
      // grid cell (gy, gx) is centred on HR pixel (y0 + (gy - 1) * F + (F - 1) / 2, ...)
      const gyc = (c.cyUm / px - region.y0 - (HAZE_FACTOR - 1) / 2) / HAZE_FACTOR + 1;
      const gxc = (c.cxUm / px - region.x0 - (HAZE_FACTOR - 1) / 2) / HAZE_FACTOR + 1;
      const rg = rOut / cellUm;
      const ya = Math.max(0, Math.floor(gyc - rg)), yb = Math.min(gh - 1, Math.ceil(gyc + rg));
      const xa = Math.max(0, Math.floor(gxc - rg)), xb = Math.min(gw - 1, Math.ceil(gxc + rg));
      for (let gy = ya; gy <= yb; gy++) {
        for (let gx = xa; gx <= xb; gx++) {
          const r = Math.hypot(gy - gyc, gx - gxc) * cellUm;
          if (r <= rOut && r >= rIn) {
            plane[gy * gw + gx] = 1;
            any = true;
          }
        }
      }
    }
    if (!any) continue;
    const blurSigmaGrid = Math.max(0.5, (Math.abs(z) * tanAngle) / 2 / cellUm);
    const blurred = gaussianBlur(plane, gw, gh, blurSigmaGrid);
    for (let i = 0; i < total.length; i++) total[i]! += weight * blurred[i]!;
  }
  return upsampleBilinear(total, gw, gh, region.width, region.height, HAZE_FACTOR);
}

/** Bilinear upsampling of the coarse haze grid (one cell border on each side) to the region's pixels. */
function upsampleBilinear(grid: Float32Array, gw: number, gh: number, width: number, height: number, f: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = (y - (f - 1) / 2) / f + 1;
    const y0 = Math.min(gh - 2, Math.max(0, Math.floor(gy)));
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x - (f - 1) / 2) / f + 1;
      const x0 = Math.min(gw - 2, Math.max(0, Math.floor(gx)));
      const fx = gx - x0;
      const i = y0 * gw + x0;
      out[y * width + x] =
        (1 - fy) * ((1 - fx) * grid[i]! + fx * grid[i + 1]!) + fy * ((1 - fx) * grid[i + gw]! + fx * grid[i + gw + 1]!);
    }
  }
  return out;
}
