import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tempDir } from '../prep/fixtures.js';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readDownstream } from '../../src/downstream/downstream.js';
import { downstreamSectionHtml } from '../../src/report/downstream-section.js';
import { prepDataset } from '../../src/prep/prep-dataset.js';
import { simulateDataset } from '../../src/sim/dataset.js';
import { steelTest } from '../../src/stats/steel.js';
import { IGNORE_AREA_PX } from '../../src/downstream/truth.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;

test('downstream on tiny simulated test tiles: truth from the simulator, counts, F1, Steel vs HR, overlays, CLI', async () => {
  const dir = await tempDir('downstream');
  const tiles = join(dir, 'tiles'), data = join(dir, 'data');
  // 768 px: one 640-px window per tile; 9, 10 and 14 are test tiles of the paper's split
  await simulateDataset({ outDir: tiles, ids: [9, 10, 14], sizeHrPx: 768, seed: 1, workers: 1 });
  await prepDataset({ tilesDir: tiles, outDir: data, workers: 0, qc: 0 });
  // prep carried the truth to the patches: beside l_h.txt of the CELL2 folders, cut nuclei flagged
  const split = JSON.parse(await readFile(join(data, 'caco2_test_X_4_in_128_out_512_cell_CELL2', 'nuclei.json'), 'utf8'));
  assert.ok(split.patches.length >= 2);
  assert.ok(split.patches.some((p: { nuclei: Array<{ cut: boolean }> }) => p.nuclei.some((n) => n.cut) && p.nuclei.some((n) => !n.cut)));
  const out = join(dir, 'ds');
  // the command line (one run: the in-process API is what it calls)
  const cli = spawnSync(process.execPath, [bin, 'downstream', '--data', data, '--cell', 'CELL2', '--scale', '4', '--methods', 'bicubic', '--n', '5', '--out', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const result = await readDownstream(join(out, 'downstream.json'));
  assert.equal(result.reference, 'simulator truth');
  // the default detector is the shipped StarDist-style one; --detector classical is the LoG + watershed one
  assert.match(result.detector, /StarDist-style U-Net \(shipped weights.*prob > 0\.6, NMS 0\.4/);
  const classical = spawnSync(process.execPath, [bin, 'downstream', '--data', data, '--cell', 'CELL2', '--scale', '4', '--methods', 'bicubic', '--n', '2', '--detector', 'classical', '--out', join(dir, 'ds-classical')], { encoding: 'utf8' });
  assert.equal(classical.status, 0, classical.stderr);
  assert.match((await readDownstream(join(dir, 'ds-classical', 'downstream.json'))).detector, /^classical: /);
  assert.ok(result.images.length >= 2, `${result.images.length} images`);
  assert.deepEqual(result.methods.map((m) => m.name), ['HR', 'bicubic']);
  const [hr, bicubic] = result.methods as [typeof result.methods[0], typeof result.methods[0]];
  assert.ok(result.images.every((im) => (im.truthCount ?? 0) > 0));
  // all patches drawn (n > patches): each one's counted truth is its listed nuclei less the grazed caps
  assert.deepEqual(result.images.map((im) => im.truthCount), split.patches.map((p: { nuclei: Array<{ areaPx: number }> }) => p.nuclei.filter((n) => n.areaPx >= IGNORE_AREA_PX).length));
  // the detector on HR finds the simulated nuclei, and the counts are its detections per image
  assert.ok(hr.match.f1 >= 0.75, `HR F1 ${hr.match.f1}`);
  assert.ok(bicubic.match.f1 > 0, `bicubic F1 ${bicubic.match.f1}`);
  assert.equal(hr.counts.length, result.images.length);
  // detections matched to grazed caps (ignored truth) count neither way, so matching sees at most the count
  assert.ok(hr.match.predicted <= hr.counts.reduce((a, b) => a + b, 0));
  assert.equal(hr.match.reference, result.images.reduce((a, im) => a + im.truthCount!, 0));
  assert.equal(hr.steel, undefined);
  const steel = steelTest(hr.counts, [bicubic.counts], { alternative: 'two-sided' });
  assert.deepEqual(bicubic.steel, { statistic: steel.statistics[0], pValue: steel.pValues[0], differs: steel.pValues[0]! < 0.05 });
  assert.equal(result.steel.method, 'exact');
  assert.equal(result.overlays.length, 2);
  for (const o of result.overlays) assert.ok(existsSync(join(out, o.file)), o.file);
  const html = downstreamSectionHtml(result, result.overlays);
  assert.match(html, /<svg[^>]*aria-label="nuclei per image/);
  assert.match(html, /<td>bicubic<\/td>/);
  // the report folds the section in, overlays copied beside index.html
  const v = { psnr: 30, nrmse: 0.05, ssim: 0.8, mse: 2 };
  const rowFile = join(dir, 'Bicubic_CELL2_x4_test.json');
  await writeFile(rowFile, JSON.stringify({ method: 'Bicubic', cell: 'CELL2', scale: 4, split: 'test', n: 2, nRoiEmpty: 0, roi: v, full: v, roiOriginal: v }));
  const report = spawnSync(process.execPath, [bin, 'report', '--results', rowFile, '--downstream', join(out, 'downstream.json'), '--out', join(dir, 'report')], { encoding: 'utf8' });
  assert.equal(report.status, 0, report.stderr);
  const index = await readFile(join(dir, 'report', 'index.html'), 'utf8');
  assert.match(index, /id="downstream"/);
  for (const o of result.overlays) assert.ok(existsSync(join(dir, 'report', 'downstream', o.file)), o.file);
  // a run folder that is not there is one clear line
  const bad = spawnSync(process.execPath, [bin, 'downstream', '--data', data, '--cell', 'CELL2', '--scale', '4', '--methods', join(dir, 'nope'), '--out', join(dir, 'bad')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});
