/**
 * Neural-network ops. Most are composites of primitives and need no VJP; the pools are primitives (fast ONNX
 * kernels, symbolic shapes) whose VJP is the derivative of an equivalent composite.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, formatShape, normAxis, numel } from '../dims.js';
import { grad } from '../grad.js';
import type { Tensor } from '../tensor.js';
import { constant } from '../tensor.js';
import { conv2d } from './conv.js';
import { abs, add, div, erf, exp, log, maximum, mul, neg, sigmoid, sqrt, stopGradient, sub } from './elementwise.js';
import { apply, definePrimitive, expect } from './registry.js';
import { reduceMax, reduceMean, reduceSum, variance } from './reduce.js';
import { padConstant, reshape, slice } from './shape.js';

/** GELU, exact (erf) form: PyTorch's default nn.GELU(). */
export function gelu(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** SiLU (swish): x · sigmoid(x), PyTorch's nn.SiLU(). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** Softmax along `axis`: one ONNX Softmax node; its VJP y·(g − Σ g·y) reads only the output. */
export const softmax = (x: Tensor, axis = -1): Tensor => apply(P.softmax, [x], { axis: normAxis(axis, x.rank) });

/** log(softmax(x)) without the intermediate underflow. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const s = sub(x, stopGradient(reduceMax(x, axis, true)));
  return sub(s, log(reduceSum(exp(s), axis, true)));
}

/**
 * PyTorch layer_norm over the trailing `normalizedRank` dims (biased variance): the normalisation is one ONNX
 * LayerNormalization node (the trailing dims must be static), the affine part plain ops.
 */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, normalizedRank = 1, eps = 1e-5): Tensor {
  let y = apply(P.layerNormalize, [x], { rank: normalizedRank, eps });
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

export interface BatchNormState {
  runningMean: Tensor;
  runningVar: Tensor;
}

/**
 * PyTorch batch_norm over NCHW. Training: normalises with batch statistics and returns the updated running
 * statistics (momentum 0.1, unbiased variance) for the step to output. Inference: uses the running statistics.
 */
export function batchNorm2d(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  running: BatchNormState,
  { training, momentum = 0.1, eps = 1e-5 }: { training: boolean; momentum?: number; eps?: number },
): { y: Tensor; running: BatchNormState } {
  const c = x.shape[1]!;
  const perChannel = (t: Tensor) => reshape(t, [1, c, 1, 1]);
  if (!training) {
    let y = div(sub(x, perChannel(running.runningMean)), sqrt(add(perChannel(running.runningVar), eps)));
    if (weight) y = mul(y, perChannel(weight));
    if (bias) y = add(y, perChannel(bias));
    return { y, running };
  }
  const n = numel([x.shape[0]!, x.shape[2]!, x.shape[3]!]);
  expect(n !== null && n > 1, `batch-norm training needs a static batch with more than one value per channel, got ${formatShape(x.shape)}`);
  // The batch statistics carry no gradient of their own: the normalisation's VJP is the whole derivative.
  const mean = stopGradient(reduceMean(x, [0, 2, 3], true));
  const varc = stopGradient(variance(x, [0, 2, 3], true));
  // The ONNX node needs a scale and a bias: identity ones where the layer has none.
  const filled = (v: number) => constant(new Array<number>(Number(c)).fill(v), [Number(c)], x.dtype);
  const y = apply(P.batchNormTrain, [x, mean, varc, weight ?? filled(1), bias ?? filled(0)], { eps, count: n });
  const next = {
    runningMean: add(mul(running.runningMean, 1 - momentum), mul(reshape(mean, [c]), momentum)),
    runningVar: add(mul(running.runningVar, 1 - momentum), mul(reshape(varc, [c]), (momentum * n) / (n - 1))),
  };
  return { y, running: next };
}

/** Mean squared error. */
export const mseLoss = (a: Tensor, b: Tensor): Tensor => {
  const d = sub(a, b);
  return reduceMean(mul(d, d));
};
/** Mean absolute error. */
export const l1Loss = (a: Tensor, b: Tensor): Tensor => reduceMean(abs(sub(a, b)));

// ---- pools ----------------------------------------------------------------------------------------------
interface PoolAttrs {
  kernel: [number, number];
  stride: [number, number];
  pads: [number, number, number, number];
}

function poolType([x]: readonly { shape: readonly Dim[]; dtype: Tensor['dtype'] }[], a: PoolAttrs) {
  expect(x!.shape.length === 4, `pooling needs [N, C, H, W], got ${formatShape(x!.shape)}`);
  const out = (d: Dim, i: 0 | 1) => dimAffine(dimFloorDiv(d, a.pads[i] + a.pads[i + 2] - a.kernel[i], a.stride[i]), 1, 1, 1);
  return { shape: [x!.shape[0]!, x!.shape[1]!, out(x!.shape[2]!, 0), out(x!.shape[3]!, 1)], dtype: x!.dtype };
}

function onnxPool(a: PoolAttrs) {
  return { kernel_shape: { ints: a.kernel }, strides: { ints: a.stride }, pads: { ints: a.pads } };
}

/** Max over the k×k windows, written as elementwise maxima of strided slices (the VJP's definition). */
function maxPoolBySlices(x: Tensor, a: PoolAttrs, like: Tensor): Tensor {
  const xp = padConstant(x, [0, 0, a.pads[0], a.pads[1], 0, 0, a.pads[2], a.pads[3]], -Infinity);
  const [ho, wo] = [Number(like.shape[2]), Number(like.shape[3])];
  let m: Tensor | null = null;
  for (let i = 0; i < a.kernel[0]; i++) {
    for (let j = 0; j < a.kernel[1]; j++) {
      const rows = slice(xp, 2, i, i + (ho - 1) * a.stride[0] + 1, a.stride[0]);
      const win = slice(rows, 3, j, j + (wo - 1) * a.stride[1] + 1, a.stride[1]);
      m = m ? maximum(m, win) : win;
    }
  }
  return m!;
}

/** Window means as a depthwise conv with a constant kernel (count_include_pad, as PyTorch's default). */
function avgPoolByConv(x: Tensor, a: PoolAttrs): Tensor {
  const c = Number(x.shape[1]);
  const k = a.kernel[0] * a.kernel[1];
  const w = constant(new Array<number>(c * k).fill(1 / k), [c, 1, ...a.kernel], x.dtype);
  return conv2d(x, w, null, { stride: a.stride, padding: a.pads, groups: c });
}

interface BatchNormAttrs {
  eps: number;
  /** Values per channel (N·H·W), static. */
  count: number;
}

const P = {
  /**
   * (x − mean) / √(var + ε) · weight + bias where mean and var are x's own batch statistics over N, H, W (the
   * caller's contract): one ONNX BatchNormalization pass (its inference form, fed the batch statistics) instead
   * of four elementwise ones. Its VJP is the whole training-mode derivative, through the statistics too (PyTorch's
   * formula), as g·k + x·a + b with per-channel k, a, b: three reads and a write instead of the ~20 passes
   * autodiff makes of the composite.
   */
  batchNormTrain: definePrimitive<BatchNormAttrs>({
    name: 'batchNormTrain',
    shape: ([x, mean, varc, w, b]) => {
      const c = x!.shape[1]!;
      expect(x!.shape.length === 4, `batch norm needs [N, C, H, W], got ${formatShape(x!.shape)}`);
      expect([mean, varc].every((t) => t!.shape.length === 4 && t!.shape[1] === c), `batch statistics must be [1, C, 1, 1] with C = ${String(c)}`);
      expect([w, b].every((t) => t!.shape.length === 1 && t!.shape[0] === c), `weight and bias must be [C] with C = ${String(c)}`);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    lower: (ctx, [x, mean, varc, w, b], out, a) => {
      const flat = ctx.constant([-1], [1], 'int64');
      const [m] = ctx.emit('Reshape', [mean!, flat], 1);
      const [v] = ctx.emit('Reshape', [varc!, flat], 1);
      ctx.emit('BatchNormalization', [x!, w!, b!, m!, v!], [out], { epsilon: { f: a.eps } });
    },
    vjp: (g, [x, mean, varc, w], _y, a) => {
      const c = x!.shape[1]!;
      const axes = [0, 2, 3];
      const invStd = div(1, sqrt(add(varc!, a.eps)));
      const sumG = reduceSum(g, axes, true);
      // Σ g·x̂ = (Σ g·x − mean·Σ g) / σ, the weight's gradient.
      const sumGXhat = mul(sub(reduceSum(mul(g, x!), axes, true), mul(mean!, sumG)), invStd);
      const k = mul(reshape(w!, [1, c, 1, 1]), invStd);
      // dx = k·(g − Σg/n − x̂·Σ(g·x̂)/n) = k·g + a·x + b.
      const ax = neg(mul(mul(k, invStd), div(sumGXhat, a.count)));
      const bx = sub(neg(mul(k, div(sumG, a.count))), mul(ax, mean!));
      const dx = add(add(mul(g, k), mul(x!, ax)), bx);
      return [dx, null, null, reshape(sumGXhat, [c]), reshape(sumG, [c])];
    },
  }),
  softmax: definePrimitive<{ axis: number }>({
    name: 'softmax',
    shape: ([x]) => ({ shape: [...x!.shape], dtype: x!.dtype }),
    lower: (ctx, ins, out, { axis }) => void ctx.emit('Softmax', ins, [out], { axis: { i: axis } }),
    vjp: (g, _x, y, { axis }) => [mul(y, sub(g, reduceSum(mul(g, y), axis, true)))],
  }),
  // (x − mean) / √(var + eps) over the trailing `rank` dims. The VJP is the closed form
  // (g − mean(g) − y·mean(g·y)) / σ, σ recomputed from x (the forward node keeps no statistics for it).
  layerNormalize: definePrimitive<{ rank: number; eps: number }>({
    name: 'layerNormalize',
    shape: ([x], { rank }) => {
      expect(rank >= 1 && rank <= x!.shape.length, `layer norm over ${rank} trailing dims of ${formatShape(x!.shape)}`);
      const trailing = x!.shape.slice(x!.shape.length - rank);
      expect(trailing.every((d) => typeof d === 'number'), `layer norm needs static normalised dims, got ${formatShape(x!.shape)}`);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { rank, eps }, [x]) => {
      const dims = x!.shape.slice(x!.rank - rank) as number[];
      const ones = ctx.constant(new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(1), dims, x!.dtype);
      ctx.emit('LayerNormalization', [ins[0]!, ones], [out], { axis: { i: -rank }, epsilon: { f: eps } });
    },
    vjp: (g, [x], y, { rank, eps }) => {
      const axes = Array.from({ length: rank }, (_, i) => x!.rank - rank + i);
      const centred = sub(x!, reduceMean(x!, axes, true));
      const invStd = div(1, sqrt(add(reduceMean(mul(centred, centred), axes, true), eps)));
      return [mul(sub(sub(g, reduceMean(g, axes, true)), mul(y, reduceMean(mul(g, y), axes, true))), invStd)];
    },
  }),
  maxPool2d: definePrimitive<PoolAttrs>({
    name: 'maxPool2d',
    shape: poolType,
    lower: (ctx, ins, out, a) => void ctx.emit('MaxPool', ins, [out], onnxPool(a)),
    vjp: (g, [x], y, a, target) => grad(maxPoolBySlices(x!, a, y), [x!], target, g),
  }),
  avgPool2d: definePrimitive<PoolAttrs>({
    name: 'avgPool2d',
    shape: poolType,
    lower: (ctx, ins, out, a) => void ctx.emit('AveragePool', ins, [out], { ...onnxPool(a), count_include_pad: { i: 1 } }),
    vjp: (g, [x], _y, a, target) => grad(avgPoolByConv(x!, a), [x!], target, g),
  }),
};

function poolAttrs(kernel: number, stride?: number, padding = 0): PoolAttrs {
  const s = stride ?? kernel;
  return { kernel: [kernel, kernel], stride: [s, s], pads: [padding, padding, padding, padding] };
}

/** PyTorch max_pool2d (square kernel; stride defaults to the kernel). */
export const maxPool2d = (x: Tensor, kernel: number, stride?: number, padding = 0): Tensor => apply(P.maxPool2d, [x], poolAttrs(kernel, stride, padding));
/** PyTorch avg_pool2d (count_include_pad=True). */
export const avgPool2d = (x: Tensor, kernel: number, stride?: number, padding = 0): Tensor => apply(P.avgPool2d, [x], poolAttrs(kernel, stride, padding));
/** AdaptiveAvgPool2d(1): the mean over H and W, kept as [N, C, 1, 1]. */
export const globalAvgPool2d = (x: Tensor): Tensor => reduceMean(x, [2, 3], true);

