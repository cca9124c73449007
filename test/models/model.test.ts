// defineModel: a typed configuration checked value by value, presets checked when defined, and a forward that
// may return named intermediate outputs for a loss over several of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFunction, compileStep, compileTarget, drawNoise, mseLoss, Session, sgd, StepRunner } from '../../src/engine/index.js';
import { forwardContext } from '../../src/engine/nn/index.js';
import { constantInit } from '../../src/engine/nn/init.js';
import { add, mul } from '../../src/engine/ops/elementwise.js';
import { resize } from '../../src/engine/ops/resize.js';
import { SrcacoError } from '../../src/errors.js';
import { applyModel, defineModel, modelLoss, modelStepSpec } from '../../src/models/model.js';
import { Rng } from '../../src/util/random.js';

const toy = defineModel({
  name: 'toy',
  displayName: 'Toy',
  family: 'progressive',
  upsampling: 'nearest, twice',
  scales: [4],
  input: 'lr',
  description: 'a test model',
  config: {
    width: { type: 'integer', default: 4, min: 1 },
    depths: { type: 'integers', default: [2, 2], min: 1 },
    ratio: { type: 'number', default: 2, min: 0 },
    upsampler: { type: 'enum', values: ['pixelshuffle', 'nearest'], default: 'nearest' },
    bias: { type: 'boolean', default: true },
  },
  presets: { small: { depths: [1] } },
  lossOn: { kind: 'outputs', names: ['x2', 'y'], reduce: 'sum', target: (_name, hr) => resize(hr, 0.5, 'nearest') },
  build({ config }, nn) {
    const scale = nn.param('scale', [1], { kind: 'constant', value: config.ratio });
    return (x) => {
      const x2 = mul(resize(x, 2, 'nearest'), scale());
      return { y: resize(x2, 2, 'nearest'), outputs: { x2 } };
    };
  },
});

test('configuration values are typed and checked one by one: name, expected, received', () => {
  const m = toy.build(4, { depths: [6, 6, 6, 6], upsampler: 'pixelshuffle', bias: false });
  assert.deepEqual(m.config, { width: 4, depths: [6, 6, 6, 6], ratio: 2, upsampler: 'pixelshuffle', bias: false });
  assert.deepEqual(toy.defaults, { width: 4, depths: [2, 2], ratio: 2, upsampler: 'nearest', bias: true });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ width: 1.5 }, /^toy: width must be an integer ≥ 1, received 1.5$/],
    [{ depths: [6, 0] }, /^toy: depths must be a list of integers ≥ 1, received \[6,0\]$/],
    [{ depths: 6 }, /^toy: depths must be a list of integers ≥ 1, received 6$/],
    [{ ratio: -1 }, /^toy: ratio must be a number ≥ 0, received -1$/],
    [{ upsampler: 'pixelshuffledirect' }, /^toy: upsampler must be 'pixelshuffle' or 'nearest', received "pixelshuffledirect"$/],
    [{ bias: 'yes' }, /^toy: bias must be true or false, received "yes"$/],
    [{ heads: 6 }, /^toy has no hyper-parameter 'heads'; known: width, depths, ratio, upsampler, bias$/],
  ];
  for (const [config, message] of bad) {
    assert.throws(() => toy.build(4, config as never), (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && message.test(e.message), JSON.stringify(config));
  }
  const badPreset = () => defineModel({ ...toyFields, config: { n: { type: 'integer', default: 1, min: 1 } }, presets: { tiny: { n: 0 } }, build: () => (x) => x });
  assert.throws(badPreset, /toy preset 'tiny': n must be an integer ≥ 1, received 0/);
});

const toyFields = { name: 'toy', displayName: 'Toy', family: 'baseline', upsampling: '-', scales: [2], input: 'lr', description: '-' } as const;

