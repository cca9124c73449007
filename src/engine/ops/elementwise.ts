/**
 * Elementwise primitives with numpy broadcasting. Each VJP reduces its cotangent back to the input's shape
 * with `sumTo`, so broadcasting works in both directions.
 */
import { broadcastShapes, formatShape } from '../dims.js';
import { Tensor, constant, isFloat, scalarLike } from '../tensor.js';
import type { DType } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { Primitive, TensorType } from './registry.js';
import { sumTo } from './reduce.js';

export type Operand = Tensor | number;

function unaryType([x]: readonly TensorType[]): TensorType {
  return { shape: [...x!.shape], dtype: x!.dtype };
}

function unary(name: string, onnx: string, vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor | null): Primitive<null> {
  return definePrimitive<null>({
    name,
    shape: unaryType,
    lower: (ctx, ins, out) => void ctx.emit(onnx, ins, [out]),
    vjp: (g, [x], y) => [vjp(g, x!, y)],
  });
}

function binaryType(outDtype?: DType) {
  return ([a, b]: readonly TensorType[]): TensorType => {
    expect(a!.dtype === b!.dtype, `dtypes differ: ${a!.dtype} vs ${b!.dtype}`);
    const shape = broadcastShapes(a!.shape, b!.shape);
    expect(shape !== null, `shapes ${formatShape(a!.shape)} and ${formatShape(b!.shape)} do not broadcast`);
    return { shape, dtype: outDtype ?? a!.dtype };
  };
}

function binary(name: string, onnx: string, vjp?: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null], outDtype?: DType): Primitive<null> {
  return definePrimitive<null>({
    name,
    shape: binaryType(outDtype),
    lower: (ctx, ins, out) => void ctx.emit(onnx, ins, [out]),
    vjp: vjp && ((g, [a, b], y) => {
      const [ga, gb] = vjp(g, a!, b!, y);
      return [ga && sumTo(ga, a!.shape), gb && sumTo(gb, b!.shape)];
    }),
  });
}

/** Turns a number into a scalar constant of the other operand's dtype. */
function pair(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [constant(a), constant(b)];
  if (typeof a === 'number') return [scalarLike(b as Tensor, a), b as Tensor];
  if (typeof b === 'number') return [a, scalarLike(a, b)];
  return [a, b];
}

// ---- the table -------------------------------------------------------------------------------------------
const P = {
  add: binary('add', 'Add', (g) => [g, g]),
  sub: binary('sub', 'Sub', (g) => [g, neg(g)]),
  mul: binary('mul', 'Mul', (g, a, b) => [mul(g, b), mul(g, a)]),
  div: binary('div', 'Div', (g, a, b) => [div(g, b), neg(div(mul(g, a), mul(b, b)))]),
  pow: binary('pow', 'Pow', (g, a, b, y) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(y, log(a)))]),
  maximum: binary('maximum', 'Max', (g, a, b) => {
    const m = greaterEqual(a, b);
    return [where(m, g, 0), where(m, 0, g)];
  }),
  minimum: binary('minimum', 'Min', (g, a, b) => {
    const m = lessEqual(a, b);
    return [where(m, g, 0), where(m, 0, g)];
  }),
  greater: binary('greater', 'Greater', undefined, 'bool'),
  less: binary('less', 'Less', undefined, 'bool'),
  greaterEqual: binary('greaterEqual', 'GreaterOrEqual', undefined, 'bool'),
  lessEqual: binary('lessEqual', 'LessOrEqual', undefined, 'bool'),
  equal: binary('equal', 'Equal', undefined, 'bool'),
  neg: unary('neg', 'Neg', (g) => neg(g)),
  exp: unary('exp', 'Exp', (g, _x, y) => mul(g, y)),
  log: unary('log', 'Log', (g, x) => div(g, x)),
  sqrt: unary('sqrt', 'Sqrt', (g, _x, y) => div(g, mul(y, 2))),
  abs: unary('abs', 'Abs', (g, x) => mul(g, sign(x))),
  sign: unary('sign', 'Sign', () => null),
  // From the output, not the input: the pre-activation is then dead after the forward, so ORT can fuse
  // Conv + Relu into one FusedConv (a consumer of the Conv output blocks that fusion) and free it early.
  // g · float(y > 0), not Where(y > 0, g, 0): ORT's Mul is vectorized better than its Where (measured with the
  // Greater: docs/benchmarks.md). A NaN/∞ gradient at an inactive unit now stays NaN instead of becoming 0.
  relu: unary('relu', 'Relu', (g, _x, y) => mul(g, cast(greater(y, 0), y.dtype))),
  sigmoid: unary('sigmoid', 'Sigmoid', (g, _x, y) => mul(g, mul(y, sub(1, y)))),
  tanh: unary('tanh', 'Tanh', (g, _x, y) => mul(g, sub(1, mul(y, y)))),
  erf: unary('erf', 'Erf', (g, x) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))),
  stopGradient: unary('stopGradient', 'Identity', () => null),
  leakyRelu: definePrimitive<{ alpha: number }>({
    name: 'leakyRelu',
    shape: unaryType,
    lower: (ctx, ins, out, { alpha }) => void ctx.emit('LeakyRelu', ins, [out], { alpha: { f: alpha } }),
    vjp: (g, [x], _y, { alpha }) => [where(greater(x!, 0), g, mul(g, alpha))],
  }),
  prelu: definePrimitive<null>({
    name: 'prelu',
    shape: ([x, s]) => {
      const b = broadcastShapes(x!.shape, s!.shape);
      expect(b !== null && b.length === x!.shape.length && b.every((d, i) => d === x!.shape[i]), `slope ${formatShape(s!.shape)} must broadcast to input ${formatShape(x!.shape)}`);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    lower: (ctx, ins, out) => void ctx.emit('PRelu', ins, [out]),
    vjp: (g, [x, s]) => {
      const pos = greater(x!, 0);
      return [where(pos, g, mul(g, s!)), sumTo(where(pos, 0, mul(g, x!)), s!.shape)];
    },
  }),
  clamp: definePrimitive<{ min: number; max: number }>({
    name: 'clamp',
    shape: unaryType,
    lower: (ctx, ins, out, { min, max }, [x]) => {
      const lo = ctx.constant([min], [], x!.dtype);
      const hi = ctx.constant([max], [], x!.dtype);
      ctx.emit('Clip', [ins[0]!, lo, hi], [out]);
    },
    vjp: (g, [x], _y, { min, max }) => [where(logicalAnd(greaterEqual(x!, min), lessEqual(x!, max)), g, 0)],
  }),
  where: definePrimitive<null>({
    name: 'where',
    shape: ([c, a, b]) => {
      expect(c!.dtype === 'bool', `condition must be bool, got ${c!.dtype}`);
      const ab = binaryType()([a!, b!]);
      const shape = broadcastShapes(c!.shape, ab.shape);
      expect(shape !== null, `condition ${formatShape(c!.shape)} does not broadcast with ${formatShape(ab.shape)}`);
      return { shape, dtype: ab.dtype };
    },
    lower: (ctx, ins, out) => void ctx.emit('Where', ins, [out]),
    vjp: (g, [c, a, b]) => [null, sumTo(where(c!, g, 0), a!.shape), sumTo(where(c!, 0, g), b!.shape)],
  }),
  logicalAnd: definePrimitive<null>({
    name: 'logicalAnd',
    shape: binaryType('bool'),
    lower: (ctx, ins, out) => void ctx.emit('And', ins, [out]),
  }),
  cast: definePrimitive<{ to: DType }>({
    name: 'cast',
    shape: ([x], { to }) => ({ shape: [...x!.shape], dtype: to }),
    lower: (ctx, ins, out, { to }) => void ctx.emit('Cast', ins, [out], { to: { i: ONNX_DTYPE[to] } }),
    vjp: (g, [x]) => [isFloat(x!.dtype) && isFloat(g.dtype) ? cast(g, x!.dtype) : null],
  }),
};

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };

