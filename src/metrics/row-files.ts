/** An evaluation on disk: `<Method>_<cell>_x<s>_<split>.json` (the Tables 4/5 row) and `.jsonl` (one line per image). */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { ImageMetrics, ResultRow } from './aggregate.js';

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
