import type { Plane } from '../image/plane.js';
import { seedCompatRegisteredLr } from './registration/seed-compat.js';
import { MARGIN_HR_PX, type PrepMode } from './windows.js';

/** An LR window registered to its HR window and cut to the final patch. */
export interface AlignedPatch {
  /** The registered LR patch, (512 / scale) pixels square. */
  lrPatch: Plane<Uint8Array>;
  /** Where the LR content lies relative to HR, in HR pixels (register.ts's convention): registered(p) = lr(p + shift / s). */
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

/** An aligner that applies no shift (for tests and for data registered beforehand). */
export const identityAligner: WindowAligner = (_hr, lrWindow, scale) => ({
  lrPatch: seedCompatRegisteredLr(lrWindow, scale, 0, 0, MARGIN_HR_PX) as Plane<Uint8Array>,
  shiftHrPx: { dy: 0, dx: 0 },
  confidence: 1,
});
