/**
 * ACT (Yoo et al. 2023, "Enriched CNN-Transformer Feature Aggregation Networks for Super-Resolution"; the
 * original's dlib/models/network_act.py): a head of one 3×3 conv and two 5×5 residual blocks, then two branches
 * that meet in every one of F fusion stages. The CNN branch is RCAN's (residual groups of RCABs: two 3×3 convs and
 * channel attention). The transformer branch cuts the features into t×t tokens (F.unfold, stride t) of
 * D = C·t² values, and each stage runs a self-attention layer and an MLP, then cross-scale token attention: half of
 * each token's channels become 2t×2t tokens (folded to the image, unfolded with stride t: overlapping windows)
 * that attend to the small tokens and are attended by them, then fold back. The two branches' images are
 * concatenated, refined by four 1×1 residual blocks, and split again for the next stage. Pixel-shuffle tail.
 *
 * Borders. The original tokenises the head's features as they are: rows and columns beyond the last whole token
 * (H or W not a multiple of t) get no token, so the transformer branch gives zeros there, and images under 2t px
 * fail. srcaco (`token_borders: 'pad'`) zero-pads the features to a multiple of t (at least 2t) each time they
 * are tokenised and crops the folded tokens back to the image; 'seed-compat' crops to the last whole token and
 * pads the folded tokens with zeros, as the original. Both equal the original where H and W are multiples of t.
 *
 * In the state_dict but not used by the forward, as in the original: the mean-shift 1×1 convs `sub_mean` and
 * `add_mean` (3 channels, frozen), the residual groups' closing conv `cnn_branch.<groups>` when there are as many
 * fusion stages as groups, and the self-attention layers beyond the fusion stages.
 */
import type { Scope } from '../engine/nn/module.js';
import { add, mul, relu, sigmoid } from '../engine/ops/elementwise.js';
import { mT, matmul } from '../engine/ops/linalg.js';
import { gelu, globalAvgPool2d, softmax } from '../engine/ops/nn.js';
import { cropToMultiple, fitLike, padToMultiple } from '../engine/ops/pad-to.js';
import { concat, reshape, slice, transpose } from '../engine/ops/shape.js';
import { fold, unfold } from '../engine/ops/unfold.js';
import { pixelShuffle } from '../engine/ops/layout.js';
import type { Dim } from '../engine/dims.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import { defineModel } from './model.js';
import { meanShift } from './blocks/edsr.js';

type Layer = (x: Tensor) => Tensor;

/** DIV2K's RGB mean of the original's (unused) MeanShift layers. */
const chain =
  (...layers: Layer[]): Layer =>
  (x) =>
    layers.reduce((y, f) => f(y), x);


/** conv(k) with 'same' padding, as the original's default_conv. */
const conv = (nn: Scope, local: string | number, inC: number, outC: number, k: number, bias = true): Layer =>
  nn.conv2d(local, inC, outC, k, { padding: k >> 1, bias });

/** x + body(x), body = conv, ReLU, conv (nn.Sequential indices 0 and 2): the head's ResBlock and the fusion FB. */
function residualPair(nn: Scope, c: number, k: number, bias = true): Layer {
  const body = nn.scope('body');
  const a = conv(body, 0, c, c, k, bias);
  const b = conv(body, 2, c, c, k, bias);
  return (x) => add(b(relu(a(x))), x);
}

/** RCAB: x + CA(conv(relu(conv(x)))), CA scaling channels by a sigmoid of their means through a c/r bottleneck. */
function rcab(nn: Scope, c: number, reduction: number): Layer {
  const body = nn.scope('body');
  const a = conv(body, 0, c, c, 3);
  const b = conv(body, 2, c, c, 3);
  const du = body.scope(3, 'conv_du');
  const down = du.conv2d(0, c, Math.floor(c / reduction), 1);
  const up = du.conv2d(2, Math.floor(c / reduction), c, 1);
  return (x) => {
    const r = b(relu(a(x)));
    return add(mul(r, sigmoid(up(relu(down(globalAvgPool2d(r)))))), x);
  };
}

/** RCAN's residual group: x + conv(RCAB…RCAB(x)). */
function residualGroup(nn: Scope, c: number, reduction: number, blocks: number): Layer {
  const body = nn.scope('body');
  const layers = Array.from({ length: blocks }, (_, i) => rcab(body.scope(i), c, reduction));
  const last = conv(body, blocks, c, c, 3);
  return (x) => add(last(chain(...layers)(x)), x);
}

