// GRL against the original class (fixtures from scripts/fixtures/models-grl.py): state_dict of the benchmark
// configuration at every scale, the fixed buffers, the eval forward (through the symbolic-size inference graph, at
// sizes the original pads) and the gradients of one protocol-loss step of a small configuration, checkpoints of any
// img_size, and sizes the window does not divide, down to those where the original pads with zeros.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { compileStep, compileTarget, sgd } from '../../src/engine/index.js';
import { countParams, initState, loadState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { modelStepSpec } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff, runGraphOnce } from './helpers/compare.js';
import { expectedGradients, fixtureFolder, protocolLossGradients, recipeState, relativeError, type SmallCase } from './helpers/parity.js';
import { alignedTiling } from './helpers/aligned-tiles.js';

interface GrlFixture {
  scale: number;
  img_size: number;
  n_params: number;
  small?: SmallCase<Record<string, number | number[]>> & {
    buffers: Record<string, [number[], number, number]>;
  };
}

const { dir, config: fixture, f32 } = fixtureFolder<GrlFixture>('grl');

/** The small case's model and state: parameters from the fixture's Rng recipe, constants srcaco's own. */
function smallCase(scale: number) {
  const small = fixture(scale).small!;
  const model = buildModel('grl', { scale, config: small.params });
  const state = Object.assign(initState(model.specs, new Rng(0)), recipeState(small));
  return { small, model, state };
}

for (const scale of [2, 4, 8]) {
  test(`grl x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = JSON.parse(gunzipSync(readFileSync(new URL('keys.json.gz', dir(scale)))).toString()) as Array<[string, number[], string]>;
    const model = buildModel('grl', { scale });
    assert.equal(model.config.img_size, 0);
    assert.deepEqual(Object.keys(model.specs), keys.map(([k]) => k));
    for (const [key, shape, dtype] of keys) {
      const spec = model.specs[key]!;
      assert.deepEqual(spec.shape, shape, key);
      const fixed = /^(table|index|mask)_/.test(key);
      assert.equal(spec.role, fixed ? 'constant' : 'param', key);
      if (fixed) assert.equal(spec.init.kind === 'values' && spec.init.data instanceof BigInt64Array ? 'I64' : 'F32', dtype, key);
    }
    assert.equal(countParams(model.specs), f.n_params);
    // The original's init: trunc_normal_(0.02) linears (the position-bias MLPs too), logit scales log 10.
    assert.deepEqual(model.specs['layers.0.blocks.0.attn.qkv.body.weight']!.init, { kind: 'truncNormal', std: 0.02, mean: 0, a: -2, b: 2 });
    assert.deepEqual(model.specs['layers.3.blocks.1.attn.stripe_attn.attn_transform2.cpb_mlp.2.weight']!.init, { kind: 'truncNormal', std: 0.02, mean: 0, a: -2, b: 2 });
    assert.deepEqual(model.specs['layers.0.blocks.0.attn.proj.bias']!.init, { kind: 'constant', value: 0 });
    assert.deepEqual(model.specs['layers.0.blocks.0.attn.window_attn.attn_transform.logit_scale']!.init, { kind: 'constant', value: Math.log(10) });
  });
}

test("grl: the coordinate tables, position indices and masks equal the original constructor's buffers", () => {
  for (const scale of [2, 4]) {
    const { small, model } = smallCase(scale);
    for (const [key, [shape, sum, sumSq]] of Object.entries(small.buffers)) {
      const spec = model.specs[key]!;
      assert.deepEqual(spec.shape, shape, key);
      assert.ok(spec.init.kind === 'values', key);
      const v = Array.from(spec.init.data as ArrayLike<number | bigint>, Number);
      const s = v.reduce((a, b) => a + b, 0);
      const s2 = v.reduce((a, b) => a + b * b, 0);
      assert.ok(Math.abs(s - sum) <= 1e-5 * Math.max(1, Math.abs(sum)) && Math.abs(s2 - sumSq) <= 1e-5 * Math.max(1, sumSq), `${key}: ${s}, ${s2} vs ${sum}, ${sumSq}`);
    }
  }
});

for (const scale of [2, 4]) {
  test(`grl x${scale}: the eval forward matches the original (max |diff| < 1e-4), through the symbolic-size graph and a static one`, async (t) => {
    const { small, model, state } = smallCase(scale);
    const lr = { shape: small.lr_shape, data: f32(scale, 'lr.f32') };
    const want = f32(scale, 'y.f32');
    const { y } = await runGraphOnce(inferenceGraph(model, state, { clampOutput: false }), { x: lr });
    assert.deepEqual(y!.shape, small.hr_shape);
    const err = maxAbsDiff(y!.data as Float32Array, want);
    assert.ok(err < 1e-4, `symbolic graph: max |diff| ${err}`);
    const [n, , h, w] = small.lr_shape as [number, number, number, number];
    const { y: ys } = await runGraphOnce(inferenceGraph(model, state, { clampOutput: false, batch: n, height: h, width: w }), { x: lr });
    const errStatic = maxAbsDiff(ys!.data as Float32Array, want);
    assert.ok(errStatic < 1e-4, `static graph: max |diff| ${errStatic}`);
    t.diagnostic(`max |diff|: symbolic ${err.toExponential(2)}, static ${errStatic.toExponential(2)}`);
  });

  test(`grl x${scale}: one protocol-loss step has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const { small, model, state } = smallCase(scale);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } });
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    let clamped = 0;
    let worst = 0;
    for (const [k, want] of expectedGradients(small.grads, f32(scale, 'grads.f32'))) {
      const g = grads[k]!;
      if (k.endsWith('logit_scale')) {
        // Logit scales above log 100 are clamped: no gradient, in PyTorch as here.
        state[k]!.data.forEach((v, i) => {
          if (Number(v) > Math.log(100)) {
            clamped++;
            assert.equal(want[i], 0, k);
            assert.equal(g[i], 0, k);
          }
        });
      }
      const err = want.every((v) => v === 0) ? maxAbsDiff(g, want) : relativeError(g, want);
      assert.ok(err < 1e-4, `${k}: relative error ${err}`);
      worst = Math.max(worst, err);
    }
    assert.ok(clamped > 0, 'the case has clamped logit scales');
    t.diagnostic(`largest relative gradient error ${worst.toExponential(2)}`);
  });
}

