/**
 * Padding and cropping of an NCHW tensor's H and W to sizes that may only be known at run time: up to a multiple
 * of a window (what window-attention networks do to any input: Omni-SR with zeros, SwinIR's check_image_size by
 * reflection), and back to an explicit size. With static sizes these are plain Pad and Slice nodes (pad2d's
 * reflection); with symbolic ones they are primitives that compute their pads and ends from the input's shape in
 * the graph. A padded symbolic size is a new symbol (e.g. `H_w8_min15`, "H padded to a multiple of 8, at least
 * 15"), which later ops read from the padded tensor's shape (onnx.ts), so reshapes into windows of it
 * ([N, C, H_w8_min15/8, 8, …]) stay computable at run time. Symbolic reflection has no VJP: it serves inference
 * graphs (a training step has static shapes).
 */
import type { Dim } from '../dims.js';
import { formatShape, parseAffine } from '../dims.js';
import type { Tensor } from '../tensor.js';
import type { PadMode } from './layout.js';
import { pad2d } from './layout.js';
import { apply, definePrimitive, expect } from './registry.js';
import { padConstant, slice } from './shape.js';

interface PadToMultipleAttrs {
  multiple: number;
  minSize: number;
  /** ONNX Pad's mode. */
  mode: 'constant' | 'reflect' | 'edge';
}

/** The smallest multiple of `multiple` that is ≥ max(size, minSize). */
export function paddedSize(size: number, multiple: number, minSize = 0): number {
  return Math.ceil(Math.max(size, minSize) / multiple) * multiple;
}

/**
 * A symbolic dim as part of a new symbol's name: the symbol itself, or its affine form spelled with letters
 * (2*H+1 → H_2_1_1), for padding or cropping (`what`) named in the error when it is neither.
 */
function symbolStem(d: string, what: string): string {
  const a = parseAffine(d);
  expect(a !== null, `${what} symbolic dim "${d}" to a multiple needs a symbol or an affine form of one (like 2*H+1)`);
  return a.mul === 1 && a.div === 1 && a.add === 0 ? a.name : `${a.name}_${a.mul}_${a.div}_${a.add < 0 ? `m${-a.add}` : a.add}`;
}

/** The padded size of a dim: a number, or the symbol naming "d padded" (d must be a symbol or an affine form of one). */
function paddedDim(d: Dim, { multiple, minSize }: { multiple: number; minSize: number }): Dim {
  if (typeof d === 'number') return paddedSize(d, multiple, minSize);
  return `${symbolStem(d, 'padding')}_w${multiple}_min${minSize}`;
}

/** The cropped size of a dim: a number, or the symbol naming "d cut to a multiple". */
function croppedDim(d: Dim, multiple: number): Dim {
  if (typeof d === 'number') return Math.floor(d / multiple) * multiple;
  return `${symbolStem(d, 'cropping')}_f${multiple}`;
}

const spatial = (x: { shape: readonly Dim[] }) => {
  expect(x.shape.length === 4, `needs [N, C, H, W], got ${formatShape(x.shape)}`);
  return [x.shape[2]!, x.shape[3]!] as const;
};

