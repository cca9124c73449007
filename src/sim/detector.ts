import type { Rng } from '../util/random.js';
import type { SimParams } from './params.js';

/**
 * The detector model of one pixel: photons ~ Poisson, multiplied by a PMT gain with excess noise
 * (variance (F^2 - 1) n on top of Poisson), plus a dark offset and Gaussian read noise, then quantised to
 * 8 bits with saturation at 255. An average of K scans is drawn in one go from the summed distribution —
 * the sum of K Poisson(lambda) is Poisson(K lambda), and the gain and read noise variances add — so the
 * HR average of 8 costs one draw per pixel, not 8.
 */
export interface DetectorDraw {
  /** Digitised value of the mean of `scans` scans whose expected signal is `expectedCounts` per scan. */
  (expectedCounts: number): number;
}

/** A per-pixel digitiser for averages of `scans` scans, drawing from `rng`. */
export function detector(params: SimParams, scans: number, rng: Rng): DetectorDraw {
  const { countsPerPhoton: g, excessNoiseFactor: f2, offsetCounts, readNoiseCounts, backgroundPhotons } = params.detector;
  const excess = Math.max(0, f2 - 1);
  const readSd = readNoiseCounts * Math.sqrt(scans);
  const read2 = readSd * readSd;
  return (expectedCounts) => {
    const lambda = scans * (Math.max(0, expectedCounts) / g + backgroundPhotons);
    // Gain excess and read noise are independent Gaussians: one draw with their summed variance. Above 15
    // photons the Poisson term is Gaussian too and joins the same draw (variance g^2 F^2 lambda).
    let mean: number, variance: number;
    if (lambda >= 15) {
      mean = g * lambda;
      variance = g * g * f2 * lambda + read2;
    } else {
      const photons = poisson(rng, lambda);
      mean = g * photons;
      variance = g * g * excess * photons + read2;
    }
    const value = (mean + Math.sqrt(variance) * rng.normal() + scans * offsetCounts) / scans;
    const q = Math.round(value);
    return q < 0 ? 0 : q > 255 ? 255 : q;
  };
}

/** Poisson draw: inversion for small means (one uniform), normal approximation from 15 on. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean >= 15) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const u = rng.uniform();
  let p = Math.exp(-mean);
  let cdf = p;
  let k = 0;
  while (u > cdf && k < 100) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}
