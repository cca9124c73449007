/**
 * Swin's relative-position bias: a learned table of (2·wh − 1)(2·ww − 1) rows × heads, and a fixed index that
 * picks, for every pair of tokens (i, j) of a wh × ww window, the row of their offset (Δy, Δx). The index is the
 * persistent buffer `relative_position_index` of the original's WindowAttention (int64 [N, N], N = wh·ww).
 */
import { gather0, transpose } from '../../engine/ops/shape.js';
import type { Tensor } from '../../engine/tensor.js';

/**
 * The index of token pair (i, j), tokens in row-major order: (Δy + wh − 1)·(2·ww − 1) + Δx + ww − 1 with
 * Δ = position(i) − position(j), as the original builds it.
 */
export function relativePositionIndex(wh: number, ww: number): BigInt64Array {
  const n = wh * ww;
  const out = new BigInt64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / ww) - Math.floor(j / ww);
      const dx = (i % ww) - (j % ww);
      out[i * n + j] = BigInt((dy + wh - 1) * (2 * ww - 1) + dx + ww - 1);
    }
  }
  return out;
}

/** Rows of the bias table: (2·wh − 1)(2·ww − 1). */
export const relativePositionTableRows = (wh: number, ww: number): number => (2 * wh - 1) * (2 * ww - 1);

/**
 * The bias [heads, N, N] added to a window's attention logits: the table [rows, heads] gathered at the index
 * [N, N] (the gather's VJP scatters the cotangent back onto the table's rows).
 */
export function relativePositionBias(table: Tensor, index: Tensor): Tensor {
  return transpose(gather0(table, index), [2, 0, 1]);
}
