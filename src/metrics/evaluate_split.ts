import { access, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { readTiff } from '../io/tiff.js';
import { PAIR_LIST_FILES, parsePairList, splitFolderName, type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { aggregateMetrics, type ImageMetrics, type ResultRow } from './aggregate.js';
import { bicubicBaseline } from './bicubic_baseline.js';
import { pairMetrics, type PairMetricsOptions } from './pair_metrics.js';
import { SsimScratch } from './ssim_map.js';

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
  /** Called after each image (progress bars). */
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

async function readSinglePlane(path: string, what: string): Promise<Plane> {
  const planes = await readTiff(path);
  if (planes.length !== 1) {
    throw new SrcacoError('input', `the ${what} has ${planes.length} planes; one plane (one marker) is expected`, { path });
  }
  return planes[0]!;
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
  const metricOptions: PairMetricsOptions = {
    scale,
    borderPx: options.borderPx,
    roiThresholds: options.roiThresholds,
    scratch: new SsimScratch(),
  };
  const images: ImageMetrics[] = [];
  for (const [lr, hr] of pairs) {
    const hrPath = join(dataRoot, hr);
    const truth = await readSinglePlane(hrPath, 'HR patch');
    let pred: Plane;
    let predPath: string;
    if (source.kind === 'bicubic') {
      predPath = join(dataRoot, lr);
      const low = await readSinglePlane(predPath, 'LR patch');
      if (low.width * scale !== truth.width || low.height * scale !== truth.height) {
        throw new SrcacoError(
          'data',
          `the LR patch is ${low.width}x${low.height}; x${scale} of it must be the HR size ${truth.width}x${truth.height}, so it should be ${truth.width / scale}x${truth.height / scale}`,
          { path: predPath },
        );
      }
      pred = bicubicBaseline(low, scale, predPath);
    } else {
      predPath = predPathOf(hr);
      pred = await readSinglePlane(predPath, 'prediction');
    }
    const m = pairMetrics(pred, truth, { ...metricOptions, predPath, truthPath: hrPath });
    const image: ImageMetrics = { id: basename(hr), lr, hr, ...m };
    images.push(image);
    options.onImage?.(images.length, pairs.length, image);
  }
  const method = options.method ?? (source.kind === 'bicubic' ? 'Bicubic' : basename(source.dir));
  return { images, row: aggregateMetrics(images, { method, cell, scale, split }) };
}
