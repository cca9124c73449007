import { runInWorkers } from '../util/worker-pool.js';
import type { WindowAligner } from './align-window.js';
import type { ManifestEntry } from './cut-tile.js';
import { prepTile } from './tile-job.js';
import type { TileFiles } from './tile-set.js';
import type { PrepMode } from './windows.js';

/** What the main thread sends a worker: one tile to cut. */
export interface TileJobMessage {
  tile: TileFiles;
  outDir: string;
  mode: PrepMode;
}

/** What a worker notes while cutting a tile: one window handled. */
export type TileJobNote = 'window';

export interface TilePoolOptions {
  outDir: string;
  mode: PrepMode;
  /** Worker threads; 0 runs in this thread (and is the only way to pass a custom `align`). */
  workers: number;
  align?: WindowAligner;
  onWindow?: () => void;
  onTileDone?: (tileId: number, entries: ManifestEntry[]) => void;
}

/** Cuts the tiles, `workers` tiles at a time; the first failure stops the pool and is thrown. */
export async function runTilePool(tiles: TileFiles[], options: TilePoolOptions): Promise<void> {
  if (options.workers <= 0 || options.align) {
    const { alignerFor } = await import('./aligners.js');
    for (const tile of tiles) {
      const entries = await prepTile(tile, options.outDir, options.mode, options.align ?? alignerFor(options.mode), options.onWindow);
      options.onTileDone?.(tile.id, entries);
    }
    return;
  }
  const jobs = tiles.map((tile): TileJobMessage => ({ tile, outDir: options.outDir, mode: options.mode }));
  await runInWorkers<TileJobMessage, ManifestEntry[], TileJobNote>(new URL('./prep-worker.ts', import.meta.url), jobs, {
    size: options.workers,
    name: 'prep',
    onNote: () => options.onWindow?.(),
    onResult: (k, entries) => options.onTileDone?.(tiles[k]!.id, entries),
  });
}