test('a forward may return named intermediate outputs; the loss adds the listed ones, each against its own target', async () => {
  const model = toy.build(4, {});
  assert.deepEqual(model.specs.scale!.init, { kind: 'constant', value: 2 });
  const bytes = compileFunction({
    inputs: { x: [1, 1, 1, 1], hr: [1, 1, 4, 4] },
    weights: { scale: { shape: [1], data: Float32Array.of(2) } },
    fn: ({ x, hr }, w) => {
      const out = applyModel(model, { params: w }, x!, { training: true });
      // x = 1: x2 is 2 everywhere, y too; hr = 1 everywhere: MSE 1 at each level, summed.
      return { loss: modelLoss(model, out, hr!, mseLoss), y: model.forward(w, x!, forwardContext(false)) };
    },
  });
  const session = await Session.create(bytes, { threads: 1 });
  const out = await session.runHost({ x: { shape: [1, 1, 1, 1], data: Float32Array.of(1) }, hr: { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(1) } });
  await session.release();
  assert.deepEqual(Array.from(out.loss!.data as Float32Array), [2]);
  assert.deepEqual(out.y!.shape, [1, 1, 4, 4]);
});

test('a lossOn without names takes every output the forward returns, then y (SRFBN: one per step)', async () => {
  const steps = defineModel({
    ...toyFields,
    config: { n: { type: 'integer', default: 3, min: 1 } },
    lossOn: { kind: 'outputs', reduce: 'mean' },
    build: ({ config }) => (x) => {
      // Output k is (k + 1)·x; y is the last.
      const outs = Array.from({ length: config.n }, (_, k) => mul(x, k + 1));
      return { y: outs.at(-1)!, outputs: Object.fromEntries(outs.slice(0, -1).map((o, k) => [`step${k + 1}`, o])) };
    },
  });
  const model = steps.build(2, {});
  const bytes = compileFunction({
    inputs: { x: [1, 1, 2, 2] },
    fn: ({ x }) => modelLoss(model, applyModel(model, { params: {} }, x!, { training: true }), mul(x!, 0), mseLoss),
  });
  const session = await Session.create(bytes, { threads: 1 });
  const out = await session.runHost({ x: { shape: [1, 1, 2, 2], data: new Float32Array(4).fill(1) } });
  await session.release();
  // Against a zero target: (1 + 4 + 9) / 3.
  assert.ok(Math.abs((out.y!.data as Float32Array)[0]! - 14 / 3) < 1e-6, `loss ${(out.y!.data as Float32Array)[0]}`);
});

test("a model's training step gets the noise its forward asks for; an inference trace has none", async () => {
  const noisy = defineModel({
    ...toyFields,
    build: (_args, nn) => {
      const w = nn.param('w', [1], constantInit(0));
      return (x, ctx) => {
        const up = resize(add(x, w()), 2, 'nearest');
        return ctx.noise ? add(up, ctx.noise('jitter', [2, 1, 4, 4], 'uniform')) : up;
      };
    },
  }).build(2, {});
  const step = compileStep(modelStepSpec(noisy, { batch: 2, hrPx: 4, loss: mseLoss, optimizer: sgd() }), await compileTarget());
  assert.deepEqual(step.noise, { jitter: { shape: [2, 1, 4, 4], kind: 'uniform' } });
  const runner = await StepRunner.create(step, { params: { w: { shape: [1], data: Float32Array.of(0) } }, noiseRng: (k) => new Rng(k) }, { threads: 1 });
  const { loss } = await runner.step({ x: { shape: [2, 1, 2, 2], data: new Float32Array(8) }, y: { shape: [2, 1, 4, 4], data: new Float32Array(32) } }, 0);
  await runner.release();
  const jitter = drawNoise(step.noise, new Rng(1)).jitter!.data as Float32Array;
  const expected = jitter.reduce((a, v) => a + v * v, 0) / jitter.length; // zero input and target: the MSE of the noise
  assert.ok(Math.abs(loss - expected) < 1e-6, `loss ${loss}, the mean square of step 1's noise ${expected}`);
  assert.equal(forwardContext(false).noise, undefined);
});
