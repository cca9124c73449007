// The nn parameter trees: initial values from an Rng, roles, state dict round trips and mismatch errors, and
// BatchNorm running statistics flowing out of a compiled training step as new buffer values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StepRunner, compileStep, compileTarget, mseLoss, sub, mul } from '../../src/engine/index.js';
import type { Optimizer } from '../../src/engine/index.js';
import { buildModule, bufferShapes, initState, loadState, mergeState, paramShapes, splitState, stateToSafetensors } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { applyModel } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { loadModelFixture } from '../fixtures/models/load.js';

const stats = (a: Float32Array) => {
  let s = 0;
  let s2 = 0;
  for (const v of a) (s += v), (s2 += v * v);
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), maxAbs: Math.max(...Array.from(a, Math.abs)) };
};

test("PyTorch's default inits: conv weight and bias U(±1/√fan_in); BatchNorm 1, 0, running 0/1, counter 0", () => {
  const { specs } = buildModule((nn) => [nn.conv2d('c', 4, 8, 3), nn.batchNorm2d('bn', 8)]);
  const state = initState(specs, new Rng(1));
  const bound = 1 / Math.sqrt(4 * 9);
  const w = stats(state['c.weight']!.data as Float32Array);
  assert.ok(w.maxAbs <= bound && w.maxAbs > 0.9 * bound, `${w.maxAbs} vs ${bound}`);
  assert.ok(Math.abs(w.std - bound / Math.sqrt(3)) < 0.15 * bound, `std ${w.std}`);
  assert.ok(stats(state['c.bias']!.data as Float32Array).maxAbs <= bound);
  assert.deepEqual(Array.from(state['bn.weight']!.data as Float32Array), new Array(8).fill(1));
  assert.deepEqual(Array.from(state['bn.running_mean']!.data as Float32Array), new Array(8).fill(0));
  assert.deepEqual(Array.from(state['bn.running_var']!.data as Float32Array), new Array(8).fill(1));
  assert.deepEqual(state['bn.num_batches_tracked'], { shape: [], data: BigInt64Array.of(0n) });
  assert.deepEqual(Object.keys(paramShapes(specs)), ['c.weight', 'c.bias', 'bn.weight', 'bn.bias']);
  assert.deepEqual(bufferShapes(specs), { 'bn.running_mean': [8], 'bn.running_var': [8] });
});

test("the originals' inits: SRCNN N(0, √(2/(out·k²))) and reconstruction N(0, 0.001), zero biases; MemNet fan-in normal; same seed, same values", () => {
  const srcnn = buildModel('srcnn915', { scale: 2 });
  const a = initState(srcnn.specs, new Rng(7));
  const b = initState(srcnn.specs, new Rng(7));
  assert.deepEqual(a, b);
  assert.notDeepEqual(initState(srcnn.specs, new Rng(8))['features.0.weight'], a['features.0.weight']);
  const f = stats(a['features.0.weight']!.data as Float32Array); // 64·81 draws
  assert.ok(Math.abs(f.std - Math.sqrt(2 / (64 * 81))) < 0.05 * Math.sqrt(2 / (64 * 81)), `std ${f.std}`);
  const r = stats(a['reconstruction.weight']!.data as Float32Array);
  assert.ok(Math.abs(r.std - 0.001) < 0.0002, `std ${r.std}`);
  assert.equal(stats(a['features.0.bias']!.data as Float32Array).maxAbs, 0);
  const memnet = buildModel('memnet', { scale: 2, preset: 'demo' });
  const m = initState(memnet.specs, new Rng(3));
  const gate = stats(m['dense_memory_blocks.1.gate_unit.2.weight']!.data as Float32Array); // [64, 256, 1, 1]
  assert.ok(Math.abs(gate.std - Math.sqrt(2 / 256)) < 0.05 * Math.sqrt(2 / 256), `std ${gate.std}`);
  assert.deepEqual(new Set(m['reconstructor.0.weight']!.data as Float32Array), new Set([1]));
});

