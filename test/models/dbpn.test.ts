// DBPN against the original class (fixtures from scripts/fixtures/models-dbpn.py): state_dict keys and shapes of
// the benchmark configuration, eval forward and the protocol-loss gradient of a small configuration, a short
// training run, srcaco train / eval --run / upscale at ×8, and the errors for a bad scale or an empty input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileStep, compileTarget, input, Session, sgd, StepRunner } from '../../src/engine/index.js';
import { countParams, forwardContext, initState, paramShapes, splitState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { modelStepSpec } from '../../src/models/model.js';
import { buildModel, modelSummaries } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import type { WeightEntry } from '../fixtures/models/load.js';
import { readF32, regenerateWeights } from '../fixtures/models/load.js';
import { writeTinyDataset } from '../train/run-fixture.js';
import { protocolLossGradients } from './helpers/parity.js';
import { readTiff } from '../../src/io/tiff.js';

type Keys = Array<[string, number[], 'F32' | 'I64']>;
interface DbpnFixture {
  config: {
    scale: number;
    full: { n_params: number };
    params: { base_filter: number; feat: number; num_stages: number };
    lr_shape: number[];
    output_shape: number[];
    weight_seed: number;
    weights: Record<string, WeightEntry>;
    loss?: { value: number };
    torch_float32: { grad_rel_max: number };
  };
  keys: Keys;
  smallKeys: Keys;
  weights: Map<string, Float32Array>;
  lr: Float32Array;
  output: Float32Array;
  hr?: Float32Array;
  grads?: Float32Array;
}

const dir = new URL('../fixtures/models/', import.meta.url);
const json = <T>(name: string, file: string): T => JSON.parse(readFileSync(new URL(`${name}/${file}`, dir), 'utf8')) as T;
const f32 = (name: string, file: string): Float32Array => readF32(new URL(`${name}/${file}`, dir));

function loadFixture(scale: number): DbpnFixture {
  const name = `dbpn_x${scale}`;
  const config = json<DbpnFixture['config']>(name, 'config.json');
  const smallKeys = json<Keys>(name, 'small_keys.json');
  const withGrads = config.loss !== undefined;
  return {
    config,
    keys: json<Keys>(name, 'keys.json'),
    smallKeys,
    weights: regenerateWeights(config, smallKeys),
    lr: f32(name, 'lr.f32'),
    output: f32(name, 'output.f32'),
    ...(withGrads ? { hr: f32(name, 'hr.f32'), grads: f32(name, 'grads.f32') } : {}),
  };
}

const smallModel = (f: DbpnFixture) => buildModel('dbpn', { scale: f.config.scale, config: f.config.params });

const std = (a: Float32Array): number => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
};

