/**
 * Sorting and arg-reductions, lowered to ONNX TopK and ArgMax. Their outputs are int64 positions, so no
 * gradient flows through them: each VJP returns null (a zero cotangent), as PyTorch treats sort indices.
 */
import type { Dim } from '../dims.js';
import { normAxis } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';

interface ArgsortAttrs {
  axis: number;
  descending: boolean;
}

interface ArgmaxAttrs {
  axis: number;
  keepdims: boolean;
}

const P = {
  // TopK over the whole axis. ONNX defines its order for equal values (the lower index first, in both
  // directions), so the sort is stable: ties keep their positions' order (test/engine/sort.test.ts checks it).
  argsort: definePrimitive<ArgsortAttrs>({
    name: 'argsort',
    shape: ([x], { axis }) => {
      expect(axis >= 0 && axis < x!.shape.length, `axis ${axis} out of range for rank ${x!.shape.length}`);
      return { shape: [...x!.shape], dtype: 'int64' };
    },
    lower: (ctx, ins, out, { axis, descending }, [x]) => {
      const n: Dim = x!.shape[axis]!;
      const k = ctx.shapeOf([n], { name: ins[0]!, shape: x!.shape });
      // The sorted values are TopK's first output; only the positions are used.
      ctx.emit('TopK', [ins[0]!, k], [`${out}_values`, out], {
        axis: { i: axis },
        largest: { i: descending ? 1 : 0 },
        sorted: { i: 1 },
      });
    },
    vjp: () => [null],
  }),
  argmax: definePrimitive<ArgmaxAttrs>({
    name: 'argmax',
    shape: ([x], { axis, keepdims }) => {
      expect(axis >= 0 && axis < x!.shape.length, `axis ${axis} out of range for rank ${x!.shape.length}`);
      const shape = x!.shape.flatMap((d, i) => (i !== axis ? [d] : keepdims ? [1] : []));
      return { shape, dtype: 'int64' };
    },
    // select_last_index 0: the first maximum, as torch.argmax returns.
    lower: (ctx, ins, out, { axis, keepdims }) => void ctx.emit('ArgMax', ins, [out], { axis: { i: axis }, keepdims: { i: keepdims ? 1 : 0 }, select_last_index: { i: 0 } }),
    vjp: () => [null],
  }),
};

/** The positions that sort x along `axis` (ascending unless `descending`); equal values keep their order. */
export const argsort = (x: Tensor, axis: number, descending = false): Tensor => apply(P.argsort, [x], { axis: normAxis(axis, x.rank), descending });

/** The position of the first maximum along `axis` (torch.argmax). */
export const argmax = (x: Tensor, axis: number, keepdims = false): Tensor => apply(P.argmax, [x], { axis: normAxis(axis, x.rank), keepdims });
