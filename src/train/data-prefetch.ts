import { Worker } from 'node:worker_threads';
import { SrcacoError, type SrcacoErrorKind } from '../errors.js';
import type { BatchOptions, BatchStream, TrainBatch } from './data-batch.js';
import type { PairSourceSpec } from './data-source.js';
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
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (b: TrainBatch) => void; reject: (e: Error) => void }>();
  private readonly queue: Pending[] = [];
  private readonly perEpoch: number;
  private readonly depth: number;
  private current: TrainSamplerState;
  private nextRequest: TrainSamplerState;
  private nextId = 0;
  private closed = false;
  private failure: Error | undefined;

  constructor(spec: PairSourceSpec, options: BatchOptions, state: TrainSamplerState, prefetch: PrefetchOptions = {}) {
    const count = spec.pairs.length;
    this.perEpoch = batchesPerEpoch(count, options.batchSize);
    const n = Math.max(1, Math.floor(prefetch.workers ?? 1));
    this.depth = Math.max(1, Math.floor(prefetch.depth ?? 2 * n));
    this.current = { ...state };
    this.nextRequest = { ...state };
    this.workers = Array.from({ length: n }, () => {
      const w = startWorker({ spec, options });
      w.on('message', (m: { id: number; batch?: TrainBatch; error?: WorkerError }) => this.settle(m));
      w.on('error', (e) => this.failAll(e));
      w.unref();
      return w;
    });
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
    // An idle worker is unref'd, and terminate() resolves on its exit event: without a ref nothing keeps the
    // event loop alive until then, and the caller's await is left pending.
    this.holdProcess(true);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fill(): void {
    while (this.queue.length < this.depth) {
      const state = this.nextRequest;
      this.nextRequest = advance(state, this.perEpoch);
      const id = this.nextId++;
      const promise = this.failure
        ? Promise.reject(this.failure)
        : new Promise<TrainBatch>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
      // A batch prepared ahead may fail before anyone awaits it: that is reported when it is consumed.
      promise.catch(() => {});
      if (!this.failure) {
        this.workers[id % this.workers.length]!.postMessage({
          id,
          seed: state.seed,
          epoch: state.epoch,
          batchInEpoch: state.batchInEpoch,
        });
      }
      this.queue.push({ state, promise });
    }
    this.holdProcess(true);
  }

  /** Workers keep the process alive only while a batch is being built, so a forgotten close() cannot hang it. */
  private holdProcess(busy: boolean): void {
    // Once closing, replies still in flight must not unref the workers that terminate() is waiting on.
    if (this.closed && !busy) return;
    for (const w of this.workers) (busy ? w.ref() : w.unref());
  }

  private settle(m: { id: number; batch?: TrainBatch; error?: WorkerError }): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.holdProcess(false);
    if (m.batch) w.resolve(m.batch);
    else w.reject(rebuildError(m.error!));
  }

  private failAll(e: Error): void {
    // A crashed worker never answers again: fail what it owed and everything asked from now on.
    this.failure = new SrcacoError('internal', `a batch worker failed: ${e.message}`, { cause: e });
    for (const [, w] of this.waiting) w.reject(this.failure);
    this.waiting.clear();
    this.holdProcess(false);
  }
}

/**
 * Starts data-worker in a thread. From TypeScript sources (tsx), Node 20 ignores `--import tsx` for a worker's
 * entry module, so a one-line bootstrap registers tsx's loader in the thread first, then imports the worker.
 */
function startWorker(workerData: unknown): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './data-worker.ts' : './data-worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

interface WorkerError {
  srcaco: boolean;
  kind?: string;
  message: string;
  stack?: string;
}

function rebuildError(e: WorkerError): Error {
  if (e.srcaco) return new SrcacoError(e.kind as SrcacoErrorKind, e.message);
  const err = new Error(e.message);
  err.stack = e.stack;
  return err;
}
