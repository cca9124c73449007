// ProSR through the library calls behind `srcaco train`, `eval --run` and `upscale --run`, at x2, x4 and x8 on CPU
// (demo preset, one update of the protocol loss on a tiny dataset): the levels' loss trains, the run folder's
// checkpoint evaluates and upscales a TIFF to the HR size.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { upscaleTiffFile } from '../../src/infer/upscale-file.js';
import { readTiff } from '../../src/io/tiff.js';
import { evaluateRun } from '../../src/train/run-eval.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { startRun } from '../../src/train/run.js';
import type { TrainConfig } from '../../src/train/run-config.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const out = await mkdtemp(join(tmpdir(), 'srcaco-prosr-'));
process.on('exit', () => void rm(out, { recursive: true, force: true }));

for (const scale of [2, 4, 8] as const) {
  test(`prosr x${scale} (demo preset): train one protocol-loss update, evaluate the run, upscale a TIFF with it`, async () => {
    const dataRoot = await writeTinyDataset({ scale, hrSide: 32, counts: { train: 2, val: 1, test: 1 } });
    const config = { method: 'prosr', preset: 'demo', cell: 'CELL2', scale, dataRoot, batchSize: 1, hrPatchPx: 16, loss: 'mse-ssim', steps: 1, valLimit: 1, workers: 0, threads: 1 };
    const run = await startRun(config as TrainConfig, { out, name: `x${scale}` });
    assert.equal(run.steps, 1);
    const { row } = await evaluateRun(run.runDir, { threads: 1 });
    assert.equal(row.method, 'ProSR');
    assert.equal(row.n, 1);
    const folder = await RunFolder.open(run.runDir);
    const lrDir = join(dataRoot, `hr_div_${scale}`);
    const lrFile = join(lrDir, (await readdir(lrDir))[0]!);
    const srFile = join(out, `sr_x${scale}.tif`);
    await upscaleTiffFile(lrFile, srFile, { model: folder.model, state: await folder.loadWeights('best'), threads: 1 });
    const [sr] = await readTiff(srFile);
    assert.deepEqual([sr!.width, sr!.height], [32, 32]);
  });
}
