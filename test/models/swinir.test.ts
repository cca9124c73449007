// SwinIR against the original class (fixtures from scripts/fixtures/models-swinir.py): state_dict of the
// benchmark configuration, the buffers' values, the eval forward and the gradients of one protocol-loss step of a
// small configuration, the symbolic-size inference graph on a size that is not a multiple of the window,
// checkpoints saved with any img_size, drop-path's noise inputs, and the input sizes it accepts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HostTensor } from '../../src/engine/index.js';
import { compileFunction, compileStep, compileTarget, sgd, StepRunner } from '../../src/engine/index.js';
import { countParams, forwardContext, initState, splitState } from '../../src/engine/nn/index.js';
import { loadState, stateToSafetensors } from '../../src/engine/nn/state.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { upscaleTiffFile } from '../../src/infer/upscale-file.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { loadModelWeights } from '../../src/infer/weights.js';
import { planeOf } from '../../src/image/plane.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { modelStepSpec } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { compareGradients, fixtureFolder, protocolLossGradients } from './helpers/parity.js';
import { alignedTiling } from './helpers/aligned-tiles.js';

type Entry = { kind: 'uniform'; center: number; bound: number } | { kind: 'fixed'; dtype: 'F32' | 'I64'; values: number[] };

interface SwinirFixture {
  scale: number;
  n_params: number;
  full_img_size: number;
  full: Record<string, unknown>;
  small?: {
    params: Record<string, number | number[]>;
    lr_shape: number[];
    hr_shape: number[];
    out_shape: number[];
    odd_lr_shape: number[];
    odd_out_shape: number[];
    weight_seed: number;
    weights: Array<[string, number[], Entry]>;
    loss: number;
    grads: Array<[string, number[]]>;
  };
}

const { config: fixture, json, f32 } = fixtureFolder<SwinirFixture>('swinir');

/**
 * The small case's trained parameters, regenerated from their Rng recipe (value = center + (2u − 1)·bound); not
 * recipeState, whose fixed entries are float32: SwinIR's are buffers, int64 ones among them, that srcaco computes.
 */
function smallParams(small: NonNullable<SwinirFixture['small']>): Record<string, HostTensor> {
  const rng = new Rng(small.weight_seed);
  const out: Record<string, HostTensor> = {};
  for (const [key, shape, e] of small.weights) {
    if (e.kind === 'fixed') continue;
    const n = shape.reduce((a, b) => a * b, 1);
    out[key] = { shape, data: Float32Array.from({ length: n }, () => e.center + (2 * rng.uniform() - 1) * e.bound) };
  }
  return out;
}

const isConstant = (key: string) => /\.(relative_position_index|attn_mask)$/.test(key);