export const add = (a: Operand, b: Operand): Tensor => apply(P.add, pair(a, b), null);
export const sub = (a: Operand, b: Operand): Tensor => apply(P.sub, pair(a, b), null);
export const mul = (a: Operand, b: Operand): Tensor => apply(P.mul, pair(a, b), null);
export const div = (a: Operand, b: Operand): Tensor => apply(P.div, pair(a, b), null);
/** a ** b (elementwise). */
export const pow = (a: Operand, b: Operand): Tensor => apply(P.pow, pair(a, b), null);
export const maximum = (a: Operand, b: Operand): Tensor => apply(P.maximum, pair(a, b), null);
export const minimum = (a: Operand, b: Operand): Tensor => apply(P.minimum, pair(a, b), null);
export const greater = (a: Operand, b: Operand): Tensor => apply(P.greater, pair(a, b), null);
export const less = (a: Operand, b: Operand): Tensor => apply(P.less, pair(a, b), null);
export const greaterEqual = (a: Operand, b: Operand): Tensor => apply(P.greaterEqual, pair(a, b), null);
export const lessEqual = (a: Operand, b: Operand): Tensor => apply(P.lessEqual, pair(a, b), null);
export const equal = (a: Operand, b: Operand): Tensor => apply(P.equal, pair(a, b), null);
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => apply(P.logicalAnd, [a, b], null);
export const neg = (x: Tensor): Tensor => apply(P.neg, [x], null);
export const exp = (x: Tensor): Tensor => apply(P.exp, [x], null);
export const log = (x: Tensor): Tensor => apply(P.log, [x], null);
export const sqrt = (x: Tensor): Tensor => apply(P.sqrt, [x], null);
export const abs = (x: Tensor): Tensor => apply(P.abs, [x], null);
export const sign = (x: Tensor): Tensor => apply(P.sign, [x], null);
export const relu = (x: Tensor): Tensor => apply(P.relu, [x], null);
export const sigmoid = (x: Tensor): Tensor => apply(P.sigmoid, [x], null);
export const tanh = (x: Tensor): Tensor => apply(P.tanh, [x], null);
export const erf = (x: Tensor): Tensor => apply(P.erf, [x], null);
/** Identity whose gradient is zero (JAX's stop_gradient, PyTorch's detach). */
export const stopGradient = (x: Tensor): Tensor => apply(P.stopGradient, [x], null);
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => apply(P.leakyRelu, [x], { alpha });
/** PReLU; `slope` broadcasts against x (PyTorch's per-channel weight [C] needs reshaping to [C, 1, 1]). */
export const prelu = (x: Tensor, slope: Tensor): Tensor => apply(P.prelu, [x, slope], null);
export const clamp = (x: Tensor, min: number, max: number): Tensor => apply(P.clamp, [x], { min, max });
/** cond ? a : b, broadcasting all three. */
export const where = (cond: Tensor, a: Operand, b: Operand): Tensor => apply(P.where, [cond, ...pair(a, b)], null);
export const cast = (x: Tensor, to: DType): Tensor => apply(P.cast, [x], { to });
