// The grouped-conv weight gradient (one grouped Conv for all groups, conv-weight-grad.ts) against the formulation
// it replaced, one batch-transposed Conv per group, written out here from public ops: same numbers, one Conv node.
// Finite differences of the grouped and depthwise cases are in vjp.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';

interface Case {
  x: number[];
  w: number[];
  options: E.Conv2dOptions;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/** The pre-grouped formulation: per group, batch becomes channels and one Conv correlates x with g over N. */
function perGroupWeightGrad(x: Tensor, g: Tensor, [o, cg, kh, kw]: number[], c: Case): Tensor {
  const groups = c.options.groups ?? 1;
  const og = o! / groups;
  const p = c.options.padding ?? 0;
  const pads = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : p;
  const parts: Tensor[] = [];
  for (let gi = 0; gi < groups; gi++) {
    const xg = E.slice(x, 1, gi * cg!, (gi + 1) * cg!);
    const gg = E.slice(g, 1, gi * og, (gi + 1) * og);
    const r = E.conv2d(E.transpose(xg, [1, 0, 2, 3]), E.transpose(gg, [1, 0, 2, 3]), null, {
      stride: pair(c.options.dilation, 1),
      dilation: pair(c.options.stride, 1),
      padding: pads as [number, number, number, number],
    });
    parts.push(E.transpose(E.slice(E.slice(r, 2, 0, kh), 3, 0, kw), [1, 0, 2, 3]));
  }
  return E.concat(parts, 0);
}

const cases: Case[] = [
  { x: [2, 6, 9, 9], w: [6, 1, 3, 3], options: { padding: 1, groups: 6 } }, // depthwise, as Omni-SR's
  { x: [3, 4, 11, 10], w: [8, 1, 3, 3], options: { stride: 2, groups: 4 } }, // depthwise with a multiplier, strided
  { x: [2, 6, 8, 7], w: [9, 2, 3, 2], options: { padding: [1, 0, 2, 1], dilation: [2, 1], groups: 3 } },
  { x: [1, 4, 7, 8], w: [6, 2, 3, 2], options: { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2 } },
];

test('grouped and depthwise weight gradients equal the per-group formulation, as one Conv node', async () => {
  const target = await E.compileTarget('cpu', { blockedConvs: false });
  const rng = new Rng(11);
  for (const c of cases) {
    const x = E.input('x', c.x);
    const w = E.input('w', c.w);
    const y = E.conv2d(x, w, null, c.options);
    const g = E.input('g', y.shape.map(Number));
    const [dw] = E.grad(E.reduceSum(E.mul(y, g)), [w], target);
    const groupsOnly = E.toOnnx({ inputs: [x, w, g], outputs: [['dw', dw!]] });
    const bytes = E.toOnnx({ inputs: [x, g], outputs: [['dw', dw!], ['ref', perGroupWeightGrad(x, g, c.w, c)]] });
    const model = onnxProto.onnx.ModelProto.decode(groupsOnly);
    const convs = model.graph!.node!.filter((n) => n.opType === 'Conv');
    assert.equal(convs.length, 1, `one Conv for ${c.options.groups} groups`);
    const random = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng.uniform() - 1) });
    const s = await E.Session.create(bytes, { threads: 1 });
    const out = await s.runHost({ x: random(c.x), g: random(g.shape.map(Number)) });
    await s.release();
    assert.deepEqual(out.dw!.shape, c.w);
    const a = out.dw!.data as Float32Array;
    const b = out.ref!.data as Float32Array;
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
    assert.ok(err < 1e-5, `${JSON.stringify(c.options)}: max |diff| ${err}`);
  }
});
