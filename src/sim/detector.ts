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
    const value = (mean + Math.sqrt(variance) * fastNormal(rng) + scans * offsetCounts) / scans;
    const q = Math.round(value);
    return q < 0 ? 0 : q > 255 ? 255 : q;
  };
}

/** Poisson draw: inversion for small means (one uniform), normal approximation from 15 on. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean >= 15) return Math.max(0, Math.round(mean + Math.sqrt(mean) * fastNormal(rng)));
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

/**
 * A standard normal draw by table lookup: the inverse normal CDF at 65536 equiprobable levels, indexed by
 * the top 16 bits of one uint32. Tails stop at +-4.2 sigma, far below what one 8-bit count resolves; it is
 * several times cheaper than Box-Muller and the noise is per-pixel hot code.
 */
export function fastNormal(rng: Rng): number {
  return NORMAL_TABLE[rng.uint32() >>> 16]!;
}

const NORMAL_TABLE = (() => {
  const n = 65536;
  const table = new Float32Array(n);
  for (let i = 0; i < n; i++) table[i] = inverseNormalCdf((i + 0.5) / n);
  return table;
})();

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
