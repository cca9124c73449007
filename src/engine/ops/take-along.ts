/**
 * torch.gather (numpy's take_along_axis): out[..., i, ...] = x[..., indices[..., i, ...], ...] along one axis,
 * indices of x's rank (the other dims no larger than x's). Lowered to ONNX GatherElements; its VJP adds the
 * cotangent back at the gathered positions (ScatterElements with reduction 'add', so repeated indices sum).
 */
import type { Dim } from '../dims.js';
import { formatShape, normAxis } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { TensorType } from './registry.js';

interface AxisAttrs {
  axis: number;
}

function checkIndices(x: TensorType, idx: TensorType, axis: number, what: string): void {
  expect(idx.dtype === 'int64', `indices must be int64, got ${idx.dtype}`);
  expect(idx.shape.length === x.shape.length, `indices ${formatShape(idx.shape)} must have the rank of the ${what} ${formatShape(x.shape)}`);
  expect(axis >= 0 && axis < x.shape.length, `axis ${axis} out of range for rank ${x.shape.length}`);
  idx.shape.forEach((d, i) => {
    const n = x.shape[i]!;
    expect(i === axis || typeof d !== 'number' || typeof n !== 'number' || d <= n, `indices ${formatShape(idx.shape)} exceed the ${what} ${formatShape(x.shape)} outside axis ${axis}`);
  });
}

const P = {
  takeAlong: definePrimitive<AxisAttrs>({
    name: 'takeAlong',
    shape: ([x, idx], { axis }) => {
      checkIndices(x!, idx!, axis, 'input');
      return { shape: [...idx!.shape], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { axis }) => void ctx.emit('GatherElements', ins, [out], { axis: { i: axis } }),
    vjp: (g, [x, idx], _y, { axis }) => [scatterAddAlong(g, idx!, axis, x!.shape), null],
  }),
  scatterAddAlong: definePrimitive<AxisAttrs & { shape: Dim[] }>({
    name: 'scatterAddAlong',
    shape: ([u, idx], { axis, shape }) => {
      checkIndices({ shape, dtype: u!.dtype }, idx!, axis, 'output');
      expect(u!.shape.length === idx!.shape.length && u!.shape.every((d, i) => d === idx!.shape[i]), `updates ${formatShape(u!.shape)} must have the indices' shape ${formatShape(idx!.shape)}`);
      return { shape: [...shape], dtype: u!.dtype };
    },
    lower: (ctx, ins, out, { axis, shape }, [u]) => {
      const [zeros] = ctx.emit('Expand', [ctx.constant([0], [], u!.dtype), ctx.shapeOf(shape)], 1);
      ctx.emit('ScatterElements', [zeros!, ins[1]!, ins[0]!], [out], { axis: { i: axis }, reduction: { s: 'add' } });
    },
    vjp: (g, [_u, idx], _y, { axis }) => [takeAlong(g, idx!, axis), null],
  }),
};

/** torch.gather(x, axis, indices): int64 indices of x's rank pick along `axis`; the output has their shape. */
export const takeAlong = (x: Tensor, indices: Tensor, axis: number): Tensor => apply(P.takeAlong, [x, indices], { axis: normAxis(axis, x.rank) });

/** A zero tensor of `shape` with `updates` added at `indices` along `axis` (repeated indices add up). */
export const scatterAddAlong = (updates: Tensor, indices: Tensor, axis: number, shape: readonly Dim[]): Tensor =>
  apply(P.scatterAddAlong, [updates, indices], { axis: normAxis(axis, updates.rank), shape: [...shape] });
