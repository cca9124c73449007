import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultRow } from '../../src/metrics/aggregate.js';
import { buildResultTable, tableToCsv, tableToHtml, tableToMarkdown } from '../../src/metrics/result-table.js';
import { isSrcacoError } from '../../src/errors.js';

function row(method: string, cell: string, scale: number, psnr: number, nrmse: number, ssim: number): ResultRow {
  const v = { psnr, nrmse, ssim, mse: 1 };
  return { method, cell, scale, split: 'test', n: 10, nRoiEmpty: 0, roi: v, full: { ...v, psnr: psnr - 1 }, roiOriginal: v };
}

const rows: ResultRow[] = [];
for (const [i, cell] of ['CELL0', 'CELL1', 'CELL2'].entries()) {
  rows.push(row('Bicubic', cell, 2, 40 + i, 0.03, 0.9), row('VDSR', cell, 2, 41 + i, 0.0244, 0.95));
  rows.push(row('Bicubic', cell, 4, 39 + i, 0.04, 0.91), row('VDSR', cell, 4, 38 + i, 0.0244, 0.85));
}

test('layout: methods x scales, cell columns and their mean, best per column within a scale in bold', () => {
  const t = buildResultTable(rows, 'roi');
  assert.deepEqual(t.lines.map((l) => `${l.method} ${l.scale}`), ['Bicubic X2', 'Bicubic X4', 'VDSR X2', 'VDSR X4']);
  assert.equal(t.header.length, 14);
  const vdsr2 = t.lines[2]!;
  assert.deepEqual(vdsr2.values.slice(0, 4), [41, 42, 43, 42]);
  assert.deepEqual(vdsr2.bold.slice(0, 4), [true, true, true, true]); // PSNR: max wins
  assert.deepEqual(t.lines[0]!.bold.slice(4, 8), [false, false, false, false]); // NRMSE: min wins
  assert.deepEqual(t.lines[1]!.bold.slice(0, 4), [true, true, true, true]); // at X4 bicubic is best
  assert.deepEqual(t.lines[3]!.bold.slice(4, 8), [true, true, true, true]);
  assert.equal(buildResultTable(rows, 'full').lines[2]!.values[0], 40);
});

test('ties as printed are all bold; missing cells leave the mean empty', () => {
  const t = buildResultTable([row('A', 'CELL0', 8, 30.001, 0.1, 0.5), row('B', 'CELL0', 8, 30.004, 0.1, 0.4)], 'roi');
  assert.deepEqual(t.lines.map((l) => l.bold[0]), [true, true]);
  assert.equal(t.lines[0]!.values[3], null);
  const md = tableToMarkdown(t);
  assert.match(md, /\| A \| X8 \| \*\*30\.00\*\* \|  \|  \|  \| \*\*0\.1000\*\*/);
  assert.match(tableToCsv(t), /^Method,Scale,PSNR CELL0,.*\nA,X8,30\.00,,,,0\.1000,/);
  assert.match(tableToHtml(t), /<th colspan="4">PSNR &uarr;<\/th>.*<td>A<\/td><td>X8<\/td><td><b>30\.00<\/b><\/td>/s);
});

test('rows from two splits or duplicate rows are refused', () => {
  const val = { ...row('A', 'CELL0', 2, 1, 1, 1), split: 'val' };
  assert.throws(() => buildResultTable([row('A', 'CELL0', 2, 1, 1, 1), val], 'roi'), (e: unknown) => isSrcacoError(e) && /mix splits/.test(e.message));
  assert.throws(() => buildResultTable([row('A', 'CELL0', 2, 1, 1, 1), row('A', 'CELL0', 2, 2, 1, 1)], 'roi'), /two result rows/);
});
