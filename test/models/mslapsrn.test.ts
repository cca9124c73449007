// MS-LapSRN against the original class (fixtures from scripts/fixtures/models-mslapsrn.py): state_dict names and
// shapes, the forward, the trainer's level targets, the gradients of one protocol-loss step; then a short
// training run and the errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { HostTensor, Tensor } from '../../src/engine/index.js';
import { compileStep, compileTarget, grad, input, sgd, StepRunner, toOnnx } from '../../src/engine/index.js';
import { countParams, initState, splitState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { levelTarget } from '../../src/models/blocks/level-target.js';
import { applyModel, modelLoss, modelStepSpec } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';
import { readF32, regenerateWeights } from '../fixtures/models/load.js';
import { maxAbsDiff, runGraphOnce } from './helpers/compare.js';
import type { ModelFixture } from '../fixtures/models/load.js';

interface Fixture {
  config: {
    scale: number;
    n_params: number;
    lr_shape: number[];
    hr_shape: number[];
    output_shape: number[];
    tiny_output_shape: number[];
    targets: Record<string, number[]>;
    weight_seed: number;
    weights: ModelFixture['config']['weights'];
    loss: number;
    grads: Record<string, { stride: number; norm: number }>;
  };
  keys: ModelFixture['keys'];
  file(name: string): Float32Array;
}

function fixture(scale: number): Fixture {
  const dir = new URL(`../fixtures/models/mslapsrn_x${scale}/`, import.meta.url);
  const json = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
  const file = (name: string) => readF32(new URL(`${name}.f32`, dir));
  return { config: json('config.json'), keys: json('keys.json'), file };
}

const SCALES = [2, 4, 8];
const fixtures = new Map(SCALES.map((s) => [s, fixture(s)]));
const host = (shape: number[], data: Float32Array): HostTensor => ({ shape, data });

const run = runGraphOnce;

test("state_dict names, order and shapes are the original's at x2, x4 and x8 (every entry a parameter), and so is the parameter count", () => {
  for (const [scale, f] of fixtures) {
    const model = buildModel('mslapsrn', { scale });
    const specs = Object.entries(model.specs);
    assert.deepEqual(specs.map(([k, s]) => [k, s.shape, s.role]), f.keys.map(([k, shape]) => [k, shape, 'param']), `x${scale}`);
    assert.equal(countParams(model.specs), f.config.n_params, `x${scale}`);
  }
  assert.deepEqual(SCALES.map((s) => fixtures.get(s)!.config.n_params), [436_114, 871_588, 1_307_062]);
});

for (const scale of SCALES) {
  test(`x${scale}: the forward on ORT matches the original (max |diff| < 1e-4), on a batch and on a 1×1 LR image`, async () => {
    const f = fixtures.get(scale)!;
    const model = buildModel('mslapsrn', { scale });
    const weights = regenerateWeights(f.config, f.keys);
    const state = Object.fromEntries(f.keys.map(([k, shape]) => [k, host(shape, weights.get(k)!)]));
    const bytes = inferenceGraph(model, state, { clampOutput: false });
    const { y } = await run(bytes, { x: host(f.config.lr_shape, f.file('lr')) });
    assert.deepEqual(y!.shape, f.config.output_shape);
    const err = maxAbsDiff(y!.data as Float32Array, f.file('output'));
    assert.ok(err < 1e-4, `max |diff| ${err}`);
    // 3×3 convs with padding 1 and 4×4 stride-2 transposed convs with padding 1 accept any size ≥ 1 px.
    const tiny = await run(bytes, { x: host([1, 1, 1, 1], f.file('tiny_lr')) });
    assert.deepEqual(tiny.y!.shape, f.config.tiny_output_shape);
    const tinyErr = maxAbsDiff(tiny.y!.data as Float32Array, f.file('tiny_output'));
    assert.ok(tinyErr < 1e-4, `1×1 input: max |diff| ${tinyErr}`);
  });
}

test("the intermediate levels' targets are the trainer's: HR bicubic-resized with align_corners=True, clamped to [0, 1]", async () => {
  for (const scale of [4, 8]) {
    const f = fixtures.get(scale)!;
    const hr = input('hr', f.config.hr_shape);
    const outputs = Object.entries(f.config.targets).map(([name, shape]): [string, Tensor] => [name, levelTarget(hr, input('like', shape))]);
    const out = await run(toOnnx({ inputs: [hr], outputs }), { hr: host(f.config.hr_shape, f.file('hr')) });
    assert.deepEqual(Object.keys(out).sort(), Object.keys(f.config.targets).sort());
    for (const name of Object.keys(f.config.targets)) {
      const err = maxAbsDiff(out[name]!.data as Float32Array, f.file(name));
      // Float32 rounding only: PyTorch's float32 interpolation is itself ≈ 1e-6 from its float64 result here,
      // which the interpolation matrices reproduce exactly.
      assert.ok(err < 3e-6, `x${scale} ${name}: max |diff| ${err}`);
    }
  }
});

for (const scale of SCALES) {
  test(`x${scale}: one protocol-loss step (every level in the loss) has the original's loss and gradients (relative 1e-4)`, async () => {
    const f = fixtures.get(scale)!;
    const model = buildModel('mslapsrn', { scale });
    const weights = regenerateWeights(f.config, f.keys);
    const params = Object.fromEntries(f.keys.map(([k, shape]) => [k, input(k, shape)]));
    const x = input('x', f.config.lr_shape);
    const y = input('y', f.config.hr_shape);
    const loss = modelLoss(model, applyModel(model, { params }, x, { training: true }), y, mseSsimLoss());
    const grads = grad(loss, Object.values(params), await compileTarget('cpu', { blockedConvs: false }));
    const bytes = toOnnx({ inputs: [x, y, ...Object.values(params)], outputs: [['loss', loss], ...grads.map((g, i): [string, Tensor] => [`g${i}`, g])] });
    const feeds = Object.fromEntries(f.keys.map(([k, shape]) => [k, host(shape, weights.get(k)!)]));
    const out = await run(bytes, { ...feeds, x: host(f.config.lr_shape, f.file('lr')), y: host(f.config.hr_shape, f.file('hr')) });
    const ours = Number(out.loss!.data[0]);
    assert.ok(Math.abs(ours - f.config.loss) <= 1e-5 * Math.abs(f.config.loss), `loss ${ours} vs torch ${f.config.loss}`);
    const reference = f.file('grads');
    let offset = 0;
    for (const [i, [key]] of f.keys.entries()) {
      const g = out[`g${i}`]!.data as Float32Array;
      const { stride, norm } = f.config.grads[key]!;
      const sampled = g.filter((_, j) => j % stride === 0);
      const expected = reference.subarray(offset, offset + sampled.length);
      offset += sampled.length;
      const scaleOf = Math.max(...expected.map(Math.abs));
      const err = maxAbsDiff(sampled, expected);
      assert.ok(err <= 1e-4 * scaleOf, `${key}: max |diff| ${err} against max |grad| ${scaleOf}`);
      const ourNorm = Math.hypot(...g);
      assert.ok(Math.abs(ourNorm - norm) <= 1e-4 * norm, `${key}: |grad| ${ourNorm} vs torch ${norm}`);
    }
    assert.equal(offset, reference.length);
  });
}

test('a short x4 training run through the compiled step lowers the protocol loss (levels included)', async () => {
  const model = buildModel('mslapsrn', { scale: 4 });
  const batch = 2;
  const hrPx = 16;
  const compiled = compileStep(modelStepSpec(model, { batch, hrPx, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  const runner = await StepRunner.create(compiled, splitState(model.specs, initState(model.specs, new Rng(1))), { threads: 2 });
  // A smooth target the network can approach: HR a sum of low-frequency waves, LR its 4×4 box average.
  const hr = new Float32Array(batch * hrPx * hrPx);
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < hrPx; i++) for (let j = 0; j < hrPx; j++) hr[(n * hrPx + i) * hrPx + j] = 0.5 + 0.3 * Math.sin((i + 2 * n) / 3) * Math.cos(j / 4);
  const side = hrPx / 4;
  const lr = new Float32Array(batch * side * side);
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < hrPx; i++) for (let j = 0; j < hrPx; j++) lr[(n * side + (i >> 2)) * side + (j >> 2)]! += hr[(n * hrPx + i) * hrPx + j]! / 16;
  const feeds = { x: host([batch, 1, side, side], lr), y: host([batch, 1, hrPx, hrPx], hr) };
  const losses: number[] = [];
  try {
    for (let step = 0; step < 8; step++) losses.push((await runner.step(feeds, 0.01)).loss);
  } finally {
    await runner.release();
  }
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[losses.length - 1]! < losses[0]! - 0.05, `the loss should fall: ${losses.map((l) => l.toFixed(4)).join(', ')}`);
});

test('a scale other than 2, 4 or 8 is one usage error naming the supported scales', () => {
  for (const scale of [3, 16, 1]) {
    assert.throws(
      () => buildModel('mslapsrn', { scale }),
      (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && /^mslapsrn supports scales 2, 4, 8, received \d+$/.test(e.message),
      `x${scale}`,
    );
  }
});
