// Every primitive's VJP (and the composites models use) against central finite differences through ORT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { gradCheck } from './gradcheck.js';
import type { GradCase } from './gradcheck.js';

const pos = (shape: number[]) => ({ shape, lo: 0.5, hi: 2 });
const any = (shape: number[]) => ({ shape });
const c1 = (xs: number[], shape: number[]) => E.constant(xs, shape, 'float64');

const float64Cases: GradCase[] = [
  { name: 'add-broadcast', inputs: [any([2, 3]), any([3])], fn: (a, b) => E.add(a, b) },
  { name: 'sub-broadcast', inputs: [any([2, 1, 3]), any([4, 1])], fn: (a, b) => E.sub(a, b) },
  { name: 'mul', inputs: [any([2, 3]), any([2, 3])], fn: (a, b) => E.mul(a, b) },
  { name: 'div', inputs: [any([2, 3]), pos([1, 3])], fn: (a, b) => E.div(a, b) },
  { name: 'pow', inputs: [pos([2, 3]), any([2, 3])], fn: (a, b) => E.pow(a, b) },
  { name: 'pow-scalar', inputs: [pos([5])], fn: (a) => E.pow(a, 0.8) },
  { name: 'neg-exp', inputs: [any([4])], fn: (a) => E.exp(E.neg(a)) },
  { name: 'log', inputs: [pos([4])], fn: (a) => E.log(a) },
  { name: 'sqrt', inputs: [pos([4])], fn: (a) => E.sqrt(a) },
  { name: 'abs', inputs: [any([6])], fn: (a) => E.abs(a) },
  { name: 'relu', inputs: [any([6])], fn: (a) => E.relu(a) },
  { name: 'leakyRelu', inputs: [any([6])], fn: (a) => E.leakyRelu(a, 0.2) },
  { name: 'prelu', inputs: [any([2, 3, 2, 2]), any([3, 1, 1])], fn: (a, s) => E.prelu(a, s) },
  { name: 'sigmoid', inputs: [any([5])], fn: (a) => E.sigmoid(a) },
  { name: 'tanh', inputs: [any([5])], fn: (a) => E.tanh(a) },
  { name: 'clamp', inputs: [{ shape: [8], lo: -2, hi: 2 }], fn: (a) => E.clamp(a, -0.9, 0.9) },
  { name: 'where', inputs: [any([2, 3]), any([3])], fn: (a, b) => E.where(E.constant([1, 0, 1, 0, 0, 1], [2, 3], 'bool'), a, b) },
  { name: 'maximum-minimum', inputs: [any([6]), any([6])], fn: (a, b) => E.add(E.maximum(a, b), E.mul(E.minimum(a, b), 3)) },
  { name: 'stopGradient', inputs: [any([3])], fn: (a) => E.mul(a, E.stopGradient(E.mul(a, 0)) as Tensor) },
  { name: 'reduceSum', inputs: [any([2, 3, 4])], fn: (a) => E.reduceSum(a, [0, 2]) },
  { name: 'reduceMean-keep', inputs: [any([2, 3, 4])], fn: (a) => E.reduceMean(a, [1], true) },
  { name: 'reduceMax', inputs: [any([3, 5])], fn: (a) => E.reduceMax(a, 1) },
  { name: 'expand', inputs: [any([3, 1])], fn: (a) => E.expand(a, [2, 3, 4]) },
  { name: 'reshape-transpose', inputs: [any([2, 3, 4])], fn: (a) => E.transpose(E.reshape(a, [6, 4]), [1, 0]) },
  { name: 'concat', inputs: [any([2, 3]), any([2, 2])], fn: (a, b) => E.concat([a, b, a], 1) },
  { name: 'slice', inputs: [any([3, 7])], fn: (a) => E.slice(a, 1, 1, -2) },
  { name: 'slice-strided', inputs: [any([3, 8])], fn: (a) => E.slice(a, 1, 1, 8, 3) },
  { name: 'slice-reversed', inputs: [any([3, 8])], fn: (a) => E.slice(a, 1, 6, 0, -2) },
  { name: 'pad-zero', inputs: [any([1, 2, 3, 3])], fn: (a) => E.pad2d(a, [1, 2, 0, 1]) },
  { name: 'pad-crop', inputs: [any([2, 3, 4])], fn: (a) => E.padConstant(a, [0, -1, 2, 1, 2, -1]) },
  { name: 'pad-reflect', inputs: [any([1, 2, 4, 4])], fn: (a) => E.pad2d(a, [2, 1, 1, 2], 'reflect') },
  { name: 'pad-replicate', inputs: [any([1, 2, 3, 3])], fn: (a) => E.pad2d(a, [1, 2, 2, 1], 'replicate') },
  { name: 'stack-flatten', inputs: [any([2, 3]), any([2, 3])], fn: (a, b) => E.flatten(E.stack([a, b], 1), 0, 1) },
  { name: 'roll', inputs: [any([2, 5])], fn: (a) => E.roll(a, 2, 1) },
  { name: 'pixelShuffle', inputs: [any([1, 8, 2, 3])], fn: (a) => E.pixelShuffle(a, 2) },
  { name: 'pixelUnshuffle', inputs: [any([1, 2, 4, 6])], fn: (a) => E.pixelUnshuffle(a, 2) },
  { name: 'gather', inputs: [any([3, 5])], fn: (a) => E.gather(a, E.constant([4, 0, 4, 2], [2, 2], 'int64'), 1) },
  { name: 'matmul-batched', inputs: [any([2, 3, 4]), any([4, 2])], fn: (a, b) => E.matmul(a, b) },
  { name: 'linear', inputs: [any([2, 4]), any([3, 4]), any([3])], fn: (x, w, b) => E.linear(x, w, b) },
  { name: 'softmax', inputs: [any([2, 5])], fn: (a) => E.softmax(a, -1) },
  { name: 'logSoftmax', inputs: [any([2, 5])], fn: (a) => E.logSoftmax(a, 0) },
  { name: 'l2Normalize', inputs: [any([2, 3, 5])], fn: (a) => E.l2Normalize(a, 1) },
  { name: 'l2Normalize-below-eps', inputs: [{ shape: [2, 3], lo: -1e-3, hi: 1e-3 }], fn: (a) => E.l2Normalize(a, -1, 0.5) },
  { name: 'layerNorm', inputs: [any([2, 3, 4]), any([4]), any([4])], fn: (x, w, b) => E.layerNorm(x, w, b) },
  {
    name: 'batchNorm-train',
    inputs: [any([3, 2, 2, 2]), any([2]), any([2])],
    fn: (x, w, b) => E.batchNorm2d(x, w, b, { runningMean: c1([0, 0], [2]), runningVar: c1([1, 1], [2]) }, { training: true }).y,
  },
  {
    name: 'batchNorm-train-plain-relu',
    inputs: [any([2, 3, 3, 2])],
    fn: (x) => E.relu(E.batchNorm2d(x, null, null, { runningMean: c1([0, 0, 0], [3]), runningVar: c1([1, 1, 1], [3]) }, { training: true }).y),
  },
  { name: 'mse-l1', inputs: [any([2, 3]), any([2, 3])], fn: (a, b) => E.add(E.mseLoss(a, b), E.l1Loss(a, b)) },
  { name: 'fft2Abs-shift', inputs: [any([1, 2, 4, 6])], fn: (a) => E.fftShift2d(E.pow(E.add(E.fft2Abs(a), 1e-8), 0.8)) },
];