test('grl: a checkpoint saved with any img_size loads (its masks are recomputed for each input)', () => {
  const model = buildModel('grl', { scale: 2, preset: 'demo' });
  const other = buildModel('grl', { scale: 2, preset: 'demo', config: { img_size: 32 } });
  assert.deepEqual(model.specs['mask_w']!.shape, [36, 64, 64]);
  assert.deepEqual(other.specs['mask_w']!.shape, [16, 64, 64]);
  const saved = initState(other.specs, new Rng(3));
  const tensors = new Map(
    Object.entries(saved).map(([k, t]) => [k, t.data instanceof BigInt64Array ? { dtype: 'I64' as const, shape: t.shape, data: t.data } : { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }]),
  );
  const loaded = loadState(model.specs, tensors, { model: 'grl' });
  // The forward never reads them: the model's own (for its img_size) replace the file's.
  assert.deepEqual(loaded['mask_w']!.shape, [36, 64, 64]);
  assert.deepEqual(loaded['mask_sh_a2w']!.shape, model.specs['mask_sh_a2w']!.shape);
  assert.deepEqual(loaded['conv_first.weight']!.data, saved['conv_first.weight']!.data);
  // Any other misfit is still refused.
  tensors.set('conv_first.weight', { dtype: 'F32', shape: [36, 1, 5, 5], data: new Float32Array(900) });
  assert.throws(() => loadState(model.specs, tensors, { model: 'grl' }), (e) => e instanceof SrcacoError && /conv_first\.weight is \[36, 1, 5, 5\]/.test(e.message));
});

