// Activation recomputation: the same step as without it, and ONNX Runtime keeps the recomputed copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { remat, rematWith, type RematOptions } from '../../src/engine/remat.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff } from './compare.js';

const B = 2;
const S = 8;
const params = { w1: [4, 3, 3, 3], w2: [4, 4, 3, 3], w3: [4, 4, 3, 3], 'bn.weight': [4], 'bn.bias': [4] };
const buffers = { 'bn.running_mean': [4], 'bn.running_var': [4] };
// Steps that run are compiled for this CPU (blocked convs where it has them); graphs whose nodes are counted
// are the standard-op ones.
const cpu = await E.compileTarget();
const portable = await E.compileTarget('cpu', { blockedConvs: false });

/**
 * A step: conv w1 on x → `body` → MSE against y. `bn` is the one batch norm (training; its running statistics
 * become the step's buffers), `p` the parameters.
 */
function stepAround(target: E.CompileTarget, body: (h0: Tensor, bn: (h: Tensor) => Tensor, p: Record<string, Tensor>) => Tensor): E.CompiledStep {
  return E.compileStep({
    params,
    buffers,
    inputs: { x: [B, 3, S, S], y: [B, 4, S, S] },
    optimizer: E.sgd({ momentum: 0.9, nesterov: true }),
    lossFn: ({ params: p, buffers: b, inputs }) => {
      let running: E.BatchNormState | undefined;
      const bn = (h: Tensor) => {
        const out = E.batchNorm2d(h, p['bn.weight']!, p['bn.bias']!, { runningMean: b['bn.running_mean']!, runningVar: b['bn.running_var']! }, { training: true });
        running = out.running;
        return out.y;
      };
      const out = body(E.conv2d(inputs.x!, p.w1!, null, { padding: 1 }), bn, p);
      return { loss: E.mseLoss(out, inputs.y!), buffers: { 'bn.running_mean': running!.runningMean, 'bn.running_var': running!.runningVar } };
    },
  }, target);
}

/**
 * conv w1 → [segment: BN (running statistics) → ReLU → conv w2 → [nested segment: conv w3 → tanh] + residual]
 * → conv w2 again (a weight used both inside and after a segment) → MSE. Counts how often each segment is traced.
 */
function stepWith(target: E.CompileTarget, useRemat: boolean, traced: { outer: number; inner: number }): E.CompiledStep {
  const seg = (fn: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]) => (useRemat ? remat(fn, ...xs) : fn(...xs));
  return stepAround(target, (h0, bn, p) => {
    const h1 = seg((h) => {
      traced.outer++;
      const a = E.conv2d(E.relu(bn(h)), p.w2!, null, { padding: 1 });
      const inner = seg((z) => {
        traced.inner++;
        return E.tanh(E.conv2d(z, p.w3!, null, { padding: 1 }));
      }, a);
      return E.add(inner, h);
    }, h0);
    return E.conv2d(h1, p.w2!, null, { padding: 1 });
  });
}

function host(rng: Rng, shape: readonly number[], sd: number, mean = 0): E.HostTensor {
  return { shape: [...shape], data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => mean + rng.normal() * sd) };
}

async function twoSteps(compiled: E.CompiledStep): Promise<{ losses: number[]; init: Record<string, E.HostTensor>; params: Record<string, E.HostTensor>; buffers: Record<string, E.HostTensor> }> {
  const rng = new Rng(11);
  const init = Object.fromEntries(Object.entries(params).map(([k, s]) => [k, host(rng, s, k.startsWith('bn') ? 0.1 : 0.3, k === 'bn.weight' ? 1 : 0)]));
  const runner = await E.StepRunner.create(compiled, { params: init, buffers: { 'bn.running_mean': host(rng, [4], 0), 'bn.running_var': host(rng, [4], 0, 1) } }, { threads: 1 });
  const batch = { x: host(rng, [B, 3, S, S], 1), y: host(rng, [B, 4, S, S], 0.5) };
  const losses = [(await runner.step(batch, 0.1)).loss, (await runner.step(batch, 0.1)).loss];
  const out = { losses, init, params: runner.params(), buffers: runner.buffers() };
  await runner.release();
  return out;
}


test('remat: two training steps give the same parameters and batch-norm statistics as the plain graph', async () => {
  const tracedPlain = { outer: 0, inner: 0 };
  const tracedRemat = { outer: 0, inner: 0 };
  const plain = await twoSteps(stepWith(cpu, false, tracedPlain));
  const compiledRemat = stepWith(cpu, true, tracedRemat);
  // Each fn is traced once per compilation: the recomputation copies the traced nodes, so running statistics
  // update once.
  assert.deepEqual(tracedRemat, { outer: 1, inner: 1 });
  const recomputed = await twoSteps(compiledRemat);
  assert.ok(Math.abs(plain.losses[1]! - recomputed.losses[1]!) < 1e-6, `${plain.losses} vs ${recomputed.losses}`);
  assert.ok(plain.losses[1]! < plain.losses[0]!, 'the step should lower the loss');
  const dp = maxAbsDiff(plain.params, recomputed.params);
  assert.ok(dp < 1e-6, `parameters differ by ${dp}`);
  assert.equal(maxAbsDiff(plain.buffers, recomputed.buffers), 0);
  // Every parameter moved (the comparison is not between untouched copies).
  for (const k of Object.keys(params)) assert.ok(maxAbsDiff({ [k]: recomputed.init[k]! }, { [k]: recomputed.params[k]! }) > 1e-4, k);
});

