import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSrcacoError, SrcacoError } from '../errors.js';
import { openTiff } from '../io/tiff-read.js';
import { CELLS, TILE_FOLDERS, tilePath, type Scale } from '../io/layout.js';
import { windowGrid } from './windows.js';

/** The four resolutions of a tile, HR first. */
export const TILE_SCALES: readonly Scale[] = [1, 2, 4, 8];

/** The four files of one tile and their plane sizes, checked. */
export interface TileFiles {
  id: number;
  paths: Record<Scale, string>;
  sizes: Record<Scale, { width: number; height: number }>;
}

/** Path of a tile file: `<dir>/<Folder>/<Folder>-<id>.tif`. */
export function tileFilePath(tilesDir: string, id: number, scale: Scale): string {
  return join(tilesDir, tilePath(scale, id));
}

/** Tile ids found in any of the four resolution folders, ascending. */
export async function listTileIds(tilesDir: string): Promise<number[]> {
  const ids = new Set<number>();
  let folders = 0;
  for (const s of TILE_SCALES) {
    const folder = TILE_FOLDERS[s];
    const names = await readdir(join(tilesDir, folder)).catch(() => undefined);
    if (!names) continue;
    folders++;
    const pattern = new RegExp(`^${folder}-(\\d+)\\.tiff?$`);
    for (const n of names) {
      const m = pattern.exec(n);
      if (m) ids.add(Number(m[1]));
    }
  }
  if (folders === 0 || ids.size === 0) {
    throw new SrcacoError('input', `no tiles found: expected ${Object.values(TILE_FOLDERS).map((f) => `${f}/${f}-<id>.tif`).join(', ')}`, { path: tilesDir });
  }
  return [...ids].sort((a, b) => a - b);
}

/** What is wrong with a tile, in the vocabulary of the audit. */
export interface TileProblem {
  kind: 'missing-file' | 'unreadable' | 'planes' | 'bit-depth' | 'size-mismatch';
  message: string;
  path: string;
}

/**
 * Finds and checks every tile of a tiles folder before anything is written: all four resolutions present,
 * three 8-bit planes of one size per file, LR sizes = HR / scale (within 2 LR px), no strip beyond the file end.
 * The first problem is thrown as a SrcacoError naming the file.
 */
export async function findTiles(tilesDir: string, onlyIds?: number[]): Promise<TileFiles[]> {
  const ids = onlyIds ?? (await listTileIds(tilesDir));
  const tiles: TileFiles[] = [];
  for (const id of ids) {
    const r = await inspectTile(tilesDir, id);
    if ('problem' in r) {
      const { kind, message, path } = r.problem;
      throw new SrcacoError(kind === 'missing-file' || kind === 'unreadable' ? 'input' : 'data', message, { path });
    }
    tiles.push(r.tile);
  }
  return tiles;
}

/** Checks one tile's four files; returns the tile or its first problem. */
export async function inspectTile(tilesDir: string, id: number): Promise<{ tile: TileFiles } | { problem: TileProblem }> {
  const paths = {} as Record<Scale, string>;
  const sizes = {} as Record<Scale, { width: number; height: number }>;
  for (const s of TILE_SCALES) {
    const path = tileFilePath(tilesDir, id, s);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      return { problem: { kind: 'missing-file', message: `tile ${id} has no ${TILE_FOLDERS[s]} file (every tile needs all four resolutions)`, path } };
    }
    paths[s] = path;
    const size = await checkTileFile(path, info.size);
    if ('kind' in size) return { problem: size };
    sizes[s] = size;
  }
  const hr = sizes[1];
  for (const s of [2, 4, 8] as const) {
    const { width, height } = sizes[s];
    if (Math.abs(width - hr.width / s) > 2 || Math.abs(height - hr.height / s) > 2) {
      const message = `tile ${id} is ${width}x${height} at /${s} but its HR tile is ${hr.width}x${hr.height}: expected about ${Math.round(hr.width / s)}x${Math.round(hr.height / s)}`;
      return { problem: { kind: 'size-mismatch', message, path: paths[s] } };
    }
  }
  // the LR window of the last HR window must lie inside the LR tile (the original would silently cut it short)
  let lastII = 0;
  let lastJJ = 0;
  for (const w of windowGrid(hr.height, hr.width)) [lastII, lastJJ] = [Math.max(lastII, w.ii), Math.max(lastJJ, w.jj)];
  for (const s of [2, 4, 8] as const) {
    if (sizes[s].width < lastJJ / s || sizes[s].height < lastII / s) {
      const message = `tile ${id} is ${sizes[s].width}x${sizes[s].height} at /${s}, too small for the HR windows, which reach ${lastJJ / s}x${lastII / s} at this scale`;
      return { problem: { kind: 'size-mismatch', message, path: paths[s] } };
    }
  }
  return { tile: { id, paths, sizes } };
}

async function checkTileFile(path: string, fileBytes: number): Promise<{ width: number; height: number } | TileProblem> {
  let file;
  try {
    file = await openTiff(path, { cacheBytes: 0 });
  } catch (e) {
    if (!isSrcacoError(e)) throw e;
    return { kind: 'unreadable', message: e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message, path };
  }
  try {
    if (file.planes.length !== CELLS.length) {
      return { kind: 'planes', message: `a tile file must hold ${CELLS.length} planes (CELL0, CELL1, CELL2), found ${file.planes.length}`, path };
    }
    const pages = file.planes.map((p) => file.pages[p.page]!);
    for (const page of pages) {
      if (page.pixelType !== 'uint8') {
        return { kind: 'bit-depth', message: `tiles must be 8-bit, found ${page.bitsPerSample}-bit ${page.pixelType} pixels`, path };
      }
      if (page.width !== pages[0]!.width || page.height !== pages[0]!.height) {
        return { kind: 'planes', message: 'the planes of a tile file differ in size', path };
      }
      const k = page.blockOffsets.findIndex((offset, n) => offset + page.blockByteCounts[n]! > fileBytes);
      if (k >= 0) {
        return { kind: 'unreadable', message: `strip/tile ${k} of page ${page.index} lies beyond the end of the file (${fileBytes} bytes): the TIFF is truncated`, path };
      }
    }
    return { width: pages[0]!.width, height: pages[0]!.height };
  } finally {
    await file.close();
  }
}
