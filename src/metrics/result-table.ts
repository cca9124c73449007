import { SrcacoError } from '../errors.js';
import type { MaybeMetricValues, ResultRow } from './aggregate.js';

/** Which part of a result row a table shows: Table 4 (ROI), Table 5 (full image), or the original's ROI averaging. */
export type TablePart = 'roi' | 'full' | 'roiOriginal';

const TABLE_CELLS = ['CELL0', 'CELL1', 'CELL2'] as const;
const TABLE_METRICS = [
  { key: 'psnr', label: 'PSNR', digits: 2, better: 'max' },
  { key: 'nrmse', label: 'NRMSE', digits: 4, better: 'min' },
  { key: 'ssim', label: 'SSIM', digits: 4, better: 'max' },
] as const;

/** A laid-out table: one line per method and scale, 12 numeric columns (3 metrics x CELL0/1/2/Mean). */
export interface ResultTable {
  title: string;
  header: string[];
  lines: Array<{ method: string; scale: string; values: Array<number | null>; bold: boolean[] }>;
}

/**
 * Lays result rows out as the paper's Tables 4/5: methods x X2/X4/X8 lines; PSNR, NRMSE, SSIM for
 * CELL0, CELL1, CELL2 and their mean; the best value of each column within a scale in bold
 * (max PSNR/SSIM, min NRMSE, compared as printed so ties are all bold).
 */
export function buildResultTable(rows: readonly ResultRow[], part: TablePart): ResultTable {
  const splits = [...new Set(rows.map((r) => r.split))];
  if (splits.length > 1) throw new SrcacoError('data', `the result rows mix splits (${splits.join(', ')}); table one split at a time`);
  const seen = new Map<string, ResultRow>();
  for (const r of rows) {
    const key = `${r.method}|${r.cell}|${r.scale}`;
    if (seen.has(key)) throw new SrcacoError('data', `two result rows for ${r.method}, ${r.cell}, x${r.scale}; keep one`);
    seen.set(key, r);
  }
  const methods = [...new Set(rows.map((r) => r.method))];
  const scales = [...new Set(rows.map((r) => r.scale))].sort((a, b) => a - b);
  const header = ['Method', 'Scale'];
  for (const m of TABLE_METRICS) for (const c of [...TABLE_CELLS, 'Mean']) header.push(`${m.label} ${c}`);
  const lines: ResultTable['lines'] = [];
  for (const method of methods) {
    for (const scale of scales) {
      const values: Array<number | null> = [];
      for (const m of TABLE_METRICS) {
        const cells = TABLE_CELLS.map((c) => (seen.get(`${method}|${c}|${scale}`)?.[part] as MaybeMetricValues | undefined)?.[m.key] ?? null);
        const mean = cells.every((v) => v !== null) ? (cells as number[]).reduce((a, b) => a + b, 0) / cells.length : null;
        values.push(...cells, mean);
      }
      if (values.some((v) => v !== null)) lines.push({ method, scale: `X${scale}`, values, bold: values.map(() => false) });
    }
  }
  for (const scale of scales) {
    const group = lines.filter((l) => l.scale === `X${scale}`);
    for (let col = 0; col < header.length - 2; col++) {
      const m = TABLE_METRICS[Math.floor(col / 4)]!;
      const shown = group.map((l) => (l.values[col] === null ? null : Number(l.values[col]!.toFixed(m.digits))));
      const present = shown.filter((v): v is number => v !== null);
      if (present.length < 2) continue;
      const best = m.better === 'max' ? Math.max(...present) : Math.min(...present);
      group.forEach((l, i) => (l.bold[col] = shown[i] === best));
    }
  }
  const title =
    part === 'full' ? 'Full image (Table 5)' : part === 'roi' ? 'ROI only, cells (Table 4)' : 'ROI only, averaged as the original (empty ROIs included)';
  return { title, header, lines };
}

function cellText(t: ResultTable, line: ResultTable['lines'][number], col: number): string {
  const v = line.values[col];
  return v === null ? '' : v.toFixed(TABLE_METRICS[Math.floor(col / 4)]!.digits);
}

/** Markdown (bold as **x**). */
export function tableToMarkdown(t: ResultTable): string {
  const out = [`**${t.title}**`, '', `| ${t.header.join(' | ')} |`, `| ${t.header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const l of t.lines) {
    const cells = l.values.map((_, i) => {
      const s = cellText(t, l, i);
      return l.bold[i] && s ? `**${s}**` : s;
    });
    out.push(`| ${[l.method, l.scale, ...cells].join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

/** CSV with a header line; bold is not representable and is left out. */
export function tableToCsv(t: ResultTable): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = [t.header.map(q).join(',')];
  for (const l of t.lines) out.push([l.method, l.scale, ...l.values.map((_, i) => cellText(t, l, i))].map(q).join(','));
  return out.join('\n') + '\n';
}

/** A standalone HTML table (bold as <b>), metric groups as a two-level header like the paper. */
export function tableToHtml(t: ResultTable): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows: string[] = [];
  rows.push(
    `<tr><th rowspan="2">Method</th><th rowspan="2">Scale</th>${TABLE_METRICS.map((m) => `<th colspan="4">${m.label} ${m.better === 'max' ? '&uarr;' : '&darr;'}</th>`).join('')}</tr>`,
  );
  rows.push(`<tr>${TABLE_METRICS.map(() => [...TABLE_CELLS, 'Mean'].map((c) => `<th>${c}</th>`).join('')).join('')}</tr>`);
  for (const l of t.lines) {
    const tds = l.values.map((_, i) => {
      const s = cellText(t, l, i);
      return `<td>${l.bold[i] && s ? `<b>${s}</b>` : s}</td>`;
    });
    rows.push(`<tr><td>${esc(l.method)}</td><td>${l.scale}</td>${tds.join('')}</tr>`);
  }
  return `<table>\n<caption>${esc(t.title)}</caption>\n${rows.join('\n')}\n</table>\n`;
}
