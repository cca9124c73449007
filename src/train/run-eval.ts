/**
 * `srcaco eval --run DIR`: the run's best checkpoint on a split (test by default), full 512² patches, the
 * metrics code, the Tables 4/5 row written into the run folder (and optionally the predictions as TIFFs).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { Device } from '../engine/runtime.js';
import { planeOf } from '../image/plane.js';
import { loadRunModel } from '../infer/weights.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { SplitName, SrScale, Cell } from '../io/layout.js';
import { writeTiff } from '../io/tiff.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import { quantizeTo255 } from '../metrics/quantize.js';
import { modelDisplayName } from '../models/registry.js';
import { readRunConfig } from './run.js';
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
  onImage?: (done: number, total: number) => void;
}

/** Evaluates a run folder's best checkpoint; writes `DIR/eval/<method>_<cell>_x<s>_<split>.json` and `.jsonl`. */
export async function evaluateRun(dir: string, o: EvaluateRunOptions = {}): Promise<{ images: ImageMetrics[]; row: ResultRow; rowPath: string }> {
  const config = await readRunConfig(dir);
  const { model, state } = await loadRunModelChecked(dir);
  const split = o.split ?? 'test';
  const pairs = await loadSplitPairs(o.dataRoot ?? config.dataRoot, split, config.cell as Cell, config.scale as SrScale, o.limit);
  if (o.predDir) await mkdir(o.predDir, { recursive: true });
  const { images, row } = await measureModel(model, state, pairs, {
    method: o.name ?? modelDisplayName(config.method),
    cell: config.cell,
    split,
    device: o.device ?? config.device,
    threads: o.threads ?? config.threads,
    onImage: async (k, total, pair, pred) => {
      if (o.predDir) await writeTiff(join(o.predDir, pair.id), [planeOf(pred.width, pred.height, quantizeTo255(pred, 'prediction'))], { compression: 'deflate' });
      o.onImage?.(k + 1, total);
    },
  });
  const evalDir = join(dir, 'eval');
  await mkdir(evalDir, { recursive: true });
  const stem = join(evalDir, `${row.method.replace(/[^A-Za-z0-9._-]+/g, '_')}_${row.cell}_x${row.scale}_${split}`);
  await writeFileAtomic(`${stem}.jsonl`, images.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await writeFileAtomic(`${stem}.json`, `${JSON.stringify(row, null, 2)}\n`);
  return { images, row, rowPath: `${stem}.json` };
}

/** loadRunModel with the message a user needs when the run never saved a best checkpoint. */
async function loadRunModelChecked(dir: string) {
  try {
    return await loadRunModel(dir);
  } catch (e) {
    if (e instanceof SrcacoError && /cannot read the safetensors/.test(e.message)) {
      throw new SrcacoError('input', `the run has no best checkpoint yet (best.safetensors): train it until its first validation`, { path: dir, cause: e });
    }
    throw e;
  }
}
