// DFCAN against the original class (fixtures from scripts/fixtures/models-dfcan.py): state_dict of the benchmark
// configuration, the forward and the gradients of one protocol-loss step of a small configuration (even and odd
// sizes), the symbolic-size inference graph at sizes no training uses, `srcaco upscale` on an odd-sized image,
// and the activations a training step at batch 8 × 96² keeps.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { adam, compileFunction, compileStep, compileTarget, input, StepRunner } from '../../src/engine/index.js';
import { countParams, forwardContext, initState, splitState, stateToSafetensors } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { planeOf } from '../../src/image/plane.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { applyModel, modelLoss, modelStepSpec } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { assertStateDictKeys, compareGradients, fixtureFolder, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';
import { savedActivationBytes } from './helpers/saved-activations.js';

interface DfcanFixture {
  scale: number;
  n_params: number;
  n_trainable: number;
  small?: SmallCase & {
    odd_lr_shape?: number[];
    tiny_lr_shape?: number[];
  };
}

const { config: fixture, json, f32 } = fixtureFolder<DfcanFixture>('dfcan');

for (const scale of [2, 4, 8]) {
  test(`dfcan x${scale}: state_dict names, order and shapes equal the original's benchmark configuration; PyTorch's default init`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('dfcan', { scale });
    assert.deepEqual(model.config, { num_features: 64, num_groups: 4, num_blocks: 4, squeeze: 4 });
    assertStateDictKeys(model, keys, () => 'param');
    assert.equal(countParams(model.specs), f.n_trainable);
    assert.equal(f.n_params, f.n_trainable);
    // select_network's init_type for DFCAN is the default: the layers keep PyTorch's U(±1/√fan_in).
    assert.deepEqual(model.specs['RGs.3.RCABs.3.conv_relu2.0.weight']!.init, { kind: 'uniform', bound: 1 / 8 });
    assert.deepEqual(model.specs['conv_sigmoid.0.bias']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(64 * 9) });
  });
}

test('dfcan: parameter counts of the benchmark configuration (≈ 1.9 / 2.4 / 4.2 M)', () => {
  const counts = [2, 4, 8].map((scale) => countParams(buildModel('dfcan', { scale }).specs));
  assert.deepEqual(counts, [1_930_753, 2_373_889, 4_146_433]);
});

