/** The four per-image quality numbers of the published tables (Tables 4 and 5). */
export interface MetricValues {
  /** Peak signal-to-noise ratio in dB, peak 255. */
  psnr: number;
  /** Root mean squared error divided by the ground truth's range (max - min). */
  nrmse: number;
  /** Structural similarity, 11x11 Gaussian window (sigma 1.5), valid convolution. */
  ssim: number;
  /** Mean squared error on the 0..255 scale. */
  mse: number;
}

/** The metrics of one prediction/ground-truth pair, over the full image and over the ROI. */
export interface PairMetrics {
  full: MetricValues;
  /** Averaged over the ROI thresholds, exactly as the original (an empty ROI gives ~498 dB here). */
  roi: MetricValues;
  /**
   * True when the ROI is empty at one threshold or more, inside the region a metric looks at
   * (image minus border for PSNR/MSE/NRMSE, minus 5 more pixels for SSIM). Such an image's ROI values
   * contain the original's sentinels (mse clamped to 1e-45, ssim 0): aggregation reports it apart.
   */
  roiEmpty: boolean;
  /** The thresholds at which the ROI was empty (empty list when roiEmpty is false). */
  roiEmptyThresholds: number[];
}

/** The original's ROI thresholds on the 0..255 HR: ROI = HR >= t, averaged over t. */
export const DEFAULT_ROI_THRESHOLDS: readonly number[] = [4, 5, 6, 7, 8, 9, 10];

/** The metric names in the order the tables show them. */
export const METRIC_NAMES = ['psnr', 'nrmse', 'ssim', 'mse'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
