import { METRIC_NAMES, type MetricValues, type PairMetrics } from './types.js';

/** One image's line in an evaluation's details (JSONL). */
export interface ImageMetrics extends PairMetrics {
  /** The HR patch file name (the original's image id). */
  id: string;
  lr?: string;
  hr?: string;
}

/** Metric means where a mean may be undefined (no image counted): null in JSON. */
export type MaybeMetricValues = { [K in keyof MetricValues]: number | null };

/**
 * One row of the result tables: a method on one cell, scale and split. Training, evaluation and
 * reports all read and write this shape.
 */
export interface ResultRow {
  method: string;
  cell: string;
  scale: number;
  split: string;
  /** Images evaluated. */
  n: number;
  /** Images whose ROI is empty at some threshold: left out of `roi`, counted here. */
  nRoiEmpty: number;
  /** ROI metrics averaged over the n - nRoiEmpty images with a non-empty ROI (Table 4). */
  roi: MaybeMetricValues;
  /** Full-image metrics averaged over all n images (Table 5). */
  full: MaybeMetricValues;
  /** ROI metrics averaged as the original does: over all n images, empty ROIs at their sentinel values. */
  roiOriginal: MaybeMetricValues;
}

/** Per-image means of a list of metric values (null when the list is empty). */
export function meanMetrics(values: readonly MetricValues[]): MaybeMetricValues {
  const out = { psnr: null, nrmse: null, ssim: null, mse: null } as MaybeMetricValues;
  if (values.length === 0) return out;
  for (const k of METRIC_NAMES) {
    let s = 0;
    for (const v of values) s += v[k];
    out[k] = s / values.length;
  }
  return out;
}

/** Aggregates per-image metrics into a result row: each metric is the mean of per-image values. */
export function aggregateMetrics(
  images: readonly PairMetrics[],
  meta: { method: string; cell: string; scale: number; split: string },
): ResultRow {
  const withRoi = images.filter((m) => !m.roiEmpty);
  return {
    ...meta,
    n: images.length,
    nRoiEmpty: images.length - withRoi.length,
    roi: meanMetrics(withRoi.map((m) => m.roi)),
    full: meanMetrics(images.map((m) => m.full)),
    roiOriginal: meanMetrics(images.map((m) => m.roi)),
  };
}
