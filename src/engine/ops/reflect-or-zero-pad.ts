/**
 * GRL's check_image_size: pad the bottom and right up to a multiple by reflection, or, where PyTorch's reflect
 * padding refuses (a pad not smaller than its side, on either axis), by zeros on both. Static sizes choose in
 * TypeScript (pad2d, differentiable); symbolic ones at run time, in one primitive that pads by reflection with
 * the amounts when both fit and by zeros with them otherwise (the other pad is then 0). Inference only: a
 * training step has static shapes.
 */
import type { Dim } from '../dims.js';
import { formatShape, parseAffine } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { pad2d } from './layout.js';
import { paddedSize } from './pad-to.js';
import { apply, definePrimitive, expect } from './registry.js';

/** The padded size: a number, or for a bare symbol H the symbol padToMultiple gives it (`H_w8_min0`). */
function paddedDim(d: Dim, multiple: number): Dim {
  if (typeof d === 'number') return paddedSize(d, multiple);
  expect(parseAffine(d)?.name === d, `padding symbolic dim "${d}" to a multiple needs a bare symbol such as H`);
  return `${d}_w${multiple}_min0`;
}

const P = {
  reflectOrZeroPad: definePrimitive<{ multiple: number }>({
    name: 'reflectOrZeroPad',
    shape: ([x], { multiple }) => {
      expect(x!.shape.length === 4, `reflectOrZeroPad needs [N, C, H, W], got ${formatShape(x!.shape)}`);
      const [n, c, h, w] = x!.shape as [Dim, Dim, Dim, Dim];
      return { shape: [n, c, paddedDim(h, multiple), paddedDim(w, multiple)], dtype: x!.dtype };
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
};

/** [N, C, H, W] padded at the bottom and right to multiples of `multiple`: by reflection where it fits, else zeros. */
export function reflectOrZeroPad(x: Tensor, multiple: number): Tensor {
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  if (typeof h !== 'number' || typeof w !== 'number') return apply(P.reflectOrZeroPad, [x], { multiple });
  const [ph, pw] = [paddedSize(h, multiple) - h, paddedSize(w, multiple) - w];
  return pad2d(x, [0, pw, 0, ph], ph < h && pw < w ? 'reflect' : 'zeros');
}
