import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addHistogram, histogram, histogramSeries, histogramSvg, linePlotSvg } from '../../src/report/plot-svg.js';

test('histogram bins values over [lo, hi], clamping outliers into the end bins', () => {
  const h = histogram([-5, 0, 0.99, 1, 2.5, 3.99, 4, 100], 0, 4, 4);
  assert.deepEqual(h.counts, [3, 1, 1, 3]);
  assert.equal(h.total, 8);
  addHistogram(h, histogram([1.5], 0, 4, 4));
  assert.deepEqual(h.counts, [3, 2, 1, 3]);
  assert.throws(() => addHistogram(h, histogram([1], 0, 8, 4)));
  const s = histogramSeries('a', histogram([0, 0, 3], 0, 4, 2));
  assert.deepEqual(s.x, [0, 2, 2, 4]);
  assert.deepEqual(s.y, [2 / 3, 2 / 3, 1 / 3, 1 / 3]);
});

test('line plots are standalone SVG with one polyline per series, escaped labels and points inside the frame', () => {
  const svg = linePlotSvg(
    [{ label: 'real <LR>', x: [0, 1, 2], y: [1, 4, 9] }, { label: 'bicubic & co', x: [0, 2], y: [0, 5] }],
    { title: 'a "title"', xLabel: 'x', yLabel: 'y' },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g)?.length, 2);
  assert.ok(svg.includes('real &lt;LR&gt;') && svg.includes('bicubic &amp; co') && svg.includes('a &quot;title&quot;'));
  const frame = /<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" fill="none"/.exec(svg)!.slice(1).map(Number) as [number, number, number, number];
  for (const m of svg.matchAll(/points="([^"]+)"/g)) {
    for (const p of m[1]!.split(' ')) {
      const [x, y] = p.split(',').map(Number) as [number, number];
      assert.ok(x >= frame[0] - 0.1 && x <= frame[0] + frame[2] + 0.1 && y >= frame[1] - 0.1 && y <= frame[1] + frame[3] + 0.1, p);
    }
  }
  // first series: x = 0 at the left edge, largest y (9) at the top
  const first = /points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number));
  assert.equal(first[0]![0], frame[0]);
  assert.ok(first[2]![1]! >= frame[1] && first[2]![1]! < first[1]![1]!);
  const log = histogramSvg([{ label: 'h', histogram: histogram([1, 1, 1, 200], 0, 256, 8) }], { title: 't', xLabel: 'x', yLabel: 'y', logY: true });
  assert.ok(log.includes('>1e0<') && log.includes('(log)'));
});
