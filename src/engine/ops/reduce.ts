/** Reductions and their inverse, broadcasting (`expand`); `sumTo` undoes broadcasting in VJPs. */
import type { Dim, Shape } from '../dims.js';
import { formatShape, isStatic, normAxis, numel, sameShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { scalarLike } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { TensorType } from './registry.js';
import { add, div, equal, exp, log, mul, stopGradient, sub, where } from './elementwise.js';
import { reshape } from './shape.js';

interface ReduceAttrs {
  axes: number[]; // normalised, sorted
  keepdims: boolean;
}

function reducedShape(shape: Shape, { axes, keepdims }: ReduceAttrs): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function reduceType([x]: readonly TensorType[], a: ReduceAttrs): TensorType {
  for (const ax of a.axes) expect(ax >= 0 && ax < x!.shape.length, `axis ${ax} out of range for rank ${x!.shape.length}`);
  return { shape: reducedShape(x!.shape, a), dtype: x!.dtype };
}

/** Cotangent of a reduction, reshaped to keepdims form and broadcast back over the input. */
function spread(g: Tensor, x: Tensor, a: ReduceAttrs): Tensor {
  return expand(reshape(g, reducedShape(x.shape, { ...a, keepdims: true })), x.shape);
}

const P = {
  reduceSum: definePrimitive<ReduceAttrs>({
    name: 'reduceSum',
    shape: reduceType,
    lower: (ctx, ins, out, a) => {
      const axes = ctx.constant(a.axes, [a.axes.length], 'int64');
      ctx.emit('ReduceSum', [ins[0]!, axes], [out], { keepdims: { i: a.keepdims ? 1 : 0 } });
    },
    vjp: (g, [x], _y, a) => [spread(g, x!, a)],
  }),
  reduceMean: definePrimitive<ReduceAttrs>({
    name: 'reduceMean',
    shape: reduceType,
    lower: (ctx, ins, out, a) => void ctx.emit('ReduceMean', ins, [out], { axes: { ints: a.axes }, keepdims: { i: a.keepdims ? 1 : 0 } }),
    vjp: (g, [x], _y, a) => {
      const n = numel(a.axes.map((i) => x!.shape[i]!));
      expect(n !== null, `the gradient of a mean over symbolic dims needs static shapes (input ${formatShape(x!.shape)})`);
      return [div(spread(g, x!, a), n)];
    },
  }),
  // Ties share the cotangent in full (each tied maximum receives g), unlike PyTorch which picks one.
  reduceMax: definePrimitive<ReduceAttrs>({
    name: 'reduceMax',
    shape: reduceType,
    lower: (ctx, ins, out, a) => void ctx.emit('ReduceMax', ins, [out], { axes: { ints: a.axes }, keepdims: { i: a.keepdims ? 1 : 0 } }),
    vjp: (g, [x], y, a) => {
      const yk = spread(y, x!, a);
      return [where(equal(x!, yk), spread(g, x!, a), 0)];
    },
  }),
  expand: definePrimitive<{ shape: Dim[] }>({
    name: 'expand',
    shape: ([x], { shape }) => {
      const off = shape.length - x!.shape.length;
      expect(off >= 0 && x!.shape.every((d, i) => d === 1 || d === shape[i + off]), `cannot expand ${formatShape(x!.shape)} to ${formatShape(shape)}`);
      return { shape: [...shape], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { shape }) => void ctx.emit('Expand', [ins[0]!, ctx.shapeOf(shape)], [out]),
    vjp: (g, [x]) => [sumTo(g, x!.shape)],
  }),
};

function axesOf(x: Tensor, axes?: number | readonly number[]): number[] {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  return [...new Set(list.map((a) => normAxis(a, x.rank)))].sort((a, b) => a - b);
}

/** Sum over `axes` (all when omitted). */
export const reduceSum = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  apply(P.reduceSum, [x], { axes: axesOf(x, axes), keepdims });
/** Mean over `axes` (all when omitted). */
export const reduceMean = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  apply(P.reduceMean, [x], { axes: axesOf(x, axes), keepdims });
/** Maximum over `axes` (all when omitted). */
export const reduceMax = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  apply(P.reduceMax, [x], { axes: axesOf(x, axes), keepdims });
/** Broadcasts x to `shape` (numpy rules). */
export const expand = (x: Tensor, shape: readonly Dim[]): Tensor => (sameShape(x.shape, shape) ? x : apply(P.expand, [x], { shape: [...shape] }));

/** Sums a broadcast cotangent back down to `shape`. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < off || (shape[i - off] === 1 && d !== 1)) axes.push(i);
  });
  const s = axes.length ? reduceSum(g, axes, true) : g;
  return reshape(s, shape);
}

/** Variance over axes (biased unless `unbiased`), as PyTorch's var. */
export function variance(x: Tensor, axes: number | readonly number[], keepdims = false, unbiased = false): Tensor {
  const mean = reduceMean(x, axes, true);
  const centred = sub(x, mean);
  const sq = mul(centred, centred);
  if (!unbiased) return reduceMean(sq, axes, keepdims);
  const n = numel(axesOf(x, axes).map((i) => x.shape[i]!));
  expect(n !== null && isStatic(x.shape), 'unbiased variance needs static shapes');
  return mul(reduceSum(sq, axes, keepdims), scalarLike(x, 1 / (n - 1)));
}

/**
 * log Σ exp(x) over `axis` (torch.logsumexp), shifted by the maximum so large values do not overflow; the shift
 * carries no gradient (it cancels), so autodiff gives softmax(x) · g.
 */
export function logSumExp(x: Tensor, axis: number | readonly number[], keepdims = false): Tensor {
  const m = stopGradient(reduceMax(x, axis, true));
  const s = add(log(reduceSum(exp(sub(x, m)), axis, true)), m);
  return keepdims ? s : reshape(s, reducedShape(x.shape, { axes: axesOf(x, axis), keepdims: false }));
}