for (const scale of [2, 4]) {
  test(`dfcan x${scale}: the forward matches the original (max |diff| < 1e-4), through the static and the symbolic-size graphs`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('dfcan', { scale, config: small.params });
    const state = recipeState(small);
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const want = f32(scale, 'output.f32');
    const weights = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }]));
    const fixed = await run(compileFunction({ inputs: { x: small.lr_shape }, weights, fn: ({ x }, w) => model.forward(w, x!, forwardContext(true)) }), { x: lr });
    const errStatic = maxAbsDiff(fixed.y!.data as Float32Array, want);
    assert.ok(errStatic < 1e-4, `static graph: max |diff| ${errStatic}`);
    // The inference graph has symbolic N, H, W: its DFT matrices and fftshift split are computed at run time.
    const sym = await run(inferenceGraph(model, state, { clampOutput: false }), { x: lr });
    const errSym = maxAbsDiff(sym.y!.data as Float32Array, want);
    assert.ok(errSym < 1e-4, `symbolic graph: max |diff| ${errSym}`);
    t.diagnostic(`max |diff|: static ${errStatic.toExponential(2)}, symbolic ${errSym.toExponential(2)}`);
    if (scale === 2) {
      // Odd (the original splits its fftshift at h // 2, w // 2) and 1-px inputs, with the same graph.
      for (const name of ['odd', 'tiny'] as const) {
        const shape = small[`${name}_lr_shape`]!;
        const out = await run(inferenceGraph(model, state, { clampOutput: false }), { x: { shape, data: f32(2, `${name}_lr.f32`) } });
        assert.deepEqual(out.y!.shape, [1, 1, shape[2]! * 2, shape[3]! * 2]);
        const err = maxAbsDiff(out.y!.data as Float32Array, f32(2, `${name}_output.f32`));
        assert.ok(err < 1e-4, `${name} ${shape.join('×')}: max |diff| ${err}`);
        t.diagnostic(`${name} ${shape.join('×')}: max |diff| ${err.toExponential(2)}`);
      }
    }
  });

  test(`dfcan x${scale}: one protocol-loss step (MSE − 5·SSIM) has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('dfcan', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.keys(model.specs));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, worst } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    t.diagnostic(`loss ${loss} vs ${small.loss}; worst relative gradient error ${worst.toExponential(2)}`);
  });
}

test('dfcan: a short training run (the compiled step, blocked convs on the CPU) lowers the protocol loss', async () => {
  const model = buildModel('dfcan', { scale: 2, config: { num_features: 8, num_groups: 1, num_blocks: 2 } });
  const hrPx = 16;
  const compiled = compileStep(modelStepSpec(model, { batch: 2, hrPx, loss: mseSsimLoss(), optimizer: adam() }), await compileTarget());
  const runner = await StepRunner.create(compiled, splitState(model.specs, initState(model.specs, new Rng(5))), { threads: 2 });
  try {
    const hr = Float32Array.from({ length: 2 * hrPx * hrPx }, (_, i) => 0.5 + 0.4 * Math.sin(i / 5) * Math.cos(i / 37));
    const lr = Float32Array.from({ length: (2 * hrPx * hrPx) / 4 }, (_, i) => {
      const [b, r, c] = [Math.floor(i / 64), Math.floor((i % 64) / 8), i % 8];
      return hr[b * hrPx * hrPx + 2 * r * hrPx + 2 * c]!;
    });
    const batch = { x: { shape: [2, 1, hrPx / 2, hrPx / 2], data: lr }, y: { shape: [2, 1, hrPx, hrPx], data: hr } };
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await runner.step(batch, 3e-3)).loss);
    assert.ok(losses.every(Number.isFinite), losses.join(', '));
    assert.ok(losses[7]! < losses[0]! - 0.05, `loss should fall: ${losses.join(', ')}`);
  } finally {
    await runner.release();
  }
});

test('dfcan: an empty input is one clear error (1 px and up run: the parity test above)', () => {
  const model = buildModel('dfcan', { scale: 2, preset: 'demo' });
  const state = initState(model.specs, new Rng(1));
  const weights = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }]));
  assert.throws(
    () => compileFunction({ inputs: { x: [1, 1, 0, 5] }, weights, fn: ({ x }, w) => model.forward(w, x!, forwardContext(false)) }),
    (e: unknown) => e instanceof SrcacoError && /dfcan needs an input of at least 1×1 px/.test(e.message),
  );
});

test('srcaco upscale --method dfcan on an odd-sized image: one tile equals the whole-image graph; small tiles run (one symbolic-size graph for all)', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'srcaco-dfcan-'));
  try {
    const model = buildModel('dfcan', { scale: 2, preset: 'demo' });
    const state = initState(model.specs, new Rng(3));
    const weights = join(tmp, 'dfcan.safetensors');
    await writeSafetensors(weights, stateToSafetensors(state));
    const [w, h] = [45, 37];
    const rng = new Rng(4);
    const lr = planeOf(w, h, Uint8Array.from({ length: w * h }, () => Math.floor(rng.uniform() * 256)));
    await writeTiff(join(tmp, 'lr.tif'), [lr]);
    const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
    const srcaco = (out: string, tile: number) =>
      spawnSync(process.execPath, [bin, 'upscale', join(tmp, 'lr.tif'), join(tmp, out), '--method', 'dfcan', '--scale', '2', '--preset', 'demo', '--weights', weights, '--tile', String(tile), '--dtype', 'float32', '--threads', '1'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    // A tile of 512 HR px holds the whole 45 × 37 image: the output is the whole-image forward.
    const whole = srcaco('whole.tif', 512);
    assert.equal(whole.status, 0, whole.stderr);
    const [out] = await readTiff(join(tmp, 'whole.tif'));
    assert.deepEqual([out!.width, out!.height], [2 * w, 2 * h]);
    const lrFloat = Float32Array.from(lr.data, (v) => v / 255);
    const direct = await run(inferenceGraph(model, state), { x: { shape: [1, 1, h, w], data: lrFloat } });
    assert.ok(maxAbsDiff(out!.data as Float32Array, direct.y!.data as Float32Array) < 1e-5);
    // Tiles of 16 HR px (8 LR + the 2 × 11 px halo: 30 LR px; the last row and column of tiles shifted inside).
    const tiled = srcaco('tiled.tif', 16);
    assert.equal(tiled.status, 0, tiled.stderr);
    const [t] = await readTiff(join(tmp, 'tiled.tif'));
    assert.deepEqual([t!.width, t!.height], [2 * w, 2 * h]);
    assert.ok((t!.data as Float32Array).every((v) => v >= 0 && v <= 1));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('dfcan: a training step at batch 8 × 96² keeps well under 24 GB of activations (from the traced step graph)', async (t) => {
  const target = await compileTarget();
  const gib: Record<string, number> = {};
  for (const scale of [2, 4, 8]) {
    const model = buildModel('dfcan', { scale });
    const params = Object.fromEntries(Object.entries(model.specs).map(([k, s]) => [k, input(k, s.shape)]));
    const x = input('x', [8, 1, 96 / scale, 96 / scale]);
    const hr = input('hr', [8, 1, 96, 96]);
    const loss = modelLoss(model, applyModel(model, { params }, x, { training: true }), hr, mseSsimLoss());
    gib[`x${scale}`] = savedActivationBytes(loss, Object.values(params), target) / 2 ** 30;
  }
  // ×2: 16 blocks of [8, 64, 48, 48] maps (4.7 MB each): conv and GELU inputs, the DFT's products, |F| and its
  // power, the shifted spectrum and the attention's maps; the HR end at 96².
  for (const [scale, g] of Object.entries(gib)) assert.ok(g > 0.05 && g < 4, `${scale}: ${g} GiB`);
  t.diagnostic(`dfcan saved activations at batch 8 × 96² (GiB): ${JSON.stringify(gib)}`);
});
