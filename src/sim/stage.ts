import type { Rng } from '../util/random.js';
import { LR_SCALES, type LrScale, type SimParams } from './params.js';

/**
 * The stage model. Between the HR tile scan and each LR tile scan the stage travels back to field 1, so
 * every LR acquisition is displaced from HR by a fraction of a micron: a constant offset per acquisition
 * plus a drift that varies smoothly over the 10x10 field grid (a random low-frequency sinusoid per axis).
 *
 * Convention (also in truth.json): shifts are in HR pixels; LR pixel (Y, X) of scale s within field (fy, fx)
 * is centred on the specimen at HR coordinate (Y*s + (s-1)/2 + dyHrPx, X*s + (s-1)/2 + dxHrPx), where HR pixel
 * (y, x) is centred on HR coordinate (y, x). Positive dy means the LR image shows content from lower down
 * (larger y) than HR at the same nominal position, i.e. the LR image looks moved up/left by (dy, dx).
 */
export interface FieldShift {
  dyHrPx: number;
  dxHrPx: number;
}

/** Shifts of one LR acquisition, indexed [fieldRow][fieldCol]. */
export type ShiftGrid = FieldShift[][];

/** Draws the shifts of the three LR acquisitions of one tile. */
export function drawStageShifts(params: SimParams, rng: Rng): Record<LrScale, ShiftGrid> {
  const f = params.fieldsPerSide;
  const toPx = 1 / params.pixelSizeHrUm;
  const result = {} as Record<LrScale, ShiftGrid>;
  for (const s of LR_SCALES) {
    const axis = () => {
      const offset = (rng.uniform() * 2 - 1) * params.stage.offsetMaxUm;
      const amplitude = params.stage.driftAmplitudeUm * (0.5 + 0.5 * rng.uniform());
      const ky = (rng.uniform() * 2 - 1) * 0.08, kx = (rng.uniform() * 2 - 1) * 0.08; // <= 0.8 cycles per tile: smooth
      const phase = rng.uniform() * 2 * Math.PI;
      return (fy: number, fx: number) => (offset + amplitude * Math.sin(2 * Math.PI * (ky * fy + kx * fx) + phase)) * toPx;
    };
    const dy = axis(), dx = axis();
    result[s] = Array.from({ length: f }, (_, fy) =>
      Array.from({ length: f }, (_, fx) => ({ dyHrPx: round4(dy(fy, fx)), dxHrPx: round4(dx(fy, fx)) })),
    );
  }
  return result;
}

/** Largest |shift| the model can draw, in HR pixels (sets the render margin). */
export function maxShiftHrPx(params: SimParams): number {
  return (params.stage.offsetMaxUm + params.stage.driftAmplitudeUm) / params.pixelSizeHrUm;
}

// Shifts are rounded so that truth.json states exactly the value used.
function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
