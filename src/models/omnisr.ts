/**
 * Omni-SR (Wang et al. 2023, "Omni Aggregation Networks for Lightweight Image Super-Resolution"; the original's
 * dlib/models/network_omni_sr.py, from Francis0625/Omni-SR): a 3×3 conv to F features, `res_num` residual groups
 * (OSAG: `block_num` OSA blocks, a 1×1 conv, the group's input added, then enhanced spatial attention, ESA), a
 * 3×3 conv plus the first features, and a 3×3 conv + pixel shuffle to HR. An OSA block is an MBConv (1×1, GELU,
 * depthwise 3×3, GELU, squeeze-excitation, 1×1, residual), then two rounds of pre-norm residual units: window
 * self-attention over 8×8 blocks (round 1) or over an 8×8 grid of pixels strided across the image (round 2),
 * with a relative-position bias; a gated depthwise-conv feed-forward; a channel attention (cosine similarity of
 * channels, learned temperature) inside each 8×8 block (round 1) or across all blocks at each of the 64
 * in-window positions (round 2); another feed-forward.
 *
 * Input sizes. The original pads the LR image with zeros at the bottom and right to a multiple of the window and
 * crops the output back; so does srcaco, with the padded size computed in the graph from the input's (symbolic
 * H and W). ESA then max-pools (7×7, stride 3) the stride-2 conv of the padded image, which needs ≥ 15 padded
 * pixels: the original fails below 9 LR px (padded to 8); srcaco pads such inputs to 16 (the next multiple of the
 * window ≥ 15), which changes nothing where the original runs. ESA brings its pooled map back to the padded
 * size by bilinear resizing to an explicit size (ratio 96/14 for a 96-px image, F.interpolate(size=…)).
 */
import type { Dim } from '../engine/dims.js';
import { dimAffine, dimProduct } from '../engine/dims.js';
import type { Scope } from '../engine/nn/module.js';
import { constantInit, normalInit } from '../engine/nn/init.js';
import { add, mul, sigmoid } from '../engine/ops/elementwise.js';
import { pixelShuffle, split } from '../engine/ops/layout.js';
import { matmul, mT } from '../engine/ops/linalg.js';
import { gelu, maxPool2d, silu, softmax } from '../engine/ops/nn.js';
import { l2Normalize } from '../engine/ops/normalize.js';
import { cropTo, padToMultiple } from '../engine/ops/pad-to.js';
import { reduceMean } from '../engine/ops/reduce.js';
import { resizeTo } from '../engine/ops/resize.js';
import { reshape, transpose } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { constant } from '../engine/tensor.js';
import { relativePositionBias, relativePositionIndex } from './blocks/relative-position.js';
import { defineModel } from './model.js';

type Layer = (x: Tensor) => Tensor;

/** The smallest padded side ESA takes: its stride-2 3×3 conv must leave 7 px for the 7×7 max pool. */
const ESA_MIN_PX = 15;

/**
 * [B, C, H, W] → [B, H/w, W/w, w, w, C]: 8×8 blocks ('b d (x w1) (y w2) -> b x y w1 w2 d'), or with `grid` the
 * w×w pixels at stride H/w ('b d (w1 x) (w2 y) -> b x y w1 w2 d').
 */
function toWindows(x: Tensor, w: number, grid: boolean): Tensor {
  const [b, c, h, wd] = x.shape as [Dim, Dim, Dim, Dim];
  const [nh, nw] = [dimAffine(h, 1, w, 0), dimAffine(wd, 1, w, 0)];
  if (!grid) return transpose(reshape(x, [b, c, nh, w, nw, w]), [0, 2, 4, 3, 5, 1]);
  return transpose(reshape(x, [b, c, w, nh, w, nw]), [0, 3, 5, 2, 4, 1]);
}

/** The inverse of toWindows, back to [B, C, H, W]. */
function fromWindows(t: Tensor, grid: boolean, h: Dim, wd: Dim): Tensor {
  const [b, , , , , c] = t.shape;
  return reshape(transpose(t, grid ? [0, 5, 3, 1, 4, 2] : [0, 5, 1, 3, 2, 4]), [b!, c!, h, wd]);
}

