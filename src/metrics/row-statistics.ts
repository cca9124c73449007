/**
 * The statistics behind a results table: per method, cell and scale, the mean PSNR and SSIM (ROI and full image)
 * with a 95 % t interval over the test images, and against the baseline (bicubic) the paired per-image difference
 * with its interval and Wilcoxon's signed-rank test, Holm-adjusted over every comparison of the table for that
 * metric. Images pair by id; an ROI comparison uses the images whose ROI is non-empty for both methods.
 */
import { holmAdjust } from '../stats/holm.js';
import { tMeanCi, type MeanCi } from '../stats/mean-ci.js';
import { wilcoxonSignedRank } from '../stats/wilcoxon.js';
import type { ImageMetrics, ResultRow } from './aggregate.js';

/** A result row with the per-image metrics it was averaged from, when they are at hand. */
export interface EvaluatedRow {
  readonly row: ResultRow;
  readonly images?: readonly ImageMetrics[];
}

export type TablePart = 'roi' | 'full';
export type TestedMetric = 'psnr' | 'ssim';
export const TESTED: readonly { part: TablePart; metric: TestedMetric }[] = [
  { part: 'roi', metric: 'psnr' },
  { part: 'roi', metric: 'ssim' },
  { part: 'full', metric: 'psnr' },
  { part: 'full', metric: 'ssim' },
];

/** A paired comparison of a method with the baseline on one metric (method − baseline, per image). */
export interface PairedDifference extends MeanCi {
  /** Wilcoxon's two-sided p-value, and Holm's adjustment over the table's comparisons of this metric. */
  readonly p: number;
  readonly pHolm: number;
  /** Significant at α after Holm's adjustment: a gain (higher is better for PSNR and SSIM) or a loss. */
  readonly verdict: 'gain' | 'loss' | 'none';
}

export interface RowStatistics {
  readonly method: string;
  readonly cell: string;
  readonly scale: number;
  /** Mean and interval per part and metric; null without per-image values (or with none counted). */
  readonly intervals: Readonly<Record<`${TablePart}.${TestedMetric}`, MeanCi | null>>;
  /** Against the baseline of the same cell and scale; null for the baseline itself or without per-image values. */
  readonly vsBaseline: Readonly<Record<`${TablePart}.${TestedMetric}`, PairedDifference | null>> | null;
}

export interface TableStatisticsOptions {
  /** The method every other is compared with (default 'Bicubic'). */
  baseline?: string;
  level?: number;
  alpha?: number;
}

const key = (part: TablePart, metric: TestedMetric) => `${part}.${metric}` as const;

/** An image's value of one metric, or undefined where the part does not count it (an empty ROI). */
function valueOf(m: ImageMetrics, part: TablePart, metric: TestedMetric): number | undefined {
  return part === 'roi' && m.roiEmpty ? undefined : m[part][metric];
}

function interval(images: readonly ImageMetrics[], part: TablePart, metric: TestedMetric, level: number): MeanCi | null {
  const values = images.map((m) => valueOf(m, part, metric)).filter((v): v is number => v !== undefined);
  return values.length === 0 ? null : tMeanCi(values, level);
}

function differences(method: readonly ImageMetrics[], baseline: readonly ImageMetrics[], part: TablePart, metric: TestedMetric): number[] {
  const base = new Map(baseline.map((m) => [m.id, m]));
  const out: number[] = [];
  for (const m of method) {
    const b = base.get(m.id);
    const v = valueOf(m, part, metric);
    const w = b && valueOf(b, part, metric);
    if (v !== undefined && w !== undefined) out.push(v - w);
  }
  return out;
}

/** The statistics of every row of a table (see the file's comment), in the rows' order. */
export function tableStatistics(rows: readonly EvaluatedRow[], o: TableStatisticsOptions = {}): RowStatistics[] {
  const { baseline = 'Bicubic', level = 0.95, alpha = 0.05 } = o;
  const baselineOf = new Map(rows.filter((r) => r.row.method === baseline && r.images).map((r) => [`${r.row.cell}|${r.row.scale}`, r.images!]));
  // Per metric, the unadjusted comparisons in row order, then one Holm adjustment over them all.
  const raw = rows.map((r) => {
    const base = baselineOf.get(`${r.row.cell}|${r.row.scale}`);
    if (!r.images || !base || r.row.method === baseline) return null;
    return Object.fromEntries(
      TESTED.map(({ part, metric }) => {
        const d = differences(r.images!, base, part, metric);
        return [key(part, metric), d.length < 2 ? null : { ci: tMeanCi(d, level), p: wilcoxonSignedRank(d).pValue }];
      }),
    ) as Record<string, { ci: MeanCi; p: number } | null>;
  });
  const adjusted = Object.fromEntries(TESTED.map(({ part, metric }) => [key(part, metric), holmAdjust(raw.map((c) => c?.[key(part, metric)]?.p ?? NaN))]));
  return rows.map((r, i) => {
    const images = r.images;
    const tests = raw[i];
    return {
      method: r.row.method,
      cell: r.row.cell,
      scale: r.row.scale,
      intervals: Object.fromEntries(TESTED.map(({ part, metric }) => [key(part, metric), images ? interval(images, part, metric, level) : null])) as RowStatistics['intervals'],
      vsBaseline: tests
        ? (Object.fromEntries(
            TESTED.map(({ part, metric }) => {
              const t = tests[key(part, metric)];
              if (!t) return [key(part, metric), null];
              const pHolm = adjusted[key(part, metric)]![i]!;
              const verdict = pHolm < alpha ? (t.ci.mean > 0 ? 'gain' : 'loss') : 'none';
              return [key(part, metric), { ...t.ci, p: t.p, pHolm, verdict }];
            }),
          ) as RowStatistics['vsBaseline'])
        : null,
    };
  });
}
