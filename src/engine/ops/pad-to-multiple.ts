/**
 * Zero padding (or cropping) of the end of H and W to a multiple of a block size, with symbolic sizes: the pad
 * amount depends on the image size, so an inference graph with symbolic H and W computes it at run time (one Pad
 * node fed Shape arithmetic). A symbolic padded size becomes a new symbol (`H_up3`), whose run-time value the
 * ONNX lowering reads from the padded tensor's shape, so later reshapes can use affine forms of it (`H_up3/3`).
 * `fitLike` takes a tensor back to another's H and W (the inverse step, and each primitive's VJP).
 * Static sizes use the plain pad primitive.
 */
import type { Dim } from '../dims.js';
import { formatShape, sameShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import type { LowerCtx } from './registry.js';
import { apply, definePrimitive, expect } from './registry.js';
import { padConstant } from './shape.js';

export interface FitToMultipleOptions {
  /** 'up' (default): zero-pad to the next multiple; 'down': crop to the previous one. */
  round?: 'up' | 'down';
  /** Smallest size after padding (round 'up' only; default 0). */
  min?: number;
}

interface FitAttrs {
  multiple: number;
  round: 'up' | 'down';
  min: number;
}

/** The fitted size of one dim: a number, or a new symbol named after the dim and the rule. */
function fitDim(d: Dim, { multiple: m, round, min }: FitAttrs): Dim {
  if (typeof d === 'number') return round === 'up' ? Math.max(min, Math.ceil(d / m) * m) : Math.floor(d / m) * m;
  const base = d.replace(/[^A-Za-z0-9_]/g, '_');
  return `${/^[A-Za-z_]/.test(base) ? '' : 'd_'}${base}_${round}${m}${round === 'up' && min > 0 ? `_min${min}` : ''}`;
}

/** The last two dims of `x` as an int64 [2] at run time. */
function hwOf(ctx: LowerCtx, x: string): string {
  const [shape] = ctx.emit('Shape', [x], 1);
  const i64 = (v: number[]) => ctx.constant(v, [v.length], 'int64');
  return ctx.emit('Slice', [shape!, i64([2]), i64([4]), i64([0])], 1)[0]!;
}

/** Pad (negative amounts crop) the end of H and W of `x` by the int64 [2] `delta`. */
function padEnd(ctx: LowerCtx, x: string, delta: string, out: string, dtype: Tensor['dtype']): void {
  const [pads] = ctx.emit('Concat', [ctx.constant([0, 0, 0, 0, 0, 0], [6], 'int64'), delta], 1, { axis: { i: 0 } });
  ctx.emit('Pad', [x, pads!, ctx.constant([0], [], dtype)], [out], { mode: { s: 'constant' } });
}

export const FIT_TO_MULTIPLE = definePrimitive<FitAttrs>({
  name: 'fitToMultiple',
  shape: ([x], a) => {
    expect(x!.shape.length === 4, `takes [N, C, H, W], received ${formatShape(x!.shape)}`);
    expect(Number.isInteger(a.multiple) && a.multiple >= 1 && Number.isInteger(a.min) && a.min >= 0, 'multiple must be an integer ≥ 1, min ≥ 0');
    const [n, c, h, w] = x!.shape;
    return { shape: [n!, c!, fitDim(h!, a), fitDim(w!, a)], dtype: x!.dtype };
  },
  lower: (ctx, ins, out, { multiple: m, round, min }, [x]) => {
    const hw = hwOf(ctx, ins[0]!);
    const k = (v: number) => ctx.constant([v], [1], 'int64');
    let target = round === 'up' ? ctx.emit('Add', [hw, k(m - 1)], 1)[0]! : hw;
    target = ctx.emit('Mul', [ctx.emit('Div', [target, k(m)], 1)[0]!, k(m)], 1)[0]!;
    if (round === 'up' && min > 0) target = ctx.emit('Max', [target, k(min)], 1)[0]!;
    padEnd(ctx, ins[0]!, ctx.emit('Sub', [target, hw], 1)[0]!, out, x!.dtype);
  },
  vjp: (g, [x]) => [fitLike(g, x!)],
});

export const FIT_LIKE = definePrimitive<null>({
  name: 'fitLike',
  shape: ([x, ref]) => {
    expect(x!.shape.length === 4 && ref!.shape.length === 4, `takes two [N, C, H, W], received ${formatShape(x!.shape)} and ${formatShape(ref!.shape)}`);
    return { shape: [x!.shape[0]!, x!.shape[1]!, ref!.shape[2]!, ref!.shape[3]!], dtype: x!.dtype };
  },
  lower: (ctx, ins, out, _a, [x]) => padEnd(ctx, ins[0]!, ctx.emit('Sub', [hwOf(ctx, ins[1]!), hwOf(ctx, ins[0]!)], 1)[0]!, out, x!.dtype),
  vjp: (g, [x]) => [fitLike(g, x!), null],
});

const isStaticHw = (x: Tensor) => typeof x.shape[2] === 'number' && typeof x.shape[3] === 'number';

/** Zero-pads ('up') or crops ('down') the end of H and W of [N, C, H, W] to a multiple of `multiple`. */
export function fitToMultiple(x: Tensor, multiple: number, { round = 'up', min = 0 }: FitToMultipleOptions = {}): Tensor {
  const attrs: FitAttrs = { multiple, round, min };
  if (!isStaticHw(x)) return apply(FIT_TO_MULTIPLE, [x], attrs);
  if (x.rank !== 4) throw new RangeError(`fitToMultiple takes [N, C, H, W], received ${formatShape(x.shape)}`);
  const [h, w] = [x.shape[2] as number, x.shape[3] as number];
  return padConstant(x, [0, 0, 0, 0, 0, 0, (fitDim(h, attrs) as number) - h, (fitDim(w, attrs) as number) - w]);
}

/** Zero-pads or crops the end of H and W of `x` to those of `ref` (only ref's shape is read). */
export function fitLike(x: Tensor, ref: Tensor): Tensor {
  if (sameShape(x.shape.slice(2), ref.shape.slice(2))) return x;
  if (isStaticHw(x) && isStaticHw(ref)) {
    return padConstant(x, [0, 0, 0, 0, 0, 0, (ref.shape[2] as number) - (x.shape[2] as number), (ref.shape[3] as number) - (x.shape[3] as number)]);
  }
  return apply(FIT_LIKE, [x, ref], null);
}