const conv = (o: E.Conv2dOptions) => (x: Tensor, w: Tensor, b: Tensor) => E.conv2d(x, w, b, o);
const weightForms = ['offsetMatmul', 'batchConv', 'im2col', 'gradShift', 'rowShift', 'padShift', 'auto'] as const;
const float32Cases: GradCase[] = [
  {
    name: 'batchNorm-train',
    inputs: [any([4, 3, 5, 5]), any([3]), any([3])],
    fn: (x, w, b) => E.batchNorm2d(x, w, b, { runningMean: E.constant([0, 0, 0], [3]), runningVar: E.constant([1, 1, 1], [3]) }, { training: true }).y,
  },
  ...weightForms.flatMap((weight): GradCase[] => [
    {
      name: `conv2d-${weight}`,
      convGradient: { input: 'conv', weight },
      inputs: [any([2, 3, 5, 6]), any([4, 3, 3, 3]), any([4])],
      fn: conv({ padding: 1 }),
    },
    {
      name: `conv2d-dilated-${weight}`,
      convGradient: { input: 'conv', weight },
      inputs: [any([2, 3, 7, 8]), any([2, 3, 3, 2]), any([2])],
      fn: conv({ padding: [2, 0, 1, 1], dilation: [2, 1] }),
    },
    {
      name: `conv2d-strided-${weight}`,
      convGradient: { input: 'conv', weight },
      inputs: [any([2, 4, 7, 8]), any([6, 2, 3, 2]), any([6])],
      fn: conv({ stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2 }),
    },
  ]),
  // Grouped weight gradients are one grouped Conv (conv-weight-grad.ts batchConvWeightGrad), whatever the form.
  { name: 'conv2d-depthwise', inputs: [any([2, 5, 6, 7]), any([5, 1, 3, 3]), any([5])], fn: conv({ padding: 1, groups: 5 }) },
  { name: 'conv2d-depthwise-strided', inputs: [any([3, 4, 9, 8]), any([4, 1, 3, 3]), any([4])], fn: conv({ stride: 2, groups: 4 }) },
  { name: 'conv2d-depthwise-multiplier', inputs: [any([2, 3, 6, 5]), any([6, 1, 3, 2]), any([6])], fn: conv({ padding: [1, 0, 2, 1], dilation: [2, 1], groups: 3 }) },
  { name: 'conv2d-groups-3', inputs: [any([2, 6, 5, 5]), any([9, 2, 2, 3]), any([9])], fn: conv({ stride: [1, 2], padding: 1, groups: 3 }) },
  {
    name: 'conv2d-input-as-convTranspose',
    convGradient: { input: 'convTranspose', weight: 'batchConv' },
    inputs: [any([1, 2, 6, 6]), any([3, 2, 3, 3]), any([3])],
    fn: conv({ padding: 1, dilation: 2 }),
  },
  {
    name: 'convTranspose2d',
    inputs: [any([2, 4, 3, 4]), any([4, 3, 3, 3]), any([6])],
    fn: (x, w, b) => E.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  },
  { name: 'gelu', inputs: [any([7])], fn: (a) => E.gelu(a) }, // ORT has no float64 Erf
  { name: 'resize-nearest', inputs: [any([1, 2, 3, 4])], fn: (a) => E.resize(a, 2, 'nearest') },
  { name: 'resize-bilinear', inputs: [any([1, 2, 3, 4])], fn: (a) => E.resize(a, 3, 'bilinear') },
  { name: 'resize-bicubic', inputs: [any([1, 2, 4, 5])], fn: (a) => E.resize(a, 2, 'bicubic') },
  { name: 'resize-bicubic-down', inputs: [any([1, 1, 8, 6])], fn: (a) => E.resize(a, 0.5, 'bicubic') },
  { name: 'resize-bicubic-down-align-corners', inputs: [any([1, 1, 8, 12])], fn: (a) => E.resize(a, 0.25, 'bicubic', { alignCorners: true }) },
  { name: 'resizeTo-bilinear-up', inputs: [any([1, 2, 3, 4])], fn: (a) => E.resizeTo(a, 7, 13, 'bilinear') },
  { name: 'resizeTo-bilinear-down', inputs: [any([2, 1, 9, 7])], fn: (a) => E.resizeTo(a, 4, 5, 'bilinear') },
  { name: 'resizeTo-bicubic', inputs: [any([1, 1, 4, 5])], fn: (a) => E.resizeTo(a, 6, 3, 'bicubic') },
  { name: 'resizeTo-bicubic-align-corners', inputs: [any([1, 1, 5, 4])], fn: (a) => E.resizeTo(a, 3, 7, 'bicubic', { alignCorners: true }) },
  { name: 'resizeTo-nearest', inputs: [any([1, 2, 3, 5])], fn: (a) => E.resizeTo(a, 7, 3, 'nearest') },
  { name: 'maxPool2d', inputs: [any([1, 2, 5, 5])], fn: (a) => E.maxPool2d(a, 3, 2, 1) },
  { name: 'avgPool2d', inputs: [any([1, 2, 5, 5])], fn: (a) => E.avgPool2d(a, 2) },
];

