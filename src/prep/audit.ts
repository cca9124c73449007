import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { readTileSplit, TILE_IDS } from '../io/tile-split.js';
import { splitForTiles } from './splits.js';
import type { AuditReport } from './audit-report.js';
import { auditPatches } from './audit-patches.js';
import { auditTiles } from './audit-tiles.js';
import { listTileIds } from './tile-set.js';

export interface AuditOptions {
  /** Split to check leakage against (default: the split folders of a patches dataset, else the paper's split). */
  splitFile?: string;
  /** Tiles (tiles folder) or HR patches (patches folder) read so far. */
  onProgress?: (done: number, total: number) => void;
}

/** Whether `dir` is a tiles folder (HighRes1024/) or a patches folder (hr_div_1/). */
export async function datasetKind(dir: string): Promise<'tiles' | 'patches'> {
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (await isDir(join(dir, 'hr_div_1'))) return 'patches';
  if (await isDir(join(dir, 'HighRes1024')) || (await isDir(join(dir, 'LowRes512')))) return 'tiles';
  throw new SrcacoError('input', 'neither a tiles folder (HighRes1024/, LowRes512/, ...) nor a patches folder (hr_div_1/, ...)', { path: dir });
}

/**
 * Audits a tiles or patches dataset: missing or malformed files, duplicate tiles found from pixels, and the
 * split leakage they cause (a duplicate pair across train/val/test).
 */
export async function auditDataset(dir: string, options: AuditOptions = {}): Promise<AuditReport> {
  const kind = await datasetKind(dir);
  if (kind === 'tiles') {
    const ids = await listTileIds(dir);
    const split = await splitForTiles(ids, options.splitFile);
    return auditTiles(dir, split, options.onProgress);
  }
  const split = options.splitFile ? await readTileSplit(options.splitFile, TILE_IDS) : undefined;
  return auditPatches(dir, split, options.onProgress);
}