/** Attention: multi-head self-attention inside each window of [B, X, Y, w, w, C], 4 heads, relative-position bias. */
function windowAttention(nn: Scope, dim: number, window: number, pe: boolean): Layer {
  const heads = 4; // dim_head = dim / 4
  const dh = dim / heads;
  const toQkv = nn.linear('to_qkv', dim, 3 * dim, { bias: false });
  const toOut = nn.scope('to_out').linear(0, dim, dim, { bias: false });
  // nn.Embedding's default init: N(0, 1).
  const table = pe ? nn.scope('rel_pos_bias').param('weight', [(2 * window - 1) ** 2, heads], normalInit(1)) : null;
  const n = window * window;
  const index = relativePositionIndex(window, window); // non-persistent in the original: not in the state_dict
  return (x) => {
    const [b, X, Y] = x.shape;
    const tokens = reshape(x, [dimProduct([b!, X!, Y!]), n, dim]);
    const bw = tokens.shape[0]!;
    const perHead = (t: Tensor) => transpose(reshape(t, [bw, n, heads, dh]), [0, 2, 1, 3]);
    const [q, k, v] = split(toQkv(tokens), [dim, dim, dim], 2).map(perHead) as [Tensor, Tensor, Tensor];
    let sim = matmul(mul(q, dh ** -0.5), mT(k));
    if (table) sim = add(sim, relativePositionBias(table(), constant(index, [n, n], 'int64')));
    const out = transpose(matmul(softmax(sim, -1), v), [0, 2, 1, 3]);
    return reshape(toOut(reshape(out, [bw, n, dim])), [b!, X!, Y!, window, window, dim]);
  };
}

/**
 * Channel_Attention (block) / Channel_Attention_grid: per head, the d × d cosine similarities of its channels
 * over the pixels of one 8×8 block (block), or over the same in-block position of every block (grid).
 */
function channelAttention(nn: Scope, dim: number, window: number, grid: boolean): Layer {
  const heads = 4;
  const d = dim / heads;
  const temperature = nn.param('temperature', [heads, 1, 1], constantInit(1));
  const qkv = nn.conv2d('qkv', dim, 3 * dim, 1, { bias: false });
  const dw = nn.conv2d('qkv_dwconv', 3 * dim, 3 * dim, 3, { padding: 1, groups: 3 * dim, bias: false });
  const projectOut = nn.conv2d('project_out', dim, dim, 1, { bias: false });
  const ps = window;
  return (x) => {
    const [b, , h, w] = x.shape as [Dim, Dim, Dim, Dim];
    const [nh, nw] = [dimAffine(h, 1, ps, 0), dimAffine(w, 1, ps, 0)];
    const blocks = dimProduct([nh, nw]);
    // 'b (head d) (h ph) (w pw)': axes [b, head, d, h, ph, w, pw].
    const split7 = (t: Tensor) => reshape(t, [b, heads, d, nh, ps, nw, ps]);
    const arrange = grid
      ? (t: Tensor) => reshape(transpose(split7(t), [0, 4, 6, 1, 2, 3, 5]), [b, ps * ps, heads, d, blocks]) // b (ph pw) head d (h w)
      : (t: Tensor) => reshape(transpose(split7(t), [0, 3, 5, 1, 2, 4, 6]), [b, blocks, heads, d, ps * ps]); // b (h w) head d (ph pw)
    const [q, k, v] = split(dw(qkv(x)), [dim, dim, dim], 1).map(arrange) as [Tensor, Tensor, Tensor];
    const attn = softmax(mul(matmul(l2Normalize(q, -1), mT(l2Normalize(k, -1))), temperature()), -1);
    const out = matmul(attn, v);
    const back = grid
      ? transpose(reshape(out, [b, ps, ps, heads, d, nh, nw]), [0, 3, 4, 5, 1, 6, 2])
      : transpose(reshape(out, [b, nh, nw, heads, d, ps, ps]), [0, 3, 4, 1, 5, 2, 6]);
    return projectOut(reshape(back, [b, dim, h, w]));
  };
}

