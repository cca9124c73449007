import { SrcacoError } from '../errors.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { BatchOptions, BatchStream, TrainBatch } from './data-batch.js';
import type { PairSourceSpec } from './data-source.js';
import type { BatchRequest, BatchWorkerData } from './data-worker.js';
import { advance, batchesPerEpoch, type TrainSamplerState } from './sampler-epoch.js';

/** How many batches are prepared ahead, by how many worker threads. */
export interface PrefetchOptions {
  /** Worker threads (default 1: the training step itself wants the other cores). */
  workers?: number;
  /** Batches requested ahead of the consumer (default 2 per worker). */
  depth?: number;
}

interface Pending {
  state: TrainSamplerState;
  promise: Promise<TrainBatch>;
}

/**
 * A batch stream whose batches are built in worker threads, a few ahead, so the training step never waits
 * on cropping and augmentation. Same batches as `batchStream` for the same source, options and state.
 */
export class TrainPrefetcher implements BatchStream {
  private readonly pool: WorkerPool<BatchRequest, TrainBatch>;
  private readonly queue: Pending[] = [];
  private readonly perEpoch: number;
  private readonly depth: number;
  private current: TrainSamplerState;
  private nextRequest: TrainSamplerState;
  private closed = false;

  constructor(spec: PairSourceSpec, options: BatchOptions, state: TrainSamplerState, prefetch: PrefetchOptions = {}) {
    this.perEpoch = batchesPerEpoch(spec.pairs.length, options.batchSize);
    const workers = Math.max(1, Math.floor(prefetch.workers ?? 1));
    this.depth = Math.max(1, Math.floor(prefetch.depth ?? 2 * workers));
    this.current = { ...state };
    this.nextRequest = { ...state };
    const workerData: BatchWorkerData = { spec, options };
    this.pool = new WorkerPool(new URL('./data-worker.ts', import.meta.url), { size: workers, name: 'batch', workerData });
  }

  /** The next batch, in order; keeps `depth` requests in flight. */
  async next(): Promise<TrainBatch> {
    if (this.closed) throw new SrcacoError('internal', 'the batch prefetcher is closed');
    this.fill();
    const head = this.queue.shift()!;
    this.current = advance(head.state, this.perEpoch);
    this.fill();
    return head.promise;
  }

  /** The state to save in a checkpoint: resuming from it yields the batch `next()` would return now. */
  state(): TrainSamplerState {
    return { ...this.current };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    await this.pool.close();
  }

  private fill(): void {
    while (this.queue.length < this.depth) {
      const state = this.nextRequest;
      this.nextRequest = advance(state, this.perEpoch);
      const promise = this.pool.run({ seed: state.seed, epoch: state.epoch, batchInEpoch: state.batchInEpoch });
      // A batch prepared ahead may fail before anyone awaits it: that is reported when it is consumed.
      promise.catch(() => {});
      this.queue.push({ state, promise });
    }
  }
}
