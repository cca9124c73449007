// The HTML report: tables with the right numbers and bold, results.json, crops as PNGs with their PSNRs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSrcacoError } from '../../src/errors.js';
import { createPlane, planeOf } from '../../src/image/plane.js';
import type { ResultRow } from '../../src/metrics/aggregate.js';
import { buildReport } from '../../src/report/build-report.js';
import { decodePng } from '../image/png-decode.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CELLS = ['CELL0', 'CELL1', 'CELL2'];
const METHOD_BASE = { Bicubic: 30, SRCNN: 31, VDSR: 30.5 } as Record<string, number>;
/** Distinct, predictable numbers: VDSR beats SRCNN on CELL2 x4 only. */
function value(method: string, ci: number, scale: number) {
  let psnr = METHOD_BASE[method]! + ci * 0.25 - Math.log2(scale);
  if (method === 'VDSR' && ci === 2 && scale === 4) psnr += 2;
  return { psnr, nrmse: 0.2 - psnr / 1000, ssim: psnr / 50, mse: 1 };
}
const rows: ResultRow[] = [];
for (const method of Object.keys(METHOD_BASE)) {
  CELLS.forEach((cell, ci) =>
    [2, 4, 8].forEach((scale) => {
      const v = value(method, ci, scale);
      rows.push({ method, cell, scale, split: 'test', n: 20 + ci, nRoiEmpty: ci, roi: v, full: { ...v, psnr: v.psnr + 9 }, roiOriginal: v });
    }),
  );
}

/** The lines of the HTML table with this caption: [method, scale, ...cells as text] plus which cells are bold. */
function parseTable(html: string, caption: string): Array<{ cells: string[]; bold: boolean[] }> {
  const start = html.indexOf(`<caption>${caption}</caption>`);
  assert.ok(start >= 0, `table '${caption}' missing`);
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.matchAll(/<tr>(<td>.*?)<\/tr>/g)].map((m) => {
    const tds = [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((t) => t[1]!);
    return { cells: tds.map((t) => t.replace(/<\/?b>/g, '')), bold: tds.map((t) => t.startsWith('<b>')) };
  });
}

test('Tables 4 and 5 hold the rows numbers, cell means and bold on the best per scale', async () => {
  const out = join(dir, 'tables');
  const built = await buildReport({ rows, title: 'A <test> report', outDir: out, notes: ['Preset: tiny & fast.', { title: 'Config', data: { epochs: 2 } }] });
  const html = readFileSync(built.indexPath, 'utf8');
  assert.match(html, /<title>A &lt;test&gt; report<\/title>/);
  const roi = parseTable(html, 'ROI only, cells (Table 4)');
  assert.equal(roi.length, 9);
  const line = (t: typeof roi, m: string, s: number) => t.find((l) => l.cells[0] === m && l.cells[1] === `X${s}`)!;
  for (const [m, s] of [['SRCNN', 2], ['VDSR', 4], ['Bicubic', 8]] as const) {
    const l = line(roi, m, s);
    const psnrs = CELLS.map((_, ci) => value(m, ci, s).psnr);
    assert.deepEqual(l.cells.slice(2, 5), psnrs.map((p) => p.toFixed(2)));
    assert.equal(l.cells[5], (psnrs.reduce((a, b) => a + b) / 3).toFixed(2), 'PSNR mean');
    assert.equal(l.cells[6], value(m, 0, s).nrmse.toFixed(4), 'NRMSE CELL0');
    assert.equal(l.cells[12], value(m, 2, s).ssim.toFixed(4), 'SSIM CELL2');
  }
  // best per column within a scale, computed here from the inputs
  for (const s of [2, 4, 8]) {
    CELLS.forEach((_, ci) => {
      const best = Object.keys(METHOD_BASE).reduce((a, b) => (value(b, ci, s).psnr > value(a, ci, s).psnr ? b : a));
      for (const m of Object.keys(METHOD_BASE)) assert.equal(line(roi, m, s).bold[2 + ci], m === best, `${m} x${s} CELL${ci} bold`);
    });
  }
  assert.deepEqual(line(roi, 'VDSR', 4).bold.slice(2, 5), [false, false, true]);
  const full = parseTable(html, 'Full image (Table 5)');
  assert.equal(line(full, 'SRCNN', 2).cells[2], (value('SRCNN', 0, 2).psnr + 9).toFixed(2));
  assert.match(html, /<tr><td>VDSR<\/td>(<td>\d+ \(\d\)<\/td>){6}<td>22 \(2\)<\/td>/, 'counts: VDSR CELL2 x2 is n=22 with 2 empty ROIs');
  // Fig. 6: one polyline per method and cell
  assert.equal([...html.matchAll(/<polyline class="series"/g)].length, 9);
  // notes are escaped; data shown as JSON
  assert.match(html, /Preset: tiny &amp; fast\./);
  assert.match(html, /<h3>Config<\/h3><pre>\{\n {2}&quot;epochs&quot;: 2\n\}<\/pre>/);
  assert.ok(!html.includes('id="crops"'), 'no crop section without crops');
  assert.deepEqual(built.cropFiles, []);
});

