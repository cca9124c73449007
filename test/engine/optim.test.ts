// Optimizers inside the compiled step: trajectories of real torch.optim (fixture) and hand-computed PyTorch rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { adam, adamW, clipGradNorm, sgd } from '../../src/engine/optim/index.js';
import { SrcacoError } from '../../src/errors.js';

interface Case {
  kind: 'sgd' | 'adam' | 'adamw';
  options: { momentum?: number; dampening?: number; nesterov?: boolean; weight_decay?: number; amsgrad?: boolean; betas?: [number, number]; eps?: number };
  clip: number | null;
  steps: { loss: number; weight: number[]; bias: number[] }[];
}
// The steps run on this CPU as training compiles them.
const cpu = await E.compileTarget();
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'optim', 'trajectories.json'), 'utf8')) as {
  lrs: number[];
  x: number[];
  y: number[];
  weight: number[];
  bias: number[];
  cases: Record<string, Case>;
};

function optimizerOf(c: Case): E.Optimizer {
  const o = c.options;
  const opt =
    c.kind === 'sgd'
      ? sgd({ momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weight_decay })
      : (c.kind === 'adam' ? adam : adamW)({ betas: o.betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad });
  return c.clip === null ? opt : clipGradNorm(opt, c.clip);
}

const host = (shape: number[], v: number[]): E.HostTensor => ({ shape, data: Float32Array.from(v) });

/** Least squares y ≈ x Wᵀ + b over the fixture's data, one compiled step per learning rate. */
async function trajectory(optimizer: E.Optimizer): Promise<{ loss: number; weight: Float32Array; bias: Float32Array }[]> {
  const compiled = E.compileStep({
    params: { weight: [3, 4], bias: [3] },
    inputs: { x: [6, 4], y: [6, 3] },
    optimizer,
    lossFn: ({ params: p, inputs }) => E.mseLoss(E.linear(inputs.x!, p.weight!, p.bias!), inputs.y!),
  }, cpu);
  const runner = await E.StepRunner.create(compiled, { params: { weight: host([3, 4], fixture.weight), bias: host([3], fixture.bias) } }, { threads: 1 });
  const batch = { x: host([6, 4], fixture.x), y: host([6, 3], fixture.y) };
  const out = [];
  for (const lr of fixture.lrs) {
    const { loss } = await runner.step(batch, lr);
    const p = runner.params();
    out.push({ loss, weight: (p.weight!.data as Float32Array).slice(), bias: (p.bias!.data as Float32Array).slice() });
  }
  await runner.release();
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-2), `${what}[${i}]: ${a} vs torch ${e}`);
  }
}

for (const [name, c] of Object.entries(fixture.cases)) {
  test(`${name}: five compiled steps follow torch.optim's parameter trajectory`, async () => {
    const ours = await trajectory(optimizerOf(c));
    c.steps.forEach((s, k) => {
      assertClose([ours[k]!.loss], [s.loss], 2e-6, `${name} step ${k + 1} loss`);
      assertClose(ours[k]!.weight, s.weight, 2e-6, `${name} step ${k + 1} weight`);
      assertClose(ours[k]!.bias, s.bias, 2e-6, `${name} step ${k + 1} bias`);
    });
    // The problem is not trivially solved in one step: the trajectory moves every step.
    assert.notDeepEqual(c.steps[3]!.weight, c.steps[4]!.weight);
  });
}

/** One parameter vector p with loss ½‖p − t‖², so the gradient is p − t; runs `lrs` and returns p after each. */
async function quadratic(optimizer: E.Optimizer, p0: number[], t: number[], lrs: number[]): Promise<number[][]> {
  const n = p0.length;
  const compiled = E.compileStep({
    params: { p: [n] },
    inputs: { t: [n] },
    optimizer,
    lossFn: ({ params, inputs }) => E.mul(E.reduceSum(E.mul(E.sub(params.p!, inputs.t!), E.sub(params.p!, inputs.t!))), 0.5),
  }, cpu);
  const runner = await E.StepRunner.create(compiled, { params: { p: host([n], p0) } }, { threads: 1 });
  const out: number[][] = [];
  for (const lr of lrs) {
    await runner.step({ t: host([n], t) }, lr);
    out.push([...(runner.params().p!.data as Float32Array)]);
  }
  await runner.release();
  return out;
}