test('state dicts round-trip through safetensors; foreign weights fail listing the first mismatches', () => {
  const vdsr = buildModel('vdsr', { scale: 2 });
  const state = initState(vdsr.specs, new Rng(5));
  const back = loadState(vdsr.specs, parseSafetensors(serializeSafetensors(stateToSafetensors(state))).tensors, { model: 'vdsr' });
  assert.deepEqual(back, state);
  const memnet = buildModel('memnet', { scale: 2, preset: 'demo' });
  const ms = initState(memnet.specs, new Rng(5));
  // Counters may be missing (default 0); everything else must be there.
  const noCounters = new Map([...stateToSafetensors(ms)].filter(([k]) => !k.endsWith('num_batches_tracked')));
  assert.deepEqual(loadState(memnet.specs, noCounters, { model: 'memnet' }), ms);
  assert.throws(
    () => loadState(vdsr.specs, stateToSafetensors(initState(buildModel('srcnn', { scale: 2 }).specs, new Rng(1))), { model: 'vdsr x2', path: 'w.safetensors' }),
    (e: unknown) => e instanceof SrcacoError && /w\.safetensors: these weights do not fit vdsr x2: missing: conv1\.0\.weight \[64, 1, 3, 3\], trunk\.0\.conv\.weight \[64, 64, 3, 3\], trunk\.1\.conv\.weight \[64, 64, 3, 3\] \(\+17 more\); unexpected: features\.0\.weight \[1024, 1, 5, 5\], features\.0\.bias \[1024\], map\.0\.weight \[128, 1024, 1, 1\] \(\+3 more\)/.test(e.message),
  );
  const wrongShape = stateToSafetensors(initState(buildModel('memnet', { scale: 2, config: { num_memory_blocks: 2, num_residual_blocks: 3 } }).specs, new Rng(1)));
  assert.throws(() => loadState(memnet.specs, wrongShape, { model: 'memnet' }), /wrong shape: dense_memory_blocks\.0\.gate_unit\.0\.weight is \[256\], expected \[192\].*unexpected: dense_memory_blocks\.0\.recursive_unit\.2/);
});

test('a training step outputs the new BatchNorm running statistics (momentum 0.1, unbiased variance) and mergeState counts batches', async () => {
  const f = loadModelFixture('memnet_m1r1_x4');
  const model = buildModel('memnet', { scale: 4, config: { num_memory_blocks: 1, num_residual_blocks: 1 } });
  const state = initState(model.specs, new Rng(11));
  state['feature_extractor.0.running_mean'] = { shape: [1], data: Float32Array.of(0.5) };
  const sgd: Optimizer = { slots: {}, update: ({ param, grad, lr }) => ({ param: sub(param, mul(grad, lr)), state: {} }) };
  const step = compileStep({
    params: paramShapes(model.specs),
    buffers: bufferShapes(model.specs),
    inputs: { lr: f.config.lr_shape, hr: f.config.output_shape },
    lossFn: ({ params, buffers, inputs }) => {
      const { y, buffers: updated } = applyModel(model, { params, buffers }, inputs.lr!, { training: true });
      return { loss: mseLoss(y, inputs.hr!), buffers: updated };
    },
    optimizer: sgd,
  }, await compileTarget());
  const runner = await StepRunner.create(step, splitState(model.specs, state), { threads: 2 });
  await runner.step({ lr: { shape: f.config.lr_shape, data: f.lr }, hr: { shape: f.config.output_shape, data: f.up } }, 0.01);
  // The first BatchNorm sees the clamped bicubic `up` (one channel): its batch mean and unbiased variance.
  const n = f.up.length;
  const mean = f.up.reduce((a, b) => a + b, 0) / n;
  const varU = f.up.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const buffers = runner.buffers();
  assert.ok(Math.abs(buffers['feature_extractor.0.running_mean']!.data[0]! as number - (0.9 * 0.5 + 0.1 * mean)) < 1e-6);
  assert.ok(Math.abs(buffers['feature_extractor.0.running_var']!.data[0]! as number - (0.9 * 1 + 0.1 * varU)) < 1e-5);
  const merged = mergeState(model.specs, state, { ...runner.params(), ...buffers }, runner.stepCount);
  assert.deepEqual(Object.keys(merged), Object.keys(model.specs));
  assert.equal((merged['reconstructor.0.num_batches_tracked']!.data as BigInt64Array)[0], 1n);
  assert.notDeepEqual(merged['reconstructor.2.weight'], state['reconstructor.2.weight']);
  await runner.release();
});
