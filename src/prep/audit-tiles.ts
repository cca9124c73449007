import { openTiff } from '../io/tiff-read.js';
import type { TileSplit } from '../io/tile-split.js';
import { findLeaks, sortPairs, type AuditProblem, type AuditReport } from './audit-report.js';
import { DUPLICATE_CORRELATION, ThumbnailBuilder, thumbnailCorrelation, type Thumbnail } from './signature.js';
import { inspectTile, listTileIds, type TileFiles } from './tile-set.js';

/** Thumbnails of the three HR markers of a tile, read in bands (a 9318-px tile is never whole in memory). */
export async function tileThumbnails(tile: TileFiles, blockPx: number): Promise<Thumbnail[]> {
  const file = await openTiff(tile.paths[1], { cacheBytes: 0 });
  try {
    const { width, height } = tile.sizes[1];
    const thumbs: Thumbnail[] = [];
    const bandRows = blockPx * Math.max(1, Math.floor(1024 / blockPx));
    for (let cell = 0; cell < 3; cell++) {
      const b = new ThumbnailBuilder(width, height, blockPx);
      for (let y = 0; y < b.height * blockPx; y += bandRows) {
        const rows = Math.min(bandRows, b.height * blockPx - y);
        b.addBand(await file.readWindow(cell, { x: 0, y, width, height: rows }), y);
      }
      thumbs.push(b.finish());
    }
    return thumbs;
  } finally {
    await file.close();
  }
}

/** Block size giving thumbnails about 256 blocks on the smaller side of the smallest tile (at least 4 px). */
export function thumbnailBlockPx(tiles: readonly TileFiles[]): number {
  const side = Math.min(...tiles.map((t) => Math.min(t.sizes[1].width, t.sizes[1].height)));
  return Math.max(4, Math.floor(side / 256));
}

/**
 * Audits a tiles folder: every tile's four files (present, readable, 3 planes, 8-bit, sizes consistent), then
 * duplicate tiles from pixels (HR thumbnail correlation >= 0.98) and the duplicate pairs that cross splits.
 */
export async function auditTiles(tilesDir: string, split: TileSplit, onProgress?: (done: number, total: number) => void): Promise<AuditReport> {
  const problems: AuditProblem[] = [];
  const good: TileFiles[] = [];
  for (const id of await listTileIds(tilesDir)) {
    const r = await inspectTile(tilesDir, id);
    if ('tile' in r) good.push(r.tile);
    else problems.push(r.problem);
  }
  const ids = new Set([...good.map((t) => t.id)]);
  for (const name of ['train', 'val', 'test'] as const) {
    for (const t of split[name]) {
      if (!ids.has(t) && !problems.some((p) => p.path?.endsWith(`-${t}.tif`))) {
        problems.push({ kind: 'split', message: `tile ${t} of "${name}" is not in the tiles folder` });
      }
    }
  }
  const thumbs = new Map<number, Thumbnail[]>();
  const blockPx = good.length > 0 ? thumbnailBlockPx(good) : 4;
  for (const t of good) {
    thumbs.set(t.id, await tileThumbnails(t, blockPx));
    onProgress?.(thumbs.size, good.length);
  }
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < good.length; a++) {
    for (let b = a + 1; b < good.length; b++) {
      const ta = good[a]!;
      const tb = good[b]!;
      if (thumbnailCorrelation(thumbs.get(ta.id)!, thumbs.get(tb.id)!) >= DUPLICATE_CORRELATION) pairs.push([ta.id, tb.id]);
    }
  }
  const duplicates = sortPairs(pairs);
  return { kind: 'tiles', duplicates, leaks: findLeaks(duplicates, split), problems };
}
