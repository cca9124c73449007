/**
 * GRL's mixed attention (the original's MixedAttention, WindowAttention, AnchorStripeAttention and
 * AffineTransform): one QKV projection split between window attention (shifted every other block) and anchored
 * stripe attention (tokens attend to a pooled anchor map, which attends back to the tokens), both cosine
 * attention with a learned, clamped logit scale and a continuous position bias (an MLP over log-spaced relative
 * coordinates, 16·sigmoid). Feature maps are [B, H, W, C] with H and W multiples of the window and stripe.
 */
import type { Dim } from '../../engine/dims.js';
import { dimAffine } from '../../engine/dims.js';
import type { Scope } from '../../engine/nn/module.js';
import { constantInit, truncNormal } from '../../engine/nn/init.js';
import { add, clamp, exp, mul, relu, sigmoid } from '../../engine/ops/elementwise.js';
import { roll, unsqueeze } from '../../engine/ops/layout.js';
import { matmul, mT } from '../../engine/ops/linalg.js';
import { softmax } from '../../engine/ops/nn.js';
import { l2Normalize } from '../../engine/ops/normalize.js';
import { reduceMean } from '../../engine/ops/reduce.js';
import { concat, gather0, reshape, slice, transpose } from '../../engine/ops/shape.js';
import { windowPartition, windowReverse } from '../../engine/ops/window.js';
import type { Tensor } from '../../engine/tensor.js';

/** The original's nn.Linear init (GRL._init_weights): trunc_normal_(std 0.02) weights, zero biases. */
export const LINEAR_INIT = { weight: truncNormal(0.02), bias: constantInit(0) };

/** The largest logit scale, log(1 / 0.01). */
const MAX_LOGIT_SCALE = Math.log(100);

/** A constant table or index, as a getter (the graph constant is made where the forward uses it). */
export type Fixed = () => Tensor;

/** What one attention of a block reads: the coordinates table, the index, and the mask when windows are shifted. */
export interface BiasSource {
  table: Fixed;
  index: Fixed;
}

/**
 * AffineTransform: logits · exp(min(logit_scale, log 100)) + 16·sigmoid(bias), bias = cpb_mlp(table)[index];
 * plus the shift mask, broadcast over the windows of each image.
 */
function affineTransform(nn: Scope, heads: number): (attn: Tensor, src: BiasSource, mask: Tensor | null, batch: Dim) => Tensor {
  const logitScale = nn.param('logit_scale', [heads, 1, 1], constantInit(Math.log(10)));
  const mlp = nn.scope('cpb_mlp');
  const fc1 = mlp.linear(0, 2, 512, { init: LINEAR_INIT });
  const fc2 = mlp.linear(2, 512, heads, { bias: false, init: LINEAR_INIT });
  return (attn, src, mask, batch) => {
    const [b_, h, n1, n2] = attn.shape as [Dim, Dim, number, number];
    let a = mul(attn, exp(clamp(logitScale(), -Infinity, MAX_LOGIT_SCALE)));
    const table = fc2(relu(fc1(src.table())));
    const rows = reshape(table, [table.shape.slice(0, 3).reduce<number>((p, d) => p * Number(d), 1), heads]);
    const bias = transpose(gather0(rows, src.index()), [2, 0, 1]); // [heads, n1, n2]
    a = add(a, mul(sigmoid(bias), 16));
    if (!mask) return a;
    const nW = mask.shape[0]!;
    const perImage = reshape(a, [batch, nW, h, n1, n2]);
    return reshape(add(perImage, unsqueeze(mask, 1)), [b_, h, n1, n2]);
  };
}

/** Cosine attention of q against k, transformed, softmax, applied to v: [b_, h, n1, d] → [b_, h, n1, dv]. */
function cosineAttention(q: Tensor, k: Tensor, v: Tensor, transform: (a: Tensor) => Tensor): Tensor {
  const logits = matmul(l2Normalize(q, -1), mT(l2Normalize(k, -1)));
  return matmul(softmax(transform(logits), -1), v);
}

/** [b_, n, h·d] → [b_, h, n, d]. */
function heads(x: Tensor, h: number): Tensor {
  const [b_, n, c] = x.shape as [Dim, number, number];
  return transpose(reshape(x, [b_, n, h, c / h]), [0, 2, 1, 3]);
}

/** [b_, h, n, d] → [b_, wh, ww, h·d]. */
function mergeHeads(x: Tensor, wh: number, ww: number): Tensor {
  const [b_, h, , d] = x.shape as [Dim, number, number, number];
  return reshape(transpose(x, [0, 2, 1, 3]), [b_, wh, ww, h * d]);
}

