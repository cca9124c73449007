// Checkpoints: bit-exact round trips, crash-safe replacement, name/shape checks, PyTorch state_dicts, and a
// training run resumed from disk taking exactly the step the uninterrupted run takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { checkTensors, loadCheckpoint, loadStateDict, saveCheckpoint } from '../../src/engine/checkpoint.js';
import { sgd } from '../../src/engine/optim/index.js';
import { SrcacoError } from '../../src/errors.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'srcaco-ckpt-'));
const bytesOf = (t: E.HostTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

test('a checkpoint round-trips bit for bit: parameters, buffers, optimizer slots, RNG states, config', async () => {
  const dir = tmp();
  try {
    // NaN with a payload, −0, a subnormal and the largest float: values a decimal round trip would alter.
    const weird = new Float32Array(new Uint32Array([0x7fc01234, 0x80000000, 0x00000001, 0x7f7fffff, 0x3eaaaaab, 0xbf800000]).buffer);
    const data: E.HostTensor = { shape: [2, 3], data: weird };
    const saved = {
      params: { 'conv.weight': data, 'conv.bias': { shape: [2], data: Float32Array.of(0.1, -0.2) } },
      buffers: { 'bn.running_var': { shape: [2], data: Float64Array.of(1 / 3, 2) }, 'bn.num_batches_tracked': { shape: [], data: BigInt64Array.of(7n) } },
      optimizerState: { 'state/conv.weight/momentum_buffer': { shape: [2, 3], data: weird.map((v) => v * 0.5) }, 'state/conv.bias/momentum_buffer': { shape: [2], data: Float32Array.of(1, 2) } },
      epoch: 3,
      step: 1234,
      rng: { sampler: new Rng(5).state(), augment: [1, 2, 3, 4] },
      config: { model: 'srcnn', lr: 0.005, cells: ['CELL0'] },
      extra: { bestPsnr: 31.25 },
    };
    await saveCheckpoint(dir, saved);
    const back = await loadCheckpoint(dir, { params: { 'conv.weight': [2, 3], 'conv.bias': [2] }, buffers: { 'bn.running_var': [2], 'bn.num_batches_tracked': [] } });
    for (const group of ['params', 'buffers', 'optimizerState'] as const) {
      const a = saved[group] as Record<string, E.HostTensor>;
      const b = back[group]!;
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), group);
      for (const [k, t] of Object.entries(a)) {
        assert.deepEqual(b[k]!.shape, t.shape, k);
        assert.equal(b[k]!.data.constructor, t.data.constructor, k);
        assert.ok(bytesOf(b[k]!).equals(bytesOf(t)), `${k} differs`);
      }
    }
    assert.deepEqual([back.epoch, back.step, back.rng, back.config, back.extra], [saved.epoch, saved.step, saved.rng, saved.config, saved.extra]);
    // The weights file is a plain state_dict: PyTorch keys, optimizer slots kept apart.
    const model = readdirSync(dir).find((f) => f.startsWith('model-'))!;
    assert.deepEqual([...(await readSafetensors(join(dir, model))).tensors.keys()].sort(), ['bn.num_batches_tracked', 'bn.running_var', 'conv.bias', 'conv.weight']);
    const optim = readdirSync(dir).find((f) => f.startsWith('optimizer-'))!;
    assert.deepEqual([...(await readSafetensors(join(dir, optim))).tensors.keys()].sort(), ['conv.bias.momentum_buffer', 'conv.weight.momentum_buffer']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving over a checkpoint is crash-safe: leftovers of an interrupted save are ignored, then cleaned up', async () => {
  const dir = tmp();
  try {
    const at = (v: number, step: number) => ({ params: { w: { shape: [1], data: Float32Array.of(v) } }, epoch: 0, step });
    await saveCheckpoint(dir, at(1, 1));
    writeFileSync(join(dir, 'model-0123456789ab.safetensors'), 'half-written'); // a save that died before its JSON
    assert.equal((await loadCheckpoint(dir)).params.w!.data[0], 1);
    await saveCheckpoint(dir, at(2, 2));
    const back = await loadCheckpoint(dir);
    assert.deepEqual([back.params.w!.data[0], back.step], [2, 2]);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).length, 1);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading against another model fails once, listing missing, unexpected and wrongly shaped tensors', async () => {
  const dir = tmp();
  try {
    const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    await saveCheckpoint(dir, { params: { a: t([2]), b: t([3, 3]), extra1: t([1]) }, epoch: 0, step: 0 });
    await assert.rejects(
      loadCheckpoint(dir, { params: { a: t([2]).shape, b: [3, 4], c: [5] } }),
      (e: unknown) =>
        e instanceof SrcacoError &&
        e.kind === 'input' &&
        e.message.includes('missing 1: c') &&
        e.message.includes('unexpected 1: extra1') &&
        e.message.includes('wrong shape 1: b [3, 3] (expected [3, 4])'),
    );
    const many = new Map(Array.from({ length: 8 }, (_, i) => [`k${i}`, { shape: [1] }]));
    assert.throws(() => checkTensors('x', {}, many), /unexpected 8: k0, k1, k2, k3, k4, … \(3 more\)/);
    await assert.rejects(loadCheckpoint(join(dir, 'nowhere')), /there is no checkpoint here/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PyTorch state_dict saved as safetensors loads by name, extra keys allowed on request', async () => {
  const path = join(import.meta.dirname, '..', 'fixtures', 'safetensors', 'small_state_dict.safetensors');
  const expected = { '0.weight': [4, 1, 3, 3], '0.bias': [4], '1.running_mean': [4], '1.num_batches_tracked': [], 'extra.half': [3, 5] };
  await assert.rejects(loadStateDict(path, expected), /unexpected \d+: /);
  const sd = await loadStateDict(path, expected, { allowUnexpected: true });
  assert.deepEqual(Object.keys(sd), Object.keys(expected));
  assert.equal(sd['0.weight']!.data[1], Math.fround(0.17881453037261963)); // expected.json's first values
  assert.equal(sd['1.num_batches_tracked']!.data[0], 1n);
  assert.ok(sd['extra.half']!.data instanceof Float32Array);
});

test('training resumed from a checkpoint on disk takes exactly the uninterrupted run\'s next steps', async () => {
  const params = { 'conv.weight': [1, 1, 3, 3], 'conv.bias': [1] };
  const compiled = E.compileStep({
    params,
    inputs: { x: [2, 1, 12, 12], y: [2, 1, 12, 12] },
    optimizer: sgd({ momentum: 0.9, nesterov: true }),
    lossFn: ({ params: p, inputs }) => mseSsimLoss()(E.conv2d(inputs.x!, p['conv.weight']!, p['conv.bias']!, { padding: 1 }), inputs.y!),
  }, await E.compileTarget());
  const rng = new Rng(2);
  const img = () => ({ shape: [2, 1, 12, 12], data: Float32Array.from({ length: 288 }, () => rng.uniform()) });
  const batches = [0, 1, 2, 3].map(() => ({ x: img(), y: img() }));
  const init = { 'conv.weight': { shape: [1, 1, 3, 3], data: new Float32Array(9).fill(0.1) }, 'conv.bias': { shape: [1], data: Float32Array.of(0) } };
  const runner = await E.StepRunner.create(compiled, { params: init }, { threads: 1 });
  for (const b of batches.slice(0, 2)) await runner.step(b, 0.05);
  const dir = tmp();
  try {
    await saveCheckpoint(dir, { params: runner.params(), optimizerState: runner.optimizerState(), epoch: 0, step: runner.stepCount });
    const ck = await loadCheckpoint(dir, { params });
    const resumed = await E.StepRunner.create(compiled, { params: ck.params, optimizerState: ck.optimizerState, stepCount: ck.step }, { threads: 1 });
    for (const b of batches.slice(2)) {
      const [a, r] = [await runner.step(b, 0.05), await resumed.step(b, 0.05)];
      assert.equal(r.loss, a.loss);
    }
    assert.ok(bytesOf(resumed.params()['conv.weight']!).equals(bytesOf(runner.params()['conv.weight']!)));
    await resumed.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await runner.release();
  }
});