test('grl: one symbolic-size graph runs any size, equal to static graphs (reflection, or zeros below 5 px as the original)', async () => {
  const model = buildModel('grl', { scale: 2, config: { embed_dim: 18, depths: [2], num_out_feats: 8 } });
  const state = initState(model.specs, new Rng(4));
  const symbolic = inferenceGraph(model, state, { clampOutput: false });
  for (const [h, w] of [[13, 11], [3, 9]] as const) {
    const rng = new Rng(h * w);
    const x = { shape: [1, 1, h, w], data: Float32Array.from({ length: h * w }, () => rng.uniform()) };
    const { y } = await runGraphOnce(symbolic, { x });
    assert.deepEqual(y!.shape, [1, 1, 2 * h, 2 * w]);
    const { y: ys } = await runGraphOnce(inferenceGraph(model, state, { clampOutput: false, batch: 1, height: h, width: w }), { x });
    const err = maxAbsDiff(y!.data as Float32Array, ys!.data as Float32Array);
    assert.ok(err < 1e-5, `${h}×${w}: symbolic vs static ${err}`);
  }
});

test('grl: in training, drop-path draws a per-sample mask for both branches of every block with a nonzero rate (linear over the blocks)', async () => {
  const config = { embed_dim: 18, depths: [2, 1], num_out_feats: 8 };
  const spec = (drop_path_rate: number) =>
    modelStepSpec(buildModel('grl', { scale: 2, config: { ...config, drop_path_rate } }), { batch: 2, hrPx: 16, loss: mseSsimLoss(), optimizer: sgd() });
  const target = await compileTarget();
  // Rates 0, 0.05, 0.1 for the three blocks: the first draws nothing.
  const step = compileStep(spec(0.1), target);
  const names = ['layers.0.blocks.1.attn', 'layers.0.blocks.1.mlp', 'layers.1.blocks.0.attn', 'layers.1.blocks.0.mlp'];
  assert.deepEqual(step.noise, Object.fromEntries(names.map((n) => [`drop_path/${n}`, { shape: [2, 1, 1, 1], kind: 'uniform' }])));
  assert.deepEqual(compileStep(spec(0), target).noise, {});
});

test('grl: tiles aligned to the window with the declared halo give the whole-image output; unaligned tiles do not', async (t) => {
  const model = buildModel('grl', { scale: 2, config: { embed_dim: 18, depths: [2], num_out_feats: 8 } });
  const state = initState(model.specs, new Rng(6));
  assert.equal(model.tileAlign, 8);
  const { halo, tiles, aligned: err, unaligned: off, release } = await alignedTiling(model, state);
  await release();
  assert.equal(halo, 24, '2 blocks × 7 px + 1 stage conv + 4 other convs + 1 upsampling conv, in whole windows');
  assert.ok(tiles >= 9, `${tiles} tiles`);
  assert.ok(err <= 1e-5, `aligned tiles differ from whole-image inference by ${err}`);
  assert.ok(off > 1e-4, `unaligned tiles: ${off}`);
  t.diagnostic(`${tiles} tiles: max |diff| ${err.toExponential(2)} aligned, ${off.toExponential(2)} unaligned`);
});

test('grl: scales other than 2, 4, 8 and configurations whose windows do not tile are usage errors', () => {
  const usage = (re: RegExp) => (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && re.test(e.message);
  assert.throws(() => buildModel('grl', { scale: 3 }), usage(/grl supports scales 2, 4, 8/));
  assert.throws(() => buildModel('grl', { scale: 2, config: { embed_dim: 20 } }), usage(/must divide by each head count/));
  assert.throws(() => buildModel('grl', { scale: 2, config: { stripe_size: [8, 6] } }), usage(/must divide/));
  assert.throws(() => buildModel('grl', { scale: 2, config: { num_heads_stripe: [3, 3] } }), usage(/a head count for each of the 7 stages/));
  // The original run's own netG options (import-run passes them by name): per-stage head lists, img_size 96 // 8 = 12
  // at x8, which sizes the masks for its padded side, 16.
  const imported = buildModel('grl', { scale: 8, config: { embed_dim: 180, depths: [4, 4, 8, 8, 8, 4, 4], num_heads_window: [3, 3, 3, 3, 3, 3, 3], mlp_ratio: 2, img_size: 12, window_size: 8 } });
  assert.deepEqual(imported.specs['mask_w']!.shape, [4, 64, 64]);
});