/** Gated_Conv_FeedForward (mult 1, no biases: the original never passes its ffn_bias down). */
function gatedFeedForward(nn: Scope, dim: number): Layer {
  const projectIn = nn.conv2d('project_in', dim, 2 * dim, 1, { bias: false });
  const dw = nn.conv2d('dwconv', 2 * dim, 2 * dim, 3, { padding: 1, groups: 2 * dim, bias: false });
  const projectOut = nn.conv2d('project_out', dim, dim, 1, { bias: false });
  return (x) => {
    const [x1, x2] = split(dw(projectIn(x)), [dim, dim], 1) as [Tensor, Tensor];
    return projectOut(mul(gelu(x1), x2));
  };
}

/** MBConv(dim, dim, expansion 1, shrinkage 0.25) with its residual (MBConvResidual: `fn.<i>`, dropout 0). */
function mbConv(nn: Scope, dim: number): Layer {
  const fn = nn.scope('fn');
  const expand = fn.conv2d(0, dim, dim, 1);
  const dw = fn.conv2d(2, dim, dim, 3, { padding: 1, groups: dim });
  const gate = fn.scope(4, 'gate');
  const squeeze = gate.linear(1, dim, Math.floor(dim * 0.25), { bias: false });
  const excite = gate.linear(3, Math.floor(dim * 0.25), dim, { bias: false });
  const project = fn.conv2d(5, dim, dim, 1);
  return (x) => {
    const h = gelu(dw(gelu(expand(x))));
    const [b, c] = h.shape;
    const se = sigmoid(excite(silu(squeeze(reduceMean(h, [2, 3])))));
    return add(project(mul(h, reshape(se, [b!, c!, 1, 1]))), x);
  };
}

/** OSA_Block: nn.Sequential indices 0, 2, 4, 5, 6, 8, 10, 11, 12 hold the layers (the others are Rearranges). */
function osaBlock(nn: Scope, dim: number, window: number, pe: boolean): Layer {
  const mb = mbConv(nn.scope(0), dim);
  // PreNormResidual: nn.LayerNorm over C in the window layout; Conv_PreNormResidual: LayerNorm2d (eps 1e-6) over C.
  const windowUnit = (i: number): Layer => {
    const s = nn.scope(i);
    const norm = s.layerNorm('norm', dim);
    const fn = windowAttention(s.scope('fn'), dim, window, pe);
    return (x) => add(fn(norm(x)), x);
  };
  const convUnit = (i: number, make: (fn: Scope) => Layer): Layer => {
    const s = nn.scope(i);
    const norm = s.layerNorm('norm', dim, { axis: 'channel', eps: 1e-6 });
    const fn = make(s.scope('fn'));
    return (x) => add(fn(norm(x)), x);
  };
  const blockAttention = windowUnit(2);
  const ffn1 = convUnit(4, (s) => gatedFeedForward(s, dim));
  const channelBlock = convUnit(5, (s) => channelAttention(s, dim, window, false));
  const ffn2 = convUnit(6, (s) => gatedFeedForward(s, dim));
  const gridAttention = windowUnit(8);
  const ffn3 = convUnit(10, (s) => gatedFeedForward(s, dim));
  const channelGrid = convUnit(11, (s) => channelAttention(s, dim, window, true));
  const ffn4 = convUnit(12, (s) => gatedFeedForward(s, dim));
  return (x) => {
    const [, , h, w] = x.shape as [Dim, Dim, Dim, Dim];
    let y = mb(x);
    y = fromWindows(blockAttention(toWindows(y, window, false)), false, h, w);
    y = ffn2(channelBlock(ffn1(y)));
    y = fromWindows(gridAttention(toWindows(y, window, true)), true, h, w);
    return ffn4(channelGrid(ffn3(y)));
  };
}

