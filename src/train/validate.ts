/**
 * Measuring a model on whole patches, in memory: full-image inference (the 512² patches run whole, as the
 * original evaluates them), then the metrics code per image and the Tables 4/5 row. Used for model selection
 * during training (first 128 validation patches) and for `srcaco eval --run` on the test split.
 */
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import type { Plane } from '../image/plane.js';
import { Upscaler } from '../infer/upscaler.js';
import { type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { checkPairSizes, readSplitPairs } from '../io/split-pairs.js';
import { aggregateMetrics, type ImageMetrics, type ResultRow } from '../metrics/aggregate.js';
import { readSinglePlane } from '../metrics/measure-pair.js';
import { pairMetrics } from '../metrics/pair-metrics.js';
import { SsimScratch } from '../metrics/ssim-map.js';
import type { Model } from '../models/model.js';

/** One whole LR/HR patch pair of a split, with its id (the HR file name). */
export interface SplitPair {
  id: string;
  lr: Plane;
  hr: Plane;
  lrPath?: string;
  hrPath?: string;
}

/** Reads the first `limit` pairs (all without it) of a split list into memory. */
export async function loadSplitPairs(dataRoot: string, split: SplitName, cell: Cell, scale: SrScale, limit?: number): Promise<SplitPair[]> {
  const pairs: SplitPair[] = [];
  for (const { id, lrPath, hrPath } of await readSplitPairs(dataRoot, split, cell, scale, limit)) {
    const lr = await readSinglePlane(lrPath, 'LR patch');
    const hr = await readSinglePlane(hrPath, 'HR patch');
    checkPairSizes(lr, hr, scale, { lrPath, hrPath });
    pairs.push({ id, lr, hr, lrPath, hrPath });
  }
  return pairs;
}

export interface MeasureModelOptions {
  method: string;
  cell: string;
  split: string;
  device?: Device;
  threads?: number;
  /** Called with each prediction (in [0, 1], HR size) after it is measured: to save it or show progress. */
  onImage?: (index: number, total: number, pair: SplitPair, prediction: Plane<Float32Array>) => void | Promise<void>;
}

/** Runs `model` with `state` on every pair and aggregates the metrics into a result row. */
export async function measureModel(model: Model, state: StateDict, pairs: readonly SplitPair[], o: MeasureModelOptions): Promise<{ images: ImageMetrics[]; row: ResultRow }> {
  const upscaler = new Upscaler(model, state, { device: o.device, threads: o.threads });
  const scratch = new SsimScratch();
  const images: ImageMetrics[] = [];
  try {
    for (const [k, p] of pairs.entries()) {
      upscaler.checkLrSize(p.lr.width, p.lr.height, p.lrPath);
      const pred = await upscaler.upscale(p.lr);
      images.push({ id: p.id, lr: p.lrPath, hr: p.hrPath, ...pairMetrics(pred, p.hr, { scale: model.scale, scratch, predPath: p.id, truthPath: p.hrPath }) });
      await o.onImage?.(k, pairs.length, p, pred);
    }
  } finally {
    await upscaler.release();
  }
  return { images, row: aggregateMetrics(images, { method: o.method, cell: o.cell, scale: model.scale, split: o.split }) };
}

