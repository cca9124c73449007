/**
 * Holm's step-down adjustment (Holm 1979): sorted ascending, p₍ᵢ₎ becomes max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).
 * Returns the adjusted p-values in the input's order; NaN entries (no test) are left out of m and stay NaN.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const idx = pValues.map((_, i) => i).filter((i) => !Number.isNaN(pValues[i]!)).sort((a, b) => pValues[a]! - pValues[b]!);
  const out = pValues.map(() => NaN);
  let running = 0;
  idx.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (idx.length - rank) * pValues[i]!));
    out[i] = running;
  });
  return out;
}
