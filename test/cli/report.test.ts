// `srcaco report`: eval's row files (and a crops folder) to a report folder; clear one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createPlane, planeOf } from '../../src/image/plane.js';
import type { ResultRow } from '../../src/metrics/aggregate.js';
import { readCropSets, writeCropSets } from '../../src/report/crop-files.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'srcaco-report-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function row(method: string, cell: string, scale: number, psnr: number, split = 'test'): ResultRow {
  const v = { psnr, nrmse: 0.05, ssim: 0.8, mse: 2 };
  return { method, cell, scale, split, n: 4, nRoiEmpty: 1, roi: v, full: { ...v, psnr: psnr + 5 }, roiOriginal: v };
}

test('srcaco report reads eval row files and a crops folder and writes index.html, results.json and PNGs', async () => {
  const evalDir = join(dir, 'eval');
  mkdirSync(evalDir);
  for (const r of [row('Bicubic', 'CELL0', 2, 33.333), row('SRCNN', 'CELL0', 2, 34.444), row('SRCNN', 'CELL1', 4, 30.1)]) {
    const stem = join(evalDir, `${r.method}_${r.cell}_x${r.scale}_${r.split}`);
    writeFileSync(`${stem}.json`, JSON.stringify(r, null, 2));
    // The per-image lines eval writes beside each row: the report's intervals and paired tests read them.
    const images = [0, 1, 2, 3].map((i) => {
      const v = { psnr: r.roi.psnr! + 0.1 * i + (r.method === 'SRCNN' ? 0.01 * i : 0), nrmse: 0.05, ssim: 0.8, mse: 2 };
      return { id: `p${i}`, full: { ...v, psnr: v.psnr + 5 }, roi: v, roiEmpty: false, roiEmptyThresholds: [] };
    });
    writeFileSync(`${stem}.jsonl`, images.map((m) => JSON.stringify(m)).join('\n') + '\n');
  }
  const hr = planeOf(16, 16, Uint8Array.from({ length: 256 }, (_, i) => i % 200));
  const lr = createPlane(8, 8, 'uint8');
  const pred = planeOf(16, 16, Float32Array.from(hr.data, (v) => v / 255));
  const cropsDir = join(dir, 'crops-in');
  await writeCropSets(cropsDir, [{ cell: 'CELL0', scale: 2, patchId: 'tile_B_CELL0.tif', lr, hr, predictions: [{ method: 'SRCNN', image: pred }] }]);
  const back = await readCropSets(cropsDir);
  assert.deepEqual(back[0]!.hr.data, hr.data);
  assert.deepEqual(back[0]!.predictions[0]!.image.data, pred.data);

  const out = join(dir, 'report');
  const notes = join(dir, 'notes.json');
  writeFileSync(notes, JSON.stringify(['from a file', { title: 'Preset', data: { name: 'tiny' } }]));
  const r = run('report', '--results', evalDir, '--out', out, '--title', 'CLI report', '--crops', cropsDir, '--note', 'first note', '--notes-file', notes);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 rows, 1 crop sets/);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /<h1>CLI report<\/h1>/);
  assert.match(html, /<td>SRCNN<\/td><td>X2<\/td><td><b>34\.44<\/b><\/td>/);
  assert.match(html, /<td>Bicubic<\/td><td>X2<\/td><td>33\.33<\/td>/);
  assert.match(html, /SRCNN<br><span class="psnr">498\.13 dB<\/span>/, 'an exact prediction hits the PSNR floor');
  assert.match(html, /first note[\s\S]*from a file[\s\S]*<h3>Preset<\/h3>/);
  // SRCNN CELL0 x2 beats bicubic by 1.111 + 0.01·i dB on its 4 images: mean +1.126, and 2/16, the smallest exact
  // Wilcoxon p of 4 pairs, too large to call a gain.
  assert.match(html, /<h2 id="statistics">Intervals and paired tests<\/h2>/);
  assert.match(html, /<td>SRCNN<\/td><td>CELL0<\/td><td>X2<\/td><td>34\.61 <span class="ci">\[/);
  assert.match(html, /<td>\+1\.13 <span class="ci">\[\+1\.11, \+1\.15\]<\/span><\/td><td>0\.125<\/td>/);
  const stats = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Array<{ method: string; statistics?: { vsBaseline: Record<string, { p: number; verdict: string }> | null } }>)[1]!;
  assert.equal(stats.statistics!.vsBaseline!['roi.psnr']!.p, 0.125);
  assert.equal(stats.statistics!.vsBaseline!['roi.psnr']!.verdict, 'none');
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Array<{ method: string; full: { psnr: number } }>;
  assert.deepEqual(results.map((x) => [x.method, x.full.psnr]), [['Bicubic', 38.333], ['SRCNN', 39.444], ['SRCNN', 35.1]]);
  // results.json is itself valid input to srcaco table
  const t = run('table', join(out, 'results.json'), '--part', 'full');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /\| SRCNN \| X2 \| \*\*39\.44\*\* \|/);
});

test('srcaco report: mixed splits need --split; missing inputs fail with one line', () => {
  const mixed = join(dir, 'mixed.json');
  writeFileSync(mixed, JSON.stringify([row('A', 'CELL0', 2, 30), row('A', 'CELL0', 2, 31, 'val')]));
  const r = run('report', '--results', mixed, '--out', join(dir, 'mixed-out'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^srcaco: the result rows mix splits \(test, val\).*--split\)\n$/);
  const ok = run('report', '--results', mixed, '--out', join(dir, 'val-out'), '--split', 'val');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(readFileSync(join(dir, 'val-out', 'index.html'), 'utf8'), /<td>A<\/td><td>X2<\/td><td>31\.00<\/td>/);
  const none = run('report', '--results', join(dir, 'nope.json'), '--out', join(dir, 'x'));
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^srcaco: .*nope\.json: result file or folder not found\n$/);
  const crops = run('report', '--results', mixed, '--split', 'val', '--out', join(dir, 'y'), '--crops', join(dir, 'no-crops'));
  assert.equal(crops.status, 1);
  assert.match(crops.stderr, /crops\.json: cannot read the crop list .*--crops expects a folder with crops\.json/);
});
