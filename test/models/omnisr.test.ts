// Omni-SR against the original class (fixtures from scripts/fixtures/models-omnisr.py): state_dict of the
// benchmark configuration at every scale, the forward and the gradients of one protocol-loss step of a small
// configuration on LR sides that are not multiples of the window (the original pads them), through the static
// training path and the symbolic-size inference graph, and sizes the original cannot take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFunction } from '../../src/engine/index.js';
import { countParams, forwardContext, initState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { assertStateDictKeys, compareGradients, fixtureFolder, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';

interface OmnisrFixture {
  scale: number;
  n_params: number;
  full: Record<string, number | boolean>;
  persistent_buffers: string[];
  small?: SmallCase<Record<string, number | boolean>>;
}

const { config: fixture, json, f32 } = fixtureFolder<OmnisrFixture>('omnisr');

for (const scale of [2, 4, 8]) {
  test(`omnisr x${scale}: state_dict names, order and shapes equal the original's benchmark configuration (no buffers), PyTorch's default init`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('omnisr', { scale });
    assert.deepEqual(model.config, f.full);
    assertStateDictKeys(model, keys, () => 'param');
    // rel_pos_indices is a non-persistent buffer: not in the state_dict, a constant of the graph here.
    assert.deepEqual(f.persistent_buffers, []);
    assert.equal(countParams(model.specs), f.n_params);
    assert.equal(f.n_params, { 2: 2_827_716, 4: 2_834_640, 8: 2_862_336 }[scale]);
    const block = 'residual_layer.0.residual_layer.0.layer';
    assert.deepEqual(model.specs[`${block}.2.fn.rel_pos_bias.weight`]!.init, { kind: 'normal', std: 1 });
    assert.deepEqual(model.specs[`${block}.5.fn.temperature`]!.init, { kind: 'constant', value: 1 });
    assert.deepEqual(model.specs[`${block}.0.fn.2.weight`]!.init, { kind: 'uniform', bound: 1 / 3 }); // depthwise: fan_in 9
    assert.deepEqual(model.specs[`${block}.4.norm.weight`]!.init, { kind: 'constant', value: 1 });
    assert.deepEqual(model.specs['up.0.weight']!.shape, [scale * scale, 64, 3, 3]);
  });
}

for (const scale of [2, 4]) {
  test(`omnisr x${scale}: the forward matches the original (max |diff| < 1e-4), static and with symbolic H and W`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('omnisr', { scale, config: small.params });
    const state = recipeState(small);
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const want = f32(scale, 'output.f32');
    const bytes = compileFunction({ inputs: { x: small.lr_shape }, weights: state, fn: ({ x }, w) => ({ y: model.forward(w, x!, forwardContext(true)) }) });
    const { y } = await run(bytes, { x: lr });
    assert.deepEqual(y!.shape, small.hr_shape);
    const err = maxAbsDiff(y!.data as Float32Array, want);
    assert.ok(err < 1e-4, `static: max |diff| ${err}`);
    // The inference graph has symbolic N, H, W: the padding to the window is computed in the graph.
    const inferred = await run(inferenceGraph(model, state, { clampOutput: false }), { x: lr });
    const errSym = maxAbsDiff(inferred.y!.data as Float32Array, want);
    assert.ok(errSym < 1e-4, `symbolic: max |diff| ${errSym}`);
    t.diagnostic(`max |diff|: static ${err}, symbolic ${errSym}`);
  });

  test(`omnisr x${scale}: one protocol-loss step (MSE − 5·SSIM) has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('omnisr', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.keys(model.specs));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, worst, all } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    assert.ok(all < 1e-5, `all gradients: relative error ${all} (worst tensor ${worst})`);
    t.diagnostic(`loss ${loss} vs ${small.loss}; gradients: worst tensor relative error ${worst}, all ${all}`);
  });
}

test('omnisr: one symbolic-size graph runs at sizes that are not multiples of the window, down to 1 px (the original needs 9)', async () => {
  const model = buildModel('omnisr', { scale: 4, config: { num_feat: 8, res_num: 1, block_num: 1 } });
  const state = initState(model.specs, new Rng(3));
  const bytes = inferenceGraph(model, state);
  const rng = new Rng(4);
  for (const [h, w] of [
    [1, 1],
    [6, 11],
    [13, 8],
  ] as const) {
    const { y } = await run(bytes, { x: { shape: [1, 1, h, w], data: Float32Array.from({ length: h * w }, () => rng.uniform()) } });
    assert.deepEqual(y!.shape, [1, 1, 4 * h, 4 * w]);
    assert.ok((y!.data as Float32Array).every(Number.isFinite));
  }
  // Where both run (13×8 is padded to 16×16 either way), the symbolic graph equals a static one.
  const x = { shape: [1, 1, 13, 8], data: Float32Array.from({ length: 104 }, () => rng.uniform()) };
  const sym = await run(bytes, { x });
  const fixed = await run(inferenceGraph(model, state, { batch: 1, height: 13, width: 8 }), { x });
  assert.ok(maxAbsDiff(sym.y!.data as Float32Array, fixed.y!.data as Float32Array) < 1e-6);
});

test('omnisr: a feature count that 4 heads do not divide and a scale without an upsampler are usage errors', () => {
  assert.throws(() => buildModel('omnisr', { scale: 2, config: { num_feat: 30 } }), (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && /multiple of 4/.test(e.message));
  assert.throws(() => buildModel('omnisr', { scale: 3 }), (e: unknown) => e instanceof SrcacoError && /supports scales 2, 4, 8/.test(e.message));
});
