import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { lockFolder } from '../io/folder-lock.js';
import type { WindowAligner } from './align-window.js';
import type { ManifestEntry } from './cut-tile.js';
import { pickQcEntries, writeQcOverlays } from './qc-overlay.js';
import { writeSplitLists, writeSplitNuclei } from './split-lists.js';
import type { TileSplit } from '../io/tile-split.js';
import { splitForTiles } from './splits.js';
import { readDoneMarker, stateDir } from './tile-job.js';
import { runTilePool } from './tile-pool.js';
import { findTiles, type TileFiles } from './tile-set.js';
import { windowGrid, type PrepMode } from './windows.js';
import { defaultWorkers } from '../util/worker-pool.js';

export interface PrepOptions {
  tilesDir: string;
  outDir: string;
  mode?: PrepMode;
  /** Custom split JSON; the paper's split by default. */
  splitFile?: string;
  /** Number of before/after registration overlays written to `qc/`. */
  qc?: number;
  /** Worker threads (default: `defaultWorkers()`); 0 runs in this thread. */
  workers?: number;
  /** Replaces the mode's registration (runs in this thread). */
  align?: WindowAligner;
  /** Progress over the windows of the tiles still to do. */
  onProgress?: (done: number, total: number) => void;
}

export interface PrepSummary {
  mode: PrepMode;
  tiles: number[];
  /** Tiles found finished by an earlier run and skipped. */
  skippedTiles: number[];
  split: TileSplit;
  /** Patches (windows kept) per tile. */
  patchesPerTile: Record<number, number>;
  manifestPath: string;
  qcPaths: string[];
}

/** What `prep.json` records about a prepared folder. */
export interface PrepConfig {
  format: 1;
  mode: PrepMode;
  tilesDir: string;
  split: TileSplit;
}

/** Name of the manifest of a prepared folder (one JSON object per LR/HR pair). */
export const MANIFEST_FILE = 'manifest.jsonl';
export const PREP_CONFIG_FILE = 'prep.json';

/**
 * Turns a tiles folder into the patch dataset of the original layout (hr_div_{1,2,4,8}/, split folders with
 * l_h.txt/h_l.txt), a manifest and QC overlays. Every input is checked before anything is written; tiles
 * finished by an earlier run (done markers) are skipped, so an interrupted run resumes.
 */
export async function prepDataset(options: PrepOptions): Promise<PrepSummary> {
  const mode = options.mode ?? 'default';
  const outDir = resolve(options.outDir);
  const tiles = await findTiles(options.tilesDir);
  const split = await splitForTiles(tiles.map((t) => t.id), options.splitFile);
  await mkdir(outDir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the output folder (${e.message})`, { path: outDir, cause: e });
  });
  const lock = await lockFolder(outDir, 'prep');
  try {
    return await prepLocked(options, outDir, mode, tiles, split);
  } finally {
    await lock.release();
  }
}

async function prepLocked(options: PrepOptions, outDir: string, mode: PrepMode, tiles: TileFiles[], split: TileSplit): Promise<PrepSummary> {
  const ids = tiles.map((t) => t.id);
  await claimOutDir(outDir, { format: 1, mode, tilesDir: resolve(options.tilesDir), split });

  const byTile = new Map<number, ManifestEntry[]>();
  const skippedTiles: number[] = [];
  for (const id of ids) {
    const entries = await readDoneMarker(outDir, id, mode);
    if (entries) {
      byTile.set(id, entries);
      skippedTiles.push(id);
    }
  }
  const pending = tiles.filter((t) => !byTile.has(t.id));
  const total = pending.reduce((n, t) => n + [...windowGrid(t.sizes[1].height, t.sizes[1].width)].length, 0);
  let done = 0;
  options.onProgress?.(0, total);
  await runTilePool(pending, {
    outDir,
    mode,
    workers: options.workers ?? defaultWorkers(),
    align: options.align,
    onWindow: () => options.onProgress?.(++done, total),
    onTileDone: (id, entries) => byTile.set(id, entries),
  });

  const entries = ids.flatMap((id) => byTile.get(id)!);
  const manifestPath = join(outDir, MANIFEST_FILE);
  await writeFileAtomic(manifestPath, [new TextEncoder().encode(entries.map((e) => `${JSON.stringify(e)}\n`).join(''))]);
  await writeSplitLists(outDir, entries, split);
  await writeSplitNuclei(outDir, resolve(options.tilesDir), entries, split);
  const qcPaths = await writeQcOverlays(outDir, pickQcEntries(entries, options.qc ?? 0), tiles);
  const patchesPerTile: Record<number, number> = {};
  for (const id of ids) patchesPerTile[id] = new Set(byTile.get(id)!.map((e) => e.patchId)).size;
  return { mode, tiles: ids, skippedTiles, split, patchesPerTile, manifestPath, qcPaths };
}

/** Creates the output folder or checks that an earlier run there used the same mode and tiles. */
async function claimOutDir(outDir: string, config: PrepConfig): Promise<void> {
  const path = join(outDir, PREP_CONFIG_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    let earlier: PrepConfig;
    try {
      earlier = JSON.parse(text) as PrepConfig;
    } catch (e) {
      throw new SrcacoError('output', `is not JSON (${(e as Error).message}); use another --out, or delete the folder's prep.json to start it again`, { path, cause: e });
    }
    if (earlier.mode !== config.mode || earlier.tilesDir !== config.tilesDir) {
      throw new SrcacoError(
        'output',
        `was prepared from ${earlier.tilesDir} in mode ${earlier.mode}; use another --out for ${config.tilesDir} in mode ${config.mode}`,
        { path },
      );
    }
  }
  await mkdir(stateDir(outDir), { recursive: true });
  await writeFileAtomic(path, [new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`)]);
}

/** Reads the manifest of a prepared folder. */
export async function readManifest(outDir: string): Promise<ManifestEntry[]> {
  const path = join(outDir, MANIFEST_FILE);
  const text = await readFile(path, 'utf8').catch((e) => {
    throw new SrcacoError('input', `no manifest: is this a folder written by \`srcaco prep\`?`, { path, cause: e });
  });
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ManifestEntry);
}
