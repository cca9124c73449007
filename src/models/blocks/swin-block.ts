/**
 * The Swin Transformer block of SwinIR (the original's SwinTransformerBlock, WindowAttention and Mlp of
 * dlib/models/network_swinir.py): pre-norm window self-attention with a relative-position bias, every other block
 * on windows shifted by half a window (cyclic roll, masked across the roll's seams), then a pre-norm GELU MLP,
 * each branch a residual through drop-path. It works on NHWC maps whose H and W the window divides; the shift
 * mask is computed for the actual map (the original's attn_mask buffer, sized by its construction-time
 * img_size, is kept in the state_dict only).
 */
import type { Dim } from '../../engine/dims.js';
import { dropPath } from '../../engine/nn/drop-path.js';
import { truncNormal } from '../../engine/nn/init.js';
import type { ForwardContext } from '../../engine/nn/layers.js';
import type { Scope } from '../../engine/nn/module.js';
import { add, mul } from '../../engine/ops/elementwise.js';
import { roll } from '../../engine/ops/layout.js';
import { matmul, mT } from '../../engine/ops/linalg.js';
import { gelu, softmax } from '../../engine/ops/nn.js';
import { reshape, slice, transpose } from '../../engine/ops/shape.js';
import { shiftedWindowMask, shiftedWindowMaskValues, windowPartition, windowReverse } from '../../engine/ops/window.js';
import type { Tensor } from '../../engine/tensor.js';
import { relativePositionBias, relativePositionIndex, relativePositionTableRows } from './relative-position.js';

/** The original's _init_weights for nn.Linear: trunc_normal_(std 0.02), zero bias. */
const LINEAR_INIT = { weight: truncNormal(0.02), bias: { kind: 'constant', value: 0 } as const };

export interface SwinBlockOptions {
  dim: number;
  heads: number;
  window: number;
  /** 0, or the cyclic shift of the windows (window / 2 in SwinIR's odd blocks). */
  shift: number;
  mlpRatio: number;
  /** Drop-path probability of both residual branches. */
  dropPath: number;
  /**
   * The map size the original was built for (its img_size, padded to the window): sizes the attn_mask
   * buffer of a shifted block in the state_dict, which the forward never reads.
   */
  maskSize: number;
}

/**
 * Window multi-head self-attention over [B·nW, N, C] windows (N = window²): qkv projection, scaled dot products
 * plus the relative-position bias and, for shifted windows, the mask [nW, N, N]; softmax; output projection.
 */
function windowAttention(nn: Scope, { dim, heads, window }: SwinBlockOptions): (x: Tensor, mask: Tensor | null, batch: Dim) => Tensor {
  const n = window * window;
  const headDim = dim / heads;
  if (!Number.isInteger(headDim)) throw new RangeError(`embed_dim ${dim} must be divisible by num_heads ${heads}`);
  const table = nn.param('relative_position_bias_table', [relativePositionTableRows(window, window), heads], truncNormal(0.02));
  const index = nn.constant('relative_position_index', [n, n], relativePositionIndex(window, window));
  const qkv = nn.linear('qkv', dim, 3 * dim, { init: LINEAR_INIT });
  const proj = nn.linear('proj', dim, dim, { init: LINEAR_INIT });
  const scale = headDim ** -0.5;
  return (x, mask, batch) => {
    const windows = x.shape[0]!;
    // [B·nW, N, 3, heads, d] → [3, B·nW, heads, N, d]
    const parts = transpose(reshape(qkv(x), [windows, n, 3, heads, headDim]), [2, 0, 3, 1, 4]);
    const [q, k, v] = [0, 1, 2].map((i) => reshape(slice(parts, 0, i, i + 1), [windows, heads, n, headDim])) as [Tensor, Tensor, Tensor];
    let attn = add(matmul(mul(q, scale), mT(k)), relativePositionBias(table(), index()));
    if (mask) {
      const perImage = mask.shape[0]!;
      attn = reshape(add(reshape(attn, [batch, perImage, heads, n, n]), reshape(mask, [1, perImage, 1, n, n])), [windows, heads, n, n]);
    }
    const out = matmul(softmax(attn, -1), v);
    return proj(reshape(transpose(out, [0, 2, 1, 3]), [windows, n, dim]));
  };
}

/** One block over an NHWC map [B, H, W, C]; `name` labels its drop-path draws. */
export function swinBlock(nn: Scope, o: SwinBlockOptions): (x: Tensor, ctx: ForwardContext) => Tensor {
  const { dim, window, shift } = o;
  if (shift > 0) {
    // The original's buffer, for the state_dict only: the forward masks the windows of the actual map.
    const windows = (o.maskSize / window) ** 2;
    const data = shiftedWindowMaskValues(o.maskSize, o.maskSize, { wh: window, ww: window, sh: shift, sw: shift });
    nn.constant('attn_mask', [windows, window * window, window * window], data, { recomputed: true });
  }
  const norm1 = nn.layerNorm('norm1', dim);
  const attention = windowAttention(nn.scope('attn'), o);
  const norm2 = nn.layerNorm('norm2', dim);
  const fc1 = nn.linear('mlp.fc1', dim, Math.trunc(dim * o.mlpRatio), { init: LINEAR_INIT });
  const fc2 = nn.linear('mlp.fc2', Math.trunc(dim * o.mlpRatio), dim, { init: LINEAR_INIT });
  const path = nn.path;
  return (x, ctx) => {
    const [b, h, w] = x.shape as [Dim, Dim, Dim, Dim];
    let y = norm1(x);
    if (shift > 0) y = roll(roll(y, -shift, 1), -shift, 2);
    const mask = shift > 0 ? shiftedWindowMask(y, window, window, shift, shift) : null;
    const windows = windowPartition(y, window, window);
    const attended = attention(reshape(windows, [windows.shape[0]!, window * window, dim]), mask, b);
    y = windowReverse(reshape(attended, [windows.shape[0]!, window, window, dim]), window, window, h, w, b);
    if (shift > 0) y = roll(roll(y, shift, 1), shift, 2);
    const mid = add(x, dropPath(y, o.dropPath, ctx, `${path}/attn`));
    return add(mid, dropPath(fc2(gelu(fc1(norm2(mid)))), o.dropPath, ctx, `${path}/mlp`));
  };
}
