// Intervals and paired tests of a results table, checked against numbers computed here from their definitions
// (t quantile from scipy.stats.t.ppf(0.975, 9); the exact Wilcoxon p of ten positive differences is 2/2¹⁰).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageMetrics, ResultRow } from '../../src/metrics/aggregate.js';
import { aggregateMetrics } from '../../src/metrics/aggregate.js';
import { tableStatistics } from '../../src/metrics/row-statistics.js';

const T_975_9 = 2.2621571627409915;

function image(id: string, psnr: number, ssim: number, roiEmpty = false): ImageMetrics {
  const v = { psnr, ssim, nrmse: 0.1, mse: 1 };
  return { id, full: v, roi: { ...v, psnr: psnr - 1 }, roiEmpty, roiEmptyThresholds: roiEmpty ? [10] : [] };
}

function evaluated(method: string, images: ImageMetrics[], cell = 'CELL2', scale = 2): { row: ResultRow; images: ImageMetrics[] } {
  return { row: aggregateMetrics(images, { method, cell, scale, split: 'test' }), images };
}

const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
const bicubic = ids.map((id, i) => image(id, 30 + (i % 3), 0.8));
const better = ids.map((id, i) => image(id, 30 + (i % 3) + 0.5 + 0.1 * i, 0.8 + 0.001 * (i + 1)));
const same = ids.map((id, i) => image(id, 30 + (i % 3) + (i % 2 === 0 ? 0.2 : -0.2), 0.8));

test('intervals: the mean ± t·s/√n of each part and metric; the ROI leaves out images with an empty ROI', () => {
  const [, s] = tableStatistics([evaluated('Bicubic', bicubic), evaluated('Good', better)]);
  const full = better.map((m) => m.full.psnr);
  const mean = full.reduce((a, b) => a + b, 0) / 10;
  const sd = Math.sqrt(full.reduce((a, v) => a + (v - mean) ** 2, 0) / 9);
  const ci = s!.intervals['full.psnr']!;
  assert.ok(Math.abs(ci.mean - mean) < 1e-12 && Math.abs(ci.high - (mean + (T_975_9 * sd) / Math.sqrt(10))) < 1e-9, JSON.stringify(ci));
  const withEmpty = [...better.slice(0, 9), image('p9', 99, 0.9, true)];
  const [, e] = tableStatistics([evaluated('Bicubic', bicubic), evaluated('Good', withEmpty)]);
  assert.equal(e!.intervals['roi.psnr']!.n, 9);
  assert.equal(e!.intervals['full.psnr']!.n, 10);
  assert.equal(e!.vsBaseline!['roi.psnr']!.n, 9, 'an image with an empty ROI for either method is left out of the ROI pairs');
});

test('paired tests against bicubic: differences by image id, Wilcoxon, Holm over the table, gains and losses marked', () => {
  const shuffled = [...better].reverse(); // pairing is by id, not by position
  const worse = ids.map((id, i) => image(id, 29 - 0.1 * i, 0.7));
  const rows = [evaluated('Bicubic', bicubic), evaluated('Good', shuffled), evaluated('Same', same), evaluated('Bad', worse)];
  const [base, good, flat, bad] = tableStatistics(rows);
  assert.equal(base!.vsBaseline, null, 'the baseline is not tested against itself');
  const d = good!.vsBaseline!['full.psnr']!;
  assert.ok(Math.abs(d.mean - (0.5 + 0.45)) < 1e-12, `mean difference ${d.mean}`);
  assert.equal(d.p, 2 / 1024);
  // Holm over the three comparisons of full PSNR: Good and Bad at 2/1024, Same at p > 0.05.
  assert.equal(d.pHolm, Math.min(1, 3 * (2 / 1024)));
  assert.equal(d.verdict, 'gain');
  assert.equal(bad!.vsBaseline!['full.psnr']!.verdict, 'loss');
  assert.equal(flat!.vsBaseline!['full.psnr']!.verdict, 'none');
  assert.deepEqual({ ...flat!.vsBaseline!['full.ssim']! }, { mean: 0, low: 0, high: 0, n: 10, p: 1, pHolm: 1, verdict: 'none' }, 'all differences zero');
  assert.equal(good!.vsBaseline!['full.ssim']!.verdict, 'gain');
});

test('rows without per-image values, or without a baseline at their cell and scale, get no tests', () => {
  const [a, b] = tableStatistics([{ row: evaluated('Bicubic', bicubic).row }, evaluated('Good', better, 'CELL0')]);
  assert.equal(a!.intervals['roi.psnr'], null);
  assert.equal(b!.vsBaseline, null);
  assert.ok(b!.intervals['roi.psnr']);
});
