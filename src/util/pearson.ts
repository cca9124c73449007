/**
 * Running sums for a Pearson correlation, fed one pair of samples at a time. Registration confidence, the
 * coarse shift search and the audit's duplicate signatures all correlate images this way, over different
 * pixel sets.
 */
export class PearsonSums {
  private n = 0;
  private sa = 0;
  private sb = 0;
  private saa = 0;
  private sbb = 0;
  private sab = 0;

  add(a: number, b: number): void {
    this.n++;
    this.sa += a;
    this.sb += b;
    this.saa += a * a;
    this.sbb += b * b;
    this.sab += a * b;
  }

  /** The correlation coefficient; 0 with fewer than two samples or when either side is constant. */
  value(): number {
    const { n, sa, sb } = this;
    if (n < 2) return 0;
    const va = this.saa - (sa * sa) / n;
    const vb = this.sbb - (sb * sb) / n;
    return va > 0 && vb > 0 ? (this.sab - (sa * sb) / n) / Math.sqrt(va * vb) : 0;
  }
}
