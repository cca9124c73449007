import type { BleachFactors } from './bleach.js';
import type { MarkerName, SimParams } from './params.js';

/** What truth.json records about one tile. */
export interface TileTruth {
  id: number;
  /** Set when this tile's files are pixel copies of another tile (leakage-audit fixtures). */
  duplicateOf?: number;
  /** Field grid per scale ("1", "2", "4", "8"): field i spans pixels [b[i], b[i+1]) on both axes. */
  fieldBoundsPx: Record<string, number[]>;
  cysts: number;
  cellsNearFocus: number;
  tissueCoverage: number;
  /** Fraction of HR pixels >= 4 per plane (CELL0, CELL1, CELL2), as in the paper's Table 6. */
  foregroundFractionHr: number[];
  /** Per LR scale ("2", "4", "8"): [fieldRow][fieldCol] = [dyHrPx, dxHrPx]. */
  shiftsHrPx: Record<string, number[][][]>;
}

export interface Truth {
  format: 'srcaco-sim-truth';
  version: 1;
  seed: number;
  sizeHrPx: number;
  lrSizePx: Record<string, number>;
  ids: number[];
  duplicates: Array<{ source: number; target: number }>;
  conventions: Record<string, string>;
  params: SimParams;
  psfSigmaHrPx: Record<string, number>;
  bleachFactors: Record<MarkerName, BleachFactors>;
  tiles: TileTruth[];
}

/** The conventions, stated in the file itself so it can be read without the source. */
export const TRUTH_CONVENTIONS: Record<string, string> = {
  planes: 'plane k of every tile TIFF is CELLk: CELL0 survivin, CELL1 E-cadherin, CELL2 mCherry-H2B; uint8',
  coordinates: 'HR pixel (y, x) is centred on HR coordinate (y, x); units of shifts are HR pixels (pixelSizeHrUm each)',
  shifts:
    'LR pixel (Y, X) of scale s in field (fy, fx) is centred on the specimen at HR coordinate ' +
    '(Y*s + (s-1)/2 + dy, X*s + (s-1)/2 + dx), [dy, dx] = shiftsHrPx[s][fy][fx]; it point-samples across lines ' +
    '(y) and averages s samples along the line at x = X*s + k + dx, k = 0..s-1. Positive dy: the LR image shows ' +
    'content from larger y than HR, i.e. it looks moved up by dy/s LR pixels. To register LR onto HR, move LR content by +dy.',
  fields: 'fieldBoundsPx[s][i] = round(i * size_s / fieldsPerSide); field (fy, fx) covers rows [b[fy], b[fy+1]) and columns [b[fx], b[fx+1])',
  acquisitionOrder: 'HR (mean of hrAveraging scans), then LR x2, x4, x8 (one scan each); bleachFactors are the expected signal multipliers',
  foreground: 'foregroundFractionHr: fraction of HR pixels >= 4 per plane (the paper Table 6 threshold)',
};

/** Assembles truth.json's content. */
export function buildTruth(input: {
  params: SimParams;
  seed: number;
  sizeHrPx: number;
  ids: number[];
  duplicates: Map<number, number>;
  psfSigmaHrPx: Record<string, number>;
  bleach: Record<MarkerName, BleachFactors>;
  tiles: TileTruth[];
}): Truth {
  return {
    format: 'srcaco-sim-truth',
    version: 1,
    seed: input.seed,
    sizeHrPx: input.sizeHrPx,
    lrSizePx: { 2: Math.floor(input.sizeHrPx / 2), 4: Math.floor(input.sizeHrPx / 4), 8: Math.floor(input.sizeHrPx / 8) },
    ids: input.ids,
    duplicates: [...input.duplicates].map(([target, source]) => ({ source, target })),
    conventions: TRUTH_CONVENTIONS,
    params: input.params,
    psfSigmaHrPx: input.psfSigmaHrPx,
    bleachFactors: input.bleach,
    tiles: input.tiles,
  };
}
