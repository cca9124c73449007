/**
 * Wilcoxon's signed-rank test of paired differences (zeros dropped, as scipy's default zero_method 'wilcox'):
 * the exact null distribution for up to 50 non-zero differences without ties, otherwise the normal
 * approximation with the tie-corrected variance and no continuity correction — scipy.stats.wilcoxon's
 * choices, except that scipy also takes the exact path with ties, where its distribution does not apply.
 */
import { normalCdf, normalSf } from './normal.js';
import { midRanks, tieSum } from './ranks.js';

export type Alternative = 'two-sided' | 'less' | 'greater';

export interface WilcoxonResult {
  /** Two-sided: min(R+, R−); one-sided: R+, as scipy reports. */
  readonly statistic: number;
  readonly pValue: number;
  /** Non-zero differences that entered the test. */
  readonly n: number;
  readonly method: 'exact' | 'normal';
}

const EXACT_MAX_N = 50;

/** P(R+ = r) for r = 0 … n(n+1)/2 under the null: subsets of {1…n} by their sum, over 2ⁿ. */
function signedRankPmf(n: number): Float64Array {
  const top = (n * (n + 1)) / 2;
  const counts = new Float64Array(top + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) for (let r = top; r >= k; r--) counts[r]! += counts[r - k]!;
  const total = 2 ** n;
  return counts.map((c) => c / total);
}

/** Tests whether the differences `d` (e.g. method − bicubic per image) are centred on zero. */
export function wilcoxonSignedRank(d: readonly number[], { alternative = 'two-sided' as Alternative } = {}): WilcoxonResult {
  const nz = d.filter((v) => v !== 0);
  const n = nz.length;
  if (d.some((v) => !Number.isFinite(v))) throw new RangeError('the Wilcoxon test needs finite differences');
  if (n === 0) return { statistic: 0, pValue: 1, n, method: 'exact' };
  const { ranks, ties } = midRanks(nz.map(Math.abs));
  let rPlus = 0;
  for (let i = 0; i < n; i++) if (nz[i]! > 0) rPlus += ranks[i]!;
  const rMinus = (n * (n + 1)) / 2 - rPlus;
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;
  if (n <= EXACT_MAX_N && ties.length === 0) {
    const pmf = signedRankPmf(n);
    const cdf = (r: number) => pmf.subarray(0, r + 1).reduce((s, p) => s + p, 0);
    const sf = (r: number) => pmf.subarray(r).reduce((s, p) => s + p, 0);
    const p = alternative === 'greater' ? sf(rPlus) : alternative === 'less' ? cdf(rPlus) : rPlus === (pmf.length - 1) / 2 ? 1 : 2 * Math.min(cdf(rPlus), sf(rPlus));
    return { statistic, pValue: Math.min(1, Math.max(0, p)), n, method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieSum(ties) / 2) / 24);
  const z = sd > 0 ? (statistic - mean) / sd : 0;
  const p = alternative === 'greater' ? normalSf(z) : alternative === 'less' ? normalCdf(z) : Math.min(1, 2 * normalSf(Math.abs(z)));
  return { statistic, pValue: p, n, method: 'normal' };
}
