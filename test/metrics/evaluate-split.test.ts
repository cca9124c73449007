import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff.js';
import { evaluateSplit } from '../../src/metrics/evaluate-split.js';
import { pairMetrics } from '../../src/metrics/pair-metrics.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';
import { resizeBicubic } from '../../src/image/resize-bicubic.js';
import { isSrcacoError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const split = 'caco2_test_X_2_in_256_out_512_cell_CELL2';

/** A tiny data root: 3 HR patches (40x40) with their LR (20x20) and an l_h.txt; patch 2 has an empty ROI. */
async function makeDataset(): Promise<{ root: string; hr: Plane<Uint8Array>[]; lr: Plane<Uint8Array>[]; names: string[] }> {
  const root = mkdtempSync(join(tmpdir(), 'srcaco-eval-'));
  const rng = new Rng(11);
  mkdirSync(join(root, 'hr_div_1'));
  mkdirSync(join(root, 'hr_div_2'));
  mkdirSync(join(root, split));
  const hr: Plane<Uint8Array>[] = [];
  const lr: Plane<Uint8Array>[] = [];
  const names: string[] = [];
  const lines: string[] = [];
  for (let k = 0; k < 3; k++) {
    const h = planeOf(40, 40, new Uint8Array(1600).map(() => (k === 2 ? rng.int(4) : rng.uniform() < 0.5 ? 4 + rng.int(200) : rng.int(4))));
    const down = resizeBicubic(h, 20, 20, { antialias: true });
    const l = planeOf(20, 20, Uint8Array.from(down.data, (v) => Math.min(255, Math.max(0, Math.round(v + rng.normal() * 3)))));
    const name = `tile_HighRes1024-9_${k}_0_640_0_640_CELL2.tif`;
    await writeTiff(join(root, 'hr_div_1', name), [h]);
    await writeTiff(join(root, 'hr_div_2', `tile_LowRes512-9_${k}_0_320_0_320_CELL2.tif`), [l]);
    lines.push(`hr_div_2/tile_LowRes512-9_${k}_0_320_0_320_CELL2.tif,hr_div_1/${name}`);
    hr.push(h);
    lr.push(l);
    names.push(name);
  }
  writeFileSync(join(root, split, 'l_h.txt'), lines.join('\n') + '\n');
  return { root, hr, lr, names };
}

test('bicubic evaluation: per-image metrics of the baseline, empty ROI counted apart', async () => {
  const ds = await makeDataset();
  try {
    const seen: number[] = [];
    const { images, row } = await evaluateSplit({
      dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'bicubic' },
      onImage: (done) => seen.push(done),
    });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(row.method, 'Bicubic');
    assert.deepEqual([row.n, row.nRoiEmpty, row.cell, row.scale, row.split], [3, 1, 'CELL2', 2, 'test']);
    for (let k = 0; k < 3; k++) {
      const want = pairMetrics(bicubicBaseline(ds.lr[k]!, 2), ds.hr[k]!, { scale: 2 });
      assert.deepEqual(images[k]!.full, want.full);
      assert.equal(images[k]!.id, ds.names[k]);
    }
    // the baseline differs from a plain (non-antialiased) bicubic
    const plain = resizeBicubic(planeOf(20, 20, Float32Array.from(ds.lr[0]!.data, (v) => v / 255)), 40, 40);
    assert.notDeepEqual(pairMetrics(plain, ds.hr[0]!, { scale: 2 }).full, images[0]!.full);
    const mean = (a: number, b: number) => (a + b) / 2;
    assert.ok(Math.abs(row.roi.psnr! - mean(images[0]!.roi.psnr, images[1]!.roi.psnr)) < 1e-12);
    assert.ok(Math.abs(row.roiOriginal.psnr! - (images[0]!.roi.psnr + images[1]!.roi.psnr + images[2]!.roi.psnr) / 3) < 1e-12);
    assert.ok(row.roiOriginal.psnr! > 150, 'the original averages the ~498 dB of the empty ROI in');
    assert.ok(Math.abs(row.full.ssim! - (images[0]!.full.ssim + images[1]!.full.ssim + images[2]!.full.ssim) / 3) < 1e-12);
    // two worker threads give the same images in the same order
    const pooled = await evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'bicubic' }, workers: 2 });
    assert.deepEqual(pooled.images, images);
    assert.deepEqual(pooled.row, row);
  } finally {
    rmSync(ds.root, { recursive: true, force: true });
  }
});

