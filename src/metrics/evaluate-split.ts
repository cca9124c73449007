import { access, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { PAIR_LIST_FILES, parsePairList, splitFolderName, type Cell, type SplitName, type SrScale } from '../io/layout.js';
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

/** The `lr,hr` pairs of a split, as listed by its l_h.txt. */
export async function readSplitPairs(dataRoot: string, split: SplitName, cell: Cell, scale: SrScale): Promise<Array<[string, string]>> {
  const listPath = join(dataRoot, splitFolderName(split, scale, cell), PAIR_LIST_FILES.lrToHr);
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (e) {
    throw new SrcacoError('input', `cannot read the split list (${(e as NodeJS.ErrnoException).code ?? e}); is --data the folder that holds the caco2_* split folders?`, { path: listPath, cause: e });
  }
  const pairs = parsePairList(text, listPath);
  if (pairs.length === 0) throw new SrcacoError('data', 'the split list is empty', { path: listPath });
  return pairs;
}

async function missingOf(paths: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of paths) await access(p).catch(() => missing.push(p));
  return missing;
}

/**
 * Evaluates one method on one split, cell and scale: per-image metrics (full image and ROI) and the
 * aggregated row of Tables 4/5. Every listed file is checked before the first image is measured.
 */
export async function evaluateSplit(options: EvaluateSplitOptions): Promise<{ images: ImageMetrics[]; row: ResultRow }> {
  const { dataRoot, split, cell, scale, source } = options;
  let pairs = await readSplitPairs(dataRoot, split, cell, scale);
  if (options.limit !== undefined) pairs = pairs.slice(0, options.limit);
  const predPathOf = (hr: string) => (source.kind === 'folder' ? join(source.dir, basename(hr)) : '');
  const needed = pairs.flatMap(([lr, hr]) =>
    source.kind === 'bicubic' ? [join(dataRoot, lr), join(dataRoot, hr)] : [join(dataRoot, hr), predPathOf(hr)],
  );
  const missing = await missingOf(needed);
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    throw new SrcacoError(
      'input',
      `${missing.length} file(s) listed for ${splitFolderName(split, scale, cell)} are missing: ${shown}` +
        (missing.length > 5 ? `, ... (${missing.length - 5} more)` : '') +
        (source.kind === 'folder' ? ` (predictions must be named like the HR patch files, in ${source.dir})` : ''),
    );
  }
  const jobs: PairJob[] = pairs.map(([lr, hr]) => ({
    hrPath: join(dataRoot, hr),
    predPath: source.kind === 'bicubic' ? join(dataRoot, lr) : predPathOf(hr),
    bicubic: source.kind === 'bicubic',
    scale,
    borderPx: options.borderPx,
    roiThresholds: options.roiThresholds,
  }));
  const imageOf = (k: number, m: PairMetrics): ImageMetrics => ({ id: basename(pairs[k]![1]), lr: pairs[k]![0], hr: pairs[k]![1], ...m });
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
