// NLSN against the original class (fixtures from scripts/fixtures/models-nlsn.py, the original given the same
// rotations and a stable sort): state_dict of the benchmark configuration, the forward and the gradients of one
// protocol-loss step of a small configuration, where its rotations come from (noise inputs in training, a seeded
// draw at inference, a .npy file), and the inputs it refuses.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { compileStep, compileTarget, constant, input, sgd } from '../../src/engine/index.js';
import { countParams, forwardContext, initState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { applyModel, modelLoss, modelStepSpec } from '../../src/models/model.js';
import { hashBuckets, nlsnRotationShape, readNlsnRotations, withNlsnRotations } from '../../src/models/nlsn-rotations.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { encodeNpy } from '../../src/io/npy.js';
import { evaluateRun } from '../../src/train/run-eval.js';
import { startRun } from '../../src/train/run.js';
import type { TrainConfig } from '../../src/train/run-config.js';
import { Rng } from '../../src/util/random.js';
import { writeTinyDataset } from '../train/run-fixture.js';
import { maxAbsDiff, runGraphOnce as run } from './helpers/compare.js';
import { assertFixedInits, assertStateDictKeys, compareGradients, fixtureFolder, meanShiftsFrozen, protocolLossGradients, recipeState, type SmallCase } from './helpers/parity.js';
import { savedActivationBytes } from './helpers/saved-activations.js';

interface NlsnFixture {
  n_params: number;
  n_trainable: number;
  full: Record<string, number>;
  small?: SmallCase & {
    buckets: number;
    rotations_shape: number[];
  };
}

const { dir, config: fixture, json, f32 } = fixtureFolder<NlsnFixture>('nlsn');
const rotationsPath = (scale: number) => new URL('rotations.npy', dir(scale)).pathname;

const isError = (kind: string, pattern: RegExp) => (e: unknown) => e instanceof SrcacoError && e.kind === kind && pattern.test(e.message);

for (const scale of [2, 4, 8]) {
  test(`nlsn x${scale}: state_dict names, order, shapes and roles equal the original's benchmark configuration`, () => {
    const f = fixture(scale);
    const keys = json(scale, 'keys.json') as Array<[string, number[], string]>;
    const model = buildModel('nlsn', { scale });
    assert.deepEqual(model.config, f.full);
    assertStateDictKeys(model, keys, meanShiftsFrozen);
    assert.equal(countParams(model.specs), f.n_trainable);
    assert.equal(f.n_params - f.n_trainable, 24, 'two 3 → 3 1×1 convs with bias, not trained');
    // PyTorch's default init (the original's init_type is 'default': init_weights passes): U(±1/√fan_in).
    assert.deepEqual(model.specs['body.1.body.0.weight']!.init, { kind: 'uniform', bound: 1 / Math.sqrt(256 * 9) });
    assert.deepEqual(model.specs['body.0.conv_assembly.0.bias']!.init, { kind: 'uniform', bound: 1 / 16 });
  });
}

test('nlsn: the frozen MeanShift tensors hold the original constructor values', () => {
  const small = fixture(2).small!;
  const model = buildModel('nlsn', { scale: 2, config: small.params });
  assert.equal(assertFixedInits(model, small), 4);
});

for (const scale of [2, 4]) {
  test(`nlsn x${scale}: the forward with the original's rotations (from its .npy) matches the original (max |diff| < 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('nlsn', { scale, config: small.params });
    const [, , h, w] = small.lr_shape as [number, number, number, number];
    assert.equal(hashBuckets(h * w, small.params.chunk_size!), small.buckets);
    const rotations = readNlsnRotations(rotationsPath(scale));
    assert.deepEqual(rotations.shape, nlsnRotationShape(model, w, h));
    const graph = inferenceGraph(withNlsnRotations(model, rotations), recipeState(small), { batch: 2, height: h, width: w, clampOutput: false });
    const { y } = await run(graph, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') } });
    const err = maxAbsDiff(y!.data as Float32Array, f32(scale, 'y.f32'));
    assert.ok(err < 1e-4, `max |diff| ${err}`);
    t.diagnostic(`max |diff| ${err.toExponential(2)}`);
  });

  test(`nlsn x${scale}: one protocol-loss step (MSE − 5·SSIM), rotations as noise inputs, has the original's loss and gradients (relative 1e-4)`, async (t) => {
    const small = fixture(scale).small!;
    const model = buildModel('nlsn', { scale, config: small.params });
    const state = recipeState(small);
    const trained = small.grads.map(([k]) => k);
    assert.deepEqual(trained, Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k]) => k));
    const rotations = readNlsnRotations(rotationsPath(scale));
    const size = rotations.data.length / rotations.shape[0]!;
    const asked: string[] = [];
    // The training forward asks for its rotations by name, in forward order; here they are the fixture's.
    const noise = (name: string, shape: readonly number[], kind: string) => {
      assert.equal(kind, 'normal');
      assert.deepEqual(shape, rotations.shape.slice(1));
      const i = asked.push(name) - 1;
      return constant(rotations.data.subarray(i * size, (i + 1) * size), shape);
    };
    const { loss, grads } = await protocolLossGradients(model, state, trained, { x: { shape: small.lr_shape, data: f32(scale, 'lr.f32') }, hr: { shape: small.hr_shape, data: f32(scale, 'hr.f32') } }, { noise });
    assert.deepEqual(asked, ['nlsn.rotations.0', 'nlsn.rotations.1']);
    assert.ok(Math.abs(loss - small.loss) <= 1e-5 * Math.abs(small.loss), `loss ${loss} vs ${small.loss}`);
    const { errors, worst } = compareGradients(grads, small.grads, f32(scale, 'grads.f32'));
    for (const [k, err] of errors) assert.ok(err < 1e-4, `${k}: relative error ${err}`);
    t.diagnostic(`loss ${loss} vs ${small.loss}; worst relative gradient error ${worst.toExponential(2)}`);
  });
}