const P = {
  padToMultiple: definePrimitive<PadToMultipleAttrs>({
    name: 'padToMultiple',
    shape: ([x], a) => {
      const [h, w] = spatial(x!);
      return { shape: [x!.shape[0]!, x!.shape[1]!, paddedDim(h, a), paddedDim(w, a)], dtype: x!.dtype };
    },
    // pads = [0, 0, 0, 0, 0, 0, ph, pw] with p = ceil(max(s, min) / m)·m − s, from Shape(x)[2:4].
    lower: (ctx, ins, out, { multiple, minSize, mode }, [x]) => {
      const i64 = (v: number[]) => ctx.constant(v, [v.length], 'int64');
      const [hw] = ctx.emit('Shape', [ins[0]!], 1, { start: { i: 2 }, end: { i: 4 } });
      const [atLeast] = ctx.emit('Max', [hw!, i64([minSize, minSize])], 1);
      const [up] = ctx.emit('Add', [atLeast!, i64([multiple - 1, multiple - 1])], 1);
      const [blocks] = ctx.emit('Div', [up!, i64([multiple, multiple])], 1);
      const [padded] = ctx.emit('Mul', [blocks!, i64([multiple, multiple])], 1);
      const [after] = ctx.emit('Sub', [padded!, hw!], 1);
      const [pads] = ctx.emit('Concat', [i64([0, 0, 0, 0, 0, 0]), after!], 1, { axis: { i: 0 } });
      const value = mode === 'constant' ? [ctx.constant([0], [], x!.dtype)] : [];
      ctx.emit('Pad', [ins[0]!, pads!, ...value], [out], { mode: { s: mode } });
    },
    vjp: (g, [x], _out, { mode }) => {
      expect(mode === 'constant', `the gradient of ${mode} padding to a multiple needs static H and W`);
      return [cropTo(g, x!.shape[2]!, x!.shape[3]!)];
    },
  }),
  // GRL's check_image_size with run-time amounts: reflection when both pads are smaller than their sides, zeros
  // on both otherwise (PyTorch's fallback); inference only.
  reflectOrZeroPad: definePrimitive<{ multiple: number }>({
    name: 'reflectOrZeroPad',
    shape: ([x], { multiple }) => {
      const [h, w] = spatial(x!);
      return { shape: [x!.shape[0]!, x!.shape[1]!, paddedDim(h, { multiple, minSize: 0 }), paddedDim(w, { multiple, minSize: 0 })], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { multiple }, [x]) => {
      const c = (v: number) => ctx.constant([v], [1], 'int64');
      const hw = ctx.shapeOf(x!.shape.slice(2), { name: ins[0]!, shape: x!.shape });
      // (m − d mod m) mod m for [H, W]
      const [rem] = ctx.emit('Mod', [hw, c(multiple)], 1);
      const [amount] = ctx.emit('Mod', [ctx.emit('Sub', [c(multiple), rem!], 1)[0]!, c(multiple)], 1);
      const [fits] = ctx.emit('Less', [amount!, hw], 1);
      const [both] = ctx.emit('ReduceMin', [ctx.emit('Cast', [fits!], 1, { to: { i: 7 } })[0]!], 1, { keepdims: { i: 1 } });
      const [ok] = ctx.emit('Cast', [both!], 1, { to: { i: 9 } });
      const zero2 = ctx.constant([0, 0], [2], 'int64');
      const [reflectAmount] = ctx.emit('Where', [ok!, amount!, zero2], 1);
      const [zeroAmount] = ctx.emit('Where', [ok!, zero2, amount!], 1);
      const pads = (a: string) => ctx.emit('Concat', [ctx.constant([0, 0, 0, 0, 0, 0], [6], 'int64'), a], 1, { axis: { i: 0 } })[0]!;
      const [reflected] = ctx.emit('Pad', [ins[0]!, pads(reflectAmount!)], 1, { mode: { s: 'reflect' } });
      ctx.emit('Pad', [reflected!, pads(zeroAmount!), ctx.constant([0], [], x!.dtype)], [out], { mode: { s: 'constant' } });
    },
  }),
  cropTo: definePrimitive<{ height: Dim; width: Dim }>({
    name: 'cropTo',
    shape: ([x], { height, width }) => {
      const [h, w] = spatial(x!);
      expect(typeof h !== 'number' || typeof height !== 'number' || height <= h, `cannot crop ${h} rows to ${height}`);
      expect(typeof w !== 'number' || typeof width !== 'number' || width <= w, `cannot crop ${w} columns to ${width}`);
      return { shape: [x!.shape[0]!, x!.shape[1]!, height, width], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { height, width }) => {
      const i64 = (v: number[]) => ctx.constant(v, [v.length], 'int64');
      ctx.emit('Slice', [ins[0]!, i64([0, 0]), ctx.shapeOf([height, width]), i64([2, 3])], [out]);
    },
    vjp: (g, [x]) => [fitLike(g, x!)],
  }),
  // The end of H and W cut to the multiple below (ACT's tokens in seed-compat mode).
  cropToMultiple: definePrimitive<{ multiple: number }>({
    name: 'cropToMultiple',
    shape: ([x], { multiple }) => {
      const [h, w] = spatial(x!);
      return { shape: [x!.shape[0]!, x!.shape[1]!, croppedDim(h, multiple), croppedDim(w, multiple)], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { multiple }) => {
      const i64 = (v: number[]) => ctx.constant(v, [v.length], 'int64');
      const [hw] = ctx.emit('Shape', [ins[0]!], 1, { start: { i: 2 }, end: { i: 4 } });
      const [blocks] = ctx.emit('Div', [hw!, i64([multiple, multiple])], 1);
      const [ends] = ctx.emit('Mul', [blocks!, i64([multiple, multiple])], 1);
      ctx.emit('Slice', [ins[0]!, i64([0, 0]), ends!, i64([2, 3])], [out]);
    },
    vjp: (g, [x]) => [fitLike(g, x!)],
  }),
  fitLike: definePrimitive<null>({
    name: 'fitLike',
    shape: ([x, like]) => {
      spatial(x!);
      const [h, w] = spatial(like!);
      return { shape: [x!.shape[0]!, x!.shape[1]!, h, w], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, _a, [x]) => {
      const [size] = ctx.emit('Shape', [ins[1]!], 1, { start: { i: 2 }, end: { i: 4 } });
      const [have] = ctx.emit('Shape', [ins[0]!], 1, { start: { i: 2 }, end: { i: 4 } });
      const [after] = ctx.emit('Sub', [size!, have!], 1);
      const [pads] = ctx.emit('Concat', [ctx.constant([0, 0, 0, 0, 0, 0], [6], 'int64'), after!], 1, { axis: { i: 0 } });
      // ONNX Pad crops where an amount is negative.
      ctx.emit('Pad', [ins[0]!, pads!, ctx.constant([0], [], x!.dtype)], [out], { mode: { s: 'constant' } });
    },
    vjp: (g, [x]) => [fitLike(g, x!), null],
  }),
};

/** The run-time primitives, for tests that check them on static shapes too. */
export const PAD_TO_PRIMITIVES = P;

/**
 * How padToMultiple fills: a pad2d mode, or 'reflect-or-zeros' (GRL's check_image_size: reflection, or zeros on
 * both axes where a pad is not smaller than its side, as PyTorch falls back).
 */
export type PadToMultipleMode = PadMode | 'reflect-or-zeros';

/**
 * Pads H and W at the bottom and right to the smallest multiple of `multiple` that is ≥ max(size, minSize):
 * with zeros (PyTorch: F.pad(x, (0, pw, 0, ph)) with the pads from x.shape), by reflection (F.pad 'reflect': the
 * edge is not repeated, so each pad must be smaller than its side), by replicating the edge, or 'reflect-or-zeros'.
 */
export function padToMultiple(x: Tensor, multiple: number, { minSize = 0, mode = 'zeros' }: { minSize?: number; mode?: PadToMultipleMode } = {}): Tensor {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`multiple must be an integer ≥ 1, received ${multiple}`);
  const [h, w] = spatial(x);
  if (mode === 'reflect-or-zeros') {
    expect(minSize === 0, 'reflect-or-zeros padding takes no minimum size');
    if (typeof h !== 'number' || typeof w !== 'number') return apply(P.reflectOrZeroPad, [x], { multiple });
    const [ph, pw] = [paddedSize(h, multiple) - h, paddedSize(w, multiple) - w];
    return pad2d(x, [0, pw, 0, ph], ph < h && pw < w ? 'reflect' : 'zeros');
  }
  if (typeof h === 'number' && typeof w === 'number') {
    const [ph, pw] = [paddedSize(h, multiple, minSize) - h, paddedSize(w, multiple, minSize) - w];
    if (mode === 'zeros') return padConstant(x, [0, 0, 0, 0, 0, 0, ph, pw]);
    if (mode === 'reflect') expect(ph < h && pw < w, `reflect padding of ${h}×${w} to a multiple of ${multiple} needs pads smaller than the sides (${ph}, ${pw})`);
    return pad2d(x, [0, pw, 0, ph], mode);
  }
  return apply(P.padToMultiple, [x], { multiple, minSize, mode: mode === 'zeros' ? 'constant' : mode === 'replicate' ? 'edge' : 'reflect' });
}

/** x[:, :, :height, :width]; the size may be symbolic (computable at run time, as reshape's). */
export function cropTo(x: Tensor, height: Dim, width: Dim): Tensor {
  if (typeof height === 'number' && typeof width === 'number' && typeof x.shape[2] === 'number' && typeof x.shape[3] === 'number') {
    return slice(slice(x, 2, 0, height), 3, 0, width);
  }
  if (height === x.shape[2] && width === x.shape[3]) return x;
  return apply(P.cropTo, [x], { height, width });
}

/** Crops H and W at the bottom and right to the multiple of `multiple` below (what fits whole windows). */
export function cropToMultiple(x: Tensor, multiple: number): Tensor {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`multiple must be an integer ≥ 1, received ${multiple}`);
  const [h, w] = spatial(x);
  if (typeof h === 'number' && typeof w === 'number') return cropTo(x, croppedDim(h, multiple), croppedDim(w, multiple));
  return apply(P.cropToMultiple, [x], { multiple });
}

/**
 * Zero-pads or crops H and W at the bottom and right to `like`'s H and W (read from its shape at run time): the
 * inverse of padding or cropping to a multiple.
 */
export function fitLike(x: Tensor, like: Tensor): Tensor {
  const [h, w] = spatial(x);
  const [lh, lw] = spatial(like);
  if (h === lh && w === lw) return x;
  if (typeof h === 'number' && typeof w === 'number' && typeof lh === 'number' && typeof lw === 'number') {
    const cropped = cropTo(x, Math.min(h, lh), Math.min(w, lw));
    return padConstant(cropped, [0, 0, 0, 0, 0, 0, Math.max(0, lh - h), Math.max(0, lw - w)]);
  }
  return apply(P.fitLike, [x, like], null);
}