/** The largest |a − b| relative to the largest |b|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

test('dbpn: state_dict names, order and shapes of the benchmark configuration equal the original, parameters as PyTorch counts them', () => {
  for (const scale of [2, 4, 8]) {
    const f = loadFixture(scale);
    const specs = Object.entries(buildModel('dbpn', { scale }).specs);
    assert.deepEqual(specs.map(([k, s]) => [k, [...s.shape]]), f.keys.map(([k, shape]) => [k, shape]), `x${scale}`);
    assert.ok(specs.every(([, s]) => s.role === 'param'), 'DBPN has no buffers');
    assert.equal(countParams(buildModel('dbpn', { scale }).specs), f.config.full.n_params, `x${scale}`);
    // The small configuration too, and its weights regenerate exactly what PyTorch used.
    assert.deepEqual(Object.entries(smallModel(f).specs).map(([k, s]) => [k, [...s.shape]]), f.smallKeys.map(([k, shape]) => [k, shape]));
    for (const [key] of f.smallKeys) {
      let sum = 0;
      for (const v of f.weights.get(key)!) sum += v;
      assert.equal(sum, f.config.weights[key]!.sum, key);
    }
  }
  // The init DBPN's constructor runs: kaiming_normal_ (fan_in, gain √2) on every conv and transposed conv (whose
  // fan_in PyTorch takes from weight dim 1), zero biases; PReLU 0.25.
  const specs = buildModel('dbpn', { scale: 4 }).specs;
  assert.deepEqual(specs['feat0.conv.weight']!.init, { kind: 'normal', std: Math.sqrt(2 / 9) });
  assert.deepEqual(specs['up3.conv.conv.weight']!.init, { kind: 'normal', std: Math.sqrt(2 / 128) });
  assert.deepEqual(specs['up3.up_conv1.deconv.weight']!.init, { kind: 'normal', std: Math.sqrt(2 / (64 * 64)) });
  assert.deepEqual(specs['down3.down_conv2.deconv.bias']!.init, { kind: 'constant', value: 0 });
  assert.deepEqual(specs['output_conv.conv.bias']!.init, { kind: 'constant', value: 0 });
  assert.deepEqual(specs['up7.up_conv3.act.weight']!.init, { kind: 'constant', value: 0.25 });
  const summary = modelSummaries().find((m) => m.name === 'dbpn')!;
  assert.deepEqual(summary.params, { x2: 5938548, x4: 10411380, x8: 23190900 });
  assert.equal(summary.family, 'iterative');
  assert.equal(summary.lossOn, 'HR output');
});

for (const scale of [2, 4, 8]) {
  test(`dbpn x${scale}: eval forward on ORT matches the original (max |diff| < 1e-4)`, async (t) => {
    const f = loadFixture(scale);
    const state = Object.fromEntries([...f.weights].map(([k, data]) => [k, { shape: f.smallKeys.find(([n]) => n === k)![1], data }]));
    const session = await Session.create(inferenceGraph(smallModel(f), state, { clampOutput: false }), { threads: 2 });
    try {
      const { y } = await session.runHost({ x: { shape: f.config.lr_shape, data: f.lr } });
      assert.deepEqual(y!.shape, f.config.output_shape);
      let err = 0;
      (y!.data as Float32Array).forEach((v, i) => (err = Math.max(err, Math.abs(v - f.output[i]!))));
      t.diagnostic(`max |diff| ${err.toExponential(2)} (output std ${std(f.output).toFixed(3)})`);
      assert.ok(err < 1e-4, `max |diff| ${err}`);
    } finally {
      await session.release();
    }
  });
}

for (const scale of [2, 4]) {
  test(`dbpn x${scale}: the protocol-loss gradient of a training step matches PyTorch (relative 1e-4 per tensor)`, async (t) => {
    const f = loadFixture(scale);
    const model = smallModel(f);
    const names = Object.keys(paramShapes(model.specs));
    const state = Object.fromEntries(names.map((k) => [k, { shape: [...model.specs[k]!.shape], data: f.weights.get(k)! }]));
    // What a training step's loss is (modelStepSpec): the training-mode forward, its outputs as lossOn says.
    const { loss: lossValue, grads } = await protocolLossGradients(model, state, names, { x: { shape: f.config.lr_shape, data: f.lr }, hr: { shape: f.config.output_shape, data: f.hr! } });
    assert.ok(Math.abs(lossValue - f.config.loss!.value) <= 1e-5 * Math.abs(f.config.loss!.value), `loss ${lossValue} vs ${f.config.loss!.value}`);
    let offset = 0;
    let worst = { rel: 0, name: '' };
    for (const k of names) {
      const ours = grads[k]!;
      const theirs = f.grads!.subarray(offset, offset + ours.length);
      offset += ours.length;
      const rel = relDiff(ours, theirs);
      assert.ok(rel < 1e-4, `${k}: relative difference ${rel}`);
      if (rel > worst.rel) worst = { rel, name: k };
    }
    t.diagnostic(`largest relative difference ${worst.rel.toExponential(2)}, ${worst.name} (PyTorch float32 against the same float64 reference: ${f.config.torch_float32.grad_rel_max.toExponential(2)})`);
    assert.equal(offset, f.grads!.length);
  });
}

test('dbpn: a few protocol-loss training steps on one batch lower the loss', async (t) => {
  const model = buildModel('dbpn', { scale: 2, config: { base_filter: 8, feat: 16, num_stages: 1 } });
  const [batch, hrPx] = [2, 16];
  const compiled = compileStep(modelStepSpec(model, { batch, hrPx, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  const runner = await StepRunner.create(compiled, splitState(model.specs, initState(model.specs, new Rng(1))), { threads: 1 });
  const rng = new Rng(2);
  // A smooth target and its 2×2 box average: something a network can fit.
  const hr = Float32Array.from({ length: batch * hrPx * hrPx }, (_, i) => 0.5 + 0.3 * Math.sin((i % hrPx) / 3 + Math.floor(i / hrPx) / 4) + 0.02 * rng.uniform());
  const lr = new Float32Array((batch * hrPx * hrPx) / 4);
  for (let i = 0; i < lr.length; i++) {
    const [b, r, c] = [Math.floor(i / 64), Math.floor(i / 8) % 8, i % 8];
    const at = (dy: number, dx: number) => hr[b * 256 + (2 * r + dy) * 16 + 2 * c + dx]!;
    lr[i] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
  }
  const data = { x: { shape: [batch, 1, hrPx / 2, hrPx / 2], data: lr }, y: { shape: [batch, 1, hrPx, hrPx], data: hr } };
  try {
    const losses: number[] = [];
    for (let s = 0; s < 8; s++) losses.push((await runner.step(data, 0.001)).loss);
    t.diagnostic(`losses ${losses.map((l) => l.toFixed(4)).join(' ')}`);
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[losses.length - 1]! < losses[0]! - 0.05 * Math.abs(losses[0]!), `losses ${losses}`);
  } finally {
    await runner.release();
  }
});

test('dbpn: an unsupported scale and an empty input fail with one clear SrcacoError', () => {
  assert.throws(() => buildModel('dbpn', { scale: 3 }), (e: unknown) => e instanceof SrcacoError && /dbpn supports scales 2, 4, 8, received 3/.test(e.message));
  const model = buildModel('dbpn', { scale: 4, preset: 'demo' });
  const vars = Object.fromEntries(Object.entries(paramShapes(model.specs)).map(([k, s]) => [k, input(k, s)]));
  assert.throws(() => model.forward(vars, input('x', [1, 1, 0, 5]), forwardContext(false)), (e: unknown) => e instanceof SrcacoError && /dbpn needs an input of at least 1×1 px \(its paddings and kernels\), received 5×0/.test(e.message));
  // The smallest input the original accepts (1×1 at every scale) traces.
  assert.deepEqual(model.forward(vars, input('x', [1, 1, 1, 1]), forwardContext(false)).shape, [1, 1, 4, 4]);
});

test('dbpn x8 through the CLI: srcaco train (demo preset), eval --run and upscale --run', async () => {
  // ×8 has the smallest LR crops (4 px here); ×2 and ×4 compile the same step and inference graph in all-models.
  const data = await writeTinyDataset({ scale: 8, hrSide: 64, counts: { train: 2, val: 1, test: 1 } });
  const out = await mkdtemp(join(tmpdir(), 'srcaco-dbpn-'));
  const srcaco = (...args: string[]) => spawnSync(process.execPath, [new URL('../../bin/srcaco', import.meta.url).pathname, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  try {
    const train = srcaco('train', '--method', 'dbpn', '--preset', 'demo', '--cell', 'CELL2', '--scale', '8', '--data', data, '--batch', '2', '--h-size', '32', '--workers', '0', '--out', out, '--steps', '1', '--name', 'smoke');
    assert.equal(train.status, 0, train.stderr);
    assert.match(train.stdout, /1 updates? \(stopped by --steps\)/);
    const run = join(out, 'dbpn', 'caco2_train_X_8_in_64_out_512_cell_CELL2', 'smoke');
    const evaluated = srcaco('eval', '--run', run);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /DBPN_CELL2_x8_test\.json/);
    const lr = join(data, 'hr_div_8', (await readdir(join(data, 'hr_div_8')))[0]!);
    const upscaled = srcaco('upscale', '--run', run, lr, join(out, 'sr.tif'));
    assert.equal(upscaled.status, 0, upscaled.stderr);
    const [plane] = await readTiff(join(out, 'sr.tif'));
    assert.deepEqual([plane!.width, plane!.height], [64, 64]);
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  }
});
