// Compiled training steps: loss falls on a toy task, state is carried and resumable, batch-norm buffers update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';

/** SGD with momentum, written with ops as an optimizer must be. */
const momentumSgd: E.Optimizer = {
  slots: { velocity: 0 },
  update: ({ param, grad, state, lr }) => {
    const velocity = E.add(E.mul(state.velocity!, 0.9), grad);
    return { param: E.sub(param, E.mul(velocity, lr)), state: { velocity } };
  },
};

const B = 4;
const S = 12;
const params = { 'c1.weight': [4, 1, 3, 3], 'c1.bias': [4], 'c2.weight': [1, 4, 3, 3], 'c2.bias': [1] };
function net(p: Record<string, Tensor>, x: Tensor): Tensor {
  const h = E.relu(E.conv2d(x, p['c1.weight']!, p['c1.bias']!, { padding: 1 }));
  return E.conv2d(h, p['c2.weight']!, p['c2.bias']!, { padding: 1 });
}

function randomHost(rng: Rng, shape: number[], sd: number): E.HostTensor {
  return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * sd) };
}

/** Target: a 3×3 box blur of the input (zero padded), which the net can represent exactly. */
function blur(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < B; n++)
    for (let i = 0; i < S; i++)
      for (let j = 0; j < S; j++) {
        let s = 0;
        for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) if (i + a >= 0 && i + a < S && j + b >= 0 && j + b < S) s += x[n * S * S + (i + a) * S + j + b]!;
        y[n * S * S + i * S + j] = s / 9;
      }
  return y;
}

const compiled = E.compileStep({
  params,
  inputs: { x: [B, 1, S, S], y: [B, 1, S, S] },
  optimizer: momentumSgd,
  lossFn: ({ params: p, inputs }) => {
    const pred = net(p, inputs.x!);
    return { loss: E.mseLoss(pred, inputs.y!), outputs: { pred } };
  },
}, await E.compileTarget());

function initParams(seed: number) {
  const rng = new Rng(seed);
  return Object.fromEntries(Object.entries(params).map(([k, s]) => [k, randomHost(rng, s, s.length === 4 ? 0.3 : 0)]));
}

test('a tiny conv net learns a blur with the compiled step; resuming from saved state continues identically', async () => {
  const rng = new Rng(3);
  const batches = Array.from({ length: 4 }, () => {
    const x = randomHost(rng, [B, 1, S, S], 1);
    return { x, y: { shape: x.shape, data: blur(x.data as Float32Array) } };
  });
  const runner = await E.StepRunner.create(compiled, { params: initParams(1) }, { threads: 1 });
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) losses.push((await runner.step(batches[i % 4]!, 0.05)).loss);
  assert.ok(losses.every(Number.isFinite));
  const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
  const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
  assert.ok(last < 0.2 * first, `loss fell from ${first} to ${last} only`);
  assert.equal(runner.stepCount, 60);

  // A second runner started from the first one's parameters and optimizer state takes the same next step.
  const copy = (h: E.HostTensor): E.HostTensor => ({ shape: [...h.shape], data: (h.data as Float32Array).slice() });
  const resumed = await E.StepRunner.create(compiled, {
    params: Object.fromEntries(Object.entries(runner.params()).map(([k, v]) => [k, copy(v)])),
    optimizerState: Object.fromEntries(Object.entries(runner.optimizerState()).map(([k, v]) => [k, copy(v)])),
    stepCount: runner.stepCount,
  });
  const a = await runner.step(batches[0]!, 0.05);
  const b = await resumed.step(batches[0]!, 0.05);
  assert.equal(a.loss, b.loss);
  assert.deepEqual(a.outputs.pred!.data, b.outputs.pred!.data);
  assert.deepEqual(runner.params()['c1.weight']!.data, resumed.params()['c1.weight']!.data);
  await runner.release();
  await resumed.release();
});