/** Windows of a [B, H, W, 3c] QKV map as q, k, v [b_, h, wh·ww, c/h] (the original's reshape(…, 3, heads, -1)). */
function qkvWindows(qkv: Tensor, wh: number, ww: number, h: number): [Tensor, Tensor, Tensor] {
  const win = windowPartition(qkv, wh, ww);
  const c = Number(qkv.shape[3]) / 3;
  const flat = reshape(win, [win.shape[0]!, wh * ww, 3 * c]);
  return [0, 1, 2].map((t) => heads(slice(flat, 2, t * c, (t + 1) * c), h)) as [Tensor, Tensor, Tensor];
}

export interface MixedAttentionOptions {
  dim: number;
  headsWindow: number;
  headsStripe: number;
  window: number;
  /** Window shift of this block (window_size / 2 on even blocks, 0 on odd ones). */
  shift: number;
  /** This block's stripe [sh, sw] (the configured stripe, reversed on 'W' blocks). */
  stripe: readonly [number, number];
  /** anchor_window_down_factor. */
  down: number;
}

/** What a block's attention reads besides its input: tables, indices and the shift mask of this input size. */
export interface AttentionTables {
  window: BiasSource;
  stripe: { table: Fixed; a2w: Fixed; w2a: Fixed };
  /** The shifted-window mask [nW, N, N] for the padded input, or null on unshifted blocks. */
  mask: Tensor | null;
  batch: Dim;
}

/** MixedAttention with linear QKV, avgpool anchors and linear output projection: [B, H, W, C] → [B, H, W, C]. */
export function mixedAttention(nn: Scope, o: MixedAttentionOptions): (x: Tensor, t: AttentionTables) => Tensor {
  const { dim, window: ws, shift, stripe, down } = o;
  const qkv = nn.scope('qkv').linear('body', dim, 3 * dim, { init: LINEAR_INIT });
  const anchorProj = nn.scope('anchor', 'body', 0).linear('reduction', dim, dim / 2, { init: LINEAR_INIT });
  const windowTransform = affineTransform(nn.scope('window_attn', 'attn_transform'), o.headsWindow);
  const toAnchor = affineTransform(nn.scope('stripe_attn', 'attn_transform1'), o.headsStripe);
  const fromAnchor = affineTransform(nn.scope('stripe_attn', 'attn_transform2'), o.headsStripe);
  const proj = nn.linear('proj', dim, dim, { init: LINEAR_INIT });
  const half = (3 * dim) / 2;

  const windowAttention = (qkvW: Tensor, t: AttentionTables): Tensor => {
    const [, h, w] = qkvW.shape as [Dim, Dim, Dim, number];
    const shifted = shift > 0 ? roll(roll(qkvW, -shift, 1), -shift, 2) : qkvW;
    const [q, k, v] = qkvWindows(shifted, ws, ws, o.headsWindow);
    const out = cosineAttention(q, k, v, (a) => windowTransform(a, t.window, shift > 0 ? t.mask : null, t.batch));
    const map = windowReverse(mergeHeads(out, ws, ws), ws, ws, h, w, t.batch);
    return shift > 0 ? roll(roll(map, shift, 1), shift, 2) : map;
  };

  const stripeAttention = (qkvS: Tensor, anchor: Tensor, t: AttentionTables): Tensor => {
    const [, h, w] = qkvS.shape as [Dim, Dim, Dim, number];
    const [sh, sw] = stripe;
    const [q, k, v] = qkvWindows(qkvS, sh, sw, o.headsStripe);
    const aw = windowPartition(anchor, sh / down, sw / down);
    // The anchor windows pair one to one with the stripes (same grid): give them the stripes' window count.
    const a = heads(reshape(aw, [q.shape[0]!, (sh / down) * (sw / down), Number(anchor.shape[3])]), o.headsStripe);
    const src = (index: Fixed): BiasSource => ({ table: t.stripe.table, index });
    const x1 = cosineAttention(a, k, v, (l) => toAnchor(l, src(t.stripe.a2w), null, t.batch));
    const x2 = cosineAttention(q, a, x1, (l) => fromAnchor(l, src(t.stripe.w2a), null, t.batch));
    return windowReverse(mergeHeads(x2, sh, sw), sh, sw, h, w, t.batch);
  };

  return (x, t) => {
    const [b, h, w, c] = x.shape as [Dim, Dim, Dim, number];
    const qkvAll = qkv(x);
    // AnchorLinear: down × down average pooling (as a mean over a reshape: the same sums, and symbolic sizes
    // stay affine), then a linear map to dim / 2.
    const pooled = reduceMean(reshape(x, [b, dimAffine(h, 1, down, 0), down, dimAffine(w, 1, down, 0), down, c]), [2, 4]);
    const anchor = anchorProj(pooled);
    const xw = windowAttention(slice(qkvAll, 3, 0, half), t);
    const xs = stripeAttention(slice(qkvAll, 3, half), anchor, t);
    return proj(concat([xw, xs], 3));
  };
}
