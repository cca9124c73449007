// Compile targets: what tracing reads besides the traced function comes from the target given to compileStep,
// so steps compiled for different targets in one process differ where their targets do, and nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';
import { assertSameTraining } from './compare.js';

const params = { 'c1.weight': [8, 8, 3, 3], 'c1.bias': [8], 'c2.weight': [8, 8, 3, 3] };
const xShape = [2, 8, 9, 10];

/** conv → ReLU → conv, MSE: both weight gradients are stride-1 3×3 8 → 8, where every formulation applies. */
const spec: E.StepSpec = {
  params,
  inputs: { x: xShape, y: xShape },
  optimizer: E.sgd({ momentum: 0.9 }),
  lossFn: ({ params: p, inputs }) => {
    const h = E.relu(E.conv2d(inputs.x!, p['c1.weight']!, p['c1.bias']!, { padding: 1 }));
    return E.mseLoss(E.conv2d(h, p['c2.weight']!, null, { padding: 1 }), inputs.y!);
  },
};

const nodeTypes = (model: Uint8Array, op: string) => onnxProto.onnx.ModelProto.decode(model).graph!.node!.filter((n) => n.opType === op).length;

test('two steps compiled for different targets in one process lower differently and compute the same', async () => {
  // Standard ops for both, so the graphs differ only by the weight-gradient formulation, on any CPU.
  const viaConv = await E.compileTarget('cpu', { blockedConvs: false, convGradient: { weight: 'batchConv' } });
  const viaPad = await E.compileTarget('cpu', { blockedConvs: false, convGradient: { weight: 'padShift' } });
  const a = E.compileStep(spec, viaConv);
  const b = E.compileStep(spec, viaPad);
  // batchConv: one more Conv per weight gradient (two layers), no MatMul; padShift: Pads and batched MatMuls.
  assert.equal(nodeTypes(a.model, 'Conv'), nodeTypes(b.model, 'Conv') + 2);
  assert.equal(nodeTypes(a.model, 'MatMul'), 0);
  assert.ok(nodeTypes(b.model, 'MatMul') > 0 && nodeTypes(b.model, 'Pad') > nodeTypes(a.model, 'Pad'));
  // Compiling for the second target left nothing behind: the first compiles to the same bytes again.
  assert.deepEqual(E.compileStep(spec, viaConv).model, a.model);

  const rng = new Rng(3);
  const host = (shape: readonly number[], sd: number): E.HostTensor => ({ shape: [...shape], data: Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => rng.normal() * sd) });
  const init = { params: Object.fromEntries(Object.entries(params).map(([k, s]) => [k, host(s, 0.1)])) };
  const batches = [0, 1].map(() => ({ x: host(xShape, 1), y: host(xShape, 1) }));
  const [ra, rb] = [await E.StepRunner.create(a, init, { threads: 1 }), await E.StepRunner.create(b, init, { threads: 1 })];
  await assertSameTraining(ra, rb, batches, 0.05, 1e-5);
  await Promise.all([ra.release(), rb.release()]);
});

test('compileTarget: device defaults, frozen, and blocked convolutions only on the CPU', async () => {
  const gpu = await E.compileTarget('cuda');
  assert.deepEqual(gpu, { device: 'cuda', nchwcBlock: 0, convGradient: { input: 'auto', weight: 'auto' } });
  assert.ok(Object.isFrozen(gpu) && Object.isFrozen(gpu.convGradient));
  assert.equal((await E.compileTarget('cpu')).nchwcBlock, await E.nchwcBlockSize());
  assert.equal((await E.compileTarget('cpu', { blockedConvs: false })).nchwcBlock, 0);
  await assert.rejects(E.compileTarget('webgpu', { blockedConvs: true }), /blocked convolutions run on the CPU only, not on webgpu/);
});