/** The Linear, GELU, Linear MLP (nn.Sequential indices `first` and `first + 2` or + 3 after a dropout). */
function mlp(nn: Scope, [i, j]: [number, number], dims: [number, number, number]): Layer {
  const a = nn.linear(i, dims[0], dims[1]);
  const b = nn.linear(j, dims[1], dims[2]);
  return (x) => b(gelu(a(x)));
}

/** [N, L, heads·d] → [N, heads, L, d] */
function heads(x: Tensor, h: number): Tensor {
  const [n, l, hd] = x.shape as [Dim, Dim, number];
  return transpose(reshape(x, [n, l, h, hd / h]), [0, 2, 1, 3]);
}

/** softmax(q·kᵀ·scale)·v over [N, heads, L, d] queries and [N, heads, L', d] keys and values, heads merged back. */
function attend(q: Tensor, k: Tensor, v: Tensor, dimHead: number): Tensor {
  const attn = softmax(mul(matmul(q, mT(k)), dimHead ** -0.5), -1);
  const out = transpose(matmul(attn, v), [0, 2, 1, 3]);
  const [n, l, h, d] = out.shape as [Dim, Dim, number, number];
  return reshape(out, [n, l, h * d]);
}

/** The output projection `to_out.0` unless the original makes it an identity (one head as wide as the tokens). */
function outProjection(fn: Scope, inner: number, dim: number, h: number, dimHead: number): Layer {
  return h === 1 && dimHead === dim ? (x) => x : fn.scope('to_out').linear(0, inner, dim);
}

/** PreNorm(SelfAttention): multi-head self-attention of the layer-normed tokens (no residual here). */
function selfAttention(nn: Scope, dim: number, h: number, dimHead: number): Layer {
  const norm = nn.layerNorm('norm', dim);
  const fn = nn.scope('fn');
  const inner = dimHead * h;
  const qkv = fn.linear('to_qkv', dim, 3 * inner, { bias: false });
  const out = outProjection(fn, inner, dim, h, dimHead);
  return (x) => {
    const t = qkv(norm(x));
    const [q, k, v] = [0, 1, 2].map((i) => heads(slice(t, 2, i * inner, (i + 1) * inner), h)) as [Tensor, Tensor, Tensor];
    return out(attend(q, k, v, dimHead));
  };
}

/** PreNorm2(CrossAttention): queries from the normed x, keys and values from the (separately) normed context. */
function crossAttention(nn: Scope, dim: number, h: number, dimHead: number): (x: Tensor, context: Tensor) => Tensor {
  const norm = nn.layerNorm('norm', dim);
  const norm2 = nn.layerNorm('norm2', dim);
  const fn = nn.scope('fn');
  const inner = dimHead * h;
  const toQ = fn.linear('to_q', dim, inner, { bias: false });
  const toKv = fn.linear('to_kv', dim, 2 * inner, { bias: false });
  const out = outProjection(fn, inner, dim, h, dimHead);
  return (x, context) => {
    const kv = toKv(norm2(context));
    const k = heads(slice(kv, 2, 0, inner), h);
    const v = heads(slice(kv, 2, inner, 2 * inner), h);
    return out(attend(heads(toQ(norm(x)), h), k, v, dimHead));
  };
}

/** PreNorm(FeedForward): Linear, GELU, (dropout), Linear at nn.Sequential indices 0 and 3. */
function feedForward(nn: Scope, dim: number, hidden: number): Layer {
  const norm = nn.layerNorm('norm', dim);
  const net = mlp(nn.scope('fn', 'net'), [0, 3], [dim, hidden, dim]);
  return (x) => net(norm(x));
}

/** [N, L, D] ⇄ [N, D, L] */
const swapTokens = (x: Tensor) => transpose(x, [0, 2, 1]);

