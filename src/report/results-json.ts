import type { MaybeMetricValues, ResultRow } from '../metrics/aggregate.js';
import type { RowStatistics } from '../metrics/row-statistics.js';

/** Metric means in results.json (null where no image was counted). */
export interface ReportMetrics {
  psnr: number | null;
  nrmse: number | null;
  ssim: number | null;
}

/** One line of results.json: a method on one cell and scale; a result row with PSNR, NRMSE and SSIM only. */
export type ReportResult = Pick<ResultRow, 'method' | 'cell' | 'scale' | 'split' | 'n' | 'nRoiEmpty'> & {
  /** Means over the images with a non-empty ROI (Table 4). */
  roi: ReportMetrics;
  /** Means over all n images (Table 5). */
  full: ReportMetrics;
  /** Intervals and paired tests against the baseline, where the per-image values were at hand. */
  statistics?: Pick<RowStatistics, 'intervals' | 'vsBaseline'>;
};

const pick = (m: MaybeMetricValues | undefined): ReportMetrics => ({ psnr: m?.psnr ?? null, nrmse: m?.nrmse ?? null, ssim: m?.ssim ?? null });

/**
 * The machine-readable results of a report: one entry per method, cell and scale, methods in the
 * order given, then cells and scales sorted. The entries are also valid input to `srcaco table`.
 */
export function reportResults(rows: readonly ResultRow[], stats?: readonly RowStatistics[]): ReportResult[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  const statsOf = new Map(rows.map((r, i) => [r, stats?.[i]]));
  return [...rows]
    .sort((a, b) => methods.indexOf(a.method) - methods.indexOf(b.method) || a.cell.localeCompare(b.cell) || a.scale - b.scale)
    .map((r) => {
      const s = statsOf.get(r);
      const measured = s && Object.values(s.intervals).some((v) => v !== null);
      const result: ReportResult = { method: r.method, cell: r.cell, scale: r.scale, split: r.split, n: r.n, nRoiEmpty: r.nRoiEmpty, roi: pick(r.roi), full: pick(r.full) };
      return measured ? { ...result, statistics: { intervals: s.intervals, vsBaseline: s.vsBaseline } } : result;
    });
}
