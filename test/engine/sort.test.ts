// argsort (TopK) and argmax (ArgMax): values against a JavaScript stable sort, ties kept in position order in
// both directions and for every dtype the model code sorts, and no gradient through them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import { compileTarget } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';

async function run(outputs: Record<string, E.Tensor>, inputs: E.Tensor[] = [], feeds: Record<string, E.HostTensor> = {}) {
  const session = await E.Session.create(E.toOnnx({ inputs, outputs: Object.entries(outputs) }), { threads: 1 });
  try {
    return await session.runHost(feeds);
  } finally {
    await session.release();
  }
}

/** The stable argsort of each row of a [rows, n] array, in plain JavaScript. */
function stableArgsort(values: ArrayLike<number>, rows: number, n: number, descending: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => (descending ? -1 : 1) * (values[r * n + a]! - values[r * n + b]!) || a - b);
    out.push(...idx);
  }
  return out;
}

test('argsort is a stable sort along any axis, ascending and descending, float32 / float64 / int64, many ties', async () => {
  const rng = new Rng(3);
  const [rows, n] = [3, 200];
  // Values from a few levels, so most of them tie.
  const values = Array.from({ length: rows * n }, () => Math.floor(rng.uniform() * 6));
  const outputs: Record<string, E.Tensor> = {};
  for (const dtype of ['float32', 'float64', 'int64'] as const) {
    const x = E.constant(values, [rows, n], dtype);
    outputs[`${dtype}-asc`] = E.argsort(x, 1);
    outputs[`${dtype}-desc`] = E.argsort(x, -1, true);
    // Along axis 0 of the transpose: the same rows as columns.
    outputs[`${dtype}-axis0`] = E.argsort(E.transpose(x, [1, 0]), 0);
  }
  const out = await run(outputs);
  const asc = stableArgsort(values, rows, n, false);
  const desc = stableArgsort(values, rows, n, true);
  for (const dtype of ['float32', 'float64', 'int64']) {
    assert.deepEqual(Array.from(out[`${dtype}-asc`]!.data as BigInt64Array, Number), asc, `${dtype} ascending`);
    assert.deepEqual(Array.from(out[`${dtype}-desc`]!.data as BigInt64Array, Number), desc, `${dtype} descending`);
    const cols = Array.from(out[`${dtype}-axis0`]!.data as BigInt64Array, Number);
    const asRows = Array.from({ length: rows * n }, (_, k) => cols[(k % n) * rows + Math.floor(k / n)]!);
    assert.deepEqual(asRows, asc, `${dtype} along axis 0`);
  }
});

test('argsort takes a symbolic axis length', async () => {
  const x = E.input('x', [2, 'L']);
  const out = await run({ i: E.argsort(x, 1) }, [x], { x: { shape: [2, 4], data: Float32Array.from([3, 1, 2, 1, 0, 0, -1, 5]) } });
  assert.deepEqual(out.i!.shape, [2, 4]);
  assert.deepEqual(Array.from(out.i!.data as BigInt64Array, Number), [1, 3, 2, 0, 2, 0, 1, 3]);
});

test('argmax returns the first maximum (torch.argmax), with and without keepdims', async () => {
  const x = E.constant([1, 5, 5, 2, 7, 7, 7, 0, 7, -3, -1, 2], [3, 4]);
  const out = await run({ a: E.argmax(x, 1), k: E.argmax(x, 0, true) });
  assert.deepEqual(out.a!.shape, [3]);
  assert.deepEqual(Array.from(out.a!.data as BigInt64Array, Number), [1, 0, 0]);
  assert.deepEqual(out.k!.shape, [1, 4]);
  assert.deepEqual(Array.from(out.k!.data as BigInt64Array, Number), [1, 1, 1, 0]);
});

test('no gradient flows through argsort or argmax: a loss through the positions has a zero gradient', async () => {
  const x = E.input('x', [5], 'float64');
  // The positions select values of another tensor; x only decides the order.
  const table = E.constant([10, 20, 30, 40, 50], [5], 'float64');
  const picked = E.takeAlong(table, E.argsort(x, 0), 0);
  const loss = E.add(E.reduceSum(E.mul(picked, E.constant([1, 2, 3, 4, 5], [5], 'float64'))), E.reduceSum(E.cast(E.argmax(x, 0), 'float64')));
  const [g] = E.grad(loss, [x], await compileTarget('cpu'));
  const out = await run({ g: g! }, [x], { x: { shape: [5], data: Float64Array.from([0.3, -1, 2, 0.5, 0]) } });
  assert.deepEqual(Array.from(out.g!.data as Float64Array), [0, 0, 0, 0, 0]);
});
