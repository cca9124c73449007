// Worker entry of the tile pool: processes the tiles the main thread sends, one at a time.
import { parentPort } from 'node:worker_threads';
import { isSrcacoError } from '../errors.js';
import { alignerFor } from './aligners.js';
import { prepTile } from './tile-job.js';
import type { TileJobMessage, WorkerReply } from './tile-pool.js';

const port = parentPort!;
port.on('message', async (job: TileJobMessage) => {
  const reply = (m: WorkerReply) => port.postMessage(m);
  try {
    const entries = await prepTile(job.tile, job.outDir, job.mode, alignerFor(job.mode), () => reply({ type: 'window' }));
    reply({ type: 'done', tileId: job.tile.id, entries });
  } catch (e) {
    const err = e as Error;
    reply({
      type: 'error',
      tileId: job.tile.id,
      kind: isSrcacoError(e) ? e.kind : 'internal',
      message: isSrcacoError(e) && e.path ? err.message.slice(e.path.length + 2) : String(err.stack ?? err.message),
      path: isSrcacoError(e) ? e.path : undefined,
    });
  }
});
