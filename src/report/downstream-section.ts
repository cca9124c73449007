/**
 * The report's downstream section: nucleus counts per method (table with F1, over/under-segmentation and Steel's
 * test against HR), a box plot of counts per method, and overlay crops of the detections on HR and each method.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { encodePng } from '../image/png.js';
import type { DownstreamDetections, DownstreamResult } from '../downstream/downstream.js';
import { busiestWindow } from './crop-window.js';
import { cropBytes, displayWhite, planeTo255, stretchBytes } from './display.js';
import { escapeHtml } from './html.js';

/** Overlays written beside downstream.json, named in it; relative to its folder. */
export const OVERLAY_DIR = 'overlays';

/**
 * Writes one PNG per image of `first` (HR, then each method): the busiest `side`² window of HR (the same window
 * for all), contrast-stretched by HR's white point, with every detection's outline in red. Returns the files.
 */
export async function writeDetectionOverlays(dir: string, first: DownstreamDetections, side = 160): Promise<Array<{ name: string; file: string }>> {
  await mkdir(join(dir, OVERLAY_DIR), { recursive: true });
  const hr255 = planeTo255(first.hr, 'HR');
  const w = Math.min(side, first.hr.width), h = Math.min(side, first.hr.height);
  const rect = busiestWindow(hr255, first.hr.width, first.hr.height, w, h, Math.max(1, Math.floor(w / 4)));
  const white = displayWhite(cropBytes(hr255, first.hr.width, rect));
  const files: Array<{ name: string; file: string }> = [];
  for (const [k, d] of first.detections.entries()) {
    const grey = stretchBytes(cropBytes(planeTo255(d.image, d.name), d.image.width, rect), white);
    const labels = d.detection.labels;
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = y * w + x;
        const i = (rect.y + y) * d.image.width + rect.x + x;
        const l = labels[i]!;
        const edge = l > 0 && (x === 0 || y === 0 || x === w - 1 || y === h - 1 || labels[i - 1] !== l || labels[i + 1] !== l || labels[i - d.image.width] !== l || labels[i + d.image.width] !== l);
        rgb.set(edge ? [255, 40, 40] : [grey[o]!, grey[o]!, grey[o]!], 3 * o);
      }
    }
    const file = join(OVERLAY_DIR, `${k}-${d.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
    await writeFileAtomic(join(dir, file), [encodePng({ width: w, height: h, channels: 3, data: rgb })]);
    files.push({ name: d.name, file });
  }
  return files;
}

function quartiles(values: readonly number[]): [number, number, number, number, number] {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const at = p * (s.length - 1), lo = Math.floor(at);
    return s[lo]! + (at - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
  };
  return [s[0]!, q(0.25), q(0.5), q(0.75), s[s.length - 1]!];
}

/** A box plot (min, quartiles, max) of each method's counts per image. */
export function countsBoxPlotSvg(methods: ReadonlyArray<{ name: string; counts: readonly number[] }>): string {
  const width = 120 + 90 * methods.length, height = 260, top = 20, bottom = 200, left = 60;
  const all = methods.flatMap((m) => m.counts);
  const lo = Math.min(0, ...all), hi = Math.max(1, ...all);
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="nuclei per image, per method">`];
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#444"/>`);
  for (const t of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${Math.round(t)}</text>`);
  parts.push(`<text x="14" y="${(top + bottom) / 2}" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle" font-size="12">nuclei per image</text>`);
  methods.forEach((m, k) => {
    if (m.counts.length === 0) return;
    const [min, q1, med, q3, max] = quartiles(m.counts);
    const cx = left + 50 + 90 * k;
    parts.push(
      `<line x1="${cx}" y1="${y(min)}" x2="${cx}" y2="${y(max)}" stroke="#333"/>`,
      `<rect x="${cx - 20}" y="${y(q3)}" width="40" height="${Math.max(1, y(q1) - y(q3))}" fill="#9ecae1" stroke="#333"/>`,
      `<line x1="${cx - 20}" y1="${y(med)}" x2="${cx + 20}" y2="${y(med)}" stroke="#000" stroke-width="2"/>`,
      `<text x="${cx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${escapeHtml(m.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** The section's HTML; `overlays` are paths relative to the report folder. */
export function downstreamSectionHtml(result: DownstreamResult, overlays: ReadonlyArray<{ name: string; file: string }> = []): string {
  const rows = result.methods.map((m) => {
    const mean = m.counts.reduce((a, b) => a + b, 0) / Math.max(1, m.counts.length);
    const sd = Math.sqrt(m.counts.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, m.counts.length - 1));
    const s = m.steel;
    return `<tr><td>${escapeHtml(m.name)}</td><td>${fmt(mean, 1)} ± ${fmt(sd, 1)}</td><td>${fmt(m.match.f1)}</td><td>${m.match.truePositives}/${m.match.falsePositives}/${m.match.falseNegatives}</td>` +
      `<td>${m.match.overSegmented}</td><td>${m.match.underSegmented}</td><td>${s ? fmt(s.statistic, 2) : 'control'}</td><td>${s ? fmt(s.pValue, 4) : ''}</td><td>${s ? (s.differs ? 'yes' : 'no') : ''}</td></tr>`;
  });
  const truthNote = result.reference === 'simulator truth' ? 'the simulator’s nucleus truth' : 'the HR detections (the data has no truth)';
  return [
    '<h2 id="downstream">Downstream: nucleus counts (§6)</h2>',
    `<p>${result.images.length} ${escapeHtml(result.split)} images of ${escapeHtml(result.cell)} at ×${result.scale} (seed ${result.seed}); detector: ${escapeHtml(result.detector)}. ` +
      `Detections matched to ${truthNote} at ${escapeHtml(result.matching)}. Steel’s many-to-one test of each method’s counts against HR’s ` +
      `(${result.steel.method}, ${result.steel.alternative}, α = ${result.steel.alpha}).</p>`,
    '<div class="table-wrap"><table><thead><tr><th>Method</th><th>Nuclei / image</th><th>F1</th><th>TP/FP/FN</th><th>Over-seg.</th><th>Under-seg.</th><th>Steel z</th><th>p (adjusted)</th><th>Differs from HR</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
    `<figure>${countsBoxPlotSvg(result.methods)}</figure>`,
    overlays.length === 0
      ? ''
      : `<div class="crop-images">${overlays.map((o) => `<figure class="crop"><img src="${escapeHtml(o.file)}" alt="${escapeHtml(o.name)}"><figcaption>${escapeHtml(o.name)}</figcaption></figure>`).join('')}</div>`,
  ].join('\n');
}

/** Copies a downstream folder's overlays into the report folder (under downstream/), returning their new paths. */
export async function copyOverlays(fromDir: string, reportDir: string, overlays: ReadonlyArray<{ name: string; file: string }>): Promise<Array<{ name: string; file: string }>> {
  await mkdir(join(reportDir, 'downstream', OVERLAY_DIR), { recursive: true });
  const copied: Array<{ name: string; file: string }> = [];
  for (const o of overlays) {
    const file = join('downstream', o.file);
    await copyFile(join(fromDir, o.file), join(reportDir, file));
    copied.push({ name: o.name, file });
  }
  return copied;
}
