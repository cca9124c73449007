/**
 * The 2-D discrete Fourier transform of real images as matmuls with DFT matrices. Cheaper to differentiate
 * than ONNX DFT (whose gradient has no ONNX op) and fast enough for 96–512 px. Static H, W get the matrices as
 * constants; symbolic ones (an inference graph for any image size) get them computed in the graph from the
 * run-time size, in float64 then rounded, so both hold the same values.
 */
import type { Dim } from '../dims.js';
import { formatShape, normAxis } from '../dims.js';
import type { DType, Tensor } from '../tensor.js';
import { constant, isFloat } from '../tensor.js';
import { ONNX_DTYPE, add, div, greater, mul, neg, sub, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { LowerCtx } from './registry.js';

const INT64_MAX = 2 ** 62; // "to the end" in Slice, exact as a double

/**
 * cos and sin values below this are the rounding residue of an exact 0 (the smallest true nonzero entry is
 * sin(2π/n), over 1e-6 for any n under a million). Snapped to 0 they keep the transform of a constant image
 * exactly 0 off DC wherever the other entries cancel exactly, as PyTorch's pocketfft gives for sizes like 4 × 6;
 * there the magnitude's gradient is 0, while a residue of 1e-17 would have a unit direction scaled by the ^0.8
 * power's slope at 1e-8 (31.8).
 */
const EXACT_ZERO = 1e-12;

type Part = 'cos' | 'sin';

/** The run-time length of `x`'s axis as a 1-D int64 tensor of one element. */
function axisLength(ctx: LowerCtx, name: string, x: Tensor, axis: number): string {
  const d = x.shape[axis]!;
  return typeof d === 'number' ? ctx.constant([d], [1], 'int64') : ctx.shapeOf([d], { name, shape: x.shape });
}

const P = {
  /**
   * cos or sin of 2π·((k·j) mod n)/n, [n, n], n the length of `x`'s axis at run time (only its shape is read).
   * Reducing k·j mod n first keeps the angle below 2π, as the static matrices do.
   */
  dftMatrix: definePrimitive<{ axis: number; part: Part }>({
    name: 'dftMatrix',
    shape: ([x], { axis }) => {
      expect(isFloat(x!.dtype), `needs a float tensor, got ${x!.dtype}`);
      const n = x!.shape[axis]!;
      return { shape: [n, n], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { axis, part }, [x]) => {
      const n = axisLength(ctx, ins[0]!, x!, axis);
      const [scalarN] = ctx.emit('Squeeze', [n, ctx.constant([0], [1], 'int64')], 1);
      const [k] = ctx.emit('Range', [ctx.constant([0], [], 'int64'), scalarN!, ctx.constant([1], [], 'int64')], 1);
      const [col] = ctx.emit('Unsqueeze', [k!, ctx.constant([1], [1], 'int64')], 1);
      const [row] = ctx.emit('Unsqueeze', [k!, ctx.constant([0], [1], 'int64')], 1);
      const [kj] = ctx.emit('Mul', [col!, row!], 1);
      const [m] = ctx.emit('Mod', [kj!, n], 1);
      const [mf] = ctx.emit('Cast', [m!], 1, { to: { i: ONNX_DTYPE.float64 } });
      const [nf] = ctx.emit('Cast', [n], 1, { to: { i: ONNX_DTYPE.float64 } });
      const [turns] = ctx.emit('Div', [mf!, nf!], 1);
      const [angle] = ctx.emit('Mul', [turns!, ctx.constant([2 * Math.PI], [], 'float64')], 1);
      const [v] = ctx.emit(part === 'cos' ? 'Cos' : 'Sin', [angle!], 1);
      // As in dftMatrices: the exact zeros of cos(π/2)… (6e-17 in float64, not 0 once rounded to float32).
      const [tiny] = ctx.emit('Less', [ctx.emit('Abs', [v!], 1)[0]!, ctx.constant([EXACT_ZERO], [], 'float64')], 1);
      const [snapped] = ctx.emit('Where', [tiny!, ctx.constant([0], [], 'float64'), v!], 1);
      ctx.emit('Cast', [snapped!], [out], { to: { i: ONNX_DTYPE[x!.dtype] } });
    },
    vjp: () => [null], // depends on x's shape only
  }),
  /**
   * DFCAN's fftshift along one axis: out = concat(x[h:], x[:h]) with h = floor(n/2) (or, `inverse`,
   * ceil(n/2), which undoes it); for odd n the former is numpy's ifftshift, not fftshift.
   */
  halfRoll: definePrimitive<{ axis: number; inverse: boolean }>({
    name: 'halfRoll',
    shape: ([x]) => ({ shape: [...x!.shape], dtype: x!.dtype }),
    lower: (ctx, ins, out, { axis, inverse }, [x]) => {
      const d = x!.shape[axis]!;
      let h: string;
      if (typeof d === 'number') {
        h = ctx.constant([inverse ? Math.ceil(d / 2) : Math.floor(d / 2)], [1], 'int64');
      } else {
        const n = axisLength(ctx, ins[0]!, x!, axis);
        const top = inverse ? ctx.emit('Add', [n, ctx.constant([1], [1], 'int64')], 1)[0]! : n;
        h = ctx.emit('Div', [top, ctx.constant([2], [1], 'int64')], 1)[0]!;
      }
      const axes = ctx.constant([axis], [1], 'int64');
      const [tail] = ctx.emit('Slice', [ins[0]!, h, ctx.constant([INT64_MAX], [1], 'int64'), axes], 1);
      const [head] = ctx.emit('Slice', [ins[0]!, ctx.constant([0], [1], 'int64'), h, axes], 1);
      ctx.emit('Concat', [tail!, head!], [out], { axis: { i: axis } });
    },
    vjp: (g, _x, _y, { axis, inverse }): (Tensor | null)[] => [halfRoll(g, axis, !inverse)],
  }),
  /**
   * |re + i·im|. Its gradient is PyTorch's for a complex abs, (re, im)/|z|, and 0 where z = 0 (PyTorch's
   * sgn(0) = 0), where sqrt(re² + im²) differentiated would give 0/0.
   */
  magnitude: definePrimitive<null>({
    name: 'magnitude',
    shape: ([re, im]) => {
      expect(re!.dtype === im!.dtype && re!.shape.length === im!.shape.length && re!.shape.every((d, i) => d === im!.shape[i]), `real and imaginary parts differ: ${formatShape(re!.shape)} ${re!.dtype} vs ${formatShape(im!.shape)} ${im!.dtype}`);
      return { shape: [...re!.shape], dtype: re!.dtype };
    },
    lower: (ctx, [re, im], out) => {
      const [rr] = ctx.emit('Mul', [re!, re!], 1);
      const [ii] = ctx.emit('Mul', [im!, im!], 1);
      const [s] = ctx.emit('Add', [rr!, ii!], 1);
      ctx.emit('Sqrt', [s!], [out]);
    },
    vjp: (g, [re, im], y) => {
      // Where's unselected branch may hold g/0; it is never read.
      const gOverAbs = where(greater(y, 0), div(g, y), 0);
      return [mul(gOverAbs, re!), mul(gOverAbs, im!)];
    },
  }),
};

function dftMatrices(n: number, dtype: DType): { cos: Tensor; sin: Tensor } {
  const c = new Float64Array(n * n);
  const s = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * ((k * j) % n)) / n;
      const [cv, sv] = [Math.cos(angle), Math.sin(angle)];
      c[k * n + j] = Math.abs(cv) < EXACT_ZERO ? 0 : cv;
      s[k * n + j] = Math.abs(sv) < EXACT_ZERO ? 0 : sv;
    }
  }
  return { cos: constant(c, [n, n], dtype), sin: constant(s, [n, n], dtype) };
}

