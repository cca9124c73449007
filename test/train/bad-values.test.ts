// Issue 20's bad values at training and evaluation: a split list pairing an LR with an HR of another size, and
// weights of another architecture or scale given to `eval --run` and `upscale --weights`: one SrcacoError each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState, stateToSafetensors } from '../../src/engine/nn/state.js';
import { SrcacoError } from '../../src/errors.js';
import { planeOf } from '../../src/image/plane.js';
import { loadModelWeights } from '../../src/infer/weights.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { readSplitPairs } from '../../src/io/split-pairs.js';
import { writeTiff } from '../../src/io/tiff.js';
import { buildModel } from '../../src/models/registry.js';
import { startRun } from '../../src/train/run.js';
import type { TrainConfig } from '../../src/train/run-config.js';
import { evaluateRun } from '../../src/train/run-eval.js';
import { Rng } from '../../src/util/random.js';
import { writeTinyDataset } from './run-fixture.js';

const out = await mkdtemp(join(tmpdir(), 'srcaco-bad-values-'));
const roots: string[] = [];
test.after(async () => {
  for (const d of [out, ...roots]) await rm(d, { recursive: true, force: true });
});

const config = (dataRoot: string, over: Partial<TrainConfig> = {}): TrainConfig =>
  ({ method: 'srcnn915', cell: 'CELL2', scale: 2, dataRoot, batchSize: 2, hrPatchPx: 16, loss: 'mse', lr: 0.01, valLimit: 1, workers: 0, threads: 1, logEvery: 1, steps: 1, valEvery: 1, ...over }) as TrainConfig;

/** A tiny dataset whose first pair of `split` has an LR one pixel too narrow; returns the root and that LR's path. */
async function mismatchedDataset(split: 'train' | 'test'): Promise<{ root: string; lrPath: string }> {
  const root = await writeTinyDataset({ hrSide: 32, counts: { train: 2, val: 1, test: 1 } });
  roots.push(root);
  const [first] = await readSplitPairs(root, split, 'CELL2', 2);
  await writeTiff(first!.lrPath, [planeOf(15, 16, new Uint8Array(15 * 16).fill(50))]);
  return { root, lrPath: first!.lrPath };
}

const isPairError = (lrPath: string) => (e: unknown) => {
  assert.ok(e instanceof SrcacoError && e.kind === 'data' && e.path === lrPath, String(e));
  assert.match(e.message, /the LR patch is 15x16 but x2 must give its HR patch's 32x32 \(.*\.tif\), so it should be 16x16/);
  return true;
};

test('a split list pairing an LR with an HR of another size stops training with one error naming the LR file', async () => {
  const { root, lrPath } = await mismatchedDataset('train');
  await assert.rejects(startRun(config(root, { valEvery: 100 }), { out, name: 'bad-train' }), isPairError(lrPath));
});

test('the same at evaluation (eval --run): one error naming the LR file', async () => {
  const { root, lrPath } = await mismatchedDataset('test');
  const run = await startRun(config(root), { out, name: 'bad-eval' });
  await assert.rejects(evaluateRun(run.runDir), isPairError(lrPath));
});

test('weights of another architecture or scale are refused by eval --run and upscale --weights', async () => {
  const root = await writeTinyDataset({ hrSide: 32, counts: { train: 2, val: 1, test: 1 } });
  roots.push(root);
  const a = await startRun(config(root), { out, name: 'srcnn915-x2' });
  const b = await startRun(config(root, { method: 'vdsr' }), { out, name: 'vdsr-x2' });
  const bestOf = (dir: string) => join(dir, 'best.safetensors');

  // Another architecture: the tensors do not fit.
  const vdsr = buildModel('vdsr', { scale: 2 });
  await assert.rejects(loadModelWeights(vdsr, bestOf(a.runDir)), (e: unknown) => {
    assert.ok(e instanceof SrcacoError && e.kind === 'input' && e.path === bestOf(a.runDir), String(e));
    assert.match(e.message, /these weights do not fit vdsr x2: .*Are they from another architecture/);
    return true;
  });
  await copyFile(bestOf(a.runDir), bestOf(b.runDir));
  await assert.rejects(evaluateRun(b.runDir), (e: unknown) => e instanceof SrcacoError && e.kind === 'input' && e.path === bestOf(b.runDir) && /do not fit vdsr x2/.test(e.message));

  // Another scale with the same shapes (SRCNN's weights do not depend on it): only the recorded scale tells.
  const x4 = buildModel('srcnn915', { scale: 4 });
  await assert.rejects(loadModelWeights(x4, bestOf(a.runDir)), /these weights are srcnn915 x2, not srcnn915 x4/);
  // A file with no record (e.g. written by another tool) cannot be told from its shapes: it is taken.
  const bare = join(out, 'bare.safetensors');
  await writeSafetensors(bare, stateToSafetensors(initState(buildModel('srcnn915', { scale: 2 }).specs, new Rng(0))));
  assert.ok((await loadModelWeights(x4, bare))['features.0.weight']);
  // And the right model reads its own file (the checks above can pass).
  assert.ok((await loadModelWeights(buildModel('srcnn915', { scale: 2 }), bestOf(a.runDir)))['features.0.weight']);
});
