/** Confidence intervals of a mean over test images: Student's t, and a seeded percentile bootstrap. */
import type { Rng } from '../util/random.js';
import { studentTQuantile } from './student-t.js';

export interface MeanCi {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function checked(values: readonly number[], level: number): void {
  if (values.length === 0) throw new RangeError('a confidence interval needs at least one value');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('a confidence interval needs finite values');
  if (!(level > 0 && level < 1)) throw new RangeError(`a confidence level is in (0, 1), received ${level}`);
}

/** mean ± t(1 − α/2, n − 1)·s/√n; with one value there is no spread to estimate and both bounds are NaN. */
export function tMeanCi(values: readonly number[], level = 0.95): MeanCi {
  checked(values, level);
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, low: NaN, high: NaN, n };
  const s = Math.sqrt(values.reduce((acc, v) => acc + (v - m) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(1 - (1 - level) / 2, n - 1) * s) / Math.sqrt(n);
  return { mean: m, low: m - half, high: m + half, n };
}

/** The percentile bootstrap: `resamples` means of n draws with replacement, their (α/2, 1 − α/2) quantiles. */
export function bootstrapMeanCi(values: readonly number[], rng: Rng, { level = 0.95, resamples = 10000 } = {}): MeanCi {
  checked(values, level);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means[b] = s / n;
  }
  means.sort();
  // numpy's default 'linear' percentile, as scipy.stats.bootstrap's percentile method uses.
  const at = (q: number) => {
    const pos = q * (resamples - 1);
    const i = Math.floor(pos);
    return means[i]! + (pos - i) * ((means[Math.min(i + 1, resamples - 1)] ?? means[i]!) - means[i]!);
  };
  return { mean: mean(values), low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), n };
}
