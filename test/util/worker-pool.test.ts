import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isSrcacoError, SrcacoError } from '../../src/errors.js';
import { runInWorkers, WorkerPool } from '../../src/util/worker-pool.js';
import type { PoolOutput, PoolTask } from './pool-worker.js';

const entry = new URL('./pool-worker.ts', import.meta.url);
const pool = (size: number, more: { workerData?: unknown; onNote?: (n: number) => void } = {}) =>
  new WorkerPool<PoolTask, PoolOutput, number>(entry, { size, name: 'test', ...more });

test('map: outputs in input order, onResult as each finishes, at most `size` threads, started only when needed', async () => {
  const flag = new SharedArrayBuffer(4);
  const seen: number[] = [];
  const release = () => {
    Atomics.store(new Int32Array(flag), 0, 1);
    Atomics.notify(new Int32Array(flag), 0);
  };
  const outputs = await runInWorkers<PoolTask, PoolOutput>(entry, [{ op: 'wait', n: 0 }, { op: 'square', n: 1 }, { op: 'square', n: 3 }], {
    size: 2,
    name: 'test',
    workerData: { flag },
    onResult: (k) => {
      seen.push(k);
      if (k === 1) release();
    },
  });
  assert.deepEqual(outputs.map((o) => o.value), [0, 1, 9]);
  // task 0 is held until task 1's result has arrived
  assert.equal(seen.indexOf(1) < seen.indexOf(0), true);
  assert.deepEqual([...seen].sort(), [0, 1, 2]);
  assert.equal(new Set(outputs.map((o) => o.threadId)).size, 2);

  const one = pool(4);
  try {
    const threads = new Set<number>();
    for (let n = 0; n < 3; n++) threads.add((await one.run({ op: 'square', n })).threadId);
    assert.equal(threads.size, 1, 'tasks run one after another need one worker');
  } finally {
    await one.close();
  }
});

test('notes reach onNote in order before the task resolves; workerData reaches every worker', async () => {
  const notes: number[] = [];
  const p = pool(1, { onNote: (n) => notes.push(n), workerData: { answer: 42 } });
  try {
    assert.equal((await p.run({ op: 'notes', n: 4 })).value, 'noted');
    assert.deepEqual(notes, [0, 1, 2, 3]);
    assert.deepEqual((await p.run({ op: 'data' })).value, { answer: 42 });
  } finally {
    await p.close();
  }
});

test('a task error reaches the caller as the same error, and the pool goes on', async () => {
  const p = pool(1);
  try {
    const local = new SrcacoError('data', 'the patch is 3x3, expected 4x4', { path: '/data/p.tif', option: '--scale' });
    await assert.rejects(p.run({ op: 'srcaco' }), (e: unknown) => {
      assert.ok(isSrcacoError(e));
      assert.deepEqual([e.kind, e.path, e.option, e.message, e.name], [local.kind, local.path, local.option, local.message, local.name]);
      assert.match(e.stack!, /pool-worker\.ts/);
      return true;
    });
    await assert.rejects(p.run({ op: 'range' }), (e: unknown) => e instanceof RangeError && e.message === 'width must be an integer >= 1, received 0');
    assert.equal((await p.run({ op: 'square', n: 5 })).value, 25);
    // the first failure of a map rejects it
    await assert.rejects(p.map([{ op: 'square', n: 1 }, { op: 'range' }, { op: 'square', n: 2 }]), RangeError);
  } finally {
    await p.close();
  }
});

test('a worker that dies fails its task, the queue and later tasks; close() fails what is left', async () => {
  const p = pool(1);
  const dying = p.run({ op: 'die' });
  const queued = p.run({ op: 'square', n: 2 });
  const died = (e: unknown) => isSrcacoError(e) && e.kind === 'internal' && /a test worker thread failed: it exited with code 3/.test(e.message);
  await Promise.all([dying, queued, p.run({ op: 'square', n: 3 })].map((task) => assert.rejects(task, died)));
  await assert.rejects(p.run({ op: 'square', n: 1 }), /worker thread failed/);
  await p.close();
  await p.close();

  const flag = new SharedArrayBuffer(4);
  const closing = pool(1, { workerData: { flag } });
  const blocked = closing.run({ op: 'wait', n: 0 });
  const waiting = closing.run({ op: 'square', n: 2 });
  const failed = [blocked, waiting].map((task) => assert.rejects(task, /closed before the task finished/));
  await closing.close();
  await Promise.all(failed);
  await assert.rejects(closing.run({ op: 'square', n: 1 }), /pool is closed/);
  assert.throws(() => pool(0), (e: unknown) => isSrcacoError(e) && e.kind === 'usage' && e.option === '--workers');
});

test('idle workers do not keep the process alive when close() is forgotten', () => {
  const script = `
    import { WorkerPool } from ${JSON.stringify(new URL('../../src/util/worker-pool.ts', import.meta.url).href)};
    const pool = new WorkerPool(new URL(${JSON.stringify(entry.href)}), { size: 2, name: 'test' });
    console.log((await pool.run({ op: 'square', n: 7 })).value);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, 'the process hung');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '49');
});
