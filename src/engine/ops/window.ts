/**
 * Non-overlapping windows of an NHWC feature map (Swin's window_partition / window_reverse), as composites of
 * reshape and transpose: their VJPs are those of the primitives. H and W may be symbolic (affine forms of a graph
 * input's dims, or a dim a primitive defines, such as padToMultiple's), as long as the window divides them.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimProduct, formatShape, parseAffine } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { expect } from './registry.js';
import { reshape, transpose } from './shape.js';

/** `d / w` for a window that must divide `d` (checked when static). */
function windowsAlong(d: Dim, w: number, what: string): Dim {
  if (typeof d === 'number') {
    expect(d % w === 0, `${what} ${d} is not a multiple of the window ${w}`);
    return d / w;
  }
  return dimAffine(d, 1, w, 0);
}

/** [B, H, W, C] → [B·nW, wh, ww, C], windows in row-major order of their grid (nW = H/wh · W/ww). */
export function windowPartition(x: Tensor, wh: number, ww: number): Tensor {
  expect(x.rank === 4, `windowPartition needs [B, H, W, C], got ${formatShape(x.shape)}`);
  const [b, h, w, c] = x.shape as [Dim, Dim, Dim, Dim];
  const nh = windowsAlong(h, wh, 'height');
  const nw = windowsAlong(w, ww, 'width');
  const grid = transpose(reshape(x, [b, nh, wh, nw, ww, c]), [0, 1, 3, 2, 4, 5]);
  return reshape(grid, [dimProduct([b, nh, nw]), wh, ww, c]);
}

/**
 * The batch size of windows made by windowPartition from a [B, H, W, C] map: from static dims, or by reading
 * back the product windowPartition wrote.
 */
function batchOf(n: Dim, nh: Dim, nw: Dim): Dim | null {
  const perImage = dimProduct([nh, nw]);
  if (typeof n === 'number' && typeof perImage === 'number') return n / perImage;
  for (const candidate of batchCandidates(n, nh, nw)) if (dimProduct([candidate, nh, nw]) === n) return candidate;
  return null;
}

/** Dims B that dimProduct([B, nh, nw]) could have been (its leading number or first symbol). */
function batchCandidates(n: Dim, nh: Dim, nw: Dim): Dim[] {
  if (typeof n === 'number') return [];
  const perImage = dimProduct([nh, nw]);
  const out: Dim[] = [];
  const lead = /^(\d+)\*/.exec(n);
  if (lead && typeof perImage !== 'number') out.push(Number(lead[1]));
  const sym = /^\(([^()]+)\)/.exec(n);
  if (sym && parseAffine(sym[1]!)) out.push(sym[1]!);
  if (typeof perImage === 'number' && parseAffine(n)) out.push(dimAffine(n, 1, perImage, 0));
  return out;
}

/**
 * [B·nW, wh, ww, C] → [B, H, W, C], the inverse of windowPartition. `batch` is needed only when it cannot be
 * read from the windows' dims (a symbolic batch times a symbolic window count made elsewhere).
 */
export function windowReverse(windows: Tensor, wh: number, ww: number, h: Dim, w: Dim, batch?: Dim): Tensor {
  expect(windows.rank === 4 && windows.shape[1] === wh && windows.shape[2] === ww, `windowReverse needs [B·nW, ${wh}, ${ww}, C], got ${formatShape(windows.shape)}`);
  const c = windows.shape[3]!;
  const nh = windowsAlong(h, wh, 'height');
  const nw = windowsAlong(w, ww, 'width');
  const b = batch ?? batchOf(windows.shape[0]!, nh, nw);
  expect(b !== null, `cannot tell the batch of ${formatShape(windows.shape)} windows of a ${h}×${w} map: pass it`);
  const grid = transpose(reshape(windows, [b, nh, nw, wh, ww, c]), [0, 1, 3, 2, 4, 5]);
  return reshape(grid, [b, h, w, c]);
}
