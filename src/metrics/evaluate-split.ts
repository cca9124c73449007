import { basename, join } from 'node:path';
import { splitFolderName, type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { checkListedFiles, readSplitPairs } from '../io/split-pairs.js';
import { runInWorkers } from '../util/worker-pool.js';
import { aggregateMetrics, type ImageMetrics, type ResultRow } from './aggregate.js';
import { measurePair, type PairJob } from './measure-pair.js';
import { SsimScratch } from './ssim-map.js';
import type { PairMetrics } from './types.js';

export interface EvaluateSplitOptions {
  /** The data root the pair lists' paths are relative to. */
  dataRoot: string;
  split: SplitName;
  cell: Cell;
  scale: SrScale;
  /** Where predictions come from: the bicubic baseline, or a folder of TIFFs named like the HR patches. */
  source: { kind: 'bicubic' } | { kind: 'folder'; dir: string };
  /** The method name recorded in the result row (default: 'Bicubic' or the folder's name). */
  method?: string;
  /** Evaluate only the first n pairs of the list. */
  limit?: number;
  borderPx?: number;
  roiThresholds?: readonly number[];
  /** Worker threads measuring images in parallel (default 1: in this thread). */
  workers?: number;
  /** Called after each image (progress bars); with workers, images may finish out of order. */
  onImage?: (done: number, total: number, image: ImageMetrics) => void;
}

/**
 * Evaluates one method on one split, cell and scale: per-image metrics (full image and ROI) and the
 * aggregated row of Tables 4/5. Every listed file is checked before the first image is measured.
 */
export async function evaluateSplit(options: EvaluateSplitOptions): Promise<{ images: ImageMetrics[]; row: ResultRow }> {
  const { dataRoot, split, cell, scale, source } = options;
  const pairs = await readSplitPairs(dataRoot, split, cell, scale, options.limit);
  const predPathOf = (id: string) => (source.kind === 'folder' ? join(source.dir, id) : '');
  if (source.kind === 'folder') {
    const hint = ` (predictions must be named like the HR patch files, in ${source.dir})`;
    await checkListedFiles(pairs.map((p) => predPathOf(p.id)), splitFolderName(split, scale, cell), hint);
  }
  const jobs: PairJob[] = pairs.map((p) => ({
    hrPath: p.hrPath,
    predPath: source.kind === 'bicubic' ? p.lrPath : predPathOf(p.id),
    bicubic: source.kind === 'bicubic',
    scale,
    borderPx: options.borderPx,
    roiThresholds: options.roiThresholds,
  }));
  const imageOf = (k: number, m: PairMetrics): ImageMetrics => ({ id: pairs[k]!.id, lr: pairs[k]!.lr, hr: pairs[k]!.hr, ...m });
  let done = 0;
  let results: PairMetrics[];
  if ((options.workers ?? 1) > 1 && jobs.length > 1) {
    results = await runInWorkers<PairJob, PairMetrics>(new URL('./eval-worker.ts', import.meta.url), jobs, {
      size: options.workers!,
      name: 'evaluation',
      onResult: (k, m) => options.onImage?.(++done, jobs.length, imageOf(k, m)),
    });
  } else {
    const scratch = new SsimScratch();
    results = [];
    for (const [k, job] of jobs.entries()) {
      results.push(await measurePair(job, { scratch }));
      options.onImage?.(++done, jobs.length, imageOf(k, results[k]!));
    }
  }
  const images = results.map((m, k) => imageOf(k, m));
  const method = options.method ?? (source.kind === 'bicubic' ? 'Bicubic' : basename(source.dir));
  return { images, row: aggregateMetrics(images, { method, cell, scale, split }) };
}
