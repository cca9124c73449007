// ACT against the original class (fixtures from scripts/fixtures/models-act.py): state_dict of the benchmark
// configuration, the output and the gradients of one protocol-loss step of a small configuration, the original's
// borders under token_borders 'seed-compat', and inference graphs with symbolic H and W at sizes the original
// tokenises only in part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFunction, compileTarget, input } from '../../src/engine/index.js';
import { countParams, forwardContext, initState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { act } from '../../src/models/act.js';
import { applyModel, modelLoss } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { assertFixedInits, assertStateDictKeys, compareGradients, fixtureFolder, meanShiftsFrozen, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';
import { trainOnOneBatch } from './helpers/short-training.js';
import { savedActivationBytes } from './helpers/saved-activations.js';

interface ActFixture {
  scale: number;
  n_params: number;
  n_trainable: number;
  full: Record<string, number>;
  small?: SmallCase & {
    y_shape: number[];
    border?: { lr_shape: number[]; y_shape: number[] };
  };
}

const { config: fixture, json, f32 } = fixtureFolder<ActFixture>('act');

/** The output's largest magnitude: the forward tolerance is 1e-4 of it (at least 1e-4 absolute). */
const peak = (y: Float32Array) => y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

for (const scale of [2, 4, 8]) {
  test(`act x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('act', { scale });
    assert.deepEqual(model.config, { ...f.full, token_borders: 'pad' });
    assertStateDictKeys(model, keys, meanShiftsFrozen);
    assert.equal(countParams(model.specs), f.n_trainable);
    assert.equal(f.n_params - f.n_trainable, 24, 'two 3 → 3 1×1 mean-shift convs with bias, not trained');
    // PyTorch's defaults (the original's init_type 'default' leaves them): U(±1/√fan_in) for convs and linears,
    // layer norms 1 and 0.
    assert.deepEqual(model.specs['head.1.body.0.weight']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(64 * 25) });
    assert.deepEqual(model.specs['mhsa_block.0.0.fn.to_qkv.weight']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(576) });
    assert.deepEqual(model.specs['csta_block.0.0.1.bias']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(1152) });
    assert.deepEqual(model.specs['fusion_mlp.0.0.weight']!.init, { kind: 'constant', value: 1 });
    // Global attention: the halo is the reach of the rest (head 9, 4 stages of 25, fusion convs 6, conv_last 1, tail 2).
    assert.equal(model.globalContext, true);
    assert.equal(model.halo, 118);
  });
}

test('act: the frozen MeanShift tensors hold the original constructor values', () => {
  const small = fixture(2).small!;
  const model = buildModel('act', { scale: 2, config: small.params });
  assert.equal(assertFixedInits(model, small), 4);
});

for (const scale of [2, 4]) {
  test(`act x${scale}: the output matches the original (max |diff| < 1e-4 of its range), traced statically and with symbolic H and W`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('act', { scale, config: small.params });
    const state = recipeState(small);
    const expected = f32(scale, 'y.f32');
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const weights = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }]));
    const bytes = compileFunction({ inputs: { x: small.lr_shape }, weights, fn: ({ x }, w) => model.forward(w, x!, forwardContext(true)) });
    const tol = 1e-4 * Math.max(1, peak(expected));
    const { y } = await run(bytes, { x: lr });
    assert.deepEqual(y!.shape, small.y_shape);
    const err = maxAbsDiff(y!.data as Float32Array, expected);
    assert.ok(err < tol, `static trace: max |diff| ${err} (tolerance ${tol})`);
    const { y: yi } = await run(inferenceGraph(model, state, { clampOutput: false }), { x: lr });
    const erri = maxAbsDiff(yi!.data as Float32Array, expected);
    assert.ok(erri < tol, `inference graph (symbolic N, H, W): max |diff| ${erri} (tolerance ${tol})`);
    t.diagnostic(`max |diff| static ${err.toExponential(2)}, symbolic ${erri.toExponential(2)}, output peak ${peak(expected).toFixed(3)}`);
  });

  test(`act x${scale}: one protocol-loss step (MSE − 5·SSIM) has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('act', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, worst, unused, all } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    // The CNN branch's closing conv is never read (as many fusion stages as groups): zero gradient in both.
    assert.equal(unused, 2, 'cnn_branch.2.weight and .bias');
    assert.ok(all < 1e-5);
    t.diagnostic(`loss ${loss} vs ${small.loss}; worst relative gradient error ${worst.toExponential(2)}, all ${all.toExponential(2)}`);
  });
}

test("act: token_borders 'seed-compat' gives the original's output where the tokens miss the borders (7×10, symbolic graph)", async (t) => {
  const small = fixture(2).small!;
  const border = small.border!;
  const state = recipeState(small);
  const lr = { shape: border.lr_shape, data: f32(2, 'lr_border.f32') };
  const expected = f32(2, 'y_border.f32');
  const compat = buildModel('act', { scale: 2, config: { ...small.params, token_borders: 'seed-compat' } });
  const { y } = await run(inferenceGraph(compat, state, { clampOutput: false }), { x: lr });
  assert.deepEqual(y!.shape, border.y_shape);
  const tol = 1e-4 * Math.max(1, peak(expected));
  const err = maxAbsDiff(y!.data as Float32Array, expected);
  assert.ok(err < tol, `seed-compat: max |diff| ${err} (tolerance ${tol})`);
  t.diagnostic(`seed-compat at 7×10: max |diff| ${err.toExponential(2)}`);
  // srcaco's default pads the border tokens instead, so the output differs there from the original's.
  const padded = buildModel('act', { scale: 2, config: small.params });
  const { y: yp } = await run(inferenceGraph(padded, state, { clampOutput: false }), { x: lr });
  assert.ok(maxAbsDiff(yp!.data as Float32Array, expected) > 1e-2, 'the default pads the tokens on borders the original leaves out');
});

test('act: with symbolic H and W the padded tokens give what a static trace at that size gives (7×10, 2×4, 1×1 LR px)', async () => {
  const small = fixture(2).small!;
  const model = buildModel('act', { scale: 2, config: small.params });
  const state = recipeState(small);
  const symbolic = inferenceGraph(model, state, { clampOutput: false });
  const rng = new Rng(11);
  for (const [h, w] of [
    [7, 10],
    [2, 4],
    [1, 1],
  ] as const) {
    const x = { shape: [1, 1, h, w], data: Float32Array.from({ length: h * w }, () => rng.uniform()) };
    const { y } = await run(symbolic, { x });
    const { y: ys } = await run(inferenceGraph(model, state, { clampOutput: false, batch: 1, height: h, width: w }), { x });
    assert.deepEqual(y!.shape, [1, 1, 2 * h, 2 * w]);
    const err = maxAbsDiff(y!.data as Float32Array, ys!.data as Float32Array);
    assert.ok(err < 1e-4 * Math.max(1, peak(ys!.data as Float32Array)), `${h}×${w}: symbolic vs static ${err}`);
    assert.ok((y!.data as Float32Array).every(Number.isFinite));
  }
});

test('act: a short training run on one batch lowers the protocol loss (LR 8 px: padded tokens in training)', async () => {
  const model = buildModel('act', { scale: 2, config: { n_feats: 4, n_resgroups: 1, n_resblocks: 1, reduction: 2, n_heads: 2, n_layers: 2, n_fusionblocks: 1, expansion_ratio: 1 } });
  const { losses } = await trainOnOneBatch(model);
  assert.ok(losses.every(Number.isFinite), losses.join(', '));
  assert.ok(losses[7]! < losses[0]! - 0.05, `loss should fall: ${losses.join(', ')}`);
});

test('act: a training step at batch 8 × 96² keeps well under 24 GB of activations (from the traced step graph)', async (t) => {
  const target = await compileTarget();
  const gib: Record<string, number> = {};
  for (const scale of [2, 4, 8]) {
    const model = buildModel('act', { scale });
    const params = Object.fromEntries(Object.entries(model.specs).map(([k, s]) => [k, input(k, s.shape)]));
    const x = input('x', [8, 1, 96 / scale, 96 / scale]);
    const hr = input('hr', [8, 1, 96, 96]);
    const loss = modelLoss(model, applyModel(model, { params }, x, { training: true }), hr, mseSsimLoss());
    gib[`x${scale}`] = savedActivationBytes(loss, Object.values(params), target) / 2 ** 30;
  }
  // ×2: 48 RCABs of [8, 64, 48, 48] maps (4.7 MB each), 16 fusion blocks at 128 channels, the token branch's
  // [8, 256, 576] tokens, 2304-wide hiddens and [8, 8, 256, 256] attention maps.
  for (const [scale, g] of Object.entries(gib)) assert.ok(g > 0.02 && g < 8, `${scale}: ${g} GiB`);
  t.diagnostic(`act saved activations at batch 8 × 96² (GiB): ${JSON.stringify(gib)}`);
});

test('act: bad scales and configurations are refused; seed-compat refuses images smaller than two tokens', () => {
  const isUsage = (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && /act supports scales 2, 4, 8, received 3/.test(e.message);
  assert.throws(() => buildModel('act', { scale: 3 }), isUsage);
  assert.throws(() => act.build(3, {}), isUsage);
  assert.throws(() => buildModel('act', { scale: 2, config: { n_feats: 5 } }), /n_feats 5 must be even/);
  assert.throws(() => buildModel('act', { scale: 2, config: { n_layers: 6 } }), /3 transformer blocks for 4 fusion stages/);
  assert.throws(() => buildModel('act', { scale: 2, config: { n_resgroups: 2 } }), /needs at least 3 residual groups/);
  assert.deepEqual(buildModel('act', { scale: 2, preset: 'seed-compat' }).config, { ...fixture(2).full, token_borders: 'seed-compat' });
  const compat = buildModel('act', { scale: 2, preset: 'demo', config: { token_borders: 'seed-compat' } });
  assert.throws(
    () => inferenceGraph(compat, initState(compat.specs, new Rng(1)), { batch: 1, height: 5, width: 8 }),
    (e: unknown) => e instanceof SrcacoError && /at least 6×6 px/.test(e.message),
  );
});