test('results.json: one entry per method, cell and scale with ROI and full PSNR/NRMSE/SSIM and counts', async () => {
  const built = await buildReport({ rows, title: 'r', outDir: join(dir, 'json') });
  const results = JSON.parse(readFileSync(built.resultsPath, 'utf8')) as Array<Record<string, unknown>>;
  assert.equal(results.length, 27);
  for (const r of results) {
    assert.deepEqual(Object.keys(r), ['method', 'cell', 'scale', 'split', 'n', 'nRoiEmpty', 'roi', 'full']);
    assert.deepEqual(Object.keys(r.roi as object), ['psnr', 'nrmse', 'ssim']);
    assert.deepEqual(Object.keys(r.full as object), ['psnr', 'nrmse', 'ssim']);
  }
  const e = results.find((r) => r.method === 'VDSR' && r.cell === 'CELL2' && r.scale === 4)!;
  assert.deepEqual(e, {
    method: 'VDSR', cell: 'CELL2', scale: 4, split: 'test', n: 22, nRoiEmpty: 2,
    roi: { psnr: value('VDSR', 2, 4).psnr, nrmse: value('VDSR', 2, 4).nrmse, ssim: value('VDSR', 2, 4).ssim },
    full: { psnr: value('VDSR', 2, 4).psnr + 9, nrmse: value('VDSR', 2, 4).nrmse, ssim: value('VDSR', 2, 4).ssim },
  });
  assert.deepEqual(results.slice(0, 4).map((r) => `${r.method} ${r.cell} ${r.scale}`), ['Bicubic CELL0 2', 'Bicubic CELL0 4', 'Bicubic CELL0 8', 'Bicubic CELL1 2']);
});

test('a single method, cell and scale still renders (no bold, one table line, one plotted point)', async () => {
  const one = rows.filter((r) => r.method === 'SRCNN' && r.cell === 'CELL1' && r.scale === 4);
  const built = await buildReport({ rows: one, title: 'one', outDir: join(dir, 'one') });
  const html = readFileSync(built.indexPath, 'utf8');
  const roi = parseTable(html, 'ROI only, cells (Table 4)');
  assert.equal(roi.length, 1);
  assert.deepEqual(roi[0]!.cells.slice(0, 5), ['SRCNN', 'X4', '', value('SRCNN', 1, 4).psnr.toFixed(2), '']);
  assert.ok(roi[0]!.bold.every((b) => !b));
  assert.match(html, /<polyline class="series" data-method="SRCNN" data-cell="CELL1" points="[\d.]+,[\d.]+"/);
  assert.equal(JSON.parse(readFileSync(built.resultsPath, 'utf8')).length, 1);
});

test('rows of several splits, or none, are refused with a message', async () => {
  const mixed = [rows[0]!, { ...rows[1]!, split: 'val' }];
  await assert.rejects(buildReport({ rows: mixed, title: 't', outDir: join(dir, 'mixed') }), (e) => isSrcacoError(e) && /mix splits \(test, val\)/.test(e.message));
  await assert.rejects(buildReport({ rows: [], title: 't', outDir: join(dir, 'none') }), /no result rows/);
});

