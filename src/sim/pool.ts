import { Worker } from 'node:worker_threads';
import { SrcacoError } from '../errors.js';
import type { BandPixels } from './band.js';
import type { SimParams } from './params.js';

/** A request to simulate one band (field row) of one tile. */
export interface BandRequest {
  taskId: number;
  params: SimParams;
  seed: number;
  tileId: number;
  sizeHrPx: number;
  fieldRow: number;
}

export interface BandReply {
  taskId: number;
  band?: BandPixels;
  error?: string;
}

/**
 * A fixed pool of worker threads that simulate bands. Requests queue up and go to the first idle worker;
 * each resolves with the band's pixels. `close()` terminates the workers (also on error or interruption).
 */
export class BandPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ request: BandRequest; resolve: (b: BandPixels) => void; reject: (e: Error) => void }> = [];
  private readonly running = new Map<Worker, { resolve: (b: BandPixels) => void; reject: (e: Error) => void }>();
  private nextTaskId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./band-worker.mjs', import.meta.url));
      worker.on('message', (reply: BandReply) => this.finish(worker, reply));
      worker.on('error', (e) => this.fail(worker, e));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Simulates one band on the next free worker. */
  run(request: Omit<BandRequest, 'taskId'>): Promise<BandPixels> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...request, taskId: this.nextTaskId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage(job.request);
    }
  }

  private finish(worker: Worker, reply: BandReply): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    if (job) {
      if (reply.band) job.resolve(reply.band);
      else job.reject(new SrcacoError('internal', `simulation worker failed: ${reply.error ?? 'no result'}`));
    }
    this.dispatch();
  }

  private fail(worker: Worker, e: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    const error = new SrcacoError('internal', `simulation worker crashed: ${e.message}`, { cause: e });
    job?.reject(error);
    // a crashed worker never becomes idle again: fail what waits rather than hang
    for (const waiting of this.queue.splice(0)) waiting.reject(error);
  }
}
