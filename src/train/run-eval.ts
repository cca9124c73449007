/**
 * `srcaco eval --run DIR`: the run's best checkpoint on a split (test by default), full 512² patches, the
 * metrics code, the Tables 4/5 row written into the run folder (and optionally the predictions as TIFFs).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '../engine/runtime.js';
import { SrcacoError } from '../errors.js';
import { planeOf } from '../image/plane.js';
import type { SplitName } from '../io/layout.js';
import { writeTiff } from '../io/tiff.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import { quantizeTo255 } from '../metrics/quantize.js';
import { applyNlsnRotations } from '../models/nlsn-rotations.js';
import { modelDisplayName } from '../models/registry.js';
import { removeTemporaries } from '../io/atomic.js';
import { lockFolder } from '../io/folder-lock.js';
import { RunFolder } from './run-folder.js';
import { loadSplitPairs, measureModel } from './validate.js';

export interface EvaluateRunOptions {
  split?: SplitName;
  /** Data root (default: the one the run trained on). */
  dataRoot?: string;
  limit?: number;
  device?: Device;
  threads?: number;
  /** Also write each prediction (uint8, the evaluation's quantisation) named like its HR patch here. */
  predDir?: string;
  /** Method name in the row (default: the paper's spelling of the run's method). */
  name?: string;
  /** An nlsn run's hash rotations from this `.npy` file instead of the fixed seeded draw (`--nlsn-rotations`). */
  nlsnRotations?: string;
  onImage?: (done: number, total: number) => void;
}

/** Evaluates a run folder's best checkpoint; writes `DIR/eval/<method>_<cell>_x<s>_<split>.json` and `.jsonl`. */
export async function evaluateRun(dir: string, o: EvaluateRunOptions = {}): Promise<{ images: ImageMetrics[]; row: ResultRow; rowPath: string }> {
  const run = await RunFolder.open(dir);
  // A run srcaco trained or one imported from the original code: both say their cell; an import may not know the data.
  const config = run.config;
  if (config.cell === undefined) throw new SrcacoError('input', 'the run configuration has no "cell": this folder holds a model, not a training run', { path: run.configPath });
  const dataRoot = o.dataRoot ?? config.dataRoot;
  if (dataRoot === undefined) throw new SrcacoError('usage', `give --data: the run does not say where its data is (${run.configPath})`, { option: '--data' });
  // eval/ has one writer at a time (training does not write it, so a run can be evaluated while it trains).
  await mkdir(run.evalDir, { recursive: true });
  const lock = await lockFolder(run.evalDir, 'eval');
  try {
    await removeTemporaries(run.evalDir);
    return await evaluateLocked(run, { ...config, cell: config.cell, dataRoot }, o);
  } finally {
    await lock.release();
  }
}

async function evaluateLocked(
  run: RunFolder,
  config: RunFolder['config'] & { cell: NonNullable<RunFolder['config']['cell']>; dataRoot: string },
  o: EvaluateRunOptions,
): Promise<{ images: ImageMetrics[]; row: ResultRow; rowPath: string }> {
  const { dataRoot } = config;
  const state = await run.loadWeights('best');
  const split = o.split ?? 'test';
  const pairs = await loadSplitPairs(dataRoot, split, config.cell, config.scale, o.limit);
  if (o.predDir) await mkdir(o.predDir, { recursive: true });
  const model = applyNlsnRotations(run.model, o.nlsnRotations);
  const { images, row } = await measureModel(model, state, pairs, {
    method: o.name ?? modelDisplayName(config.method),
    cell: config.cell,
    split,
    device: o.device ?? config.device ?? 'cpu',
    threads: o.threads ?? config.threads,
    onImage: async (k, total, pair, pred) => {
      if (o.predDir) await writeTiff(join(o.predDir, pair.id), [planeOf(pred.width, pred.height, quantizeTo255(pred, 'prediction'))], { compression: 'deflate' });
      o.onImage?.(k + 1, total);
    },
  });
  return { images, row, rowPath: await run.writeEval(images, row) };
}
