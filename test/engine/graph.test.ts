// Graph checks, error messages and deterministic ONNX bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { SrcacoError } from '../../src/errors.js';

function tinyNet(seedScale: number) {
  const x = E.input('x', [2, 1, 'H', 'W']);
  const w1 = E.input('w1', [4, 1, 3, 3]);
  const w2 = E.constant(Float32Array.from({ length: 4 * 9 }, (_, i) => i * seedScale), [1, 4, 3, 3]);
  const y = E.conv2d(E.relu(E.conv2d(x, w1, null, { padding: 1 })), w2, null, { padding: 1 });
  return { x, w1, y };
}

// Standard ops only: these tests read graphs, not this CPU's blocked kernels.
const portable = () => E.compileTarget('cpu', { blockedConvs: false });

test('tracing the same model twice gives identical ONNX bytes; a different constant changes them', async () => {
  const a = tinyNet(0.1);
  const b = tinyNet(0.1);
  const c = tinyNet(0.2);
  const bytes = (n: ReturnType<typeof tinyNet>) => E.toOnnx({ inputs: [n.x, n.w1], outputs: [['y', n.y]] });
  assert.deepEqual(bytes(a), bytes(b));
  assert.notDeepEqual(bytes(a), bytes(c));
  // Whole training steps too (gradients, optimizer), traced twice.
  const target = await portable();
  const step = () =>
    E.compileStep({
      params: { w: [3, 1, 3, 3] },
      inputs: { x: [1, 1, 5, 5] },
      optimizer: { slots: { m: 0 }, update: ({ param, grad, state, lr }) => ({ param: E.sub(param, E.mul(grad, lr)), state: { m: E.add(state.m!, grad) } }) },
      lossFn: ({ params, inputs }) => E.reduceMean(E.conv2d(inputs.x!, params.w!)),
    }, target).model;
  assert.deepEqual(step(), step());
});

test('the graph check names the node, op, expected and actual shapes', () => {
  const a = E.input('a', [3]);
  const b = E.input('b', [3]);
  const add = E.primitives().get('add')!;
  // A node whose recorded shape disagrees with its shape rule (as a buggy hand-made node would).
  const bad = new E.Tensor([5], 'float32', { kind: 'op', prim: add, inputs: [a, b], attrs: null });
  const y = E.mul(bad, 2);
  assert.throws(
    () => E.toOnnx({ inputs: [a, b], outputs: [['y', y]] }),
    (e: unknown) => e instanceof SrcacoError && /graph check: node 2 \(add\): expected \[3\] float32, actual \[5\] float32/.test(e.message),
  );
});

test('shape errors at trace time say which op and which shapes', () => {
  const x = E.input('x', [1, 3, 8, 8]);
  const w = E.input('w', [4, 2, 3, 3]);
  assert.throws(() => E.conv2d(x, w), /conv2d: input has 3 channels but weight expects 2 × 1 groups \(inputs: \[1, 3, 8, 8\] float32, \[4, 2, 3, 3\] float32/);
  assert.throws(() => E.add(E.input('p', [2, 3]), E.input('q', [4])), /add: shapes \[2, 3\] and \[4\] do not broadcast/);
  assert.throws(() => E.reshape(x, [5, 5]), /cannot reshape \[1, 3, 8, 8\] \(192 elements\) to \[5, 5\]/);
});

test('grad rejects a VJP that returns the wrong number or shape of cotangents', async () => {
  const target = await portable();
  const x = E.input('x', [3]);
  const tooMany = E.definePrimitive<null>({
    name: 'test-tooMany',
    shape: ([t]) => t!,
    lower: (ctx, ins, out) => void ctx.emit('Identity', ins, [out]),
    vjp: (g) => [g, g],
  });
  assert.throws(() => E.grad(E.reduceSum(E.apply(tooMany, [x], null)), [x], target), /test-tooMany: VJP returned 2 cotangents for 1 inputs/);
  const wrongShape = E.definePrimitive<null>({
    name: 'test-wrongShape',
    shape: ([t]) => t!,
    lower: (ctx, ins, out) => void ctx.emit('Identity', ins, [out]),
    vjp: (g) => [E.reduceSum(g, 0, true)],
  });
  assert.throws(() => E.grad(E.reduceSum(E.apply(wrongShape, [x], null)), [x], target), /test-wrongShape: VJP cotangent 0 is \[1\] float32, expected \[3\] float32/);
});

test('grad accumulates over shared subgraphs and gives zeros for unused inputs', async () => {
  const x = E.input('x', [2]);
  const u = E.input('u', [2]);
  const s = E.mul(x, x); // used twice below
  const loss = E.reduceSum(E.add(E.mul(s, 3), E.exp(s)));
  const [gx, gu] = E.grad(loss, [x, u], await portable());
  const sess = await E.Session.create(E.toOnnx({ inputs: [x, u], outputs: [['gx', gx!], ['gu', gu!]] }));
  const out = await sess.runHost({ x: { shape: [2], data: Float32Array.of(0.5, -1) }, u: { shape: [2], data: Float32Array.of(1, 1) } });
  const expect = [0.5, -1].map((v) => 2 * v * (3 + Math.exp(v * v)));
  (out.gx!.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - expect[i]!) < 1e-5));
  assert.deepEqual([...(out.gu!.data as Float32Array)], [0, 0]);
});

