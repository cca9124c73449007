import type { Plane } from '../image/plane.js';
import { foregroundFraction } from './roi.js';

/** How patches are cut and accepted: `seed-compat` reproduces the original, `default` fixes its ROI test. */
export type PrepMode = 'default' | 'seed-compat';

/** The final HR patch side (the 512 crop). */
export const PATCH_HR_PX = 512;
/** Registration margin kept on every side of the crop while registering. */
export const MARGIN_HR_PX = 64;
/** Side of the sliding window cut from the tiles: 512 + 2 * 64. */
export const WINDOW_HR_PX = PATCH_HR_PX + 2 * MARGIN_HR_PX;
/** Stride of the sliding window (the original's `int(512/4)*3 - 2*64`): final crops overlap by 50 %. */
export const STRIDE_HR_PX = 256;
/** A pixel is foreground when its HR intensity is at least this (0..255). */
export const ROI_THRESHOLD = 4;
/** A window is kept when at least this fraction of the tested area is foreground. */
export const MIN_FOREGROUND_FRACTION = 0.2;
/** Side of the central square the original tests by mistake (`real_psize // 2` cut from each side). */
export const SEED_COMPAT_TEST_PX = WINDOW_HR_PX - PATCH_HR_PX;

/** A window in HR pixels: rows [i, ii), columns [j, jj), as in the original's file names. */
export interface HrWindow {
  i: number;
  ii: number;
  j: number;
  jj: number;
}

/**
 * The windows of a tile in the original's raster order: `for i in range(0, h, 256)`, window [i, i + 640),
 * break as soon as `i + 640 >= h` (so a window ending exactly at the border is never used); same for j inside.
 */
export function* windowGrid(heightHr: number, widthHr: number): Generator<HrWindow> {
  for (let i = 0; i < heightHr; i += STRIDE_HR_PX) {
    const ii = i + WINDOW_HR_PX;
    if (ii >= heightHr) break;
    for (let j = 0; j < widthHr; j += STRIDE_HR_PX) {
      const jj = j + WINDOW_HR_PX;
      if (jj >= widthHr) break;
      yield { i, ii, j, jj };
    }
  }
}

/** The square (offset from the window's corner, side) on which a mode runs its foreground test. */
export function acceptanceSquare(mode: PrepMode): { offsetPx: number; sidePx: number } {
  if (mode === 'seed-compat') {
    // the original crops real_psize // 2 = 256 from each side of the 640 window: the central 128 x 128
    const offsetPx = PATCH_HR_PX / 2;
    return { offsetPx, sidePx: WINDOW_HR_PX - 2 * offsetPx };
  }
  return { offsetPx: MARGIN_HR_PX, sidePx: PATCH_HR_PX };
}

/**
 * Whether a window is kept: the CELL2 HR plane (whole tile or a band holding the window, with `rowOffset` the
 * band's first tile row) has at least 20 % of pixels >= 4 in the mode's test square.
 */
export function acceptsWindow(cell2Hr: Plane, window: HrWindow, mode: PrepMode, rowOffset = 0): boolean {
  const { offsetPx, sidePx } = acceptanceSquare(mode);
  const fraction = foregroundFraction(cell2Hr, ROI_THRESHOLD, {
    x: window.j + offsetPx,
    y: window.i - rowOffset + offsetPx,
    width: sidePx,
    height: sidePx,
  });
  return fraction >= MIN_FOREGROUND_FRACTION;
}