for (const scale of [2, 4, 8]) {
  test(`swinir x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('swinir', { scale });
    assert.deepEqual(Object.keys(model.specs), keys.map(([k]) => k));
    for (const [key, shape, dtype] of keys) {
      const spec = model.specs[key]!;
      // At x8 the original is built for img_size 16 (it cannot be for 96 / 8 = 12); srcaco sizes its masks for
      // 12 padded to the window, 16: the same shape.
      assert.deepEqual(spec.shape, shape, key);
      assert.equal(spec.role, isConstant(key) ? 'constant' : 'param', key);
      assert.equal(spec.recomputed === true, key.endsWith('.attn_mask'), key);
      assert.equal(spec.init.kind === 'values' && spec.init.data instanceof BigInt64Array, dtype === 'I64', key);
    }
    assert.equal(countParams(model.specs), f.n_params);
    assert.equal(f.full_img_size, scale === 8 ? 16 : 96 / scale);
    // The original's _init_weights: Linear trunc_normal_(std 0.02) and zero bias, LayerNorm 1 / 0, the bias
    // tables trunc_normal_(std 0.02); convolutions keep PyTorch's default.
    const b = 'layers.0.residual_group.blocks.1.';
    assert.deepEqual(model.specs[`${b}attn.qkv.weight`]!.init, { kind: 'truncNormal', std: 0.02, mean: 0, a: -2, b: 2 });
    assert.deepEqual(model.specs[`${b}attn.qkv.bias`]!.init, { kind: 'constant', value: 0 });
    assert.deepEqual(model.specs[`${b}attn.relative_position_bias_table`]!.init, { kind: 'truncNormal', std: 0.02, mean: 0, a: -2, b: 2 });
    assert.deepEqual(model.specs[`${b}norm1.weight`]!.init, { kind: 'constant', value: 1 });
    assert.deepEqual(model.specs['conv_first.weight']!.init, { kind: 'uniform', bound: 1 / 3 });
  });
}

test("swinir: the relative-position indices and attention masks hold the original constructor's values", () => {
  const small = fixture(2).small!;
  const model = buildModel('swinir', { scale: 2, config: small.params });
  let checked = 0;
  for (const [key, shape, e] of small.weights) {
    if (e.kind !== 'fixed') continue;
    const spec = model.specs[key]!;
    assert.deepEqual(spec.shape, shape, key);
    assert.ok(spec.init.kind === 'values', key);
    assert.deepEqual(Array.from(spec.init.data, Number), e.values, key);
    checked++;
  }
  assert.equal(checked, 4 + 2, 'an index per block, a mask per shifted block');
});

for (const scale of [2, 4]) {
  test(`swinir x${scale}: the eval forward matches the original (max |diff| < 1e-4), static and symbolic-size graphs, and on a size that is not a multiple of the window`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('swinir', { scale, config: small.params });
    const params = smallParams(small);
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const weights = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }]));
    const expected = f32(scale, 'out.f32');
    const { y } = await run(compileFunction({ inputs: { x: small.lr_shape }, weights, fn: ({ x }, w) => model.forward(w, x!, forwardContext(false)) }), { x: lr });
    assert.deepEqual(y!.shape, small.out_shape);
    const err = maxAbsDiff(y!.data as Float32Array, expected);
    assert.ok(err < 1e-4, `static graph: max |diff| ${err}`);
    // One inference graph with symbolic N, H and W for both sizes: 8×12 (multiples of the window 4) and 7×10,
    // which the original reflect-pads to 8×12 and crops back to 7s × 10s.
    const bytes = inferenceGraph(model, { ...params }, { clampOutput: false });
    const sym = await run(bytes, { x: lr });
    assert.ok(maxAbsDiff(sym.y!.data as Float32Array, expected) < 1e-4, 'symbolic graph');
    const odd = await run(bytes, { x: { shape: small.odd_lr_shape, data: f32(scale, 'odd_lr.f32') } });
    assert.deepEqual(odd.y!.shape, small.odd_out_shape);
    const oddErr = maxAbsDiff(odd.y!.data as Float32Array, f32(scale, 'odd_out.f32'));
    assert.ok(oddErr < 1e-4, `7×10 through the symbolic graph: max |diff| ${oddErr}`);
    t.diagnostic(`max |diff| ${err.toExponential(2)} (8×12), ${oddErr.toExponential(2)} (7×10, symbolic)`);
  });

  test(`swinir x${scale}: one protocol-loss step (MSE − 5·SSIM, drop-path rate 0) has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('swinir', { scale, config: small.params });
    const params = smallParams(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const { loss, grads } = await protocolLossGradients(model, params, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, worst } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    t.diagnostic(`loss ${loss} vs ${small.loss}; worst relative gradient error ${worst.toExponential(2)}`);
  });
}

