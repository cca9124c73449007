/**
 * Relative-position bias of window attention (Swin's relative_position_index, Omni-SR's rel_pos_indices: the
 * same numbers): token a = (ya, xa) and token b of a wh × ww window look up row (ya − yb + wh − 1)·(2ww − 1) +
 * (xa − xb + ww − 1) of a learned [(2wh − 1)(2ww − 1), heads] table.
 */
import { gather0, transpose } from '../../engine/ops/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { constant } from '../../engine/tensor.js';

/** The [wh·ww, wh·ww] table-row index of every (query, key) token pair, tokens in row-major order. */
export function relativePositionIndex(wh: number, ww: number): BigInt64Array {
  const n = wh * ww;
  const index = new BigInt64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const dy = Math.floor(a / ww) - Math.floor(b / ww) + wh - 1;
      const dx = (a % ww) - (b % ww) + ww - 1;
      index[a * n + b] = BigInt(dy * (2 * ww - 1) + dx);
    }
  }
  return index;
}

/** The attention bias [heads, wh·ww, wh·ww] gathered from `table` [(2wh − 1)(2ww − 1), heads]. */
export function relativePositionBias(table: Tensor, wh: number, ww: number): Tensor {
  const n = wh * ww;
  const rows = Number(table.shape[0]);
  if (rows !== (2 * wh - 1) * (2 * ww - 1)) throw new RangeError(`a ${wh}×${ww} window needs ${(2 * wh - 1) * (2 * ww - 1)} table rows, the table has ${rows}`);
  return transpose(gather0(table, constant(relativePositionIndex(wh, ww), [n, n], 'int64')), [2, 0, 1]);
}
