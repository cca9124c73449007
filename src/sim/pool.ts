import { WorkerPool } from '../util/worker-pool.js';
import type { BandPixels } from './band.js';
import type { SimParams } from './params.js';

/** A request to simulate one band (field row) of one tile. */
export interface BandRequest {
  params: SimParams;
  seed: number;
  tileId: number;
  sizeHrPx: number;
  fieldRow: number;
}

/** Worker threads that simulate bands: `run(request)` resolves with the band's pixels. */
export type BandPool = WorkerPool<BandRequest, BandPixels>;

/** Starts a band pool of at most `size` threads; the caller closes it. */
export function startBandPool(size: number): BandPool {
  return new WorkerPool(new URL('./band-worker.ts', import.meta.url), { size, name: 'simulation' });
}
