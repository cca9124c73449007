/**
 * GRL (Li et al. 2023, "Efficient and Explicit Modelling of Image Hierarchies for Image Restoration"; the
 * original's dlib/models/network_grl.py, from ofsoundof/GRL-Image-Restoration) in SR-CACO-2's configuration:
 * conv 3×3 to `embed_dim`, then transformer stages of blocks that each add to their input the layer-normed
 * mixed attention (shifted-window attention on half the channels, anchored stripe attention on the other half)
 * and a local conv branch with channel attention (CAB), then a layer-normed MLP; each stage ends with a 3×3
 * conv and a skip; the body ends with a conv and a long skip; upsampling by conv + pixel shuffle per ×2.
 * The input is reflect-padded to a multiple of the window (as the original's check_image_size) and the output
 * cropped back. The state_dict buffers (coordinate tables, position indices, shift masks) are the original's.
 */
import type { Dim } from '../engine/dims.js';
import { dimAffine } from '../engine/dims.js';
import { dropPath } from '../engine/nn/drop-path.js';
import type { ForwardContext } from '../engine/nn/layers.js';
import type { Scope } from '../engine/nn/module.js';
import { add, leakyRelu, mul, relu, sigmoid } from '../engine/ops/elementwise.js';
import { pixelShuffle } from '../engine/ops/layout.js';
import { gelu, globalAvgPool2d } from '../engine/ops/nn.js';
import { cropTo, paddedSize, padToMultiple } from '../engine/ops/pad-to.js';
import { transpose } from '../engine/ops/shape.js';
import { shiftedWindowMask, shiftedWindowMaskValues } from '../engine/ops/window.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import type { AttentionTables } from './blocks/grl-attention.js';
import { LINEAR_INIT, mixedAttention } from './blocks/grl-attention.js';
import type { Pair } from './blocks/grl-tables.js';
import { relativeCoordsTable, relativePositionIndex, shiftMaskWithAnchor } from './blocks/grl-tables.js';
import { defineModel } from './model.js';

/** The protocol's HR training patch (SR-CACO-2 trains on 96-px patches; the original's img_size is 96 / scale). */
const PROTOCOL_HR_PX = 96;

const toNhwc = (x: Tensor) => transpose(x, [0, 2, 3, 1]);
const toNchw = (x: Tensor) => transpose(x, [0, 3, 1, 2]);

/** CAB: conv 3×3 to dim / 4, GELU, conv 3×3 back, RCAN channel attention (reduction 18); on [B, H, W, C]. */
function cab(nn: Scope, dim: number): (x: Tensor) => Tensor {
  const s = nn.scope('cab');
  const conv1 = s.conv2d(0, dim, Math.floor(dim / 4), 3, { padding: 1 });
  const conv2 = s.conv2d(2, Math.floor(dim / 4), dim, 3, { padding: 1 });
  const ca = s.scope(3, 'attention');
  const squeeze = ca.conv2d(1, dim, Math.floor(dim / 18), 1);
  const excite = ca.conv2d(3, Math.floor(dim / 18), dim, 1);
  return (x) => {
    const y = conv2(gelu(conv1(toNchw(x))));
    return toNhwc(mul(y, sigmoid(excite(relu(squeeze(globalAvgPool2d(y)))))));
  };
}

interface BlockOptions {
  dim: number;
  heads: [number, number];
  window: number;
  shifted: boolean;
  stripe: Pair;
  down: number;
  mlpRatio: number;
  /** Stochastic depth of this block's two residual branches. */
  dropPath: number;
}

