// Blocked (NCHWc) convolutions in training steps: the same step lowered with and without them gives the same
// numbers, and the blocked graph keeps activations blocked between blocked ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';
import { assertSameTraining } from './compare.js';

const { onnx } = onnxProto;

/** 1 → C → C → C → 1 channels: the middle convs (and the residual add between them) can run blocked. */
function stepFor(c: number, target: E.CompileTarget) {
  const params = { 'c1.weight': [c, 1, 3, 3], 'c2.weight': [c, c, 3, 3], 'c2.bias': [c], 'c3.weight': [c, c, 3, 3], 'c4.weight': [1, c, 3, 3] };
  const net = (p: Record<string, Tensor>, x: Tensor) => {
    const h1 = E.relu(E.conv2d(x, p['c1.weight']!, null, { padding: 1 }));
    const h2 = E.relu(E.conv2d(h1, p['c2.weight']!, p['c2.bias']!, { padding: 1 }));
    const h3 = E.add(E.relu(E.conv2d(h2, p['c3.weight']!, null, { padding: 1 })), h2);
    return E.conv2d(h3, p['c4.weight']!, null, { padding: [2, 1, 2, 1], dilation: [2, 1] });
  };
  const compiled = E.compileStep({
    params,
    inputs: { x: [2, 1, 10, 9], y: [2, 1, 10, 9] },
    lossFn: ({ params: p, inputs }) => E.mseLoss(net(p, inputs.x!), inputs.y!),
    optimizer: E.sgd({ momentum: 0.9, nesterov: true }),
  }, target);
  const rng = new Rng(5);
  const host = (shape: number[], sd: number): E.HostTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * sd) });
  const init = { params: Object.fromEntries(Object.entries(params).map(([k, s]) => [k, host(s, 0.05)])) };
  const batches = [0, 1, 2].map(() => ({ x: host([2, 1, 10, 9], 1), y: host([2, 1, 10, 9], 1) }));
  return { compiled, init, batches };
}

test('a training step with blocked convolutions computes what the standard-op step computes', async (t) => {
  const target = await E.compileTarget('cpu');
  if (!target.nchwcBlock) return t.skip('this ONNX Runtime build has no NCHWc kernels on this CPU');
  const { compiled, init, batches } = stepFor(2 * target.nchwcBlock, target);
  const standard = stepFor(2 * target.nchwcBlock, await E.compileTarget('cpu', { blockedConvs: false })).compiled;
  const blocked = await E.StepRunner.create(compiled, init, { threads: 1 });
  const plain = await E.StepRunner.create(standard, init, { threads: 1 });
  await assertSameTraining(blocked, plain, batches, 0.01, 1e-5);
  await Promise.all([blocked.release(), plain.release()]);
});

test('blocked lowering: convs between blocked tensors need no layout copy, a fused Relu no node', async (t) => {
  const target = await E.compileTarget('cpu');
  if (!target.nchwcBlock) return t.skip('this ONNX Runtime build has no NCHWc kernels on this CPU');
  const nodes = onnx.ModelProto.decode(stepFor(2 * target.nchwcBlock, target).compiled.model).graph!.node!;
  const count = (op: string, domain = 'com.microsoft.nchwc') => nodes.filter((n) => n.opType === op && (n.domain ?? '') === domain).length;
  // Blocked: c2 and c3 forward and their input gradients. c1 (1 input channel) and c4 (1 output channel; its
  // input gradient has 1 input channel) stay standard.
  assert.equal(count('Conv'), 4);
  assert.equal(count('Conv', ''), 4); // c1, c4 forward; c4's input gradient; c1's weight gradient (batch as channels)
  const fused = nodes.filter((n) => n.opType === 'Conv' && n.domain === 'com.microsoft.nchwc' && n.attribute!.some((a) => a.name === 'activation'));
  assert.equal(fused.length, 2, 'both forward Relus fused into their blocked convs');
  assert.equal(count('Relu', ''), 1, "only c1's Relu is left as a node");
  // Entering the blocked layout: c1's output, and in the backward c4's input gradient (standard), reordered once
  // for both its uses (the relu mask product and the residual add's gradient sum). Nothing else is reordered in.
  assert.equal(count('ReorderInput'), 2);
  // Leaving it: c4's input (a standard conv) and, for c1, c2 and c3, the output gradient that the weight-gradient
  // GEMM reads in NCHW. The forward activations are read blocked by the weight gradients: no copy.
  assert.equal(count('ReorderOutput'), 4);
});
