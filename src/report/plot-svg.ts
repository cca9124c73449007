import { SrcacoError } from '../errors.js';
import { niceTicks, SERIES_COLORS } from './figure-scale-plot.js';
import { escapeHtml } from './html.js';

/** One curve: points (x[i], y[i]) joined in order. */
export interface PlotSeries {
  label: string;
  x: readonly number[];
  y: readonly number[];
  color?: string;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log10 y axis (values <= 0 are drawn at the axis floor). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Counts of values in `bins` equal bins over [lo, hi]; values outside are clamped into the end bins. */
export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
  total: number;
}

/** A histogram of `values` over [lo, hi] (the end bins take what lies outside). */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  if (!(hi > lo) || !Number.isInteger(bins) || bins < 1) throw new SrcacoError('usage', `histogram needs lo < hi and bins >= 1, received [${lo}, ${hi}], ${bins}`);
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor((values[i]! - lo) / w);
    counts[Math.min(bins - 1, Math.max(0, k))]!++;
  }
  return { lo, hi, counts, total: values.length };
}

/** Adds `b`'s counts into `a` (same bins). */
export function addHistogram(a: Histogram, b: Histogram): void {
  if (a.lo !== b.lo || a.hi !== b.hi || a.counts.length !== b.counts.length) throw new SrcacoError('internal', 'histograms with different bins cannot be added');
  b.counts.forEach((c, k) => (a.counts[k]! += c));
  a.total += b.total;
}

/** Step curve of a histogram as fractions of its total (so histograms of different sizes compare). */
export function histogramSeries(label: string, h: Histogram, color?: string): PlotSeries {
  const w = (h.hi - h.lo) / h.counts.length;
  const x: number[] = [];
  const y: number[] = [];
  h.counts.forEach((c, k) => {
    const f = h.total > 0 ? c / h.total : 0;
    x.push(h.lo + k * w, h.lo + (k + 1) * w);
    y.push(f, f);
  });
  return { label, x, y, color };
}

const MARGIN = { left: 64, right: 16, top: 34, bottom: 66 };
const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(Math.round(v * 1000) / 1000));

/** A standalone SVG line plot (axes, ticks, labels, legend); no dependency, no script. */
export function linePlotSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const width = options.width ?? 480;
  const height = options.height ?? 320;
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = height - MARGIN.top - MARGIN.bottom;
  const xs = series.flatMap((s) => s.x);
  const ysRaw = series.flatMap((s) => s.y);
  if (xs.length === 0) throw new SrcacoError('data', `plot "${options.title}" has no points`);
  const positive = ysRaw.filter((v) => v > 0);
  const floor = options.logY ? Math.log10(positive.length ? Math.min(...positive) : 1) : 0;
  const ty = (v: number) => (options.logY ? (v > 0 ? Math.log10(v) : floor) : v);
  const ys = ysRaw.map(ty);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  // the axis spans the data exactly; only the ticks inside it are drawn
  const xTicks = niceTicks(xMin, xMax, 6).filter((t) => t >= xMin - 1e-9 && t <= xMax + 1e-9);
  const yTicks = options.logY
    ? range(Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys)))
    : niceTicks(Math.min(0, ...ys), Math.max(...ys));
  const [x0, x1] = [xMin, xMax > xMin ? xMax : xMin + 1];
  const [y0, y1] = [yTicks[0]!, yTicks.at(-1)! === yTicks[0]! ? yTicks[0]! + 1 : yTicks.at(-1)!];
  const px = (v: number) => MARGIN.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const py = (v: number) => MARGIN.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeHtml(options.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`,
  ];
  for (const t of xTicks) {
    out.push(`<line x1="${px(t).toFixed(1)}" y1="${MARGIN.top + ph}" x2="${px(t).toFixed(1)}" y2="${MARGIN.top + ph + 4}" stroke="#444"/>`);
    out.push(`<text x="${px(t).toFixed(1)}" y="${MARGIN.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left - 4}" y1="${py(t).toFixed(1)}" x2="${MARGIN.left}" y2="${py(t).toFixed(1)}" stroke="#444"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${options.logY ? `1e${t}` : fmt(t)}</text>`);
  }
  out.push(`<text x="${MARGIN.left + pw / 2}" y="${MARGIN.top + ph + 34}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${MARGIN.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}${options.logY ? ' (log)' : ''}</text>`);
  series.forEach((s, k) => {
    const color = s.color ?? SERIES_COLORS[k % SERIES_COLORS.length]!;
    const points = s.x.map((x, i) => `${px(x).toFixed(1)},${py(ty(s.y[i]!)).toFixed(1)}`).join(' ');
    out.push(`<polyline data-series="${escapeHtml(s.label)}" fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`);
    const lx = MARGIN.left + k * 150;
    const ly = height - 12;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 24}" y="${ly}">${escapeHtml(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Overlaid step histograms (fractions of each total) as a standalone SVG. */
export function histogramSvg(histograms: ReadonlyArray<{ label: string; histogram: Histogram; color?: string }>, options: PlotOptions): string {
  return linePlotSvg(histograms.map((h) => histogramSeries(h.label, h.histogram, h.color)), options);
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let v = a; v <= Math.max(a + 1, b); v++) out.push(v);
  return out;
}
