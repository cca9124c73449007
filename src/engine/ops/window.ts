/**
 * Non-overlapping windows of an NHWC feature map (Swin's window_partition / window_reverse), as composites of
 * reshape and transpose: their VJPs are those of the primitives. H and W may be symbolic (affine forms of a graph
 * input's dims, or a dim a primitive defines, such as padToMultiple's), as long as the window divides them.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimProduct, formatShape, parseAffine } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { constant } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
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

/**
 * The shifted-window attention mask [nW, N, N] (N = wh·ww) of an H × W map rolled by (−sh, −sw): 0 where two
 * tokens of a window came from the same region of the unrolled map, −100 where the roll brought them together
 * from different regions (Swin's calculate_mask). Only the last row and last column of windows mix regions, so a
 * window's mask is max(r·R + c·C, −100) with r, c whether it is in the last row / column and R, C the static
 * masks of a last-row / last-column window.
 */
export function shiftedWindowMask(like: Tensor, wh: number, ww: number, sh: number, sw: number): Tensor {
  expect(like.rank === 4, `shiftedWindowMask needs the [B, H, W, C] map it masks, got ${formatShape(like.shape)}`);
  const [h, w] = [like.shape[1]!, like.shape[2]!];
  const attrs = { wh, ww, sh, sw };
  if (typeof h === 'number' && typeof w === 'number') {
    windowsAlong(h, wh, 'height');
    windowsAlong(w, ww, 'width');
    return constant(shiftedWindowMaskValues(h, w, attrs), [(h / wh) * (w / ww), wh * ww, wh * ww]);
  }
  return apply(P.shiftedWindowMask, [like], attrs);
}

export interface WindowShift {
  wh: number;
  ww: number;
  sh: number;
  sw: number;
}

/** Region labels of the rows (or columns) of one window: 0 in windows before the last, 1 then 2 in the last. */
const regionInLast = (w: number, s: number, p: number) => (p < w - s ? 1 : 2);

/** The masks R (last row of windows) and C (last column): −100 where the tokens' row (column) regions differ. */
function edgeMasks({ wh, ww, sh, sw }: WindowShift): { rows: number[]; cols: number[] } {
  const n = wh * ww;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      rows.push(regionInLast(wh, sh, Math.floor(i / ww)) === regionInLast(wh, sh, Math.floor(j / ww)) ? 0 : -100);
      cols.push(regionInLast(ww, sw, i % ww) === regionInLast(ww, sw, j % ww) ? 0 : -100);
    }
  }
  return { rows, cols };
}

/**
 * The mask [nW, N, N] of a static H × W map (the window must divide both), as the original computes it: region
 * labels of the map, partitioned into windows, −100 where two tokens' labels differ.
 */
export function shiftedWindowMaskValues(h: number, w: number, { wh, ww, sh, sw }: WindowShift): Float32Array {
  const region = (p: number, size: number, win: number, s: number) => (p < size - win ? 0 : p < size - s ? 1 : 2);
  const [nh, nw, n] = [h / wh, w / ww, wh * ww];
  const out = new Float32Array(nh * nw * n * n);
  const label = (wy: number, wx: number, t: number) => 3 * region(wy * wh + Math.floor(t / ww), h, wh, sh) + region(wx * ww + (t % ww), w, ww, sw);
  for (let wy = 0; wy < nh; wy++) {
    for (let wx = 0; wx < nw; wx++) {
      const base = (wy * nw + wx) * n * n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[base + i * n + j] = label(wy, wx, i) === label(wy, wx, j) ? 0 : -100;
    }
  }
  return out;
}

const P = {
  // Built at run time from the map's [H, W]; the map is read for its shape only, so no cotangent flows to it.
  shiftedWindowMask: definePrimitive<WindowShift>({
    name: 'shiftedWindowMask',
    shape: ([x], { wh, ww }) => {
      const nh = windowsAlong(x!.shape[1]!, wh, 'height');
      const nw = windowsAlong(x!.shape[2]!, ww, 'width');
      return { shape: [dimProduct([nh, nw]), wh * ww, wh * ww], dtype: 'float32' };
    },
    lower: (ctx, ins, out, a, [x]) => {
      const n = a.wh * a.ww;
      const c = (v: number) => ctx.constant([v], [1], 'int64');
      const { rows, cols } = edgeMasks(a);
      const hw = ctx.shapeOf(x!.shape.slice(1, 3), { name: ins[0]!, shape: x!.shape });
      // 1 for the last window of an axis, 0 before it: Range(0, n_windows) == n_windows − 1.
      const lastFlags = (axis: number, win: number, flagShape: number[]) => {
        const [size] = ctx.emit('Gather', [hw, c(axis)], 1, { axis: { i: 0 } });
        const [count] = ctx.emit('Div', [size!, c(win)], 1);
        const [scalarCount] = ctx.emit('Squeeze', [count!, c(0)], 1);
        const [range] = ctx.emit('Range', [ctx.constant([0], [], 'int64'), scalarCount!, ctx.constant([1], [], 'int64')], 1);
        const [isLast] = ctx.emit('Equal', [range!, ctx.emit('Sub', [count!, c(1)], 1)[0]!], 1);
        const [flag] = ctx.emit('Cast', [isLast!], 1, { to: { i: 1 } });
        return ctx.emit('Reshape', [flag!, ctx.constant(flagShape, [flagShape.length], 'int64')], 1)[0]!;
      };
      const [rowPart] = ctx.emit('Mul', [lastFlags(0, a.wh, [-1, 1, 1, 1]), ctx.constant(rows, [n, n], 'float32')], 1);
      const [colPart] = ctx.emit('Mul', [lastFlags(1, a.ww, [1, -1, 1, 1]), ctx.constant(cols, [n, n], 'float32')], 1);
      const [sum] = ctx.emit('Add', [rowPart!, colPart!], 1);
      const [clipped] = ctx.emit('Max', [sum!, ctx.constant([-100], [], 'float32')], 1);
      ctx.emit('Reshape', [clipped!, ctx.constant([-1, n, n], [3], 'int64')], [out]);
    },
    vjp: () => [null],
  }),
};
