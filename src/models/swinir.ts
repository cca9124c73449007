/**
 * SwinIR (Liang et al. 2021, "SwinIR: Image Restoration Using Swin Transformer"; the original's
 * dlib/models/network_swinir.py with the benchmark's hyper-parameters from utils_init_default_args.py): a 3×3
 * conv to `embed_dim` channels, residual Swin transformer blocks (RSTB: `depths[i]` Swin blocks, then a 3×3 conv,
 * plus the stage's input), a layer norm and a 3×3 conv around the whole body plus the shallow features, then the
 * classical-SR head (3×3 conv to 64 + LeakyReLU, ×2 pixel-shuffle steps, 3×3 conv to 1 channel).
 *
 * As the original's forward, the LR input is reflect-padded at the bottom and right up to a multiple of the
 * window and the output cropped back to s·H × s·W; unlike the original, the shifted-window masks are always
 * computed for the padded input (symbolic H and W in inference graphs), never read from the construction-time
 * `attn_mask` buffers, which stay in the state_dict for checkpoint compatibility (any saved shape loads). So ×8
 * with the protocol's 96-px patches (LR 12, padded to 16) works, where the original fails to build.
 */
import type { Dim } from '../engine/dims.js';
import { dimAffine } from '../engine/dims.js';
import type { Scope } from '../engine/nn/module.js';
import { add, leakyRelu } from '../engine/ops/elementwise.js';
import { pixelShuffle } from '../engine/ops/layout.js';
import { cropTo, padToMultiple } from '../engine/ops/pad-to.js';
import { transpose } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import { swinBlock } from './blocks/swin-block.js';
import { defineModel } from './model.js';

/** The protocol's HR training patch (the original's h_size), which sets its default img_size: 96 / scale. */
const PROTOCOL_HR_PX = 96;

/** NCHW ↔ NHWC: the blocks work on tokens in NHWC order (the original's [B, H·W, C] view of them). */
const toNhwc = (x: Tensor) => transpose(x, [0, 2, 3, 1]);
const toNchw = (x: Tensor) => transpose(x, [0, 3, 1, 2]);

