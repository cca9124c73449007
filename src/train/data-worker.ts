/**
 * Worker-thread side of TrainPrefetcher: opens the pair source once, then builds each requested batch and
 * sends its buffers back (transferred, not copied).
 */
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../util/worker-pool.js';
import { buildBatch, type BatchOptions, type TrainBatch } from './data-batch.js';
import { openPairSource, type PairSourceSpec } from './data-source.js';

/** What every batch worker is started with. */
export interface BatchWorkerData {
  spec: PairSourceSpec;
  options: BatchOptions;
}

/** One batch to build: the sampler position it is drawn from. */
export interface BatchRequest {
  seed: number;
  epoch: number;
  batchInEpoch: number;
}

const { spec, options } = workerData as BatchWorkerData;
const source = openPairSource(spec);

serveTasks<BatchRequest, TrainBatch>(
  (r) => buildBatch(source, options, r.seed, r.epoch, r.batchInEpoch),
  (batch) => [batch.lr.buffer, batch.hr.buffer, ...(batch.lrUp ? [batch.lrUp.buffer] : [])] as ArrayBuffer[],
);