/** EfficientMixAttnTransformerBlock with local connection, post-norm residuals (res_scale 1). */
function block(nn: Scope, o: BlockOptions): (x: Tensor, t: AttentionTables, ctx: ForwardContext) => Tensor {
  const attn = mixedAttention(nn.scope('attn'), {
    dim: o.dim, headsWindow: o.heads[0], headsStripe: o.heads[1], window: o.window,
    shift: o.shifted ? o.window / 2 : 0, stripe: o.stripe, down: o.down,
  });
  const norm1 = nn.layerNorm('norm1', o.dim);
  const local = cab(nn.scope('conv'), o.dim);
  const hidden = Math.floor(o.dim * o.mlpRatio);
  const fc1 = nn.scope('mlp').linear('fc1', o.dim, hidden, { init: LINEAR_INIT });
  const fc2 = nn.scope('mlp').linear('fc2', hidden, o.dim, { init: LINEAR_INIT });
  const norm2 = nn.layerNorm('norm2', o.dim);
  // One DropPath module on both branches, as the original: two draws per training step (the local branch is not dropped).
  const drop = (branch: Tensor, ctx: ForwardContext, which: string) => dropPath(branch, o.dropPath, ctx, `${nn.path}.${which}`);
  return (x, t, ctx) => {
    const y = add(add(x, drop(norm1(attn(x, t)), ctx, 'attn')), local(x));
    return add(y, drop(norm2(fc2(gelu(fc1(y)))), ctx, 'mlp'));
  };
}

/** The state_dict buffers of GRL (sized as the original's set_table_index_mask for `imgSize`); the forward's tables. */
function declareTables(nn: Scope, window: number, stripe: Pair, down: number, imgSize: number) {
  const f32 = (local: string, v: { shape: number[]; data: Float32Array }, recomputed = false) => nn.constant(local, v.shape, v.data, { recomputed });
  const i64 = (local: string, v: { shape: number[]; data: BigInt64Array }) => nn.constant(local, v.shape, v.data);
  const ws: Pair = [window, window];
  const sv: Pair = [stripe[1], stripe[0]];
  const res: Pair = [imgSize, imgSize];
  // The original computes its buffers with the stripe shift on (half a stripe), whether or not blocks shift stripes.
  const shiftOf = (p: Pair): Pair => [Math.floor(p[0] / 2), Math.floor(p[1] / 2)];
  const tables = {
    table_w: f32('table_w', relativeCoordsTable(ws)),
    table_sh: f32('table_sh', relativeCoordsTable(stripe, down)),
    table_sv: f32('table_sv', relativeCoordsTable(sv, down)),
    index_w: i64('index_w', relativePositionIndex(ws)),
    index_sh_a2w: i64('index_sh_a2w', relativePositionIndex(stripe, down, false)),
    index_sh_w2a: i64('index_sh_w2a', relativePositionIndex(stripe, down, true)),
    index_sv_a2w: i64('index_sv_a2w', relativePositionIndex(sv, down, false)),
    index_sv_w2a: i64('index_sv_w2a', relativePositionIndex(sv, down, true)),
  };
  // Sized by img_size, and recomputed by the forward for each input size (the stripe masks are unused: the
  // benchmark configuration never shifts stripes): a checkpoint's masks of any size load.
  const [sh, sw] = shiftOf(ws);
  const windows = (imgSize / ws[0]) * (imgSize / ws[1]);
  f32('mask_w', { shape: [windows, ws[0] * ws[1], ws[0] * ws[1]], data: shiftedWindowMaskValues(imgSize, imgSize, { wh: ws[0], ww: ws[1], sh, sw }) }, true);
  f32('mask_sh_a2w', shiftMaskWithAnchor(res, stripe, shiftOf(stripe), down, false), true);
  f32('mask_sh_w2a', shiftMaskWithAnchor(res, stripe, shiftOf(stripe), down, true), true);
  f32('mask_sv_a2w', shiftMaskWithAnchor(res, sv, shiftOf(sv), down, false), true);
  f32('mask_sv_w2a', shiftMaskWithAnchor(res, sv, shiftOf(sv), down, true), true);
  return tables;
}

