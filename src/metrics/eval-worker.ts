import { parentPort } from 'node:worker_threads';
import { isSrcacoError } from '../errors.js';
import { measurePair, type PairJob } from './measure-pair.js';
import { SsimScratch } from './ssim-map.js';

/** A worker of the evaluation pool: measures the pairs it is sent, one at a time, with reused buffers. */
const scratch = new SsimScratch();

parentPort!.on('message', async (request: { taskId: number; job: PairJob }) => {
  try {
    const metrics = await measurePair(request.job, { scratch });
    parentPort!.postMessage({ taskId: request.taskId, metrics });
  } catch (e) {
    const error = isSrcacoError(e)
      ? { kind: e.kind, message: e.message }
      : { kind: 'internal', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) };
    parentPort!.postMessage({ taskId: request.taskId, error });
  }
});
