// ENLCN against the original class (fixtures from scripts/fixtures/models-enlcn.py): state_dict of the benchmark
// configuration (the attention's projection buffers included), the output and the gradients of one
// protocol-loss step of a small configuration with the original's projections, a short training run that
// carries the projections unchanged, and the input sizes it accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countParams, initState, loadState, splitState } from '../../src/engine/nn/index.js';
import type { SafeTensor } from '../../src/io/safetensors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { assertStateDictKeys, compareGradients, fixtureFolder, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';
import { trainOnOneBatch } from './helpers/short-training.js';

interface EnlcnFixture {
  scale: number;
  n_params: number;
  n_trainable: number;
  full: Record<string, number>;
  small?: SmallCase;
}

const { config: fixture, json, f32 } = fixtureFolder<EnlcnFixture>('enlcn');


const ROLE = { param: 'param', frozen: 'constant', buffer: 'buffer' } as const;

for (const scale of [2, 4, 8]) {
  test(`enlcn x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string, keyof typeof ROLE]>;
    const model = buildModel('enlcn', { scale });
    assert.deepEqual(model.config, f.full);
    const kindOf = new Map(keys.map(([key, , , kind]) => [key, kind]));
    assertStateDictKeys(model, keys, (key) => ROLE[kindOf.get(key)!]);
    assert.equal(countParams(model.specs), f.n_trainable);
    assert.equal(f.n_params - f.n_trainable, 24, 'two 3 → 3 1×1 mean-shift convs, not trained');
    // Five attention modules (before block 1 and after blocks 8, 16, 24, 32), each with a [128, 64] projection
    // drawn as orthogonal random features; every conv keeps PyTorch's default init.
    const projections = keys.filter(([k]) => k.endsWith('projection_matrix')).map(([k]) => k);
    assert.deepEqual(projections, [0, 9, 18, 27, 36].map((i) => `body.${i}.attn_fn.projection_matrix`));
    for (const k of projections) assert.deepEqual(model.specs[k]!.init, { kind: 'orthogonalRandomFeatures', rows: 128, cols: 64 });
    assert.deepEqual(model.specs['body.1.body.0.weight']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(256 * 9) });
    assert.deepEqual(model.specs['body.0.conv_match1.0.bias']!.init, { kind: 'uniform', bound: 1 / 16 });
  });
}

test('enlcn: the mean shifts and projections of an original state_dict load by name, unchanged', () => {
  const small = fixture(2).small!;
  const model = buildModel('enlcn', { scale: 2, config: small.params });
  const state = recipeState(small);
  const tensors = new Map<string, SafeTensor>(Object.entries(state).map(([k, t]) => [k, { dtype: 'F32', shape: t.shape as number[], data: t.data as Float32Array }]));
  const loaded = loadState(model.specs, tensors, { model: 'enlcn' });
  for (const [key, , e] of small.weights) {
    if (e.kind !== 'fixed') continue;
    assert.deepEqual(Array.from(loaded[key]!.data as Float32Array), Array.from(Float32Array.from(e.values)), key);
  }
  assert.deepEqual(
    small.weights.filter(([, , e]) => e.kind === 'fixed').map(([k]) => k),
    ['sub_mean.weight', 'sub_mean.bias', 'add_mean.weight', 'add_mean.bias', 'body.0.attn_fn.projection_matrix', 'body.9.attn_fn.projection_matrix'],
  );
});

for (const scale of [2, 4]) {
  test(`enlcn x${scale}: the output matches the original with its projections (max |diff| < 1e-4), 5×7 LR`, async () => {
    const small = fixture(scale).small!;
    const model = buildModel('enlcn', { scale, config: small.params });
    const { y } = await run(inferenceGraph(model, recipeState(small), { clampOutput: false }), { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') } });
    const want = f32(scale, 'y.f32');
    assert.deepEqual(y!.shape, [small.lr_shape[0], 1, small.lr_shape[2]! * scale, small.lr_shape[3]! * scale]);
    const err = maxAbsDiff(y!.data as Float32Array, want);
    assert.ok(err < 1e-4, `max |diff| ${err}`);
  });

  test(`enlcn x${scale}: one protocol-loss step (MSE − 5·SSIM) has the original's loss and gradients (relative 1e-4)`, async () => {
    const small = fixture(scale).small!;
    const model = buildModel('enlcn', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } }, { buffers: true });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, all } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    assert.ok(all < 1e-5);
  });
}

test('enlcn: a short training run lowers the protocol loss and carries the projections unchanged', async () => {
  const model = buildModel('enlcn', { scale: 2, config: { n_resblock: 2, n_feats: 8 } });
  const init = splitState(model.specs, initState(model.specs, new Rng(5)));
  assert.deepEqual(Object.keys(init.buffers), ['body.0.attn_fn.projection_matrix']);
  const { losses, buffers: after } = await trainOnOneBatch(model, init);
  assert.ok(losses.every(Number.isFinite), losses.join(', '));
  assert.ok(losses[7]! < losses[0]! - 0.05, `loss should fall: ${losses.join(', ')}`);
  assert.deepEqual(after['body.0.attn_fn.projection_matrix']!.data, init.buffers['body.0.attn_fn.projection_matrix']!.data);
});

test('enlcn: every LR size from 1×1 runs (3×3 convs padded by 1, attention over any number of pixels)', async () => {
  const model = buildModel('enlcn', { scale: 4, config: { n_resblock: 1, n_feats: 8 } });
  assert.equal(model.minInputPx, undefined);
  const bytes = inferenceGraph(model, initState(model.specs, new Rng(1)));
  for (const [h, w] of [[1, 1], [3, 5]] as const) {
    const { y } = await run(bytes, { x: { shape: [1, 1, h, w], data: Float32Array.from({ length: h * w }, (_, i) => (i % 3) / 3) } });
    assert.deepEqual(y!.shape, [1, 1, 4 * h, 4 * w]);
    assert.ok((y!.data as Float32Array).every(Number.isFinite));
  }
});