export const swinir = defineModel({
  name: 'swinir',
  displayName: 'SwinIR',
  family: 'post-upsampling',
  upsampling: 'inside: pixel shuffle (×2 steps) after the transformer body',
  scales: [2, 4, 8],
  input: 'lr',
  description: 'residual stages of Swin transformer blocks (window self-attention, shifted every other block), pixel-shuffle head',
  config: {
    img_size: {
      type: 'integer',
      default: 0,
      min: 0,
      help: "LR side the original was built for; sizes only the state_dict's attn_mask buffers (0: 96 / scale)",
    },
    window_size: { type: 'integer', default: 8, min: 2, help: 'attention window side (LR px); inputs are padded to a multiple' },
    depths: { type: 'integers', default: [6, 6, 6, 6, 6, 6], min: 1, help: 'Swin blocks in each residual stage (RSTB)' },
    embed_dim: { type: 'integer', default: 180, min: 1, help: 'token channels' },
    num_heads: { type: 'integers', default: [6, 6, 6, 6, 6, 6], min: 1, help: 'attention heads of each stage' },
    mlp_ratio: { type: 'number', default: 2, min: 0, help: 'MLP hidden channels / embed_dim' },
    drop_path_rate: { type: 'number', default: 0.1, min: 0, max: 1, help: 'stochastic depth, rising linearly from 0 over the blocks' },
    num_feat: { type: 'integer', default: 64, min: 1, help: "the head's channels (hard-coded 64 in the original)" },
  },
  // Two stages of two blocks, 60 channels (SwinIR-light's width): every code path of the full model.
  presets: { demo: { depths: [2, 2], num_heads: [6, 6], embed_dim: 60 } },
  // Reflect padding to a multiple of the window needs pads smaller than the side: (8 − h mod 8) mod 8 < h.
  minInputPx: 5,
  // An upper bound in LR px: each block mixes tokens of one window (window − 1 px apart), each conv reaches 1 px
  // (conv_first, one per stage, conv_after_body, conv_before_upsample, the head's at ≥ LR resolution), rounded up
  // to whole windows so that tiles aligned to the window see the same partition.
  halo: ({ scale, config }) => {
    const w = config.window_size;
    const blocks = config.depths.reduce((a, b) => a + b, 0);
    const reach = blocks * (w - 1) + config.depths.length + 4 + Math.log2(scale);
    return Math.ceil(reach / w) * w;
  },
  // Windows are cut from the (padded) input's top-left corner: tiles starting at multiples of the window see the
  // same partition as the whole image.
  tileAlign: ({ config }) => config.window_size,
  build({ scale, config }, nn) {
    const { window_size: window, depths, embed_dim: dim, num_heads: heads, mlp_ratio: mlpRatio, num_feat: feat } = config;
    if (depths.length !== heads.length) throw new SrcacoError('usage', `swinir: depths (${depths.length} stages) and num_heads (${heads.length}) must have one entry per stage`);
    if (![2, 4, 8].includes(scale)) throw new SrcacoError('usage', `swinir supports scales 2, 4, 8, received ${scale}`, { option: '--scale' });
    const imgSize = config.img_size === 0 ? PROTOCOL_HR_PX / scale : config.img_size;
    if (imgSize <= window) {
      // The original then shrinks the window to img_size and drops the shift: another architecture.
      throw new SrcacoError('usage', `swinir: img_size ${imgSize} must exceed window_size ${window} (the original changes its window below that)`);
    }
    const maskSize = Math.ceil(imgSize / window) * window;
    const total = depths.reduce((a, b) => a + b, 0);
    const dropRate = (k: number) => (total > 1 ? (config.drop_path_rate * k) / (total - 1) : 0);

    const convFirst = nn.conv2d('conv_first', 1, dim, 3, { padding: 1 });
    const patchNorm = nn.layerNorm('patch_embed.norm', dim);
    let k = 0;
    const stages = depths.map((depth, i) => {
      const s = nn.scope('layers', i);
      const blocks = Array.from({ length: depth }, (_, j) =>
        swinBlock(s.scope('residual_group.blocks', j), {
          dim,
          heads: heads[i]!,
          window,
          shift: j % 2 === 0 ? 0 : Math.floor(window / 2),
          mlpRatio,
          dropPath: dropRate(k++),
          maskSize,
        }),
      );
      const conv = s.conv2d('conv', dim, dim, 3, { padding: 1 });
      return { blocks, conv };
    });
    const norm = nn.layerNorm('norm', dim);
    const convAfterBody = nn.conv2d('conv_after_body', dim, dim, 3, { padding: 1 });
    const convBeforeUpsample = nn.conv2d('conv_before_upsample.0', dim, feat, 3, { padding: 1 });
    const upsample = Array.from({ length: Math.log2(scale) }, (_, i) => nn.conv2d(`upsample.${2 * i}`, feat, 4 * feat, 3, { padding: 1 }));
    const convLast = nn.conv2d('conv_last', feat, 1, 3, { padding: 1 });

    return (x, ctx) => {
      const [h, w] = [x.shape[2]!, x.shape[3]!];
      for (const side of [h, w]) if (typeof side === 'number') checkPaddable(side, window);
      // One plane, img_range 1: the original's mean subtraction is by zero and its range scaling by one.
      const shallow = convFirst(padToMultiple(x, window, { mode: 'reflect' }));
      let tokens = patchNorm(toNhwc(shallow));
      for (const stage of stages) {
        let y = tokens;
        for (const block of stage.blocks) y = block(y, ctx);
        tokens = add(toNhwc(stage.conv(toNchw(y))), tokens);
      }
      const body = add(convAfterBody(toNchw(norm(tokens))), shallow);
      let up = leakyRelu(convBeforeUpsample(body), 0.01);
      for (const conv of upsample) up = pixelShuffle(conv(up), 2);
      return cropTo(convLast(up), dimAffine(h, scale, 1, 0), dimAffine(w, scale, 1, 0));
    };
  },
});

/** Refuses a side the reflect padding to a multiple of the window cannot pad (PyTorch's F.pad refuses it too). */
function checkPaddable(side: number, window: number): void {
  const pad = (window - (side % window)) % window;
  if (pad >= side) throw new SrcacoError('data', `swinir with window ${window} needs LR sides the reflect padding to a multiple of ${window} can pad (pad < side), received ${side} px`);
}
