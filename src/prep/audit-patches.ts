import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSrcacoError } from '../errors.js';
import {
  HR_PATCH_PX, lrPatchOf, PAIR_LIST_FILES, parsePairList, parsePatchPath, parseSplitFolderName, patchPath, SPLITS, type PatchName, type SplitName,
} from '../io/layout.js';
import { readTiff } from '../io/tiff-read.js';
import { DEFAULT_TILE_SPLIT, type TileSplit } from '../io/tile-split.js';
import { findLeaks, sortPairs, type AuditProblem, type AuditReport } from './audit-report.js';
import { DUPLICATE_CORRELATION, thumbnail, thumbnailCorrelation, type Thumbnail } from './signature.js';
import { ROI_THRESHOLD } from './windows.js';

/** A tile pair counts as duplicate when at least this fraction of the smaller tile's patches duplicate the other's. */
const DUPLICATE_TILE_PATCH_FRACTION = 0.5;

interface HrPatchInfo {
  name: PatchName;
  path: string;
  hash: string;
  thumb: Thumbnail;
}

/** The tiles each split lists, from the split folders' l_h.txt (patches are read from their HR paths). */
export async function splitFromLists(dataDir: string, problems: AuditProblem[]): Promise<TileSplit | undefined> {
  const names = await readdir(dataDir);
  const tiles: Record<SplitName, Set<number>> = { train: new Set(), val: new Set(), test: new Set() };
  let found = false;
  for (const folder of names) {
    let parsed;
    try {
      parsed = parseSplitFolderName(folder);
    } catch {
      continue;
    }
    found = true;
    const listPath = join(dataDir, folder, PAIR_LIST_FILES.lrToHr);
    const text = await readFile(listPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      problems.push({ kind: 'missing-file', message: `split folder without ${PAIR_LIST_FILES.lrToHr}`, path: listPath });
      continue;
    }
    for (const [lr, hr] of parsePairList(text, listPath)) {
      for (const rel of [lr, hr]) {
        if (!(await stat(join(dataDir, rel)).catch(() => undefined))) {
          problems.push({ kind: 'missing-file', message: `listed in ${folder}/${PAIR_LIST_FILES.lrToHr} but missing`, path: join(dataDir, rel) });
        }
      }
      tiles[parsed.split].add(parsePatchPath(hr).tileId);
    }
  }
  if (!found) return undefined;
  for (const a of SPLITS) {
    for (const b of SPLITS) {
      if (a < b) for (const t of tiles[a]) if (tiles[b].has(t)) problems.push({ kind: 'split', message: `tile ${t} has patches in both "${a}" and "${b}"` });
    }
  }
  return { train: [...tiles.train].sort((x, y) => x - y), val: [...tiles.val].sort((x, y) => x - y), test: [...tiles.test].sort((x, y) => x - y) };
}

/**
 * Audits a patches folder (hr_div_{1,2,4,8}/, split folders): every HR patch 512 px 8-bit with its three LR
 * patches of 512/s px present and 8-bit, empty-ROI patches (no HR pixel >= 4), duplicate patches (same pixels,
 * or a thumbnail correlation >= 0.98 with a patch cut at the same window of another tile), duplicate tiles
 * (most of their patches duplicated) and the split leakage they cause, against `splitOverride`, else the split
 * folders' lists, else the paper's split.
 */
