/** An evaluation on disk: `<Method>_<cell>_x<s>_<split>.json` (the Tables 4/5 row) and `.jsonl` (one line per image). */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ImageMetrics, ResultRow } from './aggregate.js';
import type { EvaluatedRow } from './row-statistics.js';

/** The file stem of a row in `dir`: the method's name made file-safe, the cell, scale and split. */
export function rowFileStem(dir: string, row: Pick<ResultRow, 'method' | 'cell' | 'scale' | 'split'>): string {
  return join(dir, `${row.method.replace(/[^A-Za-z0-9._-]+/g, '_')}_${row.cell}_x${row.scale}_${row.split}`);
}

/** Writes the per-image lines, then the row (each atomically; the row last, so a row never lacks its lines); returns the row's path. */
export async function writeRowFiles(dir: string, images: readonly ImageMetrics[], row: ResultRow): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stem = rowFileStem(dir, row);
  await writeFileAtomic(`${stem}.jsonl`, images.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await writeFileAtomic(`${stem}.json`, `${JSON.stringify(row, null, 2)}\n`);
  return `${stem}.json`;
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