test('prediction folder: files named like the HR patches; missing files listed in one error', async () => {
  const ds = await makeDataset();
  const pred = join(ds.root, 'pred');
  mkdirSync(pred);
  try {
    await writeTiff(join(pred, ds.names[0]!), [ds.hr[0]!]);
    await writeTiff(join(pred, ds.names[1]!), [planeOf(40, 40, Float32Array.from(ds.hr[1]!.data, (v) => v / 255))]);
    await assert.rejects(
      evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'folder', dir: pred } }),
      (e: unknown) => isSrcacoError(e) && /1 file\(s\) listed .* missing: .*_2_0_640_0_640_CELL2\.tif .*named like the HR patch/.test(e.message),
    );
    const { row } = await evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'folder', dir: pred }, limit: 2 });
    assert.equal(row.method, 'pred');
    assert.equal(row.full.mse, 0); // uint8 and float32 copies of the HR both quantise back to it
    await assert.rejects(
      evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL0', scale: 2, source: { kind: 'bicubic' } }),
      (e: unknown) => isSrcacoError(e) && /cannot read the split list/.test(e.message),
    );
    await writeTiff(join(pred, ds.names[0]!), [planeOf(20, 20, new Uint8Array(400))]);
    await assert.rejects(
      evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'folder', dir: pred }, limit: 1 }),
      (e: unknown) => isSrcacoError(e) && /prediction is 20x20 .* must be 40x40/.test(e.message),
    );
    await writeTiff(join(ds.root, 'hr_div_1', ds.names[0]!), [planeOf(40, 40, new Uint16Array(1600))]);
    await assert.rejects(
      evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'bicubic' }, limit: 1 }),
      (e: unknown) => isSrcacoError(e) && /ground truth is 16-bit/.test(e.message),
    );
    // the same error from a worker thread keeps its kind and message
    await assert.rejects(
      evaluateSplit({ dataRoot: ds.root, split: 'test', cell: 'CELL2', scale: 2, source: { kind: 'bicubic' }, workers: 2 }),
      (e: unknown) => isSrcacoError(e) && e.kind === 'input' && /_0_0_640_0_640_CELL2\.tif: the ground truth is 16-bit/.test(e.message),
    );
  } finally {
    rmSync(ds.root, { recursive: true, force: true });
  }
});

test('CLI: eval writes the row and details, table lays them out, metrics prints one pair', async () => {
  const ds = await makeDataset();
  try {
    const out = join(ds.root, 'results');
    const r = spawnSync(process.execPath, [bin, 'eval', '--data', ds.root, '--cell', 'CELL2', '--scale', '2', '--method', 'bicubic', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const row = JSON.parse(readFileSync(join(out, 'Bicubic_CELL2_x2_test.json'), 'utf8'));
    assert.deepEqual([row.n, row.nRoiEmpty], [3, 1]);
    assert.equal(readFileSync(join(out, 'Bicubic_CELL2_x2_test.jsonl'), 'utf8').trim().split('\n').length, 3);
    // a second method row, better everywhere, to check the bold marks
    const better = { ...row, method: 'Ours', roi: { ...row.roi, psnr: row.roi.psnr + 1, nrmse: row.roi.nrmse / 2 }, full: { ...row.full, ssim: 0.999 } };
    writeFileSync(join(out, 'ours.json'), JSON.stringify(better));
    const t = spawnSync(process.execPath, [bin, 'table', out], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /\| Bicubic \| X2 \|  \|  \| \d+\.\d\d \|/); // CELL0/1 absent, CELL2 present
    assert.match(t.stdout, new RegExp(`\\| Ours \\| X2 \\|  \\|  \\| \\*\\*${(row.roi.psnr + 1).toFixed(2)}\\*\\*`));
    const m = spawnSync(process.execPath, [bin, 'metrics', join(ds.root, 'hr_div_1', ds.names[2]!), join(ds.root, 'hr_div_1', ds.names[2]!), '--scale', '2', '--json'], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    const pm = JSON.parse(m.stdout);
    assert.equal(pm.roiEmpty, true);
    assert.equal(pm.full.mse, 0);
    const bad = spawnSync(process.execPath, [bin, 'eval', '--data', ds.root, '--cell', 'CELL2', '--scale', '3', '--method', 'bicubic'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^srcaco: --scale must be one of 2, 4, 8, received '3'\n$/);
  } finally {
    rmSync(ds.root, { recursive: true, force: true });
  }
});
