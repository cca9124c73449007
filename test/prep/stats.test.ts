import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { identityAligner } from '../../src/prep/align-window.js';
import { prepDataset, readManifest } from '../../src/prep/prep-dataset.js';
import { datasetStats } from '../../src/prep/stats.js';
import { absLaplacian, bicubicLr } from '../../src/prep/stats-lr.js';
import { syntheticTile, tempDir, writeTilesFolder } from './fixtures.js';

test('|Laplacian| and bicubic LR on planes with known answers', () => {
  // f(x, y) = x^2 + 3y: Laplacian = 2 everywhere inside
  const w = 5;
  const data = Array.from({ length: 25 }, (_, i) => (i % w) ** 2 + 3 * Math.floor(i / w));
  assert.deepEqual([...absLaplacian(data, 5, 5)], new Array(9).fill(2));
  const flat = bicubicLr(planeOf(16, 16, new Uint8Array(256).fill(77)), 4);
  assert.deepEqual([...flat], new Array(16).fill(77));
});

test('stats: Table 1 and Table 6 agree with direct counts; real-vs-bicubic histograms cover every LR pixel', async () => {
  const tiles = await tempDir('tiles');
  const t9 = syntheticTile(1160, 9, 60);
  const t2 = syntheticTile(1160, 2, 90);
  await writeTilesFolder(tiles, new Map([[2, t2], [9, t9]]));
  const out = await tempDir('patches');
  await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, align: identityAligner });
  const entries = await readManifest(out);
  const r = await datasetStats(out, { samplePatches: 3 });

  const patches = (t: number) => new Set(entries.filter((e) => e.tile === t).map((e) => e.patchId)).size;
  assert.deepEqual(r.table1.tiles, { train: 1, val: 0, test: 1, total: 2 });
  assert.deepEqual(r.table1.patches, { train: patches(2), val: 0, test: patches(9), total: patches(2) + patches(9) });
  const hr = r.table1.resolutions[0]!;
  assert.deepEqual([hr.scale, hr.tileWidthPx, hr.patchPx], [1, 1160, 512]);
  assert.equal(hr.patchFileBytes, (await stat(join(out, entries[0]!.hr))).size);
  assert.equal(r.table1.resolutions[3]!.tileWidthPx, 145);

  assert.deepEqual(r.table6.map((x) => [x.tile, x.split]), [[9, 'test'], [2, 'train']]);
  for (const row of r.table6) {
    const planes = (row.tile === 9 ? t9 : t2)[1];
    planes.forEach((p, c) => {
      const fg = p.data.filter((v) => v >= 4).length;
      assert.ok(Math.abs(row.foregroundPct[c]! - (100 * fg) / p.data.length) < 1e-9);
    });
  }
  const md = await readFile(join(out, 'stats', 'table6.md'), 'utf8');
  assert.ok(md.includes(`| HighRes1024-9.tif | 1160x1160 | ${r.table6[0]!.foregroundPct.map((f) => `${f.toFixed(2)}/${(100 - f).toFixed(2)}`).join(' | ')} |`));

  assert.deepEqual(r.realVsBicubic.map((c) => [c.scale, c.patches]), [[2, 3], [4, 3], [8, 3]]);
  for (const c of r.realVsBicubic) {
    const side = 512 / c.scale;
    assert.equal(c.absDiff.total, 3 * side * side);
    assert.equal(c.laplacianReal.total, 3 * (side - 2) ** 2);
    // block means (real LR here) are smoother than nothing but differ from bicubic: some difference, not all
    assert.ok(c.meanAbsDiff > 0 && c.absDiff.counts[0]! > 0);
  }
  const svg = await readFile(join(out, 'stats', 'real-vs-bicubic-x4-laplacian.svg'), 'utf8');
  assert.equal(svg.match(/<polyline /g)?.length, 2);
});
