import { LR_SCALES, MARKERS, type MarkerName, type SimParams } from './params.js';

/**
 * The photobleaching model. Acquisitions run in the paper's order: the 8 HR scans, then LR x2, x4, x8.
 * Each scan removes a fraction b of the remaining fluorophore in proportion to its light dose per area;
 * at the same dwell time per pixel, a scan with s-times larger pixels deposits 1/s^2 of an HR scan's dose.
 * The factors are the expected signal multipliers of each acquisition (HR: mean over its 8 scans).
 */
export interface BleachFactors {
  hr: number;
  lr: Record<string, number>;
}

export function bleachFactors(params: SimParams): Record<MarkerName, BleachFactors> {
  const out = {} as Record<MarkerName, BleachFactors>;
  for (const m of MARKERS) {
    const keep = 1 - params.markers[m].bleachPerHrScan;
    let dose = 0;
    let hr = 0;
    for (let i = 0; i < params.hrAveraging; i++, dose++) hr += Math.pow(keep, dose) / params.hrAveraging;
    const lr: Record<string, number> = {};
    for (const s of LR_SCALES) {
      lr[String(s)] = Math.pow(keep, dose);
      dose += 1 / (s * s);
    }
    out[m] = { hr, lr };
  }
  return out;
}
