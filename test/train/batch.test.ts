import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { defaultLrAugment } from '../../src/train/augment-lr.js';
import { batchStream, buildBatch, type BatchOptions, type TrainBatch } from '../../src/train/data-batch.js';
import { defaultPatchOptions, type TrainPair } from '../../src/train/data-patch.js';
import { TrainPrefetcher } from '../../src/train/data-prefetch.js';
import { openPairSource } from '../../src/train/data-source.js';
import { batchesPerEpoch, epochOrder } from '../../src/train/sampler-epoch.js';
import { boxPair } from './helpers.js';

const pairs: TrainPair[] = Array.from({ length: 5 }, (_, i) => boxPair(32, 2, 100 + i));
const options: BatchOptions = {
  batchSize: 2,
  patch: defaultPatchOptions(2, {
    hrPatchPx: 16,
    withUpsampled: true,
    lrAugment: { ...defaultLrAugment, blur: true, dotNoise: true, gaussianNoise: true },
  }),
};
const source = openPairSource({ kind: 'memory', pairs });
const fresh = { seed: 42, epoch: 0, batchInEpoch: 0 };

function same(a: TrainBatch, b: TrainBatch, label: string): void {
  assert.deepEqual([a.epoch, a.batchInEpoch, a.pairs], [b.epoch, b.batchInEpoch, b.pairs], label);
  assert.deepEqual(a.lr, b.lr, `${label} lr`);
  assert.deepEqual(a.hr, b.hr, `${label} hr`);
  assert.deepEqual(a.lrUp, b.lrUp, `${label} lrUp`);
}

test('batches are NCHW float32 in [0,1], drop the last partial batch and visit every pair once per epoch', async () => {
  assert.equal(batchesPerEpoch(5, 2), 2);
  const s = batchStream(source, options, fresh);
  const b = await s.next();
  assert.equal(b.lr.length, 2 * 8 * 8);
  assert.equal(b.hr.length, 2 * 16 * 16);
  assert.equal(b.lrUp!.length, 2 * 16 * 16);
  for (const a of [b.lr, b.hr, b.lrUp!]) for (const v of a) assert.ok(v >= 0 && v <= 1);
  const order = epochOrder(42, 0, 5);
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(b.pairs, [order[0], order[1]]);
  assert.notDeepEqual([...epochOrder(42, 1, 5)], [...order]);
});

test('resuming from a saved state gives the same next batches as an uninterrupted run (across epochs)', async () => {
  const run = batchStream(source, options, fresh);
  const all: TrainBatch[] = [];
  let saved = run.state();
  for (let i = 0; i < 6; i++) {
    if (i === 3) saved = run.state();
    all.push(await run.next());
  }
  assert.deepEqual(saved, { seed: 42, epoch: 1, batchInEpoch: 1 });
  const resumed = batchStream(source, options, JSON.parse(JSON.stringify(saved)));
  for (let i = 3; i < 6; i++) same(await resumed.next(), all[i]!, `batch ${i}`);
  // A different seed gives different crops.
  const other = await buildBatch(source, options, 43, 0, 0);
  assert.notDeepEqual(other.hr, all[0]!.hr);
});

let prefetcher: TrainPrefetcher | undefined;
after(() => prefetcher?.close());

test('the worker-thread prefetcher yields exactly the in-thread batches, and its state resumes', async () => {
  prefetcher = new TrainPrefetcher({ kind: 'memory', pairs }, options, fresh, { workers: 2, depth: 3 });
  const inThread = batchStream(source, options, fresh);
  for (let i = 0; i < 4; i++) same(await prefetcher.next(), await inThread.next(), `batch ${i}`);
  assert.deepEqual(prefetcher.state(), inThread.state());
  const next = await inThread.next();
  same(await prefetcher.next(), next, 'batch 4');
  await prefetcher.close();
});

test('a worker error reaches the consumer as the same SrcacoError', async () => {
  const bad = new TrainPrefetcher({ kind: 'memory', pairs: [boxPair(32, 2, 1), boxPair(32, 4, 2)] }, { ...options, batchSize: 1 }, fresh);
  try {
    const results = await Promise.allSettled([bad.next(), bad.next()]);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.reason.name, 'SrcacoError');
    assert.match(rejected[0]!.reason.message, /check the split list and --scale/);
    // The failing batch is prepared ahead of time again in epoch 1; consuming later still reports it, once.
    const later = await Promise.allSettled([bad.next(), bad.next()]);
    assert.equal(later.filter((r) => r.status === 'rejected').length, 1);
  } finally {
    await bad.close();
  }
});
