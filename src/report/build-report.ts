import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import { buildResultTable, tableToHtml } from '../metrics/result-table.js';
import { tableStatistics } from '../metrics/row-statistics.js';
import { cropRowsHtml, writeCropRows, type CropSet } from './crops.js';
import { scalePlotSvg } from './figure-scale-plot.js';
import { escapeHtml, htmlPage } from './html.js';
import { reportResults } from './results-json.js';
import { statisticsTableHtml } from './statistics-table.js';
import type { DownstreamResult } from '../downstream/downstream.js';
import { copyOverlays, downstreamSectionHtml } from './downstream-section.js';

/** A notes entry: a paragraph of text, or a titled block with text and/or data shown as JSON. */
export type ReportNote = string | { title: string; text?: string; data?: unknown };

export interface BuildReportOptions {
  /** Evaluation rows (from `srcaco eval` or the training loop), all of one split. */
  rows: readonly ResultRow[];
  /** The per-image values of rows (eval's `.jsonl`), for intervals and paired tests against `baseline`. */
  images?: ReadonlyMap<ResultRow, readonly ImageMetrics[]>;
  /** The method the others are tested against (default 'Bicubic'). */
  baseline?: string;
  /** Test patches shown as the paper's Fig. 7. */
  crops?: readonly CropSet[];
  title: string;
  /** What produced the numbers: presets, dataset, configuration. */
  notes?: readonly ReportNote[];
  /** Created if missing; index.html, results.json and crops/ are written into it. */
  outDir: string;
  /** A `srcaco downstream` result and its folder: adds the nucleus-count section (overlays copied in). */
  downstream?: { result: DownstreamResult; dir: string };
}

/** What `buildReport` wrote. */
export interface BuiltReport {
  indexPath: string;
  resultsPath: string;
  /** PNG files, relative to the report folder. */
  cropFiles: string[];
}

/** Images per method, cell and scale as "n (empty ROI)": one line per method, one column per cell and scale. */
function countsTable(rows: readonly ResultRow[]): string {
  const methods = [...new Set(rows.map((r) => r.method))];
  const cells = [...new Set(rows.map((r) => r.cell))].sort();
  const scales = [...new Set(rows.map((r) => r.scale))].sort((a, b) => a - b);
  const byKey = new Map(rows.map((r) => [`${r.method}|${r.cell}|${r.scale}`, r]));
  const head =
    `<tr><th rowspan="2">Method</th>${cells.map((c) => `<th colspan="${scales.length}">${escapeHtml(c)}</th>`).join('')}</tr>\n` +
    `<tr>${cells.map(() => scales.map((s) => `<th>X${s}</th>`).join('')).join('')}</tr>`;
  const lines = methods.map((m) => {
    const tds = cells.flatMap((c) =>
      scales.map((s) => {
        const r = byKey.get(`${m}|${c}|${s}`);
        return `<td>${r ? `${r.n} (${r.nRoiEmpty})` : ''}</td>`;
      }),
    );
    return `<tr><td>${escapeHtml(m)}</td>${tds.join('')}</tr>`;
  });
  return (
    '<table class="counts">\n<caption>Images evaluated (in brackets: images with an empty ROI, left out of the ROI means)</caption>\n' +
    `${head}\n${lines.join('\n')}\n</table>\n`
  );
}

function notesHtml(notes: readonly ReportNote[]): string {
  return notes
    .map((n) => {
      if (typeof n === 'string') return `<p class="note">${escapeHtml(n)}</p>`;
      const text = n.text === undefined ? '' : `<p class="note">${escapeHtml(n.text)}</p>`;
      const data = n.data === undefined ? '' : `<pre>${escapeHtml(JSON.stringify(n.data, null, 2))}</pre>`;
      return `<h3>${escapeHtml(n.title)}</h3>${text}${data}`;
    })
    .join('\n');
}

/**
 * Writes a self-contained HTML report of evaluation results to `outDir/index.html` (inline CSS and
 * SVG; crop images as PNGs in `outDir/crops/`, linked relatively) and the numbers to
 * `outDir/results.json`: Tables 4 (ROI) and 5 (full image), ROI PSNR per scale (Fig. 6), crops
 * (Fig. 7) and notes.
 */