test('nlsn: a training step has one normal noise input per attention module, of the rotations\' shape at its size', async () => {
  const model = buildModel('nlsn', { scale: 2, preset: 'demo' });
  const step = compileStep(modelStepSpec(model, { batch: 2, hrPx: 16, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  // 8×8 LR px, chunks of 4: 16 buckets; 32 features / 4 = 8 dims; 4 rounds.
  const shape = [8, 4, 8];
  assert.deepEqual(step.noise, { 'nlsn.rotations.0': { shape, kind: 'normal' }, 'nlsn.rotations.1': { shape, kind: 'normal' } });
});

test('nlsn: inference uses one fixed seeded draw (the same output every time), a rotation file another', async () => {
  const model = buildModel('nlsn', { scale: 2, config: { n_resblocks: 1, n_feats: 8, chunk_size: 8 } });
  const state = initState(model.specs, new Rng(3));
  const rng = new Rng(4);
  const x = { shape: [1, 1, 5, 6], data: Float32Array.from({ length: 30 }, () => rng.uniform()) };
  const once = async (m: typeof model) => (await run(inferenceGraph(m, state, { batch: 1, height: 5, width: 6 }), { x })).y!.data as Float32Array;
  const a = await once(model);
  const b = await once(buildModel('nlsn', { scale: 2, config: { n_resblocks: 1, n_feats: 8, chunk_size: 8 } }));
  assert.deepEqual(a, b);
  // 30 px in chunks of 8: 3 → 4 buckets, rotations [1 module, 2 dims, 4 rounds, 2].
  const shape = nlsnRotationShape(model, 6, 5);
  assert.deepEqual(shape, [1, 2, 4, 2]);
  const other = await once(withNlsnRotations(model, { shape, data: Float32Array.from({ length: 16 }, (_, i) => Math.sin(7 * i + 1)) }));
  assert.ok(maxAbsDiff(a, other) > 1e-4, 'other rotations hash otherwise');
});

test('nlsn: fewer LR pixels than a chunk, a rotation file of another shape, a symbolic size: one clear error each', () => {
  const small = buildModel('nlsn', { scale: 4, config: { n_resblocks: 1, n_feats: 4 } });
  const state = initState(small.specs, new Rng(1));
  // 11×13 = 143 LR px < 144: the original would hash into 0 buckets and fail inside torch.
  assert.throws(() => inferenceGraph(small, state, { height: 11, width: 13 }), isError('data', /at least chunk_size = 144 LR pixels .*12×12.*received 13×11/));
  const rotations = { shape: [1, 1, 4, 1], data: new Float32Array(4) }; // fits 144..431 px
  assert.throws(() => inferenceGraph(withNlsnRotations(small, rotations), state, { height: 24, width: 24 }), isError('data', /holds rotations \[1, 1, 4, 1\], but nlsn at a 24×24 LR input needs \[1, 1, 4, 2\]/));
  assert.doesNotThrow(() => inferenceGraph(withNlsnRotations(small, rotations), state, { height: 12, width: 20 }));
  assert.throws(() => inferenceGraph(small, state), /static input size/);
  assert.throws(() => withNlsnRotations(small, rotations).forward({}, input('x', [1, 1, 'H', 'W']), forwardContext(false)), isError('usage', /nlsn needs a static input size/));
  assert.throws(() => withNlsnRotations(buildModel('vdsr', { scale: 2 }), rotations), isError('usage', /applies to nlsn only/));
});

test('nlsn: a demo run trains (rotations drawn per step), validates, writes best.onnx at the test patch size, evaluates with a rotation file', async () => {
  const dataRoot = await writeTinyDataset();
  const out = await mkdtemp(join(tmpdir(), 'srcaco-nlsn-run-'));
  try {
    const config = { method: 'nlsn', preset: 'demo', cell: 'CELL2', scale: 2, dataRoot, batchSize: 2, hrPatchPx: 16, loss: 'mse-ssim', lr: 1e-3, steps: 2, valEvery: 2, valLimit: 1, workers: 0, threads: 2, logEvery: 1 };
    const losses: number[] = [];
    const r = await startRun(config as unknown as TrainConfig, { out, name: 'nlsn' }, { onProgress: (p) => losses.push(p.loss) });
    assert.equal(losses.length, 2);
    assert.ok(losses.every(Number.isFinite), losses.join(', '));
    // A graph built per size: best.onnx takes one test patch's LR image (512 / 2 px).
    const graph = onnxProto.onnx.ModelProto.decode(readFileSync(join(r.runDir, 'best.onnx'))).graph!;
    assert.deepEqual(graph.input!.map((i) => i.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))), [[1, 1, 256, 256]]);
    // eval --run with --nlsn-rotations: the test patches' LR size (32² px: 256 chunks of 4 → 128 buckets) fits [2, 8, 4, 64].
    const npy = (name: string, shape: number[]) => {
      const path = join(out, name);
      writeFileSync(path, encodeNpy(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i))));
      return path;
    };
    const { row } = await evaluateRun(r.runDir, { limit: 1, nlsnRotations: npy('fits.npy', [2, 8, 4, 64]) });
    assert.equal(row.n, 1);
    await assert.rejects(evaluateRun(r.runDir, { limit: 1, nlsnRotations: npy('misfit.npy', [2, 8, 4, 32]) }), isError('data', /misfit\.npy holds rotations \[2, 8, 4, 32\], but nlsn at a 32×32 LR input needs \[2, 8, 4, 64\]/));
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  }
});

