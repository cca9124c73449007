/**
 * Padding H and W up to a multiple (SwinIR's check_image_size: reflect-pad bottom and right by (m − d mod m) mod m)
 * and cropping back to a given size. On static shapes both are composites of pad2d and slice (their VJPs are
 * those ops'); on symbolic H or W the amounts are known only at run time, so each is one primitive computing them
 * from the input's shape. A padded symbolic dim `H` becomes the new symbol `H_ceil<m>` (the graph reads its value
 * from the padded tensor), which window ops can divide by m. The symbolic forms are for inference graphs: they
 * have no VJP (a training step has static shapes).
 */
import type { Dim } from '../dims.js';
import { formatShape, parseAffine } from '../dims.js';
import type { Tensor } from '../tensor.js';
import type { PadMode } from './layout.js';
import { pad2d } from './layout.js';
import { apply, definePrimitive, expect } from './registry.js';
import { slice } from './shape.js';

/** The padded size of `d`: a number, or the symbol standing for ⌈d / m⌉·m. */
export function paddedDim(d: Dim, m: number): Dim {
  if (typeof d === 'number') return Math.ceil(d / m) * m;
  const a = parseAffine(d);
  expect(a !== null && a.name === d, `padding symbolic dim "${d}" to a multiple needs a bare symbol (such as H) or a number`);
  return `${d}_ceil${m}`;
}

interface PadAttrs {
  multiple: number;
  /** ONNX Pad's mode. */
  mode: 'reflect' | 'edge';
}

const P = {
  padToMultiple: definePrimitive<PadAttrs>({
    name: 'padToMultiple',
    shape: ([x], { multiple }) => {
      expect(x!.shape.length >= 2, `padToMultiple needs rank ≥ 2, got ${formatShape(x!.shape)}`);
      const r = x!.shape.length;
      return { shape: [...x!.shape.slice(0, r - 2), paddedDim(x!.shape[r - 2]!, multiple), paddedDim(x!.shape[r - 1]!, multiple)], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { multiple, mode }, [x]) => {
      const r = x!.rank;
      const hw = ctx.shapeOf(x!.shape.slice(r - 2), { name: ins[0]!, shape: x!.shape });
      const c = (v: number) => ctx.constant([v], [1], 'int64');
      // ⌈d / m⌉·m − d on the run-time [H, W] (integer Div floors non-negative values).
      const [up] = ctx.emit('Div', [ctx.emit('Add', [hw, c(multiple - 1)], 1)[0]!, c(multiple)], 1);
      const [amount] = ctx.emit('Sub', [ctx.emit('Mul', [up!, c(multiple)], 1)[0]!, hw], 1);
      const zeros = ctx.constant(new Array<number>(r).fill(0), [r], 'int64');
      const pads = ctx.emit('Concat', [zeros, ...(r > 2 ? [ctx.constant(new Array<number>(r - 2).fill(0), [r - 2], 'int64')] : []), amount!], 1, { axis: { i: 0 } })[0]!;
      ctx.emit('Pad', [ins[0]!, pads], [out], { mode: { s: mode } });
    },
  }),
  cropTo: definePrimitive<{ height: Dim; width: Dim }>({
    name: 'cropTo',
    shape: ([x], { height, width }) => {
      expect(x!.shape.length >= 2, `cropTo needs rank ≥ 2, got ${formatShape(x!.shape)}`);
      const r = x!.shape.length;
      return { shape: [...x!.shape.slice(0, r - 2), height, width], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { height, width }, [x]) => {
      const r = x!.rank;
      const ends = ctx.shapeOf([height, width], { name: ins[0]!, shape: x!.shape });
      ctx.emit('Slice', [ins[0]!, ctx.constant([0, 0], [2], 'int64'), ends, ctx.constant([r - 2, r - 1], [2], 'int64')], [out]);
    },
  }),
};

/**
 * Pads the last two axes at their end (bottom, right) up to the next multiple of `multiple`, by reflection
 * (PyTorch's F.pad 'reflect': the edge is not repeated, so each pad must be smaller than its axis) or edge
 * replication. Nothing is padded where a static size is already a multiple.
 */
export function padToMultiple(x: Tensor, multiple: number, mode: Exclude<PadMode, 'zeros'> = 'reflect'): Tensor {
  const r = x.rank;
  const [h, w] = [x.shape[r - 2]!, x.shape[r - 1]!];
  if (typeof h === 'number' && typeof w === 'number') {
    const ph = Number(paddedDim(h, multiple)) - h;
    const pw = Number(paddedDim(w, multiple)) - w;
    if (mode === 'reflect') expect(ph < h && pw < w, `reflect padding of ${h}×${w} to a multiple of ${multiple} needs pads smaller than the sides (${ph}, ${pw})`);
    return pad2d(x, [0, pw, 0, ph], mode);
  }
  return apply(P.padToMultiple, [x], { multiple, mode: mode === 'replicate' ? 'edge' : 'reflect' });
}

/** Keeps the first `height` rows and `width` columns of the last two axes (sizes may be symbolic). */
export function cropTo(x: Tensor, height: Dim, width: Dim): Tensor {
  const r = x.rank;
  const [h, w] = [x.shape[r - 2]!, x.shape[r - 1]!];
  if (typeof height === 'number' && typeof width === 'number' && typeof h === 'number' && typeof w === 'number') {
    expect(height <= h && width <= w, `cannot crop ${formatShape(x.shape)} to ${height}×${width}`);
    return slice(slice(x, r - 2, 0, height), r - 1, 0, width);
  }
  if (h === height && w === width) return x;
  return apply(P.cropTo, [x], { height, width });
}