test('batch-norm running statistics are step outputs, updated with momentum 0.1 and the unbiased variance', async () => {
  const step = E.compileStep({
    params: { w: [2] },
    buffers: { mean: [2], var: [2] },
    inputs: { x: [2, 2, 1, 2] },
    optimizer: { slots: {}, update: ({ param, grad, lr }) => ({ param: E.sub(param, E.mul(grad, lr)), state: {} }) },
    lossFn: ({ params: p, buffers, inputs }) => {
      const bn = E.batchNorm2d(inputs.x!, p.w!, null, { runningMean: buffers.mean!, runningVar: buffers.var! }, { training: true });
      return { loss: E.reduceMean(E.mul(bn.y, bn.y)), buffers: { mean: bn.running.runningMean, var: bn.running.runningVar } };
    },
  }, await E.compileTarget());
  const runner = await E.StepRunner.create(step, {
    params: { w: { shape: [2], data: Float32Array.of(1, 1) } },
    buffers: { mean: { shape: [2], data: Float32Array.of(0, 0) }, var: { shape: [2], data: Float32Array.of(1, 1) } },
  });
  // channel 0 holds 1, 2, 5, 6 and channel 1 holds 3, 4, 7, 8 (NCHW, N=2, W=2)
  const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const { loss } = await runner.step({ x: { shape: [2, 2, 1, 2], data: x } }, 0);
  assert.ok(Math.abs(loss - 1 / (1 + 1e-5 / 4.25)) < 1e-5); // normalised values have mean square var/(var+eps)
  const buf = runner.buffers();
  const unbiased = (17 / 3); // values {1, 2, 5, 6}: mean 3.5, squared deviations sum 17
  assert.deepEqual([...(buf.mean!.data as Float32Array)].map((v) => +v.toFixed(5)), [0.35, 0.55]);
  (buf.var!.data as Float32Array).forEach((v) => assert.ok(Math.abs(v - (0.9 + 0.1 * unbiased)) < 1e-5));
  await runner.release();
});

test('noise inputs: declared by the loss, drawn at every step from the generator of the step number, identical when resumed', async () => {
  const sgd: E.Optimizer = { slots: {}, update: ({ param, grad, lr }) => ({ param: E.sub(param, E.mul(grad, lr)), state: {} }) };
  const noisy = E.compileStep({
    params: { p: [3] },
    inputs: {},
    optimizer: sgd,
    lossFn: ({ params: p, noise }) => {
      const z = noise('z', [3], 'normal');
      const u = noise('mask', [2, 1], 'uniform');
      return { loss: E.reduceSum(E.mul(E.sub(p.p!, z), E.sub(p.p!, z))), outputs: { z, u } };
    },
  }, await E.compileTarget());
  assert.deepEqual(noisy.noise, { z: { shape: [3], kind: 'normal' }, mask: { shape: [2, 1], kind: 'uniform' } });
  const noiseRng = (k: number) => new Rng([7, k, 0, 1]);
  const init = { params: { p: { shape: [3], data: Float32Array.of(0.5, -1, 2) } }, noiseRng };
  const runner = await E.StepRunner.create(noisy, init, { threads: 1 });
  const seen: Float32Array[] = [];
  for (let k = 1; k <= 3; k++) {
    const { outputs } = await runner.step({}, 0.1);
    const expected = E.drawNoise(noisy.noise, noiseRng(k));
    assert.deepEqual(outputs.z!.data, expected.z!.data, `step ${k}: the normal draw of its generator`);
    assert.deepEqual(outputs.u!.data, expected.mask!.data, `step ${k}: the uniform draw`);
    assert.ok((outputs.u!.data as Float32Array).every((v) => v >= 0 && v < 1));
    seen.push(outputs.z!.data as Float32Array);
  }
  assert.notDeepEqual(seen[0], seen[1], 'a fresh draw at every step');
  // A runner resumed after step 1 draws step 2's noise, not step 1's again.
  const resumed = await E.StepRunner.create(noisy, { ...init, stepCount: 1 }, { threads: 1 });
  assert.deepEqual((await resumed.step({}, 0.1)).outputs.z!.data, seen[1]);
  await Promise.all([runner.release(), resumed.release()]);

  const target = await E.compileTarget();
  assert.throws(
    () => E.compileStep({ params: { p: [1] }, inputs: {}, optimizer: sgd, lossFn: ({ params: p, noise }) => E.reduceSum(E.add(E.add(p.p!, noise('a', [1], 'normal')), noise('a', [1], 'normal'))) }, target),
    /two noise inputs are named "a"/,
  );
});
