/**
 * Worker-thread side of TrainPrefetcher: opens the pair source once, then builds each requested batch and
 * sends its buffers back (transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSrcacoError } from '../errors.js';
import { buildBatch, type BatchOptions } from './data-batch.js';
import { openPairSource, type PairSourceSpec } from './data-source.js';

interface Init {
  spec: PairSourceSpec;
  options: BatchOptions;
}

const { spec, options } = workerData as Init;
const source = openPairSource(spec);

parentPort!.on('message', async (msg: { id: number; seed: number; epoch: number; batchInEpoch: number }) => {
  try {
    const batch = await buildBatch(source, options, msg.seed, msg.epoch, msg.batchInEpoch);
    const transfer = [batch.lr.buffer, batch.hr.buffer];
    if (batch.lrUp) transfer.push(batch.lrUp.buffer);
    parentPort!.postMessage({ id: msg.id, batch }, transfer as ArrayBuffer[]);
  } catch (e) {
    const err = e as Error & { kind?: string; path?: string; option?: string };
    parentPort!.postMessage({
      id: msg.id,
      error: { srcaco: isSrcacoError(e), kind: err.kind, message: err.message, stack: err.stack },
    });
  }
});
