import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState, type StateDict } from '../../src/engine/nn/index.js';
import { resizeBicubic } from '../../src/image/resize-bicubic.js';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { splitFolderName } from '../../src/io/layout.js';
import { writeTiff } from '../../src/io/tiff.js';
import { evaluateSplit } from '../../src/metrics/evaluate-split.js';
import type { Model } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';

/**
 * A tiny viewer world under one temporary folder: data/ (two 48x48 HR patches with their x2 LR, a test split
 * list for CELL2), runs/vdsr/r1 (a run folder: config.json and a best.onnx of a seeded VDSR), runs/srcnn915/r1
 * (a seeded SRCNN 9-5-5: a cv2-bicubic input and a halo of 6 LR px, small enough beside 24 LR px for a window run
 * to read less than the image) and eval/ (the bicubic row of the split). Small enough for a browser test.
 */
export interface ViewFixture {
  dir: string;
  data: string;
  runs: string;
  evalOut: string;
  split: string;
  hr: Plane<Uint8Array>[];
  lr: Plane<Uint8Array>[];
  /** Pair paths as the list writes them (relative to data/). */
  pairs: Array<{ lr: string; hr: string }>;
  runDir: string;
  /** The run's model and weights (best.onnx is their inference graph). */
  model: Model;
  state: StateDict;
  /** The SRCNN 9-5-5 run: its folder, model and weights. */
  small: { runDir: string; model: Model; state: StateDict };
}

export async function makeViewFixture(): Promise<ViewFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-view-'));
  const data = join(dir, 'data');
  const split = splitFolderName('test', 2, 'CELL2');
  for (const d of ['hr_div_1', 'hr_div_2', split]) mkdirSync(join(data, d), { recursive: true });
  const rng = new Rng(19);
  const hr: Plane<Uint8Array>[] = [];
  const lr: Plane<Uint8Array>[] = [];
  const pairs: Array<{ lr: string; hr: string }> = [];
  for (let k = 0; k < 2; k++) {
    // blobs of cells on a dark background, so the ROI (HR >= 4) is neither empty nor everything
    const h = planeOf(48, 48, new Uint8Array(48 * 48).map((_, i) => {
      const [x, y] = [i % 48, Math.floor(i / 48)];
      const v = 120 * Math.exp(-((x - 16 - 12 * k) ** 2 + (y - 24) ** 2) / 90) + 60 * Math.exp(-((x - 36) ** 2 + (y - 12 - 8 * k) ** 2) / 40);
      return Math.min(255, Math.round(v + rng.uniform() * 3));
    }));
    const down = resizeBicubic(h, 24, 24, { antialias: true });
    const l = planeOf(24, 24, Uint8Array.from(down.data, (v) => Math.min(255, Math.max(0, Math.round(v + rng.normal() * 2)))));
    const p = { lr: `hr_div_2/tile_LowRes512-3_${k}_0_320_0_320_CELL2.tif`, hr: `hr_div_1/tile_HighRes1024-3_${k}_0_640_0_640_CELL2.tif` };
    await writeTiff(join(data, p.hr), [h]);
    await writeTiff(join(data, p.lr), [l]);
    hr.push(h);
    lr.push(l);
    pairs.push(p);
  }
  writeFileSync(join(data, split, 'l_h.txt'), pairs.map((p) => `${p.lr},${p.hr}\n`).join(''));

  const runs = join(dir, 'runs');
  const runDir = join(runs, 'vdsr', 'r1');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ method: 'vdsr', scale: 2 }));
  const model = buildModel('vdsr', { scale: 2 });
  const state = initState(model.specs, new Rng(7));
  writeFileSync(join(runDir, 'best.onnx'), inferenceGraph(model, state));
  const small = { runDir: join(runs, 'srcnn915', 'r1'), model: buildModel('srcnn915', { scale: 2 }), state: {} as StateDict };
  small.state = initState(small.model.specs, new Rng(8));
  // its init's reconstruction, N(0, 0.001), outputs next to nothing, which clamps to 0: scaled up so a comparison sees an image
  (small.state['reconstruction.weight']!.data as Float32Array).forEach((v, i, a) => (a[i] = v * 100));
  (small.state['reconstruction.bias']!.data as Float32Array)[0] = 0.4;
  mkdirSync(small.runDir, { recursive: true });
  writeFileSync(join(small.runDir, 'config.json'), JSON.stringify({ method: 'srcnn915', scale: 2 }));
  writeFileSync(join(small.runDir, 'best.onnx'), inferenceGraph(small.model, small.state));

  const evalOut = join(dir, 'eval');
  mkdirSync(evalOut);
  const { images, row } = await evaluateSplit({ dataRoot: data, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'bicubic' }, workers: 1 });
  const stem = join(evalOut, `Bicubic_CELL2_x2_test`);
  writeFileSync(`${stem}.json`, JSON.stringify(row));
  writeFileSync(`${stem}.jsonl`, images.map((m) => JSON.stringify(m)).join('\n') + '\n');
  return { dir, data, runs, evalOut, split, hr, lr, pairs, runDir, model, state, small };
}
