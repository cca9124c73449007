/**
 * torch.nn.functional.unfold / fold (im2col and its adjoint, col2im) as composites of shape primitives, so they
 * need no VJP rule of their own: the gradient of unfold is fold and the other way round, which autodiff finds
 * through the reshapes, slices and pads below.
 *
 * Two formulations. When the stride divides the kernel (k = m·s, no dilation) the image is cut into s×s blocks
 * by one reshape and a k×k window is m×m neighbouring blocks: only reshapes, transposes and slices with static
 * offsets, so H and W may be symbolic (then the padded H and W must be multiples of the stride, or the run fails
 * in a Reshape; static sizes are cropped to the region the windows cover first, as PyTorch ignores the rest).
 * Otherwise one strided slice per kernel tap, static sizes only.
 *
 * Layout as PyTorch's: unfold maps [N, C, H, W] to [N, C·kh·kw, L], channel index (c·kh + i)·kw + j, windows in
 * row-major order over the Lh × Lw output grid, L = Lh·Lw, Lh = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, dimProduct, formatShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { stack } from './layout.js';
import { padAxis, padConstant, reshape, slice, transpose } from './shape.js';

export interface UnfoldOptions {
  /** Default 1. */
  stride?: number;
  /** Zeros added on every side (default 0). */
  padding?: number;
  /** Default 1. */
  dilation?: number;
}

interface Geometry {
  k: number;
  s: number;
  p: number;
  d: number;
}

function geometry(kernel: number, { stride = 1, padding = 0, dilation = 1 }: UnfoldOptions): Geometry {
  for (const [name, v, min] of [['kernel', kernel, 1], ['stride', stride, 1], ['padding', padding, 0], ['dilation', dilation, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`unfold/fold: ${name} must be an integer ≥ ${min}, received ${v}`);
  }
  return { k: kernel, s: stride, p: padding, d: dilation };
}

/** Whether the block formulation applies: the stride divides the kernel, no dilation. */
const blockwise = ({ k, s, d }: Geometry) => d === 1 && k % s === 0;

/**
 * Windows along one axis of (padded) size `size`: ⌊(size − d(k − 1) − 1) / s⌋ + 1. A symbolic size of the block
 * formulation is a multiple of s, so the count is size/s − k/s + 1, an affine form the graph computes at run time.
 */
function windows(size: Dim, g: Geometry): Dim {
  const { k, s, d } = g;
  if (typeof size === 'number') return Math.floor((size - d * (k - 1) - 1) / s) + 1;
  if (blockwise(g)) return dimAffine(dimAffine(size, 1, s, 0), 1, 1, 1 - k / s);
  return dimAffine(dimFloorDiv(size, -d * (k - 1) - 1, s), 1, 1, 1);
}

function checkPositive(what: string, n: Dim, shape: readonly Dim[]): void {
  if (typeof n === 'number' && n < 1) throw new RangeError(`unfold/fold: no ${what} window fits ${formatShape(shape)}`);
}

/** [N, C, H, W] → [N, C·k², L]: every k×k window (after zero padding p), PyTorch's F.unfold. */
export function unfold(x: Tensor, kernel: number, options: UnfoldOptions = {}): Tensor {
  const g = geometry(kernel, options);
  if (x.rank !== 4) throw new RangeError(`unfold takes [N, C, H, W], received ${formatShape(x.shape)}`);
  const xp = g.p > 0 ? padConstant(x, [0, 0, g.p, g.p, 0, 0, g.p, g.p]) : x;
  const [n, c, h, w] = xp.shape as [Dim, Dim, Dim, Dim];
  const lh = windows(h, g);
  const lw = windows(w, g);
  checkPositive('row of', lh, x.shape);
  checkPositive('column of', lw, x.shape);
  const cols = blockwise(g) ? blockWindows(xp, g, lh, lw) : tapWindows(xp, g, lh, lw);
  // cols: [N, C, k, k, Lh, Lw]
  return reshape(cols, [n, dimProduct([c, g.k * g.k]), dimProduct([lh, lw])]);
}

/** Static sizes cropped to the covered region (a multiple of s when s divides k). */
function cropCovered(x: Tensor, axis: number, l: Dim, { k, s }: Geometry): Tensor {
  return typeof l === 'number' ? slice(x, axis, 0, (l - 1) * s + k) : x;
}

function blockWindows(xp: Tensor, g: Geometry, lh: Dim, lw: Dim): Tensor {
  const { k, s } = g;
  const m = k / s;
  const xc = cropCovered(cropCovered(xp, 2, lh, g), 3, lw, g);
  const [n, c, h, w] = xc.shape as [Dim, Dim, Dim, Dim];
  const bh = dimAffine(h, 1, s, 0);
  const bw = dimAffine(w, 1, s, 0);
  // [N, C, s(ri), s(rj), Bh, Bw]: pixel (bi·s + ri, bj·s + rj) of block (bi, bj).
  const blocks = transpose(reshape(xc, [n, c, bh, s, bw, s]), [0, 1, 3, 5, 2, 4]);
  if (m === 1) return blocks;
  // Window (i, j) is blocks (i + a, j + b) for a, b < m; its tap (a·s + ri, b·s + rj).
  const parts: Tensor[] = [];
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const rows = slice(blocks, 4, a, a - m + 1 === 0 ? undefined : a - m + 1);
      parts.push(slice(rows, 5, b, b - m + 1 === 0 ? undefined : b - m + 1));
    }
  }
  // [N, C, m(a), m(b), s(ri), s(rj), Lh, Lw] → [N, C, a, ri, b, rj, Lh, Lw]
  const stacked = reshape(stack(parts, 2), [n, c, m, m, s, s, lh, lw]);
  return reshape(transpose(stacked, [0, 1, 2, 4, 3, 5, 6, 7]), [n, c, k, k, lh, lw]);
}

