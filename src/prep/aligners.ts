import type { Plane } from '../image/plane.js';
import { identityAligner, type WindowAligner } from './align-window.js';
import { registerWindow } from './register.js';
import { MARGIN_HR_PX, type PrepMode } from './windows.js';

/** The registration of a mode (register.ts): seed-compat = the original's TV-L1 pipeline, default = sub-pixel. */
export function alignerFor(mode: PrepMode | 'none'): WindowAligner {
  if (mode === 'none') return identityAligner;
  return (hrWindow, lrWindow, scale) => {
    const r = registerWindow(hrWindow, lrWindow, scale, { mode, marginHrPx: MARGIN_HR_PX });
    return {
      lrPatch: r.registeredLr as Plane<Uint8Array>,
      shiftHrPx: { dy: r.shift.dyHrPx, dx: r.shift.dxHrPx },
      confidence: r.shift.confidence,
    };
  };
}
