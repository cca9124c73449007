/**
 * Synthetic HR/LR pairs with a known sub-pixel shift, for measuring registration accuracy without the simulator:
 * a cell-like scene (textured nuclei, membrane-like ridge segments) rendered analytically through a Gaussian PSF at
 * HR pixel centres, the LR copy rendered with its content moved by −shift and a wider PSF, then
 * area-downsampled by s; Poisson noise at a microscopy-like photon count, quantized to uint8.
 */
import { type Plane, planeOf } from '../src/image/plane.js';
import type { Rng } from '../src/util/random.js';

interface Blob {
  y: number;
  x: number;
  sigma: number;
  amplitude: number;
}
interface Ridge {
  y: number;
  x: number;
  angle: number;
  length: number;
  sigma: number;
  amplitude: number;
}
/** Structures of one scene in HR pixel coordinates, before the PSF. */
export interface CellScene {
  blobs: Blob[];
  ridges: Ridge[];
}

/** Brightness classes: photons at the brightest pixel and the grey level it maps to. */
export const BRIGHTNESS = {
  dim: { peakPhotons: 8, peakGray: 40 },
  medium: { peakPhotons: 40, peakGray: 120 },
  bright: { peakPhotons: 200, peakGray: 240 },
} as const;
export type Brightness = keyof typeof BRIGHTNESS;

/** A random cell-like scene covering `sizeHrPx`² (plus a border so shifted content has no empty edge). */
export function randomCellScene(rng: Rng, sizeHrPx: number): CellScene {
  const blobs: Blob[] = [];
  const ridges: Ridge[] = [];
  const span = sizeHrPx + 80;
  const nuclei = Math.round((span * span) / 2500);
  for (let k = 0; k < nuclei; k++) {
    const y = rng.uniform() * span - 40;
    const x = rng.uniform() * span - 40;
    const sigma = 5 + rng.uniform() * 9;
    const amplitude = 0.3 + 0.7 * rng.uniform();
    blobs.push({ y, x, sigma, amplitude });
    for (let t = 0; t < 6; t++) {
      // chromatin-like texture: small bright spots inside the nucleus
      blobs.push({ y: y + rng.normal() * sigma * 0.5, x: x + rng.normal() * sigma * 0.5, sigma: 1 + rng.uniform() * 2, amplitude: amplitude * (0.3 + 0.7 * rng.uniform()) });
    }
  }
  const membranes = Math.round(span / 20);
  for (let k = 0; k < membranes; k++) {
    ridges.push({
      y: rng.uniform() * span - 40,
      x: rng.uniform() * span - 40,
      angle: rng.uniform() * Math.PI,
      length: 20 + rng.uniform() * 80,
      sigma: 0.8 + rng.uniform() * 0.8,
      amplitude: 0.2 + 0.4 * rng.uniform(),
    });
  }
  return { blobs, ridges };
}

/** The scene seen through a Gaussian PSF (σ in HR px), sampled at HR pixel centres with its content moved by (dy, dx). */
export function renderScene(scene: CellScene, sizeHrPx: number, psfSigmaHrPx: number, dy: number, dx: number): Float64Array {
  const out = new Float64Array(sizeHrPx * sizeHrPx);
  const psf2 = psfSigmaHrPx * psfSigmaHrPx;
  for (const b of scene.blobs) {
    const s2 = b.sigma * b.sigma + psf2;
    const amp = (b.amplitude * b.sigma * b.sigma) / s2; // the PSF spreads the same photons
    splat(out, sizeHrPx, b.y + dy, b.x + dx, 3.5 * Math.sqrt(s2), (py, px) => amp * Math.exp(-((py - b.y - dy) ** 2 + (px - b.x - dx) ** 2) / (2 * s2)));
  }
  for (const r of scene.ridges) {
    const s2 = r.sigma * r.sigma + psf2;
    const amp = (r.amplitude * r.sigma) / Math.sqrt(s2);
    const uy = Math.sin(r.angle);
    const ux = Math.cos(r.angle);
    const cy = r.y + dy;
    const cx = r.x + dx;
    splat(out, sizeHrPx, cy, cx, r.length / 2 + 3.5 * Math.sqrt(s2), (py, px) => {
      const along = Math.max(-r.length / 2, Math.min(r.length / 2, (py - cy) * uy + (px - cx) * ux));
      const d2 = (py - cy - along * uy) ** 2 + (px - cx - along * ux) ** 2;
      return amp * Math.exp(-d2 / (2 * s2));
    });
  }
  return out;
}

function splat(out: Float64Array, size: number, cy: number, cx: number, radius: number, value: (y: number, x: number) => number): void {
  const y0 = Math.max(0, Math.floor(cy - radius));
  const y1 = Math.min(size - 1, Math.ceil(cy + radius));
  const x0 = Math.max(0, Math.floor(cx - radius));
  const x1 = Math.min(size - 1, Math.ceil(cx + radius));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out[y * size + x]! += value(y, x);
}

export interface ShiftedPairOptions {
  sizeHrPx: number;
  scale: number;
  /**
   * True shift in HR px, in src/prep/register.ts's (and truth.json's) convention: LR pixel (Y, X) is centred on HR
   * coordinate (Y·s + (s−1)/2 + dy, X·s + (s−1)/2 + dx), so the LR content appears moved by (−dy, −dx).
   */
  dyHrPx: number;
  dxHrPx: number;
  brightness: Brightness;
  /** PSF σ of the HR objective (default 1.2 HR px); the LR objective's is wider: 0.6·s HR px (lower NA). */
  hrPsfSigmaHrPx?: number;
}

/** An HR plane and its LR plane (size/s) with a known shift, both uint8 with Poisson noise. */
export function shiftedPair(rng: Rng, options: ShiftedPairOptions): { hr: Plane<Uint8Array>; lr: Plane<Uint8Array> } {
  const { sizeHrPx: n, scale: s, dyHrPx, dxHrPx } = options;
  const scene = randomCellScene(rng, n);
  const hrPsf = options.hrPsfSigmaHrPx ?? 1.2;
  const hr = renderScene(scene, n, hrPsf, 0, 0);
  // Sampling the scene at HR point p + shift = rendering it moved by −shift, then box-averaging s×s blocks.
  const lrFine = renderScene(scene, n, Math.hypot(hrPsf, 0.6 * s), -dyHrPx, -dxHrPx);
  const m = n / s;
  const lr = new Float64Array(m * m);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) lr[Math.floor(y / s) * m + Math.floor(x / s)]! += lrFine[y * n + x]! / (s * s);
  const { peakPhotons, peakGray } = BRIGHTNESS[options.brightness];
  return { hr: planeOf(n, n, expose(rng, hr, peakPhotons, peakGray)), lr: planeOf(m, m, expose(rng, lr, peakPhotons, peakGray)) };
}

/** Photon counts with the image maximum at `peakPhotons`, scaled so that maximum maps to `peakGray`, uint8. */
function expose(rng: Rng, img: Float64Array, peakPhotons: number, peakGray: number): Uint8Array {
  let max = 0;
  for (const v of img) max = Math.max(max, v);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const counts = rng.poisson((img[i]! / max) * peakPhotons);
    out[i] = Math.min(255, Math.round((counts * peakGray) / peakPhotons));
  }
  return out;
}
