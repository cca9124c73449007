import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { readTiff } from '../io/tiff.js';
import { checkPairSizes } from '../io/split-pairs.js';
import { bicubicBaseline } from './bicubic-baseline.js';
import { pairMetrics, type PairMetricsOptions } from './pair-metrics.js';
import type { PairMetrics } from './types.js';

/** One image of an evaluation: where its ground truth and its prediction (or the LR to upscale) are. */
export interface PairJob {
  hrPath: string;
  /** A prediction TIFF, or the LR patch when `bicubic` is set. */
  predPath: string;
  bicubic: boolean;
  scale: number;
  borderPx?: number;
  roiThresholds?: readonly number[];
}

/** Reads a one-plane TIFF; a multi-plane file is refused with a message saying so. */
export async function readSinglePlane(path: string, what: string): Promise<Plane> {
  const planes = await readTiff(path);
  if (planes.length !== 1) {
    throw new SrcacoError('input', `the ${what} has ${planes.length} planes; one plane (one marker) is expected`, { path });
  }
  return planes[0]!;
}

/** Reads one pair (upscaling the LR for the bicubic baseline) and measures it. */
export async function measurePair(job: PairJob, options: Pick<PairMetricsOptions, 'scratch'> = {}): Promise<PairMetrics> {
  const truth = await readSinglePlane(job.hrPath, 'HR patch');
  let pred: Plane;
  if (job.bicubic) {
    const low = await readSinglePlane(job.predPath, 'LR patch');
    const s = job.scale;
    checkPairSizes(low, truth, s, { lrPath: job.predPath, hrPath: job.hrPath });
    pred = bicubicBaseline(low, s, job.predPath);
  } else {
    pred = await readSinglePlane(job.predPath, 'prediction');
  }
  return pairMetrics(pred, truth, {
    scale: job.scale,
    borderPx: job.borderPx,
    roiThresholds: job.roiThresholds,
    scratch: options.scratch,
    predPath: job.predPath,
    truthPath: job.hrPath,
  });
}