test('an unknown device is refused with the known ones listed', async () => {
  await assert.rejects(E.Session.create(new Uint8Array(), { device: 'tpu' as E.Device }), /unknown device "tpu"; known: cpu, webgpu, cuda/);
  await assert.rejects(E.compileTarget('tpu' as E.Device), /unknown device "tpu"; known: cpu, webgpu, cuda/);
});

test('compileFunction bakes weights and keeps symbolic dims for inference graphs', async () => {
  const bytes = E.compileFunction({
    inputs: { x: [1, 1, 'H', 'W'] },
    weights: { 'body.weight': { shape: [1, 1, 1, 1], data: Float32Array.of(3) }, 'body.bias': { shape: [1], data: Float32Array.of(1) } },
    fn: ({ x }, w) => E.conv2d(x!, w['body.weight']!, w['body.bias']!),
  });
  const s = await E.Session.create(bytes);
  assert.deepEqual(s.inputNames, ['x']);
  const out = await s.runHost({ x: { shape: [1, 1, 1, 3], data: Float32Array.of(0, 1, 2) } });
  assert.deepEqual([...(out.y!.data as Float32Array)], [1, 4, 7]);
  await s.release();
});

test('a strided conv after a transposed conv of the same stride gives back the symbolic dim', () => {
  const x = E.input('x', [1, 2, 'H', 'W']);
  for (const [k, s] of [[6, 2], [8, 4], [12, 8]] as const) {
    const up = E.convTranspose2d(x, E.input('u', [2, 2, k, k]), null, { stride: s, padding: 2 });
    assert.deepEqual(up.shape, [1, 2, `${s}*H`, `${s}*W`]);
    const down = E.conv2d(up, E.input('d', [2, 2, k, k]), null, { stride: s, padding: 2 });
    assert.deepEqual(down.shape, x.shape, `kernel ${k}, stride ${s}`);
    // Concatenating the two is then a valid graph.
    assert.deepEqual(E.concat([x, down], 1).shape, [1, 4, 'H', 'W']);
  }
  // floor((2·H + 1) / 2) = H; floor((3·H) / 2) stays opaque.
  assert.deepEqual(E.conv2d(E.input('y', [1, 1, '2*H', 1]), E.input('k', [1, 1, 1, 1]), null, { stride: 2 }).shape[2], 'H');
  assert.match(String(E.conv2d(E.input('z', [1, 1, '3*H', 1]), E.input('k', [1, 1, 1, 1]), null, { stride: 2 }).shape[2]), /floor/);
});

test('an output that needs an unlisted input is refused by name', () => {
  const a = E.input('a', [2]);
  const b = E.input('b', [2]);
  assert.throws(() => E.toOnnx({ inputs: [a], outputs: [['y', E.add(a, b)]] }), /the outputs depend on input "b", which is not among the graph inputs/);
});
