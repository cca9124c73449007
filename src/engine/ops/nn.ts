/**
 * Neural-network ops. Most are composites of primitives and need no VJP; the pools are primitives (fast ONNX
 * kernels, symbolic shapes) whose VJP is the derivative of an equivalent composite.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, formatShape, numel } from '../dims.js';
import { grad } from '../grad.js';
import type { Tensor } from '../tensor.js';
import { constant } from '../tensor.js';
import { conv2d } from './conv.js';
import { abs, add, div, erf, exp, log, maximum, mul, sqrt, stopGradient, sub } from './elementwise.js';
import { apply, definePrimitive, expect } from './registry.js';
import { reduceMax, reduceMean, reduceSum, variance } from './reduce.js';
import { padConstant, reshape, slice } from './shape.js';

/** GELU, exact (erf) form: PyTorch's default nn.GELU(). */
export function gelu(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** Softmax along `axis`, shifted by the (constant) maximum for stability. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, stopGradient(reduceMax(x, axis, true))));
  return div(e, reduceSum(e, axis, true));
}

/** log(softmax(x)) without the intermediate underflow. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const s = sub(x, stopGradient(reduceMax(x, axis, true)));
  return sub(s, log(reduceSum(exp(s), axis, true)));
}

/** PyTorch layer_norm over the trailing dims covered by weight's shape (biased variance). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, normalizedRank = 1, eps = 1e-5): Tensor {
  const axes = Array.from({ length: normalizedRank }, (_, i) => x.rank - normalizedRank + i);
  const centred = sub(x, reduceMean(x, axes, true));
  let y = div(centred, sqrt(add(reduceMean(mul(centred, centred), axes, true), eps)));
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
  let mean: Tensor;
  let varc: Tensor;
  let next = running;
  if (training) {
    mean = reduceMean(x, [0, 2, 3], true);
    varc = variance(x, [0, 2, 3], true);
    const n = numel([x.shape[0]!, x.shape[2]!, x.shape[3]!]);
    expect(n !== null && n > 1, `batch-norm training needs a static batch with more than one value per channel, got ${formatShape(x.shape)}`);
    const m = stopGradient(reshape(mean, [c]));
    const v = stopGradient(mul(reshape(varc, [c]), n / (n - 1)));
    next = {
      runningMean: add(mul(running.runningMean, 1 - momentum), mul(m, momentum)),
      runningVar: add(mul(running.runningVar, 1 - momentum), mul(v, momentum)),
    };
  } else {
    mean = perChannel(running.runningMean);
    varc = perChannel(running.runningVar);
  }
  let y = div(sub(x, mean), sqrt(add(varc, eps)));
  if (weight) y = mul(y, perChannel(weight));
  if (bias) y = add(y, perChannel(bias));
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

const P = {
  maxPool2d: definePrimitive<PoolAttrs>({
    name: 'maxPool2d',
    shape: poolType,
    lower: (ctx, ins, out, a) => void ctx.emit('MaxPool', ins, [out], onnxPool(a)),
    vjp: (g, [x], y, a) => grad(maxPoolBySlices(x!, a, y), [x!], g),
  }),
  avgPool2d: definePrimitive<PoolAttrs>({
    name: 'avgPool2d',
    shape: poolType,
    lower: (ctx, ins, out, a) => void ctx.emit('AveragePool', ins, [out], { ...onnxPool(a), count_include_pad: { i: 1 } }),
    vjp: (g, [x], _y, a) => grad(avgPoolByConv(x!, a), [x!], g),
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

