import type { Plane } from '../image/plane.js';
import { identityAligner, type WindowAligner } from './align-window.js';
import { applyShift, crop, estimateShiftJoint, registerWindow } from './register.js';
import { MARGIN_HR_PX, type PrepMode } from './windows.js';

/**
 * The registration of a mode (register.ts). Default: one sub-pixel shift per window and scale, estimated jointly
 * over the 3 markers (one confocal scan, one stage position; the dim survivin plane alone misses the 0.05 LR px
 * target) and applied to each. Seed-compat: the original's TV-L1 pipeline on each marker alone, as it did.
 */
export function alignerFor(mode: PrepMode | 'none'): WindowAligner {
  if (mode === 'none') return identityAligner;
  return mode === 'seed-compat' ? perMarkerSeedCompat : jointDefault;
}

const jointDefault: WindowAligner = (hrWindows, lrWindows, scale) => {
  const shift = estimateShiftJoint(hrWindows, lrWindows, scale);
  return lrWindows.map((lr) => ({
    lrPatch: crop(applyShift(lr, shift, scale), MARGIN_HR_PX / scale) as Plane<Uint8Array>,
    shiftHrPx: { dy: shift.dyHrPx, dx: shift.dxHrPx },
    confidence: shift.confidence,
    estimator: 'joint',
  }));
};

const perMarkerSeedCompat: WindowAligner = (hrWindows, lrWindows, scale) =>
  lrWindows.map((lr, k) => {
    const r = registerWindow(hrWindows[k]!, lr, scale, { mode: 'seed-compat', marginHrPx: MARGIN_HR_PX });
    return {
      lrPatch: r.registeredLr as Plane<Uint8Array>,
      shiftHrPx: { dy: r.shift.dyHrPx, dx: r.shift.dxHrPx },
      confidence: r.shift.confidence,
      estimator: 'per-marker',
    };
  });