export const grl = defineModel({
  name: 'grl',
  displayName: 'GRL',
  family: 'post-upsampling',
  scales: [2, 4, 8],
  input: 'lr',
  upsampling: 'at the end: conv + pixel shuffle per ×2 (pixelshuffle upsampler)',
  description: 'transformer stages of mixed shifted-window / anchored-stripe cosine attention with a local conv branch, long skip, pixel-shuffle upsampling',
  config: {
    embed_dim: { type: 'integer', default: 180, min: 2, help: 'feature channels of the transformer body' },
    depths: { type: 'integers', default: [4, 4, 8, 8, 8, 4, 4], min: 1, help: 'blocks of each transformer stage' },
    num_heads_window: { type: 'integers', default: [3, 3, 3, 3, 3, 3, 3], min: 1, help: 'heads of the window attention, per stage' },
    num_heads_stripe: { type: 'integers', default: [3, 3, 3, 3, 3, 3, 3], min: 1, help: 'heads of the anchored stripe attention, per stage' },
    window_size: { type: 'integer', default: 8, min: 2, help: 'window side; the input is padded to a multiple of it' },
    stripe_size: { type: 'integers', default: [8, 8], min: 2, length: 2, help: 'stripe [height, width] (reversed on every other block)' },
    anchor_window_down_factor: { type: 'integer', default: 2, min: 1, help: 'anchors: average pooling by this factor' },
    mlp_ratio: { type: 'number', default: 2, min: 0.01, help: 'MLP hidden width / embed_dim' },
    img_range: { type: 'number', default: 1, min: 1e-6, help: 'input scale before the body (the original: 1)' },
    drop_path_rate: { type: 'number', default: 0.1, min: 0, max: 1, help: 'stochastic depth, linear from 0 over the blocks (training only)' },
    num_out_feats: { type: 'integer', default: 64, min: 1, help: 'channels of the upsampler (fixed at 64 in the original)' },
    img_size: { type: 'integer', default: 0, min: 0, help: 'LR side the state_dict masks are sized for, padded to the window (0: 96 / scale)' },
  },
  // 2 stages of 2 blocks, 36 channels: the same layers and code paths (shifted and unshifted windows, both stripe
  // orientations, anchors, CAB) at a fraction of the trace.
  presets: { demo: { embed_dim: 36, depths: [2, 2], num_out_feats: 16 } },
  // Reach of the receptive field: a window or stripe spans 7 px per block (the local branch 2), a 3×3 conv 1 px per
  // stage and around the body, the upsampler's convs ≤ 1 LR px each. Windows and stripes are cut from the input's
  // corner, so tiles must also start on that grid to give the whole-image output.
  tileAlign: ({ config: c }) => Math.max(c.window_size, ...c.stripe_size),
  halo: ({ scale, config: c }) => {
    const w = Math.max(c.window_size, ...c.stripe_size);
    const blocks = c.depths.reduce((a, b) => a + b, 0);
    // in whole windows, so that a tile aligned to the window keeps its context aligned too
    return Math.ceil((blocks * (w - 1) + c.depths.length + 4 + Math.log2(scale)) / w) * w;
  },
  build({ scale, config: c }, nn) {
    if (![2, 4, 8].includes(scale)) throw new SrcacoError('usage', `grl supports scales 2, 4, 8, received ${scale}`);
    const dim = c.embed_dim;
    const stripe: Pair = [c.stripe_size[0]!, c.stripe_size[1]!];
    const down = c.anchor_window_down_factor;
    const ws = c.window_size;
    const padSize = Math.max(ws, ...stripe);
    const fits = (n: number) => padSize % n === 0;
    const nStages = c.depths.length;
    if (c.num_heads_window.length < nStages || c.num_heads_stripe.length < nStages) {
      throw new SrcacoError('usage', `grl: num_heads_window and num_heads_stripe need a head count for each of the ${nStages} stages of depths`);
    }
    const heads = [...c.num_heads_window.slice(0, nStages), ...c.num_heads_stripe.slice(0, nStages)];
    if (dim % 2 !== 0 || heads.some((h) => (dim / 2) % h !== 0) || ws % 2 !== 0 || !fits(ws) || !stripe.every((s) => fits(s) && s % down === 0)) {
      throw new SrcacoError('usage', `grl: embed_dim / 2 (${dim / 2}) must divide by each head count, the window (${ws}) and stripes (${stripe}) must divide ${padSize}, and the anchor factor (${down}) the stripes`);
    }
    // The original's own img_size at x8 (96 // 8 = 12) cannot size its masks; they are sized for the padded side.
    const imgSize = paddedSize(c.img_size > 0 ? c.img_size : Math.ceil(PROTOCOL_HR_PX / scale), padSize);
    const tables = declareTables(nn, ws, stripe, down, imgSize);
    const convFirst = nn.conv2d('conv_first', 1, dim, 3, { padding: 1 });
    const normStart = nn.layerNorm('norm_start', dim);
    // torch.linspace(0, drop_path_rate, Σ depths) in float32: block k of the network drops with rate k / (n − 1) · rate.
    const total = c.depths.reduce((a, b) => a + b, 0);
    const dpr = Array.from({ length: total }, (_, k) => (total > 1 ? Math.fround((c.drop_path_rate * k) / (total - 1)) : 0));
    const stages = c.depths.map((depth, i) => {
      const first = c.depths.slice(0, i).reduce((a, b) => a + b, 0);
      const s = nn.scope('layers', i);
      const blocks = Array.from({ length: depth }, (_, j) =>
        block(s.scope('blocks', j), {
          dim, heads: [c.num_heads_window[i]!, c.num_heads_stripe[i]!], window: ws, shifted: j % 2 === 0,
          stripe: j % 2 === 0 ? stripe : [stripe[1], stripe[0]], down, mlpRatio: c.mlp_ratio, dropPath: dpr[first + j]!,
        }),
      );
      const conv = s.conv2d('conv', dim, dim, 3, { padding: 1 });
      return { blocks, conv };
    });
    const normEnd = nn.layerNorm('norm_end', dim);
    const convAfterBody = nn.conv2d('conv_after_body', dim, dim, 3, { padding: 1 });
    const feats = c.num_out_feats;
    const convBeforeUp = nn.scope('conv_before_upsample').conv2d(0, dim, feats, 3, { padding: 1 });
    const ups = Array.from({ length: Math.log2(scale) }, (_, i) => nn.scope('upsample', 'up').conv2d(2 * i, feats, 4 * feats, 3, { padding: 1 }));
    const convLast = nn.conv2d('conv_last', feats, 1, 3, { padding: 1 });

    return (lr, ctx) => {
      const [b, , h, w] = lr.shape as [Dim, Dim, Dim, Dim];
      const padded = padToMultiple(lr, padSize, { mode: 'reflect-or-zeros' });
      // The single-channel mean is 0 (the original subtracts a zero tensor).
      const x0 = convFirst(c.img_range === 1 ? padded : mul(padded, c.img_range));
      const shared = {
        window: { table: tables.table_w, index: tables.index_w },
        batch: b,
      };
      const stripeH = { table: tables.table_sh, a2w: tables.index_sh_a2w, w2a: tables.index_sh_w2a };
      const stripeV = { table: tables.table_sv, a2w: tables.index_sv_a2w, w2a: tables.index_sv_w2a };
      let f = normStart(toNhwc(x0));
      const mask = shiftedWindowMask(f, ws, ws, ws / 2, ws / 2);
      for (const { blocks, conv } of stages) {
        let r = f;
        blocks.forEach((blk, j) => {
          r = blk(r, { ...shared, stripe: j % 2 === 0 ? stripeH : stripeV, mask: j % 2 === 0 ? mask : null }, ctx);
        });
        f = add(toNhwc(conv(toNchw(r))), f);
      }
      let y = add(convAfterBody(toNchw(normEnd(f))), x0);
      y = leakyRelu(convBeforeUp(y), 0.01);
      for (const up of ups) y = pixelShuffle(up(y), 2);
      y = convLast(y);
      if (c.img_range !== 1) y = mul(y, 1 / c.img_range);
      return cropTo(y, dimAffine(h, scale, 1, 0), dimAffine(w, scale, 1, 0));
    };
  },
});

