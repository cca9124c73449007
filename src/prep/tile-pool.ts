import { Worker } from 'node:worker_threads';
import { SrcacoError, type SrcacoErrorKind } from '../errors.js';
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

/** What a worker sends back: a window handled, a tile finished, or the error that stopped it. */
export type WorkerReply =
  | { type: 'window' }
  | { type: 'done'; tileId: number; entries: ManifestEntry[] }
  | { type: 'error'; tileId: number; kind: SrcacoErrorKind; message: string; path?: string };

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
  const queue = [...tiles];
  const workers = Array.from({ length: Math.min(options.workers, tiles.length) }, () => spawnWorker());
  try {
    await Promise.all(workers.map((w) => drain(w, queue, options)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function drain(worker: Worker, queue: TileFiles[], options: TilePoolOptions): Promise<void> {
  return new Promise((resolveDrain, rejectDrain) => {
    let settled = false;
    const resolve = () => {
      settled = true;
      resolveDrain();
    };
    const reject = (e: unknown) => {
      settled = true;
      rejectDrain(e);
    };
    const next = () => {
      const tile = queue.shift();
      if (!tile) return resolve();
      const job: TileJobMessage = { tile, outDir: options.outDir, mode: options.mode };
      worker.postMessage(job);
    };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'window') options.onWindow?.();
      else if (m.type === 'done') {
        options.onTileDone?.(m.tileId, m.entries);
        next();
      } else {
        queue.length = 0;
        reject(new SrcacoError(m.kind, m.message, { path: m.path }));
      }
    });
    worker.on('error', (e) => {
      queue.length = 0;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      queue.length = 0;
      reject(new SrcacoError('internal', `a prep worker stopped (exit code ${code}) before finishing its tile; rerun to resume`));
    });
    next();
  });
}

/** A worker running prep-worker.ts through tsx's loader (workers do not inherit `--import tsx` on Node 20). */
function spawnWorker(): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./prep-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true });
}
