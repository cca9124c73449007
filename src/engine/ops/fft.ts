/**
 * The 2-D discrete Fourier transform of real images as matmuls with constant DFT matrices. Cheaper to
 * differentiate than ONNX DFT (whose gradient has no ONNX op) and fast enough for 96–512 px; static H, W only.
 */
import type { Tensor } from '../tensor.js';
import { constant } from '../tensor.js';
import { add, mul, neg, sqrt, sub } from './elementwise.js';
import { matmul } from './linalg.js';
import { concat, slice } from './shape.js';

function dftMatrices(n: number, like: Tensor): { cos: Tensor; sin: Tensor } {
  const c = new Float64Array(n * n);
  const s = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * ((k * j) % n)) / n;
      c[k * n + j] = Math.cos(angle);
      s[k * n + j] = Math.sin(angle);
    }
  }
  return { cos: constant(c, [n, n], like.dtype), sin: constant(s, [n, n], like.dtype) };
}

/** torch.fft.fftn(x, dim=(-2, -1)) of a real tensor, as real and imaginary parts. */
export function fft2(x: Tensor): { re: Tensor; im: Tensor } {
  const h = x.shape[x.rank - 2];
  const w = x.shape[x.rank - 1];
  if (typeof h !== 'number' || typeof w !== 'number') throw new RangeError(`fft2 needs static H and W, got ${h} × ${w}`);
  const fh = dftMatrices(h, x);
  const fw = dftMatrices(w, x);
  // F = (Ch - i Sh) X (Cw - i Sw)
  const xc = matmul(x, fw.cos);
  const xs = matmul(x, fw.sin);
  const re = sub(matmul(fh.cos, xc), matmul(fh.sin, xs));
  const im = neg(add(matmul(fh.cos, xs), matmul(fh.sin, xc)));
  return { re, im };
}

/** |fft2(x)|, the magnitude spectrum DFCAN uses. */
export function fft2Abs(x: Tensor): Tensor {
  const { re, im } = fft2(x);
  return sqrt(add(mul(re, re), mul(im, im)));
}

/** DFCAN's fftshift2d: the lower/right halves (from h//2, w//2) move to the top/left. */
export function fftShift2d(x: Tensor): Tensor {
  const h = Number(x.shape[x.rank - 2]);
  const w = Number(x.shape[x.rank - 1]);
  const rows = concat([slice(x, -2, Math.floor(h / 2)), slice(x, -2, 0, Math.floor(h / 2))], -2);
  return concat([slice(rows, -1, Math.floor(w / 2)), slice(rows, -1, 0, Math.floor(w / 2))], -1);
}