export async function auditPatches(dataDir: string, splitOverride?: TileSplit, onProgress?: (done: number, total: number) => void): Promise<AuditReport> {
  const problems: AuditProblem[] = [];
  const listed = await splitFromLists(dataDir, problems);
  const split = splitOverride ?? listed ?? DEFAULT_TILE_SPLIT;
  const hrNames = (await readdir(join(dataDir, 'hr_div_1')).catch(() => [] as string[])).filter((n) => n.endsWith('.tif')).sort();
  if (hrNames.length === 0) problems.push({ kind: 'missing-file', message: 'no HR patches (hr_div_1/*.tif)', path: join(dataDir, 'hr_div_1') });
  const infos: HrPatchInfo[] = [];
  let done = 0;
  for (const n of hrNames) {
    const rel = `hr_div_1/${n}`;
    const path = join(dataDir, rel);
    let name: PatchName;
    try {
      name = parsePatchPath(rel);
    } catch (e) {
      problems.push({ kind: 'unreadable', message: (e as Error).message, path });
      continue;
    }
    const hr = await readPatch(path, HR_PATCH_PX, problems);
    if (hr) {
      // empty patches are alike by nature: reported as empty, not as duplicates of each other
      if (!hr.data.some((v) => v >= ROI_THRESHOLD)) problems.push({ kind: 'empty-roi', message: `no pixel >= ${ROI_THRESHOLD}`, path });
      else infos.push({ name, path, hash: createHash('sha1').update(hr.data).digest('hex'), thumb: thumbnail(hr, 16) });
    }
    for (const s of [2, 4, 8] as const) {
      await readPatch(join(dataDir, patchPath(lrPatchOf(name, s))), HR_PATCH_PX / s, problems);
    }
    onProgress?.(++done, hrNames.length);
  }
  const { duplicates, patchProblems } = duplicatePatches(infos);
  const duplicateTiles = sortPairs(duplicates);
  const explained = new Set(duplicateTiles.map((p) => p.join(',')));
  for (const p of patchProblems) if (!explained.has(sortPairs([p.tiles])[0]!.join(','))) problems.push(p.problem);
  return { kind: 'patches', duplicates: duplicateTiles, leaks: findLeaks(duplicateTiles, split), problems };
}

async function readPatch(path: string, side: number, problems: AuditProblem[]) {
  let planes;
  try {
    planes = await readTiff(path);
  } catch (e) {
    if (!isSrcacoError(e)) throw e;
    const missing = !(await stat(path).catch(() => undefined));
    problems.push(missing ? { kind: 'missing-file', message: 'patch file missing', path } : { kind: 'unreadable', message: e.message, path });
    return undefined;
  }
  const p = planes[0]!;
  if (!(p.data instanceof Uint8Array)) {
    problems.push({ kind: 'bit-depth', message: `patches must be 8-bit, found ${p.data.constructor.name}`, path });
    return undefined;
  }
  if (p.width !== side || p.height !== side) {
    problems.push({ kind: 'size-mismatch', message: `expected ${side}x${side}, found ${p.width}x${p.height}`, path });
  }
  return p;
}

/** Duplicate HR patches (exact, or near at the same window of two tiles) and the tile pairs most of them imply. */
function duplicatePatches(infos: HrPatchInfo[]) {
  const patchProblems: Array<{ tiles: [number, number]; problem: AuditProblem }> = [];
  const pairCount = new Map<string, number>();
  const note = (a: HrPatchInfo, b: HrPatchInfo, how: string) => {
    patchProblems.push({ tiles: [a.name.tileId, b.name.tileId], problem: { kind: 'duplicate-patch', message: `${how} of ${b.path}`, path: a.path } });
    if (a.name.tileId !== b.name.tileId && a.name.cell === 'CELL2') {
      const key = sortPairs([[a.name.tileId, b.name.tileId]])[0]!.join(',');
      pairCount.set(key, (pairCount.get(key) ?? 0) + 1);
    }
  };
  const byHash = new Map<string, HrPatchInfo>();
  const byWindow = new Map<string, HrPatchInfo[]>();
  for (const p of infos) {
    const first = byHash.get(p.hash);
    if (first) {
      note(p, first, 'exact copy');
      continue;
    }
    byHash.set(p.hash, p);
    const key = `${p.name.i}_${p.name.j}_${p.name.cell}`;
    const same = byWindow.get(key) ?? [];
    const near = same.find((q) => q.name.tileId !== p.name.tileId && thumbnailCorrelation([p.thumb], [q.thumb]) >= DUPLICATE_CORRELATION);
    if (near) note(p, near, 'near-duplicate');
    same.push(p);
    byWindow.set(key, same);
  }
  const patchesOfTile = new Map<number, number>();
  for (const p of infos) if (p.name.cell === 'CELL2') patchesOfTile.set(p.name.tileId, (patchesOfTile.get(p.name.tileId) ?? 0) + 1);
  const duplicates: Array<[number, number]> = [];
  for (const [key, n] of pairCount) {
    const [a, b] = key.split(',').map(Number) as [number, number];
    if (n >= DUPLICATE_TILE_PATCH_FRACTION * Math.min(patchesOfTile.get(a) ?? 0, patchesOfTile.get(b) ?? 0)) duplicates.push([a, b]);
  }
  return { duplicates, patchProblems };
}