test('swinir: a checkpoint loads whatever img_size it was saved with (its attn_mask buffers are replaced)', async () => {
  const config = { depths: [2], num_heads: [2], embed_dim: 8, num_feat: 4 };
  const model = buildModel('swinir', { scale: 2, config });
  const saved = initState(buildModel('swinir', { scale: 2, config: { ...config, img_size: 32 } }).specs, new Rng(3));
  const mask = 'layers.0.residual_group.blocks.1.attn_mask';
  assert.deepEqual(saved[mask]!.shape, [16, 64, 64]);
  assert.deepEqual(model.specs[mask]!.shape, [36, 64, 64], 'img_size 96 / 2 = 48: 6 × 6 windows');
  const tmp = mkdtempSync(join(tmpdir(), 'swinir-'));
  try {
    const path = join(tmp, 'img32.safetensors');
    await writeSafetensors(path, stateToSafetensors(saved));
    const state = await loadModelWeights(model, path);
    assert.deepEqual(state[mask]!.shape, [36, 64, 64]);
    const declared = model.specs[mask]!.init;
    assert.ok(declared.kind === 'values');
    assert.deepEqual(state[mask]!.data, declared.data);
    const qkv = 'layers.0.residual_group.blocks.0.attn.qkv.weight';
    assert.deepEqual(state[qkv]!.data, saved[qkv]!.data, 'the trained tensors are the file’s');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Every other tensor keeps its shape check.
  const wrong = new Map(Object.entries(stateToSafetensors(saved)));
  wrong.set('conv_first.bias', { dtype: 'F32', shape: [7], data: new Float32Array(7) });
  assert.throws(() => loadState(model.specs, wrong, { model: 'swinir' }), (e: unknown) => e instanceof SrcacoError && /conv_first\.bias is \[7\], expected \[8\]/.test(e.message));
});

test('swinir: drop-path draws one uniform per sample and branch from the step’s noise inputs; inference has none', async () => {
  const model = buildModel('swinir', { scale: 2, config: { depths: [2], num_heads: [2], embed_dim: 8, num_feat: 4, window_size: 4, img_size: 8, drop_path_rate: 0.5 } });
  const step = compileStep(modelStepSpec(model, { batch: 2, hrPx: 16, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  // Rates rise linearly from 0: the first block has none, the second 0.5 on its attention and MLP branches.
  const b1 = 'layers.0.residual_group.blocks.1';
  assert.deepEqual(step.noise, { [`drop_path/${b1}/attn`]: { shape: [2, 1, 1, 1], kind: 'uniform' }, [`drop_path/${b1}/mlp`]: { shape: [2, 1, 1, 1], kind: 'uniform' } });
  const runner = await StepRunner.create(step, { ...splitState(model.specs, initState(model.specs, new Rng(1))), noiseRng: (k) => new Rng(k) }, { threads: 1 });
  try {
    const rng = new Rng(2);
    const batch = { x: { shape: [2, 1, 8, 8], data: Float32Array.from({ length: 128 }, () => rng.uniform()) }, y: { shape: [2, 1, 16, 16], data: Float32Array.from({ length: 512 }, () => rng.uniform()) } };
    const { loss } = await runner.step(batch, 1e-3);
    assert.ok(Number.isFinite(loss), `loss ${loss}`);
  } finally {
    await runner.release();
  }
});

test('swinir: refuses what the original cannot do the same way (small inputs, a window as large as img_size, other scales)', async () => {
  const model = buildModel('swinir', { scale: 2, preset: 'demo' });
  const state = initState(model.specs, new Rng(1));
  // (8 − 4 mod 8) mod 8 = 4 rows of reflection need at least 5 rows: PyTorch's F.pad refuses it as well.
  assert.throws(() => inferenceGraph(model, state, { batch: 1, height: 4, width: 9 }), (e: unknown) => e instanceof SrcacoError && e.kind === 'data' && /at least 5×5/.test(e.message));
  assert.throws(() => buildModel('swinir', { scale: 2, config: { img_size: 8 } }), (e: unknown) => e instanceof SrcacoError && /img_size 8 must exceed window_size 8/.test(e.message));
  assert.throws(() => buildModel('swinir', { scale: 3 }), (e: unknown) => e instanceof SrcacoError && /supports scales 2, 4, 8/.test(e.message));
  assert.throws(() => buildModel('swinir', { scale: 2, config: { depths: [2, 2], num_heads: [2] } }), (e: unknown) => e instanceof SrcacoError && /one entry per stage/.test(e.message));
  // ×8 with the protocol's 96-px patches: LR 12 is padded to 16 (the original cannot be built for img_size 12).
  const x8 = buildModel('swinir', { scale: 8, preset: 'demo' });
  assert.ok(inferenceGraph(x8, initState(x8.specs, new Rng(1)), { batch: 1, height: 12, width: 12 }).length > 0);
  const step = compileStep(modelStepSpec(x8, { batch: 1, hrPx: 96, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  assert.deepEqual(step.inputs.x!.shape, [1, 1, 12, 12]);
});

test('swinir: tiles aligned to the window with the declared halo give the whole-image output; unaligned tiles do not', async (t) => {
  const small = fixture(2).small!;
  const model = buildModel('swinir', { scale: 2, config: small.params });
  const state = { ...initState(model.specs, new Rng(1)), ...smallParams(small) };
  assert.equal(model.tileAlign, 4);
  const { halo, lr, want, whole, tiles, aligned: err, unaligned: off, release } = await alignedTiling(model, state);
  try {
    assert.equal(halo, 20, '2 × 2 blocks × 3 px + 2 stage convs + 4 other convs + 1 upsampling conv, in whole windows');
    const [w, h] = [lr.width, lr.height];
    const tileHrPx = 16;
    const inside = want.filter((v) => v > 0 && v < 1).length;
    assert.ok(inside > want.length / 5, `${inside} of ${want.length} output pixels unclamped`);
    assert.ok(tiles >= 9, `${tiles} tiles`);
    assert.ok(err <= 1e-5, `aligned tiles differ from whole-image inference by ${err}`);
    assert.ok(off > 1e-3, `unaligned tiles: ${off}`);
    t.diagnostic(`${tiles} tiles: max |diff| ${err.toExponential(2)} aligned, ${off.toExponential(2)} unaligned`);
    // Streaming a TIFF in bands of rows (each tiled across): the bands start at multiples of the window too.
    const tmp = mkdtempSync(join(tmpdir(), 'swinir-tiles-'));
    try {
      const u8 = planeOf(w, h, Uint8Array.from(lr.data as Float32Array, (v) => Math.floor(v * 256)));
      const wantU8 = (await whole.upscale(u8)).data;
      await writeTiff(join(tmp, 'lr.tif'), [u8]);
      let bands = 0;
      await upscaleTiffFile(join(tmp, 'lr.tif'), join(tmp, 'sr.ome.tif'), { model, state, dtype: 'float32', threads: 2, tileHrPx, onBand: () => bands++ });
      assert.ok(bands >= 3, `${bands} bands`);
      const streamed = maxAbsDiff((await readTiff(join(tmp, 'sr.ome.tif')))[0]!.data as Float32Array, wantU8);
      assert.ok(streamed <= 1e-5, `streamed bands differ from whole-image inference by ${streamed}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
});