test('crops: LR nearest-upsampled, bicubic, methods, HR as PNGs in order, display-stretched, PSNR of each window', async () => {
  const scale = 2;
  const hr = createPlane(64, 48, 'uint8');
  // values 0..50 everywhere except 2 pixels of the window (< 0.1 % of it) at 200: the display white point is 50
  for (let i = 0; i < hr.data.length; i++) hr.data[i] = (i * 7) % 51;
  hr.data[20 * 64 + 5] = 200;
  hr.data[30 * 64 + 6] = 200;
  const lr = createPlane(32, 24, 'uint8');
  for (let i = 0; i < lr.data.length; i++) lr.data[i] = (i * 3) % 40;
  const good = planeOf(64, 48, Uint8Array.from(hr.data, (v, i) => Math.min(255, v + (i % 3)))); // errors 0,1,2
  const float = planeOf(64, 48, Float32Array.from(hr.data, (v) => (v + 4.2) / 255)); // rounds to v + 4
  const windowHr = { x: 0, y: 16, width: 64, height: 32 };
  const built = await buildReport({
    rows: rows.slice(0, 1),
    title: 'crops',
    outDir: join(dir, 'crops'),
    crops: [{ cell: 'CELL2', scale, patchId: 'tile_A_CELL2.tif', lr, hr, windowHr, predictions: [{ method: 'Good', image: good }, { method: 'Float', image: float }] }],
  });
  assert.equal(built.cropFiles.length, 5);
  const html = readFileSync(built.indexPath, 'utf8');
  const labels = [...html.matchAll(/<figcaption>(.*?)<br><span class="psnr">(.*?)<\/span>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(labels.map((l) => l[0]), ['LR (x2, nearest)', 'Bicubic', 'Good', 'Float', 'HR']);
  const inWindow = (f: (x: number, y: number) => number) => {
    const out: number[] = [];
    for (let y = windowHr.y; y < windowHr.y + windowHr.height; y++) for (let x = windowHr.x; x < windowHr.x + windowHr.width; x++) out.push(f(x, y));
    return out;
  };
  const psnrOf = (errs: number[]) => 10 * Math.log10((255 * 255) / (errs.reduce((a, e) => a + e * e, 0) / errs.length));
  assert.equal(labels[2]![1], `${psnrOf(inWindow((x, y) => Math.min(255, hr.data[y * 64 + x]! + ((y * 64 + x) % 3)) - hr.data[y * 64 + x]!)).toFixed(2)} dB`);
  assert.equal(labels[3]![1], `${psnrOf(inWindow(() => 4)).toFixed(2)} dB`);
  assert.equal(labels[0]![1], '&nbsp;');
  assert.match(html, /display stretched so 50 maps to white/);
  const pngs = built.cropFiles.map((f) => decodePng(readFileSync(join(dir, 'crops', f))));
  for (const p of pngs) assert.deepEqual([p.width, p.height, p.channels], [64, 32, 1]);
  const stretch = (v: number) => Math.min(255, Math.round((v * 255) / 50));
  assert.deepEqual([...pngs[4]!.data], inWindow((x, y) => stretch(hr.data[y * 64 + x]!)), 'HR window, stretched');
  assert.deepEqual([...pngs[0]!.data], inWindow((x, y) => stretch(lr.data[(y >> 1) * 32 + (x >> 1)]!)), 'LR window, nearest x2');
  // every image links to its PNG relatively
  for (const f of built.cropFiles) assert.ok(html.includes(`<img src="${f}"`));
});

test('crop sets that do not fit are refused with a message naming the patch', async () => {
  const hr = createPlane(16, 16, 'uint8');
  const lr = createPlane(8, 8, 'uint8');
  const base = { cell: 'CELL0', scale: 2, patchId: 'p1', lr, hr, predictions: [] };
  const bad = [
    { ...base, lr: createPlane(7, 8, 'uint8') },
    { ...base, predictions: [{ method: 'M', image: createPlane(8, 8) }] },
    { ...base, windowHr: { x: 1, y: 0, width: 8, height: 8 } },
    { ...base, windowHr: { x: 10, y: 0, width: 8, height: 8 } },
  ];
  for (const [i, c] of bad.entries()) {
    await assert.rejects(buildReport({ rows: rows.slice(0, 1), crops: [c], title: 't', outDir: join(dir, `bad${i}`) }), (e) => isSrcacoError(e) && /crop set 0 \(p1\)/.test(e.message));
  }
});
