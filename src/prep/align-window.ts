import { planeOf, type Plane } from '../image/plane.js';
import { MARGIN_HR_PX, PATCH_HR_PX, type PrepMode } from './windows.js';

/** An LR window registered to its HR window and cut to the final patch. */
export interface AlignedPatch {
  /** The registered LR patch, (512 / scale) pixels square. */
  lrPatch: Plane<Uint8Array>;
  /** Shift applied to the LR content, in HR pixels (row, column): LR(y + dy, x + dx) lands on HR(y, x). */
  shiftHrPx: { dy: number; dx: number };
  /** How much to trust the shift, 0..1 (1 for exact agreement). */
  confidence: number;
}

/** Registers the (640 / scale)-px LR window to the 640-px HR window and returns the central patch. */
export type WindowAligner = (
  hrWindow: Plane<Uint8Array>,
  lrWindow: Plane<Uint8Array>,
  scale: number,
  mode: PrepMode,
) => AlignedPatch | Promise<AlignedPatch>;

/**
 * The original's resampling for a whole-HR-pixel shift: LR upsampled by nearest neighbour, moved by (dy, dx)
 * with zeros outside, 64 px cropped from every side, downsampled by nearest neighbour (PIL picks the pixel at
 * offset scale / 2 of each block). Computed directly on the LR window, without the 640-px intermediate.
 */
export function seedCompatResample(lrWindow: Plane<Uint8Array>, scale: number, dy: number, dx: number): Plane<Uint8Array> {
  const side = PATCH_HR_PX / scale;
  const windowHr = lrWindow.width * scale;
  const out = new Uint8Array(side * side);
  const source = (k: number, d: number) => MARGIN_HR_PX + k * scale + scale / 2 + d;
  for (let y = 0; y < side; y++) {
    const sy = source(y, dy);
    if (sy < 0 || sy >= windowHr) continue;
    const row = Math.floor(sy / scale) * lrWindow.width;
    for (let x = 0; x < side; x++) {
      const sx = source(x, dx);
      if (sx < 0 || sx >= windowHr) continue;
      out[y * side + x] = lrWindow.data[row + Math.floor(sx / scale)]!;
    }
  }
  return planeOf(side, side, out);
}

/** An aligner that applies no shift (for tests and for data registered beforehand). */
export const identityAligner: WindowAligner = (_hr, lrWindow, scale) => ({
  lrPatch: seedCompatResample(lrWindow, scale, 0, 0),
  shiftHrPx: { dy: 0, dx: 0 },
  confidence: 1,
});
