import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import type { Rng } from '../util/random.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../image/resize-cv2.js';

/**
 * Where training crops come from (the original's PatchSampler, sample_tr_patch=roi, fix_threshold 4):
 * the crop centre is drawn over the HR grid with probability ∝ exp(5·roi) + 1, roi = (LR upsampled to HR
 * size with OpenCV bicubic, on the 0..255 scale) >= threshold.
 */

/** Unnormalised weight of a candidate centre inside the ROI, exp(5·1)+1, and outside it, exp(0)+1 = 2. */
export const roiCentreWeight = Math.exp(5) + 1;
export const backgroundCentreWeight = 2;

/** The sampling ROI of a pair at HR size: 1 where the cv2-bicubic-upsampled LR (0..255 scale) >= threshold. */
export function samplingRoi(lr: Plane, scale: number, threshold = 4): Uint8Array {
  const roi = new Uint8Array(lr.width * scale * lr.height * scale);
  if (lr.data instanceof Uint8Array) {
    // The original thresholds cv2's uint8 result: reproduce its fixed-point rounding exactly.
    const up = resizeCubicCv2Uint8(lr as Plane<Uint8Array>, lr.width * scale, lr.height * scale).data;
    for (let i = 0; i < up.length; i++) roi[i] = up[i]! >= threshold ? 1 : 0;
    return roi;
  }
  const toByteScale = lr.data instanceof Uint16Array ? 255 / 65535 : 255;
  const up = resizeCubicCv2(lr, lr.width * scale, lr.height * scale).data;
  for (let i = 0; i < up.length; i++) roi[i] = Math.round(up[i]! * toByteScale) >= threshold ? 1 : 0;
  return roi;
}

/** An HR crop origin and the LR crop origin that goes with it. */
export interface CropOrigin {
  hrX: number;
  hrY: number;
  lrX: number;
  lrY: number;
}

/**
 * Draws a crop centre ∝ exp(5·roi)+1 over the valid centres and returns the crop's origin (centre − ⌊p/2⌋).
 * Valid origins are 0..size−p; with `seedCompat` 0..size−p−1 as the original (its ROI slice drops the last).
 * Two draws from `rng`: the class (ROI or not), then a uniform index within the class.
 */
export function drawCentreOrigin(
  roi: Uint8Array,
  width: number,
  height: number,
  patchPx: number,
  rng: Rng,
  seedCompat = false,
): { x: number; y: number } {
  const nx = width - patchPx + (seedCompat ? 0 : 1);
  const ny = height - patchPx + (seedCompat ? 0 : 1);
  if (nx < 1 || ny < 1) {
    throw new SrcacoError(
      'data',
      `a ${width}x${height} HR image cannot hold a ${patchPx}px training crop: lower the patch size or drop the pair`,
    );
  }
  const half = Math.floor(patchPx / 2);
  let inRoi = 0;
  for (let y = 0; y < ny; y++) {
    const row = (y + half) * width + half;
    for (let x = 0; x < nx; x++) inRoi += roi[row + x]!;
  }
  const total = nx * ny;
  const roiMass = inRoi * roiCentreWeight;
  const pickRoi = rng.uniform() * (roiMass + (total - inRoi) * backgroundCentreWeight) < roiMass;
  const want = pickRoi ? 1 : 0;
  let k = rng.int(pickRoi ? inRoi : total - inRoi);
  for (let y = 0; y < ny; y++) {
    const row = (y + half) * width + half;
    for (let x = 0; x < nx; x++) {
      if (roi[row + x] === want && k-- === 0) return { x, y };
    }
  }
  throw new SrcacoError('internal', 'centre draw ran past the candidates');
}

/**
 * The HR/LR crop origins from a drawn HR origin. By default the HR origin is snapped down to a multiple of
 * `scale`, so the LR crop (origin/scale) covers exactly the HR crop. `seedCompat` keeps the original's
 * behaviour: HR origin as drawn, LR origin ⌊origin/scale⌋, the two drifting by up to scale−1 HR px.
 */
export function alignCrop(x: number, y: number, scale: number, seedCompat = false): CropOrigin {
  const lrX = Math.floor(x / scale);
  const lrY = Math.floor(y / scale);
  if (seedCompat) return { hrX: x, hrY: y, lrX, lrY };
  return { hrX: lrX * scale, hrY: lrY * scale, lrX, lrY };
}

/** Copies a `size × size` window at (x, y) of a plane into float32 in [0,1] (uint8 /255, uint16 /65535). */
export function cropUnit(plane: Plane, x: number, y: number, size: number): Float32Array {
  if (x < 0 || y < 0 || x + size > plane.width || y + size > plane.height) {
    throw new SrcacoError('internal', `crop ${size}px at (${x}, ${y}) leaves the ${plane.width}x${plane.height} plane`);
  }
  const out = new Float32Array(size * size);
  const d = plane.data;
  const div = d instanceof Uint8Array ? 255 : d instanceof Uint16Array ? 65535 : 1;
  for (let r = 0; r < size; r++) {
    const src = (y + r) * plane.width + x;
    for (let c = 0; c < size; c++) out[r * size + c] = div === 1 ? d[src + c]! : d[src + c]! / div;
  }
  return out;
}
