import { serveTasks } from '../util/worker-pool.js';
import { buildTileModel, simulateBand, type BandPixels, type TileModel } from './band.js';
import { LR_SCALES } from './params.js';
import type { BandRequest } from './pool.js';

/**
 * A worker of the band pool: keeps the model of the tile it is working on (rebuilding it is deterministic,
 * so any worker can take any band) and answers each request with the band's pixels, transferred, not copied.
 */
const cache = new Map<string, TileModel>();
/** Two tiles can be in flight at once (one finishing while the next starts). */
const CACHED_MODELS = 2;

serveTasks<BandRequest, BandPixels>(
  (request) => {
    const key = `${request.seed}:${request.tileId}:${request.sizeHrPx}`;
    let model = cache.get(key);
    if (!model) {
      model = buildTileModel(request.params, request.seed, request.tileId, request.sizeHrPx);
      cache.set(key, model);
      if (cache.size > CACHED_MODELS) cache.delete(cache.keys().next().value!);
    }
    return simulateBand(request.params, model, request.fieldRow);
  },
  (band) => [...band.hr.planes, ...LR_SCALES.flatMap((s) => band.lr[s].planes)].map((p) => p.buffer as ArrayBuffer),
);