test('remat: ONNX Runtime keeps the recomputed copy (no common-subexpression merge) and the plain graph has none', async () => {
  // A node computing `op`, on its own or fused into a convolution as its activation (ORT fuses Conv + Tanh).
  const count = (bytes: Uint8Array, op: string) =>
    onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.filter((n) => n.opType === op || n.attribute?.some((a) => a.name === 'activation' && new TextDecoder().decode(a.s!) === op)).length;
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-remat-'));
  try {
    const optimized = async (compiled: E.CompiledStep, name: string) => {
      const path = join(dir, name);
      const session = await ort.InferenceSession.create(compiled.model, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, intraOpNumThreads: 1 });
      await session.release();
      return readFileSync(path);
    };
    const traced = { outer: 0, inner: 0 };
    const plain = stepWith(portable, false, traced);
    const recomputed = stepWith(portable, true, traced);
    // The outer segment's ReLU and the nested segment's tanh each run once more. (The outer copy's own tanh is
    // dead: no VJP reads it, since the nested segment recomputes it from its input.) A merge by ORT would
    // leave the optimized graph with fewer of them than the graph we built.
    const optPlain = await optimized(plain, 'plain.onnx');
    const optRemat = await optimized(recomputed, 'remat.onnx');
    for (const op of ['Relu', 'Tanh']) {
      assert.equal(count(recomputed.model, op) - count(plain.model, op), 1, `${op} in the built graph`);
      assert.equal(count(optRemat, op) - count(optPlain, op), 1, `${op} in the optimized graph`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** conv w1 → [segment: BN → ReLU → conv w2] → MSE, the segment recomputed with `tie` (or not at all). */
function bnSegmentStep(target: E.CompileTarget, tie: RematOptions['tie'] | null): E.CompiledStep {
  return stepAround(target, (h0, bn, p) => {
    const unit = (h: Tensor) => E.conv2d(E.relu(bn(h)), p.w2!, null, { padding: 1 });
    return tie === null ? unit(h0) : rematWith({ tie }, unit, h0);
  });
}

test("rematWith tie 'captured': the same step, the copy kept, its batch statistics merged with the forward's", async () => {
  const plain = await twoSteps(bnSegmentStep(cpu, null));
  const captured = await twoSteps(bnSegmentStep(cpu, 'captured'));
  assert.ok(maxAbsDiff(plain.params, captured.params) < 1e-6);
  assert.equal(maxAbsDiff(plain.buffers, captured.buffers), 0);
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-remat-'));
  try {
    const counts = async (compiled: E.CompiledStep, name: string) => {
      const path = join(dir, name);
      const session = await ort.InferenceSession.create(compiled.model, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, intraOpNumThreads: 1 });
      await session.release();
      const nodes = onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph!.node!;
      const n = (op: string) => nodes.filter((x) => x.opType === op).length;
      return { relu: n('Relu'), batchNorm: n('BatchNormalization'), reduceMean: n('ReduceMean') };
    };
    const none = await counts(bnSegmentStep(portable, null), 'none.onnx');
    const all = await counts(bnSegmentStep(portable, 'all'), 'all.onnx');
    const cap = await counts(bnSegmentStep(portable, 'captured'), 'captured.onnx');
    // Both recompute the normalisation and the ReLU (a merged copy would leave the plain counts).
    for (const c of [all, cap]) assert.deepEqual([c.relu, c.batchNorm], [none.relu + 1, none.batchNorm + 1]);
    // Tying the input too recomputes the statistics (mean and variance: two more ReduceMean); tying only the
    // parameters leaves them to ORT's merge.
    assert.equal(all.reduceMean, none.reduceMean + 2);
    assert.equal(cap.reduceMean, none.reduceMean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('remat: without a gradient it is the plain forward; a segment that makes nothing returns its input', async () => {
  const x = E.input('x', [1, 1, 4, 4]);
  assert.equal(remat((t) => t, x), x);
  const bytes = E.compileFunction({ inputs: { x: [1, 1, 'H', 'W'] }, fn: ({ x: t }) => remat((u) => E.mul(E.relu(u), 2), t!) });
  const session = await E.Session.create(bytes, { threads: 1 });
  const data = Float32Array.from({ length: 12 }, (_, i) => i - 6);
  const { y } = await session.runHost({ x: { shape: [1, 1, 3, 4], data } });
  assert.deepEqual([...(y!.data as Float32Array)], [...data].map((v) => 2 * Math.max(0, v)));
  await session.release();
});
