/** Primitives that move data without arithmetic: reshape, transpose, concat, slice, zero pad, gather. */
import type { Dim } from '../dims.js';
import { dimAffine, formatShape, normAxis, numel, sameShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';

const INT64_MAX = 2 ** 62; // large enough for "to the end" in Slice, exact as a double

/** Python's slice.indices for a static length. */
function sliceIndices(n: number, start: number | undefined, end: number | undefined, step: number) {
  const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const s = start === undefined ? (step > 0 ? 0 : n - 1) : clampIdx(start, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  const e = end === undefined ? (step > 0 ? n : -1) : clampIdx(end, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  const len = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return { first: s, len };
}

interface SliceAttrs {
  axis: number;
  start?: number;
  end?: number;
  step: number;
}

function slicedDim(d: Dim, { start, end, step }: SliceAttrs): Dim {
  if (typeof d === 'number') return sliceIndices(d, start, end, step).len;
  const s = start ?? 0;
  expect(step === 1 || (step === -1 && start === undefined && end === undefined), `slicing symbolic dim "${d}" supports step 1 or a full reversal`);
  if (step === -1) return d;
  if (end === undefined) return s >= 0 ? dimAffine(d, 1, 1, -s) : -s;
  if (s >= 0 && end >= 0) return end - s;
  if (s < 0 && end < 0 && end > s) return end - s;
  expect(s >= 0 && end < 0, `slice ${s}:${end} of symbolic dim "${d}" is not expressible`);
  return dimAffine(d, 1, 1, end - s);
}

/** Zero-pad amounts [before, after] that place a slice's cotangent back into the input (step ±1). */
function slicePads(d: Dim, a: SliceAttrs, outLen: Dim): [number, number] {
  if (typeof d === 'number') {
    const { first } = sliceIndices(d, a.start, a.end, a.step);
    const lo = a.step > 0 ? first : first - (Number(outLen) - 1);
    return [lo, d - lo - Number(outLen)];
  }
  const s = a.start ?? 0;
  if (a.step === -1) return [0, 0];
  if (a.end === undefined) return s >= 0 ? [s, 0] : [-1, -1];
  if (s >= 0 && a.end < 0) return [s, -a.end];
  return [-1, -1];
}

const P = {
  reshape: definePrimitive<{ shape: Dim[] }>({
    name: 'reshape',
    shape: ([x], { shape }) => {
      const a = numel(x!.shape);
      const b = numel(shape);
      expect(a === null || b === null || a === b, `cannot reshape ${formatShape(x!.shape)} (${a} elements) to ${formatShape(shape)} (${b} elements)`);
      return { shape: [...shape], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { shape }, [x]) => void ctx.emit('Reshape', [ins[0]!, ctx.shapeOf(shape, { name: ins[0]!, shape: x!.shape })], [out]),
    vjp: (g, [x]) => [reshape(g, x!.shape)],
  }),
  transpose: definePrimitive<{ perm: number[] }>({
    name: 'transpose',
    shape: ([x], { perm }) => {
      expect(perm.length === x!.shape.length && [...perm].sort().every((p, i) => p === i), `perm [${perm}] is not a permutation of rank ${x!.shape.length}`);
      return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { perm }) => void ctx.emit('Transpose', ins, [out], { perm: { ints: perm } }),
    vjp: (g, _x, _y, { perm }) => {
      const inv = perm.map((_, i) => perm.indexOf(i));
      return [transpose(g, inv)];
    },
  }),
  concat: definePrimitive<{ axis: number }>({
    name: 'concat',
    shape: (xs, { axis }) => {
      const first = xs[0]!;
      let total: Dim = 0;
      for (const x of xs) {
        expect(x.dtype === first.dtype && x.shape.length === first.shape.length, 'inputs differ in dtype or rank');
        x.shape.forEach((d, i) => expect(i === axis || d === first.shape[i], `inputs differ outside axis ${axis}: ${formatShape(first.shape)} vs ${formatShape(x.shape)}`));
        const d = x.shape[axis]!;
        // A symbol plus numbers stays affine (a reflection pad's [1, H, 1] is H+2), so later shape rules can compare it.
        if (typeof total === 'number' && typeof d === 'number') total = total + d;
        else if (typeof d === 'number') total = dimAffine(total, 1, 1, d);
        else if (typeof total === 'number') total = dimAffine(d, 1, 1, total);
        else total = d === total ? dimAffine(d, 2, 1, 0) : `${total}+${d}`;
      }
      const shape = [...first.shape];
      shape[axis] = total;
      return { shape, dtype: first.dtype };
    },
    lower: (ctx, ins, out, { axis }) => void ctx.emit('Concat', ins, [out], { axis: { i: axis } }),
    vjp: (g, xs, _y, { axis }) => {
      let off = 0;
      return xs.map((x) => {
        const d = x.shape[axis]!;
        expect(typeof d === 'number', `the gradient of concat needs a static axis ${axis}`);
        const part = slice(g, axis, off, off + d);
        off += d;
        return part;
      });
    },
  }),
  slice: definePrimitive<SliceAttrs>({
    name: 'slice',
    shape: ([x], a) => {
      expect(a.axis >= 0 && a.axis < x!.shape.length && a.step !== 0, `bad axis ${a.axis} or step ${a.step}`);
      const shape = [...x!.shape];
      shape[a.axis] = slicedDim(x!.shape[a.axis]!, a);
      return { shape, dtype: x!.dtype };
    },
    lower: (ctx, ins, out, a) => {
      const c = (v: number) => ctx.constant([v], [1], 'int64');
      const start = a.start ?? (a.step > 0 ? 0 : -1);
      const end = a.end ?? (a.step > 0 ? INT64_MAX : -INT64_MAX);
      ctx.emit('Slice', [ins[0]!, c(start), c(end), c(a.axis), c(a.step)], [out]);
    },
    vjp: (g, [x], y, a) => {
      const d = x!.shape[a.axis]!;
      if (a.step === 1 || (a.step === -1 && typeof d !== 'number')) {
        const [lo, hi] = slicePads(d, a, y.shape[a.axis]!);
        expect(lo >= 0 && hi >= 0, `the gradient of slice ${JSON.stringify(a)} of ${formatShape(x!.shape)} needs static shapes`);
        const gg = a.step === -1 ? slice(g, a.axis, undefined, undefined, -1) : g;
        return [padAxis(gg, a.axis, lo, hi)];
      }
      expect(typeof d === 'number', 'the gradient of a strided slice needs a static axis');
      const { first, len } = sliceIndices(d, a.start, a.end, a.step);
      // Reverse a negative stride, then spread the cotangent onto every |step|-th position with zeros between.
      const s = Math.abs(a.step);
      const lowest = a.step > 0 ? first : first - (len - 1) * s;
      let gg = a.step > 0 ? g : slice(g, a.axis, undefined, undefined, -1);
      const shp = [...gg.shape];
      const inner = [...shp.slice(0, a.axis + 1), 1, ...shp.slice(a.axis + 1)];
      gg = padAxis(reshape(gg, inner), a.axis + 1, 0, s - 1);
      const merged = [...shp];
      merged[a.axis] = len * s;
      gg = reshape(gg, merged);
      const keep = Math.min(len * s, d - lowest);
      gg = slice(gg, a.axis, 0, keep);
      return [padAxis(gg, a.axis, lowest, d - lowest - keep)];
    },
  }),
  pad: definePrimitive<{ pads: number[]; value: number }>({
    name: 'pad',
    shape: ([x], { pads }) => {
      const r = x!.shape.length;
      // Negative pads crop (as ONNX Pad allows): one op can then shift a window by cropping one side and padding the other.
      expect(pads.length === 2 * r && pads.every((p) => Number.isInteger(p)), `pads [${pads}] must be 2 × rank integers`);
      const shape = x!.shape.map((d, i) => dimAffine(d, 1, 1, pads[i]! + pads[i + r]!));
      expect(shape.every((d, i) => typeof d !== 'number' || (d >= 0 && (pads[i]! >= 0 || -pads[i]! <= Number(x!.shape[i])))), `pads [${pads}] crop more than ${formatShape(x!.shape)} holds`);
      return { shape, dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { pads, value }, [x]) =>
      void ctx.emit('Pad', [ins[0]!, ctx.constant(pads, [pads.length], 'int64'), ctx.constant([value], [], x!.dtype)], [out], { mode: { s: 'constant' } }),
    // Padding and cropping undo each other: the VJP is the same op with every pad negated.
    vjp: (g, _xs, _y, { pads }) => [padConstant(g, pads.map((p) => -p))],
  }),
  gather0: definePrimitive<null>({
    name: 'gather0',
    shape: ([x, idx]) => {
      expect(idx!.dtype === 'int64', `indices must be int64, got ${idx!.dtype}`);
      return { shape: [...idx!.shape, ...x!.shape.slice(1)], dtype: x!.dtype };
    },
    lower: (ctx, ins, out) => void ctx.emit('Gather', ins, [out], { axis: { i: 0 } }),
    vjp: (g, [x, idx]) => [scatterAdd0(g, idx!, x!.shape[0]!), null],
  }),
  scatterAdd0: definePrimitive<{ rows: Dim }>({
    name: 'scatterAdd0',
    shape: ([u, idx], { rows }) => {
      const r = idx!.shape.length;
      expect(idx!.dtype === 'int64' && sameShape(u!.shape.slice(0, r), idx!.shape), `updates ${formatShape(u!.shape)} must start with the indices' shape ${formatShape(idx!.shape)}`);
      return { shape: [rows, ...u!.shape.slice(r)], dtype: u!.dtype };
    },
    lower: (ctx, ins, out, { rows }, [u, idx]) => {
      const shape = [rows, ...u!.shape.slice(idx!.rank)];
      const [zeros] = ctx.emit('Expand', [ctx.constant([0], [], u!.dtype), ctx.shapeOf(shape)], 1);
      const [idx1] = ctx.emit('Unsqueeze', [ins[1]!, ctx.constant([-1], [1], 'int64')], 1);
      ctx.emit('ScatterND', [zeros!, idx1!, ins[0]!], [out], { reduction: { s: 'add' } });
    },
    vjp: (g, [_u, idx]) => [gather0(g, idx!), null],
  }),
};

/** Reshape; one dim may be -1 when the others are static. */
export function reshape(x: Tensor, shape: readonly Dim[]): Tensor {
  let dims = [...shape];
  const hole = dims.indexOf(-1);
  if (hole >= 0) {
    const n = numel(x.shape);
    const rest = numel(dims.filter((_, i) => i !== hole));
    expect(n !== null && rest !== null && rest > 0, `reshape with -1 needs static shapes (from ${formatShape(x.shape)} to ${formatShape(shape)})`);
    dims[hole] = n / rest;
  }
  if (sameShape(dims, x.shape)) return x;
  return apply(P.reshape, [x], { shape: dims });
}
export const transpose = (x: Tensor, perm: readonly number[]): Tensor => apply(P.transpose, [x], { perm: perm.map((p) => normAxis(p, x.rank)) });
export const concat = (xs: readonly Tensor[], axis: number): Tensor => (xs.length === 1 ? xs[0]! : apply(P.concat, xs, { axis: normAxis(axis, xs[0]!.rank) }));
/** x[start:end:step] along one axis, Python semantics (undefined = open end). */
export const slice = (x: Tensor, axis: number, start?: number, end?: number, step = 1): Tensor =>
  apply(P.slice, [x], { axis: normAxis(axis, x.rank), start, end, step });
/** Constant padding; pads are ONNX-ordered: all befores, then all afters. */
export const padConstant = (x: Tensor, pads: readonly number[], value = 0): Tensor => (pads.every((p) => p === 0) ? x : apply(P.pad, [x], { pads: [...pads], value }));
/** Rows of x (axis 0) picked by int64 indices of any shape. */
export const gather0 = (x: Tensor, indices: Tensor): Tensor => apply(P.gather0, [x, indices], null);
/** Adds rows of `updates` into a zero tensor with `rows` rows, at int64 `indices` (repeated indices add up). */
export const scatterAdd0 = (updates: Tensor, indices: Tensor, rows: Dim): Tensor => apply(P.scatterAdd0, [updates, indices], { rows });

/** Zero padding along one axis. */
export function padAxis(x: Tensor, axis: number, before: number, after: number): Tensor {
  const pads = new Array<number>(2 * x.rank).fill(0);
  pads[axis] = before;
  pads[axis + x.rank] = after;
  return padConstant(x, pads);
}


