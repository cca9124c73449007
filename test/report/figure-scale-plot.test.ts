// Fig. 6 as SVG: one polyline per method and cell, points where the axis ticks say the values are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultRow } from '../../src/metrics/aggregate.js';
import { niceTicks, scalePlotSvg } from '../../src/report/figure-scale-plot.js';

function row(method: string, cell: string, scale: number, psnr: number): ResultRow {
  const v = { psnr, nrmse: 0.1, ssim: 0.9, mse: 1 };
  return { method, cell, scale, split: 'test', n: 5, nRoiEmpty: 0, roi: v, full: { ...v, psnr: psnr + 10 }, roiOriginal: v };
}

const attr = (el: string, name: string) => {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(el);
  assert.ok(m, `${name} missing in ${el}`);
  return m[1]!;
};
const elements = (svg: string, tag: string, cls: string) => [...svg.matchAll(new RegExp(`<${tag} class="${cls}"[^>]*>`, 'g'))].map((m) => m[0]);

/** The value -> y map of a panel, read back from two of its tick labels. */
function yMapOf(svg: string, cell: string): (v: number) => number {
  const ticks = elements(svg, 'text', 'ytick').filter((t) => attr(t, 'data-cell') === cell);
  assert.ok(ticks.length >= 2);
  const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!].map((t) => ({ v: Number(attr(t, 'data-value')), y: Number(attr(t, 'y')) }));
  assert.equal(Number(/>([^<]*)<\/text>/.exec(svg.slice(svg.indexOf(ticks[0]!)))![1]), a!.v, 'tick label text matches its value');
  return (v) => a!.y + ((v - a!.v) * (b!.y - a!.y)) / (b!.v - a!.v);
}

test('niceTicks: round steps covering the range', () => {
  assert.deepEqual(niceTicks(28.3, 36.9), [28, 30, 32, 34, 36, 38]);
  assert.deepEqual(niceTicks(0.81, 0.97), [0.8, 0.85, 0.9, 0.95, 1]);
  assert.deepEqual(niceTicks(30, 30), [29, 29.5, 30, 30.5, 31]);
});

test('one polyline per method and cell, each point at its scale tick and at its value on the y axis', () => {
  const methods = { Bicubic: [34.5, 32.6, 28.9], SRCNN: [35.08, 33.17, 29.19], 'A&B <x>': [35.7, 33.9, 30.1] };
  const cells = ['CELL0', 'CELL1', 'CELL2'];
  const rows: ResultRow[] = [];
  for (const [m, ps] of Object.entries(methods)) cells.forEach((c, ci) => [2, 4, 8].forEach((s, k) => rows.push(row(m, c, s, ps[k]! - ci * 1.5))));
  const svg = scalePlotSvg(rows);
  const lines = elements(svg, 'polyline', 'series');
  assert.equal(lines.length, 9);
  for (const cell of cells) {
    const yOf = yMapOf(svg, cell);
    const xOf = new Map(elements(svg, 'text', 'xtick').filter((t) => attr(t, 'data-cell') === cell).map((t) => [Number(attr(t, 'data-scale')), Number(attr(t, 'x'))]));
    assert.deepEqual([...xOf.keys()], [2, 4, 8]);
    const frame = elements(svg, 'rect', 'frame').find((f) => attr(f, 'data-cell') === cell)!;
    const [fx, fy, fw, fh] = ['x', 'y', 'width', 'height'].map((k) => Number(attr(frame, k)));
    for (const [method, ps] of Object.entries(methods)) {
      const escaped = method.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const line = lines.filter((l) => attr(l, 'data-method') === escaped && attr(l, 'data-cell') === cell);
      assert.equal(line.length, 1, `${method} ${cell}`);
      const pts = attr(line[0]!, 'points').split(' ').map((p) => p.split(',').map(Number));
      assert.equal(pts.length, 3);
      pts.forEach(([x, y], k) => {
        const want = ps[k]! - cells.indexOf(cell) * 1.5;
        assert.ok(Math.abs(x! - xOf.get([2, 4, 8][k]!)!) < 0.01, `x of ${method} ${cell} x${[2, 4, 8][k]}`);
        assert.ok(Math.abs(y! - yOf(want)) < 0.02, `y of ${method} ${cell}: ${y} vs ${yOf(want)}`);
        assert.ok(x! > fx! && x! < fx! + fw! && y! >= fy! && y! <= fy! + fh!, 'inside the frame');
      });
    }
  }
  // higher PSNR is drawn higher (smaller y)
  assert.ok(yMapOf(svg, 'CELL0')(35) < yMapOf(svg, 'CELL0')(30));
  assert.equal(elements(svg, 'g', 'legend-entry').length, 3);
  assert.ok(svg.includes('data-method="A&amp;B &lt;x&gt;"'));
});

test('a single method and scale gives one one-point line per cell; other parts and metrics are plotted on request', () => {
  const svg = scalePlotSvg([row('EDSR', 'CELL1', 4, 31.2)]);
  const lines = elements(svg, 'polyline', 'series');
  assert.equal(lines.length, 1);
  const [x, y] = attr(lines[0]!, 'points').split(',').map(Number);
  assert.ok(Math.abs(y! - yMapOf(svg, 'CELL1')(31.2)) < 0.02);
  assert.equal(elements(svg, 'circle', 'point').length, 1, 'the point is drawn as a marker');
  assert.ok(Number.isFinite(x));
  const full = scalePlotSvg([row('EDSR', 'CELL1', 4, 31.2), row('EDSR', 'CELL1', 8, 28)], { part: 'full' });
  const pts = attr(elements(full, 'polyline', 'series')[0]!, 'points').split(' ').map((p) => Number(p.split(',')[1]));
  assert.ok(Math.abs(pts[0]! - yMapOf(full, 'CELL1')(41.2)) < 0.02);
  assert.throws(() => scalePlotSvg([{ ...row('X', 'CELL0', 2, 1), roi: { psnr: null, nrmse: null, ssim: null, mse: null } }]), /no ROI psnr value/);
});