export async function buildReport(options: BuildReportOptions): Promise<BuiltReport> {
  const { rows, outDir, title } = options;
  if (rows.length === 0) throw new SrcacoError('data', 'no result rows to report; evaluate a method first (srcaco eval)');
  const splits = [...new Set(rows.map((r) => r.split))];
  if (splits.length > 1) throw new SrcacoError('data', `the result rows mix splits (${splits.join(', ')}); report one split at a time (srcaco report --split)`);
  const baseline = options.baseline ?? 'Bicubic';
  const stats = tableStatistics(rows.map((row) => ({ row, images: options.images?.get(row) })), { baseline });
  const statsTable = statisticsTableHtml(stats, baseline);
  const roiTable = tableToHtml(buildResultTable(rows, 'roi'));
  const fullTable = tableToHtml(buildResultTable(rows, 'full'));
  await mkdir((options.crops ?? []).length > 0 ? join(outDir, 'crops') : outDir, { recursive: true }).catch((e) => {
    throw new SrcacoError('output', `cannot create the report folder (${(e as Error).message})`, { path: outDir, cause: e });
  });
  const cropRows = await writeCropRows(options.crops ?? [], outDir);
  const methods = [...new Set(rows.map((r) => r.method))];
  const scales = [...new Set(rows.map((r) => r.scale))].sort((a, b) => a - b);
  const cells = [...new Set(rows.map((r) => r.cell))].sort();
  const body: string[] = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Split: ${escapeHtml(splits[0]!)} &middot; methods: ${methods.map(escapeHtml).join(', ')} &middot; ` +
      `cells: ${cells.map(escapeHtml).join(', ')} &middot; scales: ${scales.map((s) => `&#215;${s}`).join(', ')}</p>`,
    '<h2 id="tables">PSNR, NRMSE and SSIM (Tables 4 and 5)</h2>',
    '<p>Table 4 measures the cells only (HR &ge; t, averaged over the thresholds t) and averages over the images with a non-empty ROI; ' +
      'Table 5 measures the full image and averages over all images. Best value per column and scale in bold.</p>',
    `<div class="table-wrap" id="roi">${roiTable}</div>`,
    `<div class="table-wrap" id="full">${fullTable}</div>`,
    ...(statsTable ? ['<h2 id="statistics">Intervals and paired tests</h2>', `<div class="table-wrap">${statsTable}</div>`] : []),
    '<h2 id="psnr-scale">ROI PSNR per scale (Fig. 6)</h2>',
    `<figure>${scalePlotSvg(rows, { part: 'roi', metric: 'psnr' })}</figure>`,
    '<h2 id="counts">Images</h2>',
    countsTable(rows),
  ];
  if (cropRows.length > 0) {
    body.push(
      '<h2 id="crops">Visual results (Fig. 7)</h2>',
      '<p>LR (each pixel repeated &#215;scale), bicubic, each method and HR; the PSNR under an image is measured on the shown window ' +
        'against the HR, every pixel counted, on 0..255 values (float outputs clamped to 0..1 and scaled by 255).</p>',
      cropRowsHtml(cropRows),
    );
  }
  if (options.downstream) {
    const { result, dir } = options.downstream;
    body.push(downstreamSectionHtml(result, await copyOverlays(dir, outDir, result.overlays)));
  }
  if (options.notes && options.notes.length > 0) body.push('<h2 id="notes">Notes</h2>', notesHtml(options.notes));
  const resultsPath = join(outDir, 'results.json');
  const indexPath = join(outDir, 'index.html');
  await writeFileAtomic(resultsPath, `${JSON.stringify(reportResults(rows, stats), null, 2)}\n`);
  await writeFileAtomic(indexPath, htmlPage(title, body.join('\n')));
  return { indexPath, resultsPath, cropFiles: cropRows.flatMap((r) => r.tiles.map((t) => t.file)) };
}
