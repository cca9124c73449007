import type { Command } from 'commander';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import type { EvaluatedRow } from '../metrics/row-statistics.js';
import { buildResultTable, tableToCsv, tableToHtml, tableToMarkdown, type TablePart } from '../metrics/result-table.js';
import { choiceOption, makeOutDir, outOption } from './options.js';

const FORMATS = { md: tableToMarkdown, csv: tableToCsv, html: tableToHtml } as const;
type TableFormat = keyof typeof FORMATS;
const PARTS = ['both', 'roi', 'full', 'roiOriginal'] as const;

interface TableOptions {
  format: TableFormat;
  part: (typeof PARTS)[number];
  out?: string;
}

function isResultRow(v: unknown): v is ResultRow {
  const r = v as ResultRow;
  return !!r && typeof r.method === 'string' && typeof r.cell === 'string' && typeof r.scale === 'number' && typeof r.n === 'number' && !!r.roi && !!r.full;
}

/** A row file's per-image lines (`X.jsonl` beside `X.json`, as eval writes them), or undefined when there are none. */
async function readImageLines(rowPath: string): Promise<ImageMetrics[] | undefined> {
  const path = rowPath.replace(/\.json$/, '.jsonl');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let m: ImageMetrics;
      try {
        m = JSON.parse(line) as ImageMetrics;
      } catch (e) {
        throw new SrcacoError('input', `line ${i + 1} is not JSON (${(e as Error).message})`, { path, cause: e });
      }
      if (typeof m?.id !== 'string' || !m.full || !m.roi) throw new SrcacoError('input', `line ${i + 1} is not a per-image line of srcaco eval (id, full, roi)`, { path });
      return m;
    });
}

/**
 * Reads result rows from .json files (a row or an array of rows) and folders of them; a single-row file brings the
 * per-image lines eval wrote beside it, for the statistics of the report.
 */
export async function readEvaluatedRows(paths: readonly string[]): Promise<EvaluatedRow[]> {
  const rows: EvaluatedRow[] = [];
  for (const p of paths) {
    const s = await stat(p).catch((e) => {
      throw new SrcacoError('input', 'result file or folder not found', { path: p, cause: e });
    });
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
      rows.push(...(await readEvaluatedRows(names.map((n) => join(p, n)))));
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(p, 'utf8'));
    } catch (e) {
      throw new SrcacoError('input', `not a JSON result row (${(e as Error).message})`, { path: p, cause: e });
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const r of list) {
      if (!isResultRow(r)) throw new SrcacoError('input', 'not a result row (expected {method, cell, scale, split, n, roi, full}); rows come from srcaco eval', { path: p });
    }
    const images = Array.isArray(parsed) ? undefined : await readImageLines(p);
    if (images && images.length !== (parsed as ResultRow).n) {
      throw new SrcacoError('data', `the row counts ${(parsed as ResultRow).n} images but its .jsonl has ${images.length} lines`, { path: p });
    }
    rows.push(...(list as ResultRow[]).map((row) => ({ row, images })));
  }
  if (rows.length === 0) throw new SrcacoError('input', `no result rows found in ${paths.join(', ')}`);
  return rows;
}

/** Reads result rows from .json files (a row or an array of rows) and folders of them. */
export async function readResultRows(paths: readonly string[]): Promise<ResultRow[]> {
  return (await readEvaluatedRows(paths)).map((e) => e.row);
}

/** `srcaco table RESULTS...`: result rows to the paper's Tables 4 and 5. */
export function register(program: Command): void {
  program
    .command('table')
    .description("lay evaluation rows out as the paper's Table 4 (ROI) and Table 5 (full image); best per column and scale in bold")
    .argument('<results...>', 'row .json files from srcaco eval, or folders of them')
    .addOption(choiceOption('--format <fmt>', 'md, csv or html', Object.keys(FORMATS) as TableFormat[]).default('md'))
    .addOption(choiceOption('--part <part>', "'both' (Tables 4 and 5), 'roi', 'full' or 'roiOriginal' (empty ROIs averaged in, as the original)", PARTS).default('both'))
    .addOption(outOption('write table.<fmt> into this folder instead of printing it'))
    .action(async (paths: string[], raw: TableOptions) => {
      const format = FORMATS[raw.format];
      const parts: TablePart[] = raw.part === 'both' ? ['roi', 'full'] : [raw.part];
      const rows = await readResultRows(paths);
      const text = parts.map((p) => format(buildResultTable(rows, p))).join('\n');
      if (raw.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await makeOutDir(raw.out);
      const file = join(raw.out, `table.${raw.format}`);
      await writeFileAtomic(file, [new TextEncoder().encode(text)]);
      process.stdout.write(`wrote ${file}\n`);
    });
}
