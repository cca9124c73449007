import { SrcacoError } from '../errors.js';
import type { ResultRow } from '../metrics/aggregate.js';
import { escapeHtml } from './html.js';

/** Which numbers a scale plot shows (default: ROI PSNR, the paper's Fig. 6). */
export interface ScalePlotOptions {
  part?: 'roi' | 'full' | 'roiOriginal';
  metric?: 'psnr' | 'nrmse' | 'ssim';
}

/** Ten distinguishable line colours (matplotlib's tab10), reused in order of first appearance. */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const PANEL = { width: 300, height: 250, left: 52, right: 12, top: 30, bottom: 42 };
const METRIC_LABEL = { psnr: 'PSNR (dB)', nrmse: 'NRMSE', ssim: 'SSIM' } as const;
const PART_LABEL = { roi: 'ROI', full: 'full image', roiOriginal: 'ROI (original averaging)' } as const;

/** Round tick values covering [min, max], about `count` of them (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new SrcacoError('data', `cannot place axis ticks on [${min}, ${max}]`);
  if (max - min < 1e-9) [min, max] = [min - 1, max + 1];
  const raw = (max - min) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(digits)));
  return ticks;
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * The paper's Fig. 6 as inline SVG: one panel per cell, x = the scales present (evenly spaced),
 * y = the metric (same axis in every panel), one polyline with markers per method, a legend below.
 * Coordinates are absolute (no transforms); polylines carry data-method and data-cell.
 */
export function scalePlotSvg(rows: readonly ResultRow[], options: ScalePlotOptions = {}): string {
  const part = options.part ?? 'roi';
  const metric = options.metric ?? 'psnr';
  const cells = [...new Set(rows.map((r) => r.cell))].sort();
  const methods = [...new Set(rows.map((r) => r.method))];
  const scales = [...new Set(rows.map((r) => r.scale))].sort((a, b) => a - b);
  const valueOf = new Map<string, number>();
  for (const r of rows) {
    const v = r[part]?.[metric];
    if (typeof v === 'number' && Number.isFinite(v)) valueOf.set(`${r.method}|${r.cell}|${r.scale}`, v);
  }
  if (valueOf.size === 0) throw new SrcacoError('data', `no ${PART_LABEL[part]} ${metric} value to plot in the result rows`);
  const ticks = niceTicks(Math.min(...valueOf.values()), Math.max(...valueOf.values()));
  const yMin = ticks[0]!;
  const yMax = ticks[ticks.length - 1]!;
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const width = PANEL.width * cells.length;
  const perRow = Math.max(1, Math.floor((width - 20) / 170));
  const legendRows = Math.ceil(methods.length / perRow);
  const height = PANEL.height + 10 + legendRows * 20;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="scale-plot" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `role="img" aria-label="${escapeHtml(`${PART_LABEL[part]} ${metric} per scale`)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
  );
  cells.forEach((cell, c) => {
    const x0 = c * PANEL.width + PANEL.left;
    const y0 = PANEL.top;
    const xAt = (i: number) => x0 + ((i + 0.5) / scales.length) * plotW;
    const yAt = (v: number) => y0 + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
    out.push(`<text class="panel-title" x="${fmt(x0 + plotW / 2)}" y="${y0 - 10}" text-anchor="middle" font-size="14" font-weight="600">${escapeHtml(cell)}</text>`);
    for (const t of ticks) {
      const y = fmt(yAt(t));
      out.push(`<line class="ygrid" x1="${x0}" x2="${x0 + plotW}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
      out.push(`<text class="ytick" data-cell="${escapeHtml(cell)}" data-value="${t}" x="${x0 - 6}" y="${y}" dy="0.32em" text-anchor="end" font-size="11">${t}</text>`);
    }
    scales.forEach((s, i) => {
      const x = fmt(xAt(i));
      out.push(`<line x1="${x}" x2="${x}" y1="${y0 + plotH}" y2="${y0 + plotH + 4}" stroke="#333"/>`);
      out.push(`<text class="xtick" data-cell="${escapeHtml(cell)}" data-scale="${s}" x="${x}" y="${y0 + plotH + 17}" text-anchor="middle" font-size="11">&#215;${s}</text>`);
    });
    out.push(`<rect class="frame" data-cell="${escapeHtml(cell)}" x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
    out.push(`<text x="${fmt(x0 + plotW / 2)}" y="${y0 + plotH + 34}" text-anchor="middle" font-size="12">scale</text>`);
    if (c === 0) {
      const cy = fmt(y0 + plotH / 2);
      out.push(`<text x="14" y="${cy}" transform="rotate(-90 14 ${cy})" text-anchor="middle" font-size="12">${escapeHtml(`${PART_LABEL[part]} ${METRIC_LABEL[metric]}`)}</text>`);
    }
    methods.forEach((method, m) => {
      const color = SERIES_COLORS[m % SERIES_COLORS.length]!;
      const pts: Array<[string, string, number, number]> = [];
      scales.forEach((s, i) => {
        const v = valueOf.get(`${method}|${cell}|${s}`);
        if (v !== undefined) pts.push([fmt(xAt(i)), fmt(yAt(v)), s, v]);
      });
      if (pts.length === 0) return;
      const attrs = `data-method="${escapeHtml(method)}" data-cell="${escapeHtml(cell)}"`;
      out.push(`<polyline class="series" ${attrs} points="${pts.map(([x, y]) => `${x},${y}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const [x, y, s, v] of pts) {
        out.push(`<circle class="point" ${attrs} cx="${x}" cy="${y}" r="3.5" fill="${color}"><title>${escapeHtml(`${method}, ${cell}, x${s}: ${v.toFixed(metric === 'psnr' ? 2 : 4)}`)}</title></circle>`);
      }
    });
  });
  methods.forEach((method, m) => {
    const color = SERIES_COLORS[m % SERIES_COLORS.length]!;
    const lx = 20 + (m % perRow) * 170;
    const ly = PANEL.height + 10 + Math.floor(m / perRow) * 20;
    out.push(
      `<g class="legend-entry" data-method="${escapeHtml(method)}"><line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>` +
        `<circle cx="${lx + 12}" cy="${ly}" r="3.5" fill="${color}"/><text x="${lx + 30}" y="${ly}" dy="0.32em" font-size="12">${escapeHtml(method)}</text></g>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
