import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { writeTiff } from '../io/tiff-write.js';
import { SrcacoError } from '../errors.js';
import type { WindowAligner } from './align-window.js';
import { cutTilePatches, type ManifestEntry } from './cut-tile.js';
import { openTileReader } from './tile-reader.js';
import { TILE_SCALES, type TileFiles } from './tile-set.js';
import type { PrepMode } from './windows.js';

/** HR pixel size of the dataset (µm), recorded in every patch file. */
export const HR_PIXEL_SIZE_UM = 0.156289;

/** Bookkeeping folder of a prepared dataset: per-tile done markers and staging folders. */
export function stateDir(outDir: string): string {
  return join(outDir, '.prep');
}

/** The marker that says a tile is finished; it holds the tile's manifest entries. */
export function doneMarkerPath(outDir: string, tileId: number): string {
  return join(stateDir(outDir), `tile-${tileId}.done.json`);
}

interface DoneMarker {
  tile: number;
  mode: PrepMode;
  entries: ManifestEntry[];
}

/** The entries of a finished tile, or undefined when the tile has not been finished (in this mode). */
export async function readDoneMarker(outDir: string, tileId: number, mode: PrepMode): Promise<ManifestEntry[] | undefined> {
  const path = doneMarkerPath(outDir, tileId);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const marker = JSON.parse(text) as DoneMarker;
    return marker.mode === mode && marker.tile === tileId ? marker.entries : undefined;
  } catch (e) {
    throw new SrcacoError('input', `a done marker is unreadable (${(e as Error).message}); delete it to redo the tile`, { path, cause: e });
  }
}

/**
 * Cuts one tile into patches under `outDir`. Patches are written (each atomically) into a staging folder,
 * moved to their final names once the whole tile is done, and the done marker is written last: an interrupted
 * tile leaves no patch under a final name of its own run and is redone by the next run.
 */
export async function prepTile(
  tile: TileFiles,
  outDir: string,
  mode: PrepMode,
  align: WindowAligner,
  onWindow?: () => void,
): Promise<ManifestEntry[]> {
  const staging = join(stateDir(outDir), `staging-tile-${tile.id}`);
  await rm(staging, { recursive: true, force: true });
  for (const s of TILE_SCALES) {
    await mkdir(join(staging, `hr_div_${s}`), { recursive: true });
    await mkdir(join(outDir, `hr_div_${s}`), { recursive: true });
  }
  const reader = await openTileReader(tile);
  let entries: ManifestEntry[];
  try {
    entries = await cutTilePatches(reader, {
      mode,
      align,
      onWindow,
      write: (rel, patch) => {
        const scale = Number(/^hr_div_(\d+)/.exec(rel)![1]);
        return writeTiff(join(staging, rel), [patch], { pixelSizeUm: HR_PIXEL_SIZE_UM * scale });
      },
    });
  } finally {
    await reader.close();
  }
  for (const s of TILE_SCALES) {
    const folder = `hr_div_${s}`;
    for (const name of await readdir(join(staging, folder))) {
      await rename(join(staging, folder, name), join(outDir, folder, name));
    }
  }
  const marker: DoneMarker = { tile: tile.id, mode, entries };
  await writeFileAtomic(doneMarkerPath(outDir, tile.id), [new TextEncoder().encode(JSON.stringify(marker))]);
  await rm(staging, { recursive: true, force: true });
  return entries;
}
