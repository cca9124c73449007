/**
 * The report's statistics: per method, cell and scale, ROI and full-image PSNR with their 95 % intervals, and each
 * method's paired difference from bicubic in PSNR and SSIM with its interval and Holm-adjusted Wilcoxon p-value;
 * significant gains and losses are marked.
 */
import type { MeanCi } from '../stats/mean-ci.js';
import { TESTED, type PairedDifference, type RowStatistics } from '../metrics/row-statistics.js';
import { escapeHtml } from './html.js';

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const signed = (v: number, digits: number) => `${v > 0 ? '+' : ''}${fmt(v, digits)}`;

function intervalCell(ci: MeanCi | null, digits: number): string {
  return ci ? `<td>${fmt(ci.mean, digits)} <span class="ci">[${fmt(ci.low, digits)}, ${fmt(ci.high, digits)}]</span></td>` : '<td>–</td>';
}

function differenceCells(d: PairedDifference | null, digits: number): string {
  if (!d) return '<td>–</td><td>–</td>';
  const mark = d.verdict === 'gain' ? ' <span class="gain" title="significant gain">▲</span>' : d.verdict === 'loss' ? ' <span class="loss" title="significant loss">▼</span>' : '';
  return (
    `<td>${signed(d.mean, digits)} <span class="ci">[${signed(d.low, digits)}, ${signed(d.high, digits)}]</span>${mark}</td>` +
    `<td>${d.pHolm < 0.001 ? '&lt;0.001' : d.pHolm.toFixed(3)}</td>`
  );
}

/** The statistics table, or '' when no row brought its per-image values. */
export function statisticsTableHtml(stats: readonly RowStatistics[], baseline: string): string {
  if (stats.every((s) => Object.values(s.intervals).every((v) => v === null))) return '';
  const digits = (metric: string) => (metric === 'ssim' ? 4 : 2);
  const head =
    '<tr><th>Method</th><th>Cell</th><th>Scale</th><th>ROI PSNR</th><th>Full PSNR</th>' +
    TESTED.map(({ part, metric }) => `<th>Δ ${part === 'roi' ? 'ROI' : 'full'} ${metric.toUpperCase()}</th><th>p</th>`).join('') +
    '</tr>';
  const lines = stats.map(
    (s) =>
      `<tr><td>${escapeHtml(s.method)}</td><td>${escapeHtml(s.cell)}</td><td>X${s.scale}</td>` +
      intervalCell(s.intervals['roi.psnr'], 2) +
      intervalCell(s.intervals['full.psnr'], 2) +
      TESTED.map(({ part, metric }) => differenceCells(s.vsBaseline?.[`${part}.${metric}`] ?? null, digits(metric))).join('') +
      '</tr>',
  );
  return (
    `<table class="stats">\n<caption>Means with 95 % t intervals over the test images; Δ: the paired per-image difference from ` +
    `${escapeHtml(baseline)} (mean and 95 % interval), p: Wilcoxon's signed-rank test, Holm-adjusted over the table's comparisons ` +
    `of that metric; ▲/▼ a significant gain/loss at 0.05</caption>\n${head}\n${lines.join('\n')}\n</table>\n`
  );
}
