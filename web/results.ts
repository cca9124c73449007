import { buildResultTable, tableToHtml, type TablePart } from '../src/metrics/result-table.js';
import { scalePlotSvg } from '../src/report/figure-scale-plot.js';
import type { ViewEval } from './api.js';

/**
 * The paper's Tables 4 (ROI) and 5 (full image) of the evaluation rows the server found, laid out by srcaco's own
 * result-table code; a click on a value opens that method, cell and scale's first image. Beside them the report's
 * Fig. 6 (ROI PSNR per scale, one panel per cell), drawn by the report's own code.
 */
export interface TableClick {
  method: string;
  scale: number;
  cell: string;
}

/** Splits that have rows, most relevant first. */
export function splitsOf(evals: readonly ViewEval[]): string[] {
  const order = ['test', 'val', 'train'];
  return [...new Set(evals.map((e) => e.row.split))].sort((a, b) => (order.indexOf(a) + 99) % 99 - (order.indexOf(b) + 99) % 99);
}

export function renderResults(host: HTMLElement, evals: readonly ViewEval[], split: string, onClick: (c: TableClick) => void): void {
  host.replaceChildren();
  const rows = dedupe(evals.filter((e) => e.row.split === split)).map((e) => e.row);
  if (rows.length === 0) {
    host.textContent = 'No evaluation rows in the served folders: make some with `srcaco eval --out DIR` or `srcaco eval --run RUN`, and serve that folder.';
    return;
  }
  const tables = document.createElement('div');
  const plot = document.createElement('figure');
  plot.className = 'scale-plot-box';
  // rows whose ROIs were all empty have no ROI PSNR, and a plot of nothing is left out
  if (rows.some((r) => Number.isFinite(r.roi.psnr))) plot.innerHTML = `${scalePlotSvg(rows, { part: 'roi', metric: 'psnr' })}<figcaption>ROI PSNR per scale (the paper's Fig. 6)</figcaption>`;
  host.className = 'results-body';
  host.append(tables, plot);
  for (const part of ['roi', 'full'] as TablePart[]) {
    const table = buildResultTable(rows, part);
    const box = document.createElement('div');
    box.className = 'result-table';
    box.innerHTML = tableToHtml(table);
    tables.append(box);
    // body rows follow the two header rows, in the table's line order; value columns start after Method, Scale
    const trs = [...box.querySelectorAll('tr')].slice(2);
    trs.forEach((tr, i) => {
      const line = table.lines[i]!;
      [...tr.querySelectorAll('td')].slice(2).forEach((td, col) => {
        const cell = table.header[col + 2]!.split(' ')[1]!;
        if (cell === 'Mean' || td.textContent === '') return;
        td.classList.add('clickable');
        td.title = `open ${line.method} ${cell} ${line.scale}`;
        td.addEventListener('click', () => onClick({ method: line.method, scale: Number(line.scale.slice(1)), cell }));
      });
    });
  }
}

/** Rows of the same method, cell, scale and split found twice (a copied folder) are shown once: the first. */
function dedupe(evals: readonly ViewEval[]): ViewEval[] {
  const seen = new Set<string>();
  return evals.filter((e) => {
    const k = `${e.row.method}|${e.row.cell}|${e.row.scale}|${e.row.split}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