export const act = defineModel({
  name: 'act',
  displayName: 'ACT',
  family: 'post-upsampling',
  upsampling: 'at the end: pixel shuffle (one 3×3 conv and ×2 shuffle per factor of 2), then a 3×3 conv',
  scales: [2, 4, 8],
  input: 'lr',
  description: 'a CNN branch (RCAN residual groups) and a transformer branch over 3×3 tokens with cross-scale token attention, fused after every stage',
  config: {
    n_feats: { type: 'integer', default: 64, min: 2, help: 'feature channels (C; even: half of each token is refolded)' },
    n_resgroups: { type: 'integer', default: 4, min: 1, help: 'residual groups of the CNN branch' },
    n_resblocks: { type: 'integer', default: 12, min: 1, help: 'RCABs per residual group' },
    reduction: { type: 'integer', default: 16, min: 1, help: 'channel-attention bottleneck: C / reduction channels' },
    n_heads: { type: 'integer', default: 8, min: 2, help: 'self-attention heads (cross-attention: half as many)' },
    n_layers: { type: 'integer', default: 8, min: 2, help: 'transformer layers: n_layers / 2 self-attention and as many cross-scale blocks' },
    n_fusionblocks: { type: 'integer', default: 4, min: 1, help: 'fusion stages (each one transformer block, one residual group, one fusion)' },
    token_size: { type: 'integer', default: 3, min: 1, help: 'token side t in px (cross-scale tokens 2t, stride t)' },
    expansion_ratio: { type: 'integer', default: 4, min: 1, help: 'MLP hidden width, in token widths' },
    token_borders: {
      type: 'enum',
      values: ['pad', 'seed-compat'],
      default: 'pad',
      help: "'pad': features zero-padded to whole tokens (≥ 2t) for the transformer branch; 'seed-compat': the original's, no transformer features beyond the last whole token",
    },
  },
  // 2 of 4 stages, 2 groups of 2 RCABs, 32 features: every code path of the full model (the unused closing conv of
  // the CNN branch included), a small fraction of its 46 M parameters.
  // 'seed-compat': the benchmark configuration with the original's token borders (`--preset seed-compat` where a
  // command takes a preset, e.g. upscale with the original's weights).
  presets: { demo: { n_feats: 32, n_resgroups: 2, n_resblocks: 2, n_layers: 4, n_fusionblocks: 2 }, 'seed-compat': { token_borders: 'seed-compat' } },
  // The reach in LR px of everything but the attention: the head 9 (a 3×3 and four 5×5 convs), per stage the
  // larger of its residual group (two 3×3 convs per RCAB and a closing conv; the branch's last conv alone when a
  // stage has no group) and its token windows (3t − 2: a t×t token inside a 2t×2t one), the fusion's 3×3 convs
  // between stages, conv_last 1, the tail under 2. The attention is global, so this bounds tiled inference only
  // up to it (globalContext; docs/models.md).
  halo: ({ config: { n_resgroups: groups, n_resblocks: blocks, n_fusionblocks: stages, token_size: t } }) => {
    let reach = 9 + 2 * (stages - 1) + 1 + 2;
    for (let i = 0; i < stages; i++) reach += Math.max(i < groups ? 2 * blocks + 1 : 1, 3 * t - 2);
    return reach;
  },
  globalContext: true,
  build({ scale, config }, nn) {
    if (![2, 4, 8].includes(scale)) throw new SrcacoError('usage', `act supports scales 2, 4, 8, received ${scale}`, { option: '--scale' });
    const { n_feats: c, n_resgroups: groups, n_resblocks: blocks, reduction, n_heads: h, n_layers: layers, n_fusionblocks: stages, token_size: t } = config;
    const dim = c * t * t;
    const half = Math.floor(dim / 2);
    if (dim % 2 !== 0 || half % (t * t) !== 0) throw new RangeError(`n_feats ${c} must be even: half of each ${dim}-wide token is folded back to ${t}×${t} px`);
    if (Math.floor(layers / 2) < stages) throw new RangeError(`n_layers ${layers} gives ${Math.floor(layers / 2)} transformer blocks for ${stages} fusion stages`);
    if (stages > groups + 1) throw new RangeError(`n_fusionblocks ${stages} needs at least ${stages - 1} residual groups (n_resgroups ${groups})`);
    if (Math.floor(c / reduction) < 1) throw new RangeError(`n_feats ${c} / reduction ${reduction} leaves no channel-attention channel`);
    const hidden = dim * config.expansion_ratio;
    const dimHead = Math.floor(dim / h);
    const crossHeads = Math.floor(h / 2);

    meanShift(nn, 'sub_mean', -1, 1);
    meanShift(nn, 'add_mean', 1, 1);
    const headScope = nn.scope('head');
    const head = chain(conv(headScope, 0, 1, c, 3), residualPair(headScope.scope(1), c, 5), residualPair(headScope.scope(2), c, 5));
    const linearEncoding = nn.linear('linear_encoding', dim, dim);
    const mhsa = Array.from({ length: Math.floor(layers / 2) }, (_, i) => {
      const s = nn.scope('mhsa_block', i);
      return { attention: selfAttention(s.scope(0), dim, h, dimHead), ff: feedForward(s.scope(1), dim, hidden) };
    });
    const csta = Array.from({ length: Math.floor(layers / 2) }, (_, i) => {
      const s = nn.scope('csta_block', i);
      const before = s.scope(0);
      const beforeNorm = before.layerNorm(0, 2 * dim);
      const beforeMlp = mlp(before, [1, 3], [2 * dim, half, half]);
      const toLarge = crossAttention(s.scope(1), half, crossHeads, dimHead);
      const fromLarge = crossAttention(s.scope(2), half, crossHeads, dimHead);
      const after = s.scope(3);
      const afterNorm = after.layerNorm(0, half);
      const afterMlp = mlp(after, [1, 3], [half, half, 2 * dim]);
      return { before: (x: Tensor) => beforeMlp(beforeNorm(x)), toLarge, fromLarge, after: (x: Tensor) => afterMlp(afterNorm(x)), ff: feedForward(s.scope(4), dim, hidden) };
    });
    // The original indexes its CNN branch (groups, then a closing conv) by fusion stage.
    const cnnScope = nn.scope('cnn_branch');
    const cnn: Layer[] = Array.from({ length: groups }, (_, i) => residualGroup(cnnScope.scope(i), c, reduction, blocks));
    cnn.push(conv(cnnScope, groups, c, c, 3));
    const fusion = Array.from({ length: stages }, (_, i) => chain(...[0, 1, 2, 3].map((j) => residualPair(nn.scope('fusion_block', i, j), 2 * c, 1, false))));
    const fusionMlp = Array.from({ length: stages - 1 }, (_, i) => {
      const s = nn.scope('fusion_mlp', i);
      const norm = s.layerNorm(0, dim);
      const net = mlp(s, [1, 3], [dim, hidden, dim]);
      return (x: Tensor) => net(norm(x));
    });
    const fusionCnn = Array.from({ length: stages - 1 }, (_, i) => {
      const s = nn.scope('fusion_cnn', i);
      const a = conv(s, 0, c, c, 3);
      const b = conv(s, 2, c, c, 3);
      return (x: Tensor) => b(relu(a(x)));
    });
    const convLast = conv(nn, 'conv_last', 2 * c, c, 3);
    const tailScope = nn.scope('tail');
    const ups = Array.from({ length: Math.log2(scale) }, (_, i) => conv(tailScope.scope(0), 2 * i, c, 4 * c, 3));
    const tailConv = conv(tailScope, 1, c, 1, 3);
    const compat = config.token_borders === 'seed-compat';

    return (lr) => {
      const x0 = head(lr);
      const [hh, ww] = [x0.shape[2]!, x0.shape[3]!];
      if (compat && ((typeof hh === 'number' && hh < 2 * t) || (typeof ww === 'number' && ww < 2 * t))) {
        throw new SrcacoError('data', `act with token_borders 'seed-compat' needs an input of at least ${2 * t}×${2 * t} px (its ${2 * t}×${2 * t} tokens), received ${ww}×${hh}`);
      }
      // The grid the tokens cover: whole tokens, padded ('pad') or cropped ('seed-compat').
      const toGrid = (img: Tensor) => (compat ? cropToMultiple(img, t) : padToMultiple(img, t, { minSize: 2 * t }));
      const grid0 = toGrid(x0);
      const size: [Dim, Dim] = [grid0.shape[2]!, grid0.shape[3]!];
      const tokens = (img: Tensor) => swapTokens(unfold(toGrid(img), t, { stride: t }));
      const image = (tkn: Tensor, k: number) => fold(swapTokens(tkn), size, k, { stride: t });

      let x = x0;
      let xt = tokens(x0);
      xt = add(linearEncoding(xt), xt);
      let f = x0;
      for (let i = 0; i < stages; i++) {
        xt = add(mhsa[i]!.attention(xt), xt);
        xt = add(mhsa[i]!.ff(xt), xt);
        const b = csta[i]!;
        let a = slice(xt, 2, 0, half);
        // Half of every token, as 2t×2t tokens overlapping by t.
        let large = swapTokens(unfold(image(slice(xt, 2, half, 2 * half), t), 2 * t, { stride: t }));
        large = b.before(large);
        const a0 = a;
        a = add(b.toLarge(a, large), a);
        large = add(b.fromLarge(large, a0), large);
        large = b.after(large);
        const back = swapTokens(unfold(image(large, 2 * t), t, { stride: t }));
        xt = concat([a, back], 2);
        xt = add(b.ff(xt), xt);

        x = cnn[i]!(x);
        const [xtRes, xRes] = [xt, x];
        f = concat([x, fitLike(image(xt, t), x)], 1);
        f = add(f, fusion[i]!(f));
        if (i !== stages - 1) {
          // As the original's split: the first C channels (the CNN branch's) go on as tokens, the rest as image.
          const xtImage = slice(f, 1, 0, c);
          x = add(fusionCnn[i]!(slice(f, 1, c, 2 * c)), xRes);
          xt = add(fusionMlp[i]!(tokens(xtImage)), xtRes);
        }
      }
      const y = add(convLast(f), x0);
      return tailConv(ups.reduce((z, up) => pixelShuffle(up(z), 2), y));
    };
  },
});
