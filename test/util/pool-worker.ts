// Worker entry for test/util/worker-pool.test.ts: one small task per behaviour of the pool.
import { threadId, workerData } from 'node:worker_threads';
import { SrcacoError } from '../../src/errors.js';
import { serveTasks } from '../../src/util/worker-pool.js';

export type PoolTask =
  | { op: 'square'; n: number }
  /** Blocks until the main thread sets the shared flag: makes the completion order deterministic. */
  | { op: 'wait'; n: number }
  | { op: 'notes'; n: number }
  | { op: 'srcaco' }
  | { op: 'range' }
  | { op: 'die' }
  | { op: 'data' };

export interface PoolOutput {
  value: unknown;
  threadId: number;
}

const flag = (workerData as { flag?: SharedArrayBuffer } | undefined)?.flag;

serveTasks<PoolTask, PoolOutput, number>((task, notify) => {
  const out = (value: unknown): PoolOutput => ({ value, threadId });
  switch (task.op) {
    case 'square':
      return out(task.n * task.n);
    case 'wait':
      Atomics.wait(new Int32Array(flag!), 0, 0);
      return out(task.n);
    case 'notes':
      for (let k = 0; k < task.n; k++) notify(k);
      return out('noted');
    case 'srcaco':
      throw new SrcacoError('data', 'the patch is 3x3, expected 4x4', { path: '/data/p.tif', option: '--scale' });
    case 'range':
      throw new RangeError('width must be an integer >= 1, received 0');
    case 'die':
      process.exit(3);
    case 'data':
      return out(workerData);
  }
});
