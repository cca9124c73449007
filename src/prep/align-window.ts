import type { Plane } from '../image/plane.js';
import { seedCompatRegisteredLr } from './registration/seed-compat.js';
import { MARGIN_HR_PX, type PrepMode } from './windows.js';

/** How a window's shift was estimated: over the 3 markers at once, for each marker alone, or not at all. */
export type ShiftEstimator = 'joint' | 'per-marker' | 'none';

/** An LR window registered to its HR window and cut to the final patch. */
export interface AlignedPatch {
  /** The registered LR patch, (512 / scale) pixels square. */
  lrPatch: Plane<Uint8Array>;
  /**
   * The shift applied, in HR pixels (register.ts's convention): LR pixel (Y, X) is centred on HR coordinate
   * (Y·s + (s−1)/2 + dy, X·s + (s−1)/2 + dx), so the registered LR is registered(P) = lr(P − shift / s).
   */
  shiftHrPx: { dy: number; dx: number };
  /** How much to trust the shift, 0..1 (1 for exact agreement). */
  confidence: number;
  estimator: ShiftEstimator;
}

/**
 * Registers the (640 / scale)-px LR windows of the markers of one window (index k = marker CELLk) to their
 * 640-px HR windows and returns the central patches, one per marker in the same order.
 */
export type WindowAligner = (
  hrWindows: readonly Plane<Uint8Array>[],
  lrWindows: readonly Plane<Uint8Array>[],
  scale: number,
  mode: PrepMode,
) => AlignedPatch[] | Promise<AlignedPatch[]>;

/** An aligner that applies no shift (for tests and for data registered beforehand). */
export const identityAligner: WindowAligner = (_hr, lrWindows, scale) =>
  lrWindows.map((lr) => ({
    lrPatch: seedCompatRegisteredLr(lr, scale, 0, 0, MARGIN_HR_PX) as Plane<Uint8Array>,
    shiftHrPx: { dy: 0, dx: 0 },
    confidence: 1,
    estimator: 'none',
  }));
