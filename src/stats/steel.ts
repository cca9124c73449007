/**
 * Steel's many-to-one rank test (Steel 1959, "A multiple comparison rank sum test: treatments versus control",
 * Biometrics 15:560–572): each treatment is ranked jointly with the control alone (mid-ranks for ties), its rank
 * sum standardised with the tie-corrected Wilcoxon–Mann–Whitney variance, and every treatment's p-value adjusted
 * for the k comparisons through the joint null distribution of the k statistics:
 * - 'exact': every assignment of the pooled observations to the groups, equally likely under the null (the
 *   permutation distribution given the observed values, ties included), for small samples;
 * - 'asymptotic': the statistics are jointly normal with correlations √(nᵢnⱼ / ((n₀+nᵢ+1)(n₀+nⱼ+1))) (they share
 *   the control), a one-factor structure whose rectangle probabilities are one-dimensional integrals.
 * The adjusted p-value of treatment i is the probability that the most extreme of the k statistics is at least as
 * extreme as zᵢ (single-step max-T adjustment).
 */
import { normalCdf, normalPdf } from './normal.js';
import { midRanks, tieSum } from './ranks.js';
import type { Alternative } from './wilcoxon.js';

export interface SteelOptions {
  /** 'auto' (the default): exact while the assignments number at most `maxAssignments`, asymptotic beyond. */
  readonly method?: 'asymptotic' | 'exact' | 'auto';
  /** 'greater': treatments tend to exceed the control. */
  readonly alternative?: Alternative;
  readonly maxAssignments?: number;
}

export interface SteelResult {
  /** Per treatment: rank sum of the treatment ranked jointly with the control. */
  readonly rankSums: number[];
  /** Per treatment: (rank sum − its null mean) / its tie-corrected null standard deviation. */
  readonly statistics: number[];
  /** Per treatment: the p-value adjusted for the k comparisons. */
  readonly pValues: number[];
  readonly method: 'asymptotic' | 'exact';
}

const DEFAULT_MAX_ASSIGNMENTS = 200_000;

function standardised(control: readonly number[], treatment: readonly number[]): { rankSum: number; z: number } {
  const n0 = control.length;
  const n = treatment.length;
  const total = n0 + n;
  const { ranks, ties } = midRanks([...control, ...treatment]);
  let rankSum = 0;
  for (let i = n0; i < total; i++) rankSum += ranks[i]!;
  const variance = ((n0 * n) / 12) * (total + 1 - tieSum(ties) / (total * (total - 1)));
  return { rankSum, z: variance > 0 ? (rankSum - (n * (total + 1)) / 2) / Math.sqrt(variance) : 0 };
}

/** How extreme a statistic is for the alternative: larger is more extreme. */
const extremity = (z: number, alternative: Alternative) => (alternative === 'two-sided' ? Math.abs(z) : alternative === 'greater' ? z : -z);

/** Number of ways to deal N items into groups of the given sizes, N!/(n₀!n₁!…), in floating point. */
function assignments(sizes: readonly number[]): number {
  let count = 1;
  let dealt = 0;
  for (const size of sizes) for (let i = 1; i <= size; i++) count = (count * ++dealt) / i;
  return count;
}

function exactPValues(groups: readonly (readonly number[])[], observed: readonly number[], alternative: Alternative): number[] {
  const pooled = groups.flat();
  const sizes = groups.map((g) => g.length);
  const label = new Int32Array(pooled.length);
  const left = [...sizes];
  const atLeast = observed.map(() => 0);
  let total = 0;
  const members = sizes.map((s) => new Array<number>(s));
  const visit = (pos: number): void => {
    if (pos === pooled.length) {
      const fill = sizes.map(() => 0);
      for (let i = 0; i < pooled.length; i++) members[label[i]!]![fill[label[i]!]!++] = pooled[i]!;
      let worst = -Infinity;
      for (let g = 1; g < groups.length; g++) worst = Math.max(worst, extremity(standardised(members[0]!, members[g]!).z, alternative));
      total++;
      observed.forEach((e, i) => {
        if (worst >= e - 1e-9) atLeast[i]!++;
      });
      return;
    }
    for (let g = 0; g < groups.length; g++) {
      if (left[g] === 0) continue;
      left[g]!--;
      label[pos] = g;
      visit(pos + 1);
      left[g]!++;
    }
  };
  visit(0);
  return atLeast.map((c) => c / total);
}

/**
 * P(max over j of the extremity of Z_j ≥ e) for jointly normal Z with correlation λᵢλⱼ: conditionally on a common
 * standard normal W, Z_j = λⱼW + √(1−λⱼ²)·E_j with independent E_j, so the probability that none exceeds e is
 * ∫ φ(w) Π_j P(one does not | w) dw, integrated by Simpson's rule over |w| ≤ 9.
 */
function maxTailProbability(lambdas: readonly number[], e: number, alternative: Alternative): number {
  const steps = 1800;
  const lo = -9;
  const h = 18 / steps;
  let integral = 0;
  for (let s = 0; s <= steps; s++) {
    const w = lo + s * h;
    let inside = 1;
    for (const l of lambdas) {
      const sd = Math.sqrt(1 - l * l);
      const mean = l * w;
      // One-sided: −Z has the same joint law as Z, so 'less' needs no case of its own.
      inside *= alternative === 'two-sided' ? normalCdf((e - mean) / sd) - normalCdf((-e - mean) / sd) : normalCdf((e - mean) / sd);
    }
    integral += (s === 0 || s === steps ? 1 : s % 2 === 1 ? 4 : 2) * normalPdf(w) * inside;
  }
  return Math.min(1, Math.max(0, 1 - (integral * h) / 3));
}

/** Steel's many-to-one test of each treatment group against the control group. */
export function steelTest(control: readonly number[], treatments: readonly (readonly number[])[], options: SteelOptions = {}): SteelResult {
  const alternative = options.alternative ?? 'two-sided';
  const groups = [control, ...treatments];
  if (treatments.length === 0) throw new RangeError("Steel's test needs at least one treatment group");
  groups.forEach((g, i) => {
    if (g.length === 0) throw new RangeError(`Steel's test: ${i === 0 ? 'the control' : `treatment ${i - 1}`} is empty`);
    if (g.some((v) => !Number.isFinite(v))) throw new RangeError(`Steel's test: ${i === 0 ? 'the control' : `treatment ${i - 1}`} holds a value that is not finite`);
  });
  const each = treatments.map((t) => standardised(control, t));
  const statistics = each.map((r) => r.z);
  const observed = statistics.map((z) => extremity(z, alternative));
  const limit = options.maxAssignments ?? DEFAULT_MAX_ASSIGNMENTS;
  const count = assignments(groups.map((g) => g.length));
  const requested = options.method ?? 'auto';
  if (requested === 'exact' && count > limit) {
    throw new RangeError(`Steel's exact test would enumerate ${count.toExponential(2)} assignments (limit ${limit}); use the asymptotic method`);
  }
  const method = requested === 'auto' ? (count <= limit ? 'exact' : 'asymptotic') : requested;
  const n0 = control.length;
  const lambdas = treatments.map((t) => Math.sqrt(t.length / (n0 + t.length + 1)));
  const pValues = method === 'exact' ? exactPValues(groups, observed, alternative) : observed.map((e) => maxTailProbability(lambdas, e, alternative));
  return { rankSums: each.map((r) => r.rankSum), statistics, pValues, method };
}
