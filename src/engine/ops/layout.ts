/** Composite data-movement ops, built from shape primitives (no VJP rules of their own). */
import type { Dim } from '../dims.js';
import { dimAffine, normAxis } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { expand } from './reduce.js';
import { concat, gather0, padConstant, reshape, slice, transpose } from './shape.js';

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes a size-1 axis. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank);
  return reshape(x, [...x.shape.slice(0, a), ...x.shape.slice(a + 1)]);
}

/** Reverses one axis. */
export const flip = (x: Tensor, axis: number): Tensor => slice(x, axis, undefined, undefined, -1);

/** Splits an axis into consecutive parts of the given static sizes. */
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  let off = 0;
  return sizes.map((n) => slice(x, axis, off, (off += n)));
}

/** torch.roll along one axis. */
export function roll(x: Tensor, shift: number, axis: number): Tensor {
  const a = normAxis(axis, x.rank);
  const d = x.shape[a]!;
  const s = typeof d === 'number' ? ((shift % d) + d) % d : shift;
  if (s === 0) return x;
  return concat([slice(x, a, -s), slice(x, a, 0, -s)], a);
}

export type PadMode = 'zeros' | 'reflect' | 'replicate';

/** Pads the last two axes by [left, right, top, bottom] (PyTorch F.pad order) with zeros, reflection or edge values. */
export function pad2d(x: Tensor, [left, right, top, bottom]: readonly [number, number, number, number], mode: PadMode = 'zeros'): Tensor {
  const r = x.rank;
  if (mode === 'zeros') {
    const pads = new Array<number>(2 * r).fill(0);
    [pads[r - 2], pads[r - 1], pads[2 * r - 2], pads[2 * r - 1]] = [top, left, bottom, right];
    return padConstant(x, pads);
  }
  return padAxisMode(padAxisMode(x, r - 2, top, bottom, mode), r - 1, left, right, mode);
}

function padAxisMode(x: Tensor, axis: number, before: number, after: number, mode: 'reflect' | 'replicate'): Tensor {
  if (before === 0 && after === 0) return x;
  const edge = (part: Tensor, n: number) => {
    const shape: Dim[] = [...part.shape];
    shape[axis] = n;
    return expand(part, shape);
  };
  const parts: Tensor[] = [];
  if (before > 0) parts.push(mode === 'reflect' ? flip(slice(x, axis, 1, before + 1), axis) : edge(slice(x, axis, 0, 1), before));
  parts.push(x);
  if (after > 0) parts.push(mode === 'reflect' ? flip(slice(x, axis, -after - 1, -1), axis) : edge(slice(x, axis, -1), after));
  return concat(parts, axis);
}

/** PyTorch pixel_shuffle: [N, C·r², H, W] → [N, C, H·r, W·r]. */
export function pixelShuffle(x: Tensor, r: number): Tensor {
  const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
  const co = Number(c) / (r * r);
  const t = transpose(reshape(x, [n, co, r, r, h, w]), [0, 1, 4, 2, 5, 3]);
  return reshape(t, [n, co, dimAffine(h, r, 1, 0), dimAffine(w, r, 1, 0)]);
}

/** PyTorch pixel_unshuffle: [N, C, H·r, W·r] → [N, C·r², H, W]. */
export function pixelUnshuffle(x: Tensor, r: number): Tensor {
  const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
  const ho = dimAffine(h, 1, r, 0);
  const wo = dimAffine(w, 1, r, 0);
  const t = transpose(reshape(x, [n, c, ho, r, wo, r]), [0, 1, 3, 5, 2, 4]);
  return reshape(t, [n, Number(c) * r * r, ho, wo]);
}

/** torch.index_select-like gather along any axis with int64 indices of any shape (they replace that axis). */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normAxis(axis, x.rank);
  if (a === 0) return gather0(x, indices);
  const front = [a, ...x.shape.map((_, i) => i).filter((i) => i !== a)];
  const g = gather0(transpose(x, front), indices);
  const k = indices.rank;
  const perm = [...Array.from({ length: a }, (_, i) => k + i), ...Array.from({ length: k }, (_, i) => i), ...Array.from({ length: x.rank - a - 1 }, (_, i) => k + a + i)];
  return transpose(g, perm);
}

/** torch.stack: joins same-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return concat(xs.map((x) => unsqueeze(x, axis)), axis);
}

/** torch.flatten(x, start, end): merges axes start..end (inclusive) into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const s = normAxis(start, x.rank);
  const e = normAxis(end, x.rank);
  const merged = x.shape.slice(s, e + 1).reduce<Dim>((a, d) => (typeof a === 'number' && typeof d === 'number' ? a * d : `${a}*${d}`), 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
