import { parentPort } from 'node:worker_threads';
import { buildTileModel, simulateBand, type TileModel } from './band.js';
import { LR_SCALES } from './params.js';
import type { BandRequest, BandReply } from './pool.js';

/**
 * A worker of the band pool: keeps the model of the tile it is working on (rebuilding it is deterministic,
 * so any worker can take any band) and answers each request with the band's pixels, transferred, not copied.
 */
let cached: { key: string; model: TileModel } | null = null;

parentPort!.on('message', (request: BandRequest) => {
  try {
    const key = `${request.seed}:${request.tileId}:${request.sizeHrPx}`;
    if (cached?.key !== key) {
      cached = { key, model: buildTileModel(request.params, request.seed, request.tileId, request.sizeHrPx) };
    }
    const band = simulateBand(request.params, cached.model, request.fieldRow);
    const buffers = [...band.hr.planes, ...LR_SCALES.flatMap((s) => band.lr[s].planes)].map((p) => p.buffer as ArrayBuffer);
    const reply: BandReply = { taskId: request.taskId, band };
    parentPort!.postMessage(reply, buffers);
  } catch (e) {
    const reply: BandReply = { taskId: request.taskId, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) };
    parentPort!.postMessage(reply);
  }
});
