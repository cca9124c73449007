// SRFBN against the original class (fixtures from scripts/fixtures/models-srfbn.py): state_dict of the benchmark
// configuration, every step's output and the gradients of one protocol-loss step of a small configuration, a
// short training run, and the scales and input sizes it accepts.
import assert from 'node:assert/strict';
import { runGraphOnce } from './helpers/compare.js';
import { assertFixedInits, assertStateDictKeys, compareGradients, fixtureFolder, meanShiftsFrozen, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';
import { trainOnOneBatch } from './helpers/short-training.js';
import { test } from 'node:test';
import { compileFunction } from '../../src/engine/index.js';
import { countParams, forwardContext, initState } from '../../src/engine/nn/index.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { buildModel } from '../../src/models/registry.js';
import { srfbn } from '../../src/models/srfbn.js';
import { SrcacoError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

interface SrfbnFixture {
  scale: number;
  n_params: number;
  n_trainable: number;
  full: Record<string, number>;
  small?: SmallCase & {
    steps_shape: number[];
  };
}

const { config: fixture, json, f32 } = fixtureFolder<SrfbnFixture>('srfbn');

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const run = runGraphOnce;

for (const scale of [2, 4, 8]) {
  test(`srfbn x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('srfbn', { scale });
    assert.deepEqual(model.config, f.full);
    // The frozen MeanShift convs (requires_grad=False) are constants; everything else is trained.
    assertStateDictKeys(model, keys, meanShiftsFrozen);
    assert.equal(countParams(model.specs), f.n_trainable);
    // PyTorch's default init (the original never calls its init_weights for SRFBN): U(±1/√fan_in), a transposed
    // conv's fan_in from its weight's dim 1; PReLU slopes 0.2.
    const { kernel } = { 2: { kernel: 6 }, 4: { kernel: 8 }, 8: { kernel: 12 } }[scale]!;
    assert.deepEqual(model.specs['conv_in.0.weight']!.init, { kind: 'uniform', bound: 1 / 3 });
    assert.deepEqual(model.specs['block.upBlocks.0.0.weight']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(64 * kernel * kernel) });
    assert.deepEqual(model.specs['block.upBlocks.0.0.bias']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(64 * kernel * kernel) });
    assert.deepEqual(model.specs['block.compress_out.1.weight']!.init, { kind: 'constant', value: 0.2 });
    assert.equal(f.n_params - f.n_trainable, 24, 'two 3 → 3 1×1 convs with bias, not trained');
  });
}

test('srfbn: the frozen MeanShift tensors hold the original constructor values', () => {
  const small = fixture(2).small!;
  const model = buildModel('srfbn', { scale: 2, config: small.params });
  assertFixedInits(model, small);
});

for (const scale of [2, 4]) {
  test(`srfbn x${scale}: every step's output matches the original (max |diff| < 1e-4), and the inference graph's`, async () => {
    const small = fixture(scale).small!;
    const model = buildModel('srfbn', { scale, config: small.params });
    const state = recipeState(small);
    const steps = f32(scale, 'steps.f32');
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const weights = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }]));
    const bytes = compileFunction({
      inputs: { x: small.lr_shape },
      weights,
      fn: ({ x }, w) => {
        const { y, outputs = {} } = model.forwardOutputs(w, x!, forwardContext(true));
        return { ...outputs, y };
      },
    });
    const out = await run(bytes, { x: lr });
    const T = small.steps_shape[0]!;
    const n = steps.length / T;
    const names = [...Array.from({ length: T - 1 }, (_, t) => `step${t + 1}`), 'y'];
    assert.deepEqual(Object.keys(out).sort(), [...names].sort());
    names.forEach((name, t) => {
      const err = maxAbs(out[name]!.data as Float32Array, steps.subarray(t * n, (t + 1) * n));
      assert.ok(err < 1e-4, `${name}: max |diff| ${err}`);
    });
    const { y } = await run(inferenceGraph(model, state, { clampOutput: false }), { x: lr });
    const err = maxAbs(y!.data as Float32Array, steps.subarray((T - 1) * n));
    assert.ok(err < 1e-4, `inference graph: max |diff| ${err}`);
  });

  test(`srfbn x${scale}: one protocol-loss step (mean over steps of MSE − 5·SSIM) has the original's loss and gradients (relative 1e-4)`, async () => {
    const small = fixture(scale).small!;
    const model = buildModel('srfbn', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    // Against PyTorch's float64 gradients; PyTorch's own float32 ones are up to 2e-5 off (a PReLU slope's
    // gradient sums many terms that nearly cancel).
    const { errors, all } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    assert.ok(all < 1e-5);
  });
}

test('srfbn: a short training run on one batch lowers the protocol loss', async () => {
  const model = buildModel('srfbn', { scale: 2, config: { num_features: 8, num_steps: 2, num_groups: 2 } });
  const { losses } = await trainOnOneBatch(model);
  assert.ok(losses.every(Number.isFinite), losses.join(', '));
  assert.ok(losses[7]! < losses[0]! - 0.05, `loss should fall: ${losses.join(', ')}`);
});

test('srfbn: a scale the original has no kernels for is one usage error; the smallest LR image (1 px) is accepted', async () => {
  for (const scale of [3, 5]) {
    const isUsage = (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && /srfbn supports scales 2, 4, 8, received/.test(e.message);
    assert.throws(() => buildModel('srfbn', { scale }), isUsage);
    assert.throws(() => srfbn.build(scale, {}), isUsage);
  }
  // The projections map h to s·h and back for every h ≥ 1 (as the original: its 12×12 ×8 kernels with padding 2
  // fit a single LR pixel), so no LR image is too small for SRFBN.
  const model = buildModel('srfbn', { scale: 8, config: { num_features: 4, num_steps: 2, num_groups: 2 } });
  const { y } = await run(inferenceGraph(model, initState(model.specs, new Rng(1))), { x: { shape: [1, 1, 1, 1], data: Float32Array.of(0.5) } });
  assert.deepEqual(y!.shape, [1, 1, 8, 8]);
});