const P0 = [1, -2, 0.5];
const T = [0.25, 0.5, -1];
const LRS = [0.3, 0.3, 0.1, 0.1];

test('SGD with Nesterov momentum and weight decay equals the hand-computed PyTorch rule', async () => {
  const [mom, wd] = [0.9, 0.05];
  const ours = await quadratic(sgd({ momentum: mom, nesterov: true, weightDecay: wd }), P0, T, LRS);
  const p = [...P0];
  const buf = [0, 0, 0];
  LRS.forEach((lr, k) => {
    for (let i = 0; i < p.length; i++) {
      const d = p[i]! - T[i]! + wd * p[i]!;
      buf[i] = k === 0 ? d : mom * buf[i]! + d;
      p[i] = p[i]! - lr * (d + mom * buf[i]!);
    }
    assertClose(ours[k]!, p, 1e-6, `step ${k + 1}`);
  });
});

test('SGD with dampening starts its buffer at the first gradient, undamped', async () => {
  const [mom, damp] = [0.5, 0.7];
  const ours = await quadratic(sgd({ momentum: mom, dampening: damp }), P0, T, LRS);
  const p = [...P0];
  const buf = [0, 0, 0];
  LRS.forEach((lr, k) => {
    for (let i = 0; i < p.length; i++) {
      const d = p[i]! - T[i]!;
      buf[i] = k === 0 ? d : mom * buf[i]! + (1 - damp) * d;
      p[i] = p[i]! - lr * buf[i]!;
    }
    assertClose(ours[k]!, p, 1e-6, `step ${k + 1}`);
  });
});

test('Adam and AdamW equal the hand-computed PyTorch rules (bias corrections, eps outside the root)', async () => {
  const [b1, b2, eps, wd] = [0.9, 0.999, 1e-3, 0.1];
  for (const decoupled of [false, true]) {
    const opt = (decoupled ? adamW : adam)({ eps, weightDecay: wd });
    const ours = await quadratic(opt, P0, T, LRS);
    const p = [...P0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    LRS.forEach((lr, k) => {
      const step = k + 1;
      for (let i = 0; i < p.length; i++) {
        let g = p[i]! - T[i]!;
        if (decoupled) p[i] = p[i]! * (1 - lr * wd);
        else g += wd * p[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** step) + eps;
        p[i] = p[i]! - (lr / (1 - b1 ** step)) * (m[i]! / denom);
      }
      assertClose(ours[k]!, p, 2e-6, `${decoupled ? 'AdamW' : 'Adam'} step ${k + 1}`);
    });
  }
});

test('gradient clipping scales by the norm over all parameters together, only when above the limit', async () => {
  // Two parameters whose gradients have norms 3 and 4: total 5, clipped to 1 → factor 1/(5 + 1e-6).
  const compiled = (maxNorm: number) =>
    E.compileStep({
      params: { a: [1], b: [1] },
      inputs: {},
      optimizer: clipGradNorm(sgd(), maxNorm),
      lossFn: ({ params }) => E.reduceSum(E.add(E.mul(params.a!, 3), E.mul(params.b!, 4))),
    }, cpu);
  for (const [maxNorm, factor] of [[1, 1 / (5 + 1e-6)], [10, 1]] as const) {
    const runner = await E.StepRunner.create(compiled(maxNorm), { params: { a: host([1], [0]), b: host([1], [0]) } });
    await runner.step({}, 1);
    const p = runner.params();
    assertClose([p.a!.data[0] as number, p.b!.data[0] as number], [-3 * factor, -4 * factor], 1e-6, `max norm ${maxNorm}`);
    await runner.release();
  }
});

test('invalid optimizer settings are refused with a usage error', () => {
  assert.throws(() => sgd({ nesterov: true }), (e: unknown) => e instanceof SrcacoError && /Nesterov/.test(e.message));
  assert.throws(() => adam({ betas: [0.9, 1] }), SrcacoError);
  assert.throws(() => clipGradNorm(sgd(), 0), SrcacoError);
});