/** The cos and sin DFT matrices of the length of `x`'s axis: constants for a static length, else computed in the graph. */
function dftOf(x: Tensor, axis: number): { cos: Tensor; sin: Tensor } {
  const n: Dim = x.shape[axis]!;
  if (typeof n === 'number') return dftMatrices(n, x.dtype);
  return { cos: apply(P.dftMatrix, [x], { axis, part: 'cos' }), sin: apply(P.dftMatrix, [x], { axis, part: 'sin' }) };
}

/** torch.fft.fftn(x, dim=(-2, -1)) of a real tensor, as real and imaginary parts; static or symbolic H, W. */
export function fft2(x: Tensor): { re: Tensor; im: Tensor } {
  const fh = dftOf(x, x.rank - 2);
  const fw = dftOf(x, x.rank - 1);
  // F = (Ch - i Sh) X (Cw - i Sw)
  const xc = matmul(x, fw.cos);
  const xs = matmul(x, fw.sin);
  const re = sub(matmul(fh.cos, xc), matmul(fh.sin, xs));
  const im = neg(add(matmul(fh.cos, xs), matmul(fh.sin, xc)));
  return { re, im };
}

/** |re + i·im| with PyTorch's gradient of a complex abs (0 where re = im = 0). */
export const magnitude = (re: Tensor, im: Tensor): Tensor => apply(P.magnitude, [re, im], null);

/** |fft2(x)|, the magnitude spectrum DFCAN uses; its gradient is finite where a frequency is exactly 0. */
export function fft2Abs(x: Tensor): Tensor {
  const { re, im } = fft2(x);
  return magnitude(re, im);
}

/**
 * DFCAN's fftshift along `axis` (static or symbolic): the part from floor(n/2) on moves to the front.
 * `inverse` moves the part from ceil(n/2), undoing it.
 */
export function halfRoll(x: Tensor, axis: number, inverse = false): Tensor {
  return apply(P.halfRoll, [x], { axis: normAxis(axis, x.rank), inverse });
}

/** DFCAN's fftshift2d: the lower/right halves (from h//2, w//2) move to the top/left, for any H, W. */
export function fftShift2d(x: Tensor): Tensor {
  return halfRoll(halfRoll(x, -2), -1);
}
