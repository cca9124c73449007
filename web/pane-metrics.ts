import type { Plane } from '../src/image/plane.js';
import { planeOf } from '../src/image/plane.js';
import { pairMetrics } from '../src/metrics/pair-metrics.js';
import type { MetricValues } from '../src/metrics/types.js';
import { cropBytes, planeTo255, type PixelRect } from '../src/report/display.js';

/**
 * A pane's PSNR/SSIM against the HR with srcaco's own metric code (pairMetrics, exactly what `srcaco metrics`
 * runs): the full image and the ROI with the scale as border, as the published tables; the visible window as
 * it is (no border), when it is at least one SSIM window across.
 */
export interface PaneMetrics {
  full: MetricValues;
  roi: MetricValues | null;
  view: MetricValues | null;
}

export function imageMetrics(pred: Plane, hr: Plane, scale: number): Omit<PaneMetrics, 'view'> {
  const m = pairMetrics(pred, hr, { scale });
  return { full: m.full, roi: m.roiEmpty ? null : m.roi };
}

/** Metrics of the window `rect` (HR pixels), or null when it is smaller than the 11x11 SSIM window. */
export function windowMetrics(pred: Plane, hr: Plane, rect: PixelRect): MetricValues | null {
  if (rect.width < 11 || rect.height < 11) return null;
  const crop = (p: Plane, what: string) => planeOf(rect.width, rect.height, cropBytes(planeTo255(p, what), p.width, rect));
  return pairMetrics(crop(pred, 'prediction'), crop(hr, 'ground truth'), { scale: 1, borderPx: 0 }).full;
}

/** PSNR · SSIM, or – when not computable. */
export function formatValues(v: MetricValues | null): string {
  return v === null ? '–' : `${v.psnr.toFixed(2)} dB · ${v.ssim.toFixed(4)}`;
}

export function formatMetrics(m: PaneMetrics | null): string {
  if (m === null) return '';
  return `full ${formatValues(m.full)}   ROI ${formatValues(m.roi)}   view ${formatValues(m.view)}`;
}