test('nlsn: a training step at batch 8 × 96² keeps well under 24 GB of activations (from the traced step graph)', async (t) => {
  const target = await compileTarget();
  const gib: Record<string, number> = {};
  for (const scale of [2, 4, 8]) {
    const model = buildModel('nlsn', { scale });
    const params = Object.fromEntries(Object.entries(model.specs).filter(([, s]) => s.role === 'param').map(([k, s]) => [k, input(k, s.shape)]));
    const x = input('x', [8, 1, 96 / scale, 96 / scale]);
    const hr = input('hr', [8, 1, 96, 96]);
    const loss = modelLoss(model, applyModel(model, { params }, x, { training: true }), hr, mseSsimLoss());
    gib[`x${scale}`] = savedActivationBytes(loss, Object.values(params), target) / 2 ** 30;
  }
  // ×2: 32 blocks of [8, 256, 48, 48] maps (18.9 MB each) and, in each of the 5 attention modules, the sorted and
  // chunk-neighboured embeddings and the [8, 4, 16, 144, 432] scores (127 MB each).
  for (const [scale, g] of Object.entries(gib)) assert.ok(g > 0.05 && g < 12, `${scale}: ${g} GiB`);
  t.diagnostic(`nlsn saved activations at batch 8 × 96² (GiB): ${JSON.stringify(gib)}`);
});