function tapWindows(xp: Tensor, { k, s, d }: Geometry, lh: Dim, lw: Dim): Tensor {
  if (typeof lh !== 'number' || typeof lw !== 'number') {
    throw new RangeError(`unfold with kernel ${k}, stride ${s}, dilation ${d} needs static H and W (symbolic sizes need a stride that divides the kernel, no dilation)`);
  }
  const [n, c] = xp.shape as [Dim, Dim];
  const taps: Tensor[] = [];
  for (let i = 0; i < k; i++) {
    const rows = slice(xp, 2, i * d, i * d + (lh - 1) * s + 1, s);
    for (let j = 0; j < k; j++) taps.push(slice(rows, 3, j * d, j * d + (lw - 1) * s + 1, s));
  }
  return reshape(stack(taps, 2), [n, c, k, k, lh, lw]);
}

/**
 * [N, C·k², L] → [N, C, H, W]: sums every window back into place (overlaps add up), PyTorch's F.fold with
 * output_size [H, W]; pixels no window covers are zero.
 */
export function fold(x: Tensor, outputSize: readonly [Dim, Dim], kernel: number, options: UnfoldOptions = {}): Tensor {
  const g = geometry(kernel, options);
  const [h, w] = outputSize;
  if (x.rank !== 3) throw new RangeError(`fold takes [N, C·k², L], received ${formatShape(x.shape)}`);
  const [n, ck] = x.shape as [Dim, Dim];
  if (typeof ck !== 'number' || ck % (g.k * g.k) !== 0) throw new RangeError(`fold: ${ck} channels are not a multiple of kernel² = ${g.k * g.k}`);
  const c = ck / (g.k * g.k);
  const hp = dimAffine(h, 1, 1, 2 * g.p);
  const wp = dimAffine(w, 1, 1, 2 * g.p);
  const lh = windows(hp, g);
  const lw = windows(wp, g);
  checkPositive('row of', lh, [h, w]);
  checkPositive('column of', lw, [h, w]);
  const l = x.shape[2]!;
  if (typeof l === 'number' && typeof lh === 'number' && typeof lw === 'number' && l !== lh * lw) {
    throw new RangeError(`fold: ${l} windows given, output size [${h}, ${w}] with kernel ${g.k}, stride ${g.s} has ${lh}×${lw}`);
  }
  const cols = reshape(x, [n, c, g.k, g.k, lh, lw]);
  const yp = blockwise(g) ? blockSum(cols, g, hp, wp, lh, lw) : tapSum(cols, g, hp, wp, lh, lw);
  if (g.p === 0) return yp;
  return slice(slice(yp, 2, g.p, -g.p), 3, g.p, -g.p);
}