/** ESA (enhanced spatial attention, 16 channels here): a sigmoid mask from a strided, max-pooled, resized branch. */
function esa(nn: Scope, f: number, dim: number): Layer {
  const conv1 = nn.conv2d('conv1', dim, f, 1);
  const convF = nn.conv2d('conv_f', f, f, 1);
  const conv2 = nn.conv2d('conv2', f, f, 3, { stride: 2 });
  const conv3 = nn.conv2d('conv3', f, f, 3, { padding: 1 });
  const conv4 = nn.conv2d('conv4', f, dim, 1);
  return (x) => {
    const c1 = conv1(x);
    const c3 = conv3(maxPool2d(conv2(c1), 7, 3));
    const up = resizeTo(c3, x.shape[2]!, x.shape[3]!, 'bilinear');
    return mul(x, sigmoid(conv4(add(up, convF(c1)))));
  };
}

/** OSAG: `blocks` OSA blocks and a 1×1 conv (residual_layer.<i>), the group's input added, then ESA. */
function osag(nn: Scope, dim: number, blocks: number, window: number, pe: boolean, bias: boolean): Layer {
  const body = nn.scope('residual_layer');
  const layers = Array.from({ length: blocks }, (_, i) => osaBlock(body.scope(i, 'layer'), dim, window, pe));
  layers.push(body.conv2d(blocks, dim, dim, 1, { bias }));
  const attention = esa(nn.scope('esa'), Math.max(Math.floor(dim / 4), 16), dim);
  return (x) => attention(add(layers.reduce((h, layer) => layer(h), x), x));
}

export const omnisr = defineModel({
  name: 'omnisr',
  displayName: 'OmniSR',
  family: 'post-upsampling',
  upsampling: 'at the end: a 3×3 conv and a pixel shuffle',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'omni self-attention: window and grid attention with relative-position bias, channel attention within and across windows, gated depthwise-conv feed-forwards, ESA per residual group',
  config: {
    num_feat: { type: 'integer', default: 64, min: 4, help: 'feature channels (a multiple of 4: 4 attention heads)' },
    res_num: { type: 'integer', default: 5, min: 1, help: 'residual groups (OSAG)' },
    bias: { type: 'boolean', default: true, help: 'biases of the first, last and group-closing convs' },
    window_size: { type: 'integer', default: 8, min: 1, help: 'attention window (and grid) side; the input is padded to a multiple of it' },
    block_num: { type: 'integer', default: 4, min: 1, help: 'OSA blocks per residual group' },
    pe: { type: 'boolean', default: true, help: 'relative-position bias in the window and grid attention' },
    ffn_bias: { type: 'boolean', default: true, help: 'accepted and unused, as in the original (its feed-forwards have no bias)' },
  },
  // Two groups of one block, 32 features (the same layers and code paths): for the all-models check and demos.
  presets: { demo: { num_feat: 32, res_num: 2, block_num: 1 } },
  // The grid attention and the grid channel attention mix pixels across the whole (padded) image, and where the
  // windows fall depends on the padded size: no margin makes tiles equal to the whole image. Four windows of
  // context around each tile: a margin, not a receptive field (Model.globalContext).
  globalContext: true,
  halo: ({ config }) => 4 * config.window_size,
  build({ scale, config }, nn) {
    const { num_feat: f, res_num: groups, bias, window_size: window, block_num: blocks, pe } = config;
    if (f % 4 !== 0) throw new RangeError(`num_feat ${f} must be a multiple of 4 (4 attention heads)`);
    const body = Array.from({ length: groups }, (_, i) => osag(nn.scope('residual_layer', i), f, blocks, window, pe, bias));
    const head = nn.conv2d('input', 1, f, 3, { padding: 1, bias });
    const tail = nn.conv2d('output', f, f, 3, { padding: 1, bias });
    const up = nn.scope('up').conv2d(0, f, scale * scale, 3, { padding: 1, bias });
    return (x) => {
      const [, , h, w] = x.shape as [Dim, Dim, Dim, Dim];
      const residual = head(padToMultiple(x, window, { minSize: ESA_MIN_PX }));
      const features = add(tail(body.reduce((t, group) => group(t), residual)), residual);
      return cropTo(pixelShuffle(up(features), scale), dimAffine(h, scale, 1, 0), dimAffine(w, scale, 1, 0));
    };
  },
});
