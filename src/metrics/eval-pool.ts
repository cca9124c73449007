import { Worker } from 'node:worker_threads';
import { SrcacoError, type SrcacoErrorKind } from '../errors.js';
import type { PairJob } from './measure-pair.js';
import type { PairMetrics } from './types.js';

type Reply = { taskId: number; metrics?: PairMetrics; error?: { kind: SrcacoErrorKind; message: string } };

/**
 * Measures pairs on `size` worker threads, results in job order. The first failure stops the run and
 * is rethrown as the worker's SrcacoError (same kind and message).
 */
export async function measurePairsInPool(
  jobs: readonly PairJob[],
  size: number,
  onResult: (index: number, metrics: PairMetrics) => void,
): Promise<PairMetrics[]> {
  const results: PairMetrics[] = new Array(jobs.length);
  const workers = Array.from({ length: Math.min(size, jobs.length) }, () => new Worker(new URL('./eval-worker.mjs', import.meta.url)));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      let failed = false;
      const send = (w: Worker) => {
        if (next < jobs.length) {
          const taskId = next++;
          w.postMessage({ taskId, job: jobs[taskId] });
        }
      };
      for (const w of workers) {
        w.on('message', (reply: Reply) => {
          if (failed) return;
          if (reply.error || !reply.metrics) {
            failed = true;
            const err = reply.error ?? { kind: 'internal' as const, message: 'no result' };
            reject(new SrcacoError(err.kind, err.message));
            return;
          }
          results[reply.taskId] = reply.metrics;
          onResult(reply.taskId, reply.metrics);
          if (++done === jobs.length) resolve();
          else send(w);
        });
        w.on('error', (e) => {
          failed = true;
          reject(new SrcacoError('internal', `evaluation worker crashed: ${e.message}`, { cause: e }));
        });
        send(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