function assertClose(results: Awaited<ReturnType<typeof gradCheck>>, rtol: number) {
  const bad = results.filter((r) => Math.abs(r.analytic - r.numeric) > rtol * Math.max(1, Math.abs(r.analytic), Math.abs(r.numeric)));
  assert.deepEqual(bad, [], `VJPs disagree with finite differences:\n${bad.map((r) => `${r.name}: analytic ${r.analytic}, numeric ${r.numeric}`).join('\n')}`);
}

test('float64 VJPs match central differences', async () => {
  const results = await gradCheck(float64Cases, 'float64', 1e-6);
  assert.equal(results.length, float64Cases.length);
  assertClose(results, 1e-6);
});

test('float32 VJPs (conv family, batch norm, resize, pools) match central differences', async () => {
  const results = await gradCheck(float32Cases, 'float32', 1e-2);
  assertClose(results, 1e-2);
});

test('a wrong VJP is caught by the check (the check can fail)', async () => {
  const broken = E.definePrimitive<null>({
    name: 'test-brokenSquare',
    shape: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    lower: (ctx, ins, out) => void ctx.emit('Mul', [ins[0]!, ins[0]!], [out]),
    vjp: (g, [x]) => [E.mul(g, x!)], // should be 2·g·x
  });
  const [r] = await gradCheck([{ name: 'broken', inputs: [any([4])], fn: (x) => E.apply(broken, [x], null) }], 'float64', 1e-6);
  assert.ok(Math.abs(r!.analytic - r!.numeric) > 1e-3 * Math.abs(r!.numeric));
});
