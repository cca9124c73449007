import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { quantizeTo255 } from './quantize.js';
import { SsimScratch, ssimMapValid, type SsimOptions } from './ssim-map.js';
import { DEFAULT_ROI_THRESHOLDS, type MetricValues, type PairMetrics } from './types.js';

export interface PairMetricsOptions {
  /** The super-resolution factor; the border defaults to it, as in the original. */
  scale: number;
  /** Pixels removed from every side before measuring (default: `scale`). */
  borderPx?: number;
  /** ROI thresholds on the 0..255 HR (default 4..10). */
  roiThresholds?: readonly number[];
  ssim?: SsimOptions;
  /** Buffers reused across calls (pass one when evaluating many images). */
  scratch?: SsimScratch;
  /** File names for error messages. */
  predPath?: string;
  truthPath?: string;
}

/** The original's floor on the mse inside the PSNR: psnr(1e-45) = 498.13 dB instead of infinity. */
export const MSE_FLOOR = 1e-45;

/** PSNR of an mse on the 0..255 scale, with the original's floor. */
export function psnrFromMse(mse: number): number {
  return 20 * Math.log10(255 / Math.sqrt(mse < MSE_FLOOR ? MSE_FLOOR : mse));
}

/**
 * PSNR, NRMSE, SSIM and MSE of a prediction against its ground truth, over the full image and over
 * the ROI (HR >= t, averaged over t), exactly as the original `_compute_metrics` does per image.
 * Both images are first brought to 0..255 integers (see `quantizeTo255`).
 */
export function pairMetrics(pred: Plane, truth: Plane, options: PairMetricsOptions): PairMetrics {
  if (pred.width !== truth.width || pred.height !== truth.height) {
    throw new SrcacoError(
      'data',
      `prediction is ${pred.width}x${pred.height} but its ground truth is ${truth.width}x${truth.height}; ` +
        `the prediction must be ${truth.width}x${truth.height}`,
      { path: options.predPath },
    );
  }
  const x = quantizeTo255(pred, 'prediction', options.predPath);
  // a float ground truth may not overshoot 1 at all (it is data, not a model output)
  const y = quantizeTo255(truth, 'ground truth', options.truthPath, 1 + 1e-6);
  return pairMetrics255(x, y, pred.width, pred.height, options);
}

/** `pairMetrics` on images already quantised to 0..255 (row-major, `width` x `height`). */
export function pairMetrics255(
  x: Uint8Array,
  y: Uint8Array,
  width: number,
  height: number,
  options: PairMetricsOptions,
): PairMetrics {
  const border = options.borderPx ?? options.scale;
  const thresholds = options.roiThresholds ?? DEFAULT_ROI_THRESHOLDS;
  if (!Number.isInteger(border) || border < 0) {
    throw new SrcacoError('usage', `the border must be an integer >= 0, received ${border}`, { option: '--border' });
  }
  const w = width - 2 * border;
  const h = height - 2 * border;
  const ssimSize = options.ssim?.windowSize ?? 11;
  if (w < ssimSize || h < ssimSize) {
    throw new SrcacoError(
      'data',
      `a ${width}x${height} image minus a border of ${border} px is smaller than the ${ssimSize}x${ssimSize} SSIM window`,
    );
  }
  // Everything per ROI threshold is a suffix sum over the HR value (0..255), so one pass fills
  // per-value bins and all thresholds are read from them.
  const count = new Float64Array(256);
  const sqErr = new Float64Array(256);
  let minY = 255;
  let maxY = 0;
  for (let r = border; r < border + h; r++) {
    const o = r * width;
    for (let c = border; c < border + w; c++) {
      const v = y[o + c];
      const d = x[o + c] - v;
      count[v]++;
      sqErr[v] += d * d;
      if (v < minY) minY = v;
      if (v > maxY) maxY = v;
    }
  }
  const { map, width: mw, height: mh } = ssimMapValid(x, y, width, border, border, w, h, options.ssim, options.scratch);
  const pad = (ssimSize - 1) >> 1;
  const ssimSum = new Float64Array(256);
  const ssimCount = new Float64Array(256);
  for (let i = 0; i < mh; i++) {
    const oy = (border + pad + i) * width + border + pad;
    const om = i * mw;
    for (let j = 0; j < mw; j++) {
      const v = y[oy + j];
      ssimSum[v] += map[om + j];
      ssimCount[v]++;
    }
  }
  const suffix = (a: Float64Array) => {
    const s = new Float64Array(257);
    for (let v = 255; v >= 0; v--) s[v] = s[v + 1] + a[v];
    return s;
  };
  const cnt = suffix(count);
  const err = suffix(sqErr);
  const sSum = suffix(ssimSum);
  const sCnt = suffix(ssimCount);
  const rangeY = maxY - minY;

  const fullMse = err[0] / cnt[0];
  const full: MetricValues = {
    psnr: psnrFromMse(fullMse),
    nrmse: Math.sqrt(fullMse) / (rangeY === 0 ? 1 : rangeY),
    ssim: sSum[0] / sCnt[0],
    mse: fullMse,
  };

  const roi: MetricValues = { psnr: 0, nrmse: 0, ssim: 0, mse: 0 };
  const emptyAt: number[] = [];
  for (const t of thresholds) {
    const ti = Math.min(Math.max(Math.ceil(t), 0), 256);
    const n = cnt[ti];
    const ns = sCnt[ti];
    if (n === 0 || ns === 0) emptyAt.push(t);
    const mse = err[ti] / (n === 0 ? 1 : n);
    // Original denominator: max(Y*roi) - max(min(Y), min(Y*roi)), which reduces to this: the
    // max is max(Y) when the ROI is not empty, else 0; the min is always min(Y).
    let denom = (n > 0 ? maxY : 0) - minY;
    if (denom === 0) denom = 1;
    roi.psnr += psnrFromMse(mse);
    roi.mse += mse;
    roi.nrmse += Math.sqrt(mse) / denom + 0; // + 0 turns the original's -0 (empty ROI) into 0
    roi.ssim += sSum[ti] / (ns === 0 ? 1 : ns);
  }
  const k = thresholds.length;
  roi.psnr /= k;
  roi.mse /= k;
  roi.nrmse /= k;
  roi.ssim /= k;
  return { full, roi, roiEmpty: emptyAt.length > 0, roiEmptyThresholds: emptyAt };
}