/** Zero rows (or columns) appended to a static axis up to `size`: the region no window reaches. */
function padTo(x: Tensor, axis: number, size: Dim): Tensor {
  const have = x.shape[axis]!;
  return typeof have === 'number' && typeof size === 'number' && have < size ? padAxis(x, axis, 0, size - have) : x;
}

function blockSum(cols: Tensor, g: Geometry, hp: Dim, wp: Dim, lh: Dim, lw: Dim): Tensor {
  const { k, s } = g;
  const m = k / s;
  const [n, c] = cols.shape as [Dim, Dim];
  let blocks: Tensor | null = null;
  if (m === 1) blocks = reshape(cols, [n, c, s, s, lh, lw]);
  else {
    // [N, C, a, ri, b, rj, Lh, Lw] → [N, C, a, b, ri, rj, Lh, Lw]
    const taps = transpose(reshape(cols, [n, c, m, s, m, s, lh, lw]), [0, 1, 2, 4, 3, 5, 6, 7]);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        // Window (i, j)'s part (a, b) lands on block (i + a, j + b).
        const part = reshape(slice(slice(taps, 2, a, a + 1), 3, b, b + 1), [n, c, s, s, lh, lw]);
        const placed = padAxis(padAxis(part, 4, a, m - 1 - a), 5, b, m - 1 - b);
        blocks = blocks ? add(blocks, placed) : placed;
      }
    }
  }
  const bh = dimAffine(lh, 1, 1, m - 1);
  const bw = dimAffine(lw, 1, 1, m - 1);
  const image = reshape(transpose(blocks!, [0, 1, 4, 2, 5, 3]), [n, c, dimAffine(bh, s, 1, 0), dimAffine(bw, s, 1, 0)]);
  return padTo(padTo(image, 2, hp), 3, wp);
}

function tapSum(cols: Tensor, { k, s, d }: Geometry, hp: Dim, wp: Dim, lh: Dim, lw: Dim): Tensor {
  if ([hp, wp, lh, lw].some((v) => typeof v !== 'number')) {
    throw new RangeError(`fold with kernel ${k}, stride ${s}, dilation ${d} needs static H and W (symbolic sizes need a stride that divides the kernel, no dilation)`);
  }
  const [H, W, Lh, Lw] = [hp, wp, lh, lw] as number[];
  const [n, c] = cols.shape as [Dim, Dim];
  // A tap's Lh × Lw values spread s apart: zeros between them, then shifted to the tap's offset.
  const spread = (t: Tensor) => {
    const z = padAxis(padAxis(reshape(t, [n, c, Lh, 1, Lw, 1]), 3, 0, s - 1), 5, 0, s - 1);
    return slice(slice(reshape(z, [n, c, Lh * s, Lw * s]), 2, 0, (Lh! - 1) * s + 1), 3, 0, (Lw! - 1) * s + 1);
  };
  let sum: Tensor | null = null;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const tap = reshape(slice(slice(cols, 2, i, i + 1), 3, j, j + 1), [n, c, Lh, Lw]);
      const top = i * d;
      const left = j * d;
      const placed = padAxis(padAxis(spread(tap), 2, top, H! - top - ((Lh! - 1) * s + 1)), 3, left, W! - left - ((Lw! - 1) * s + 1));
      sum = sum ? add(sum, placed) : placed;
    }
  }
  return sum!;
}
