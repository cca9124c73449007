/**
 * ProSR (Wang et al. 2018, "A Fully Progressive Approach to Single-Image Super-Resolution"; the original's
 * dlib/models/network_prosr.py, the ProSRL variant with residual dense blocks): one pyramid level per ×2. Level
 * s runs its dense residual blocks on the features (plus a level-wide skip), upsamples them ×2 by a 3×3 conv,
 * pixel shuffle and ReLU, and reconstructs an image at 2^s × LR size as a residual over the torch-bicubic
 * upsampled LR input clamped to [0, 1]. Every conv but the dense layers' 1×1 and the compressions is
 * reflection-padded (the original's Conv2d wrapper: `<name>.conv.0` the pad, `<name>.conv.1` the conv).
 *
 * Followed from the code, where it differs from the paper or looks unintended:
 * - one `init_conv_<s>` per level is built, but only the one of the model's own scale is used;
 * - `init_weights(self)` is applied to the ProSR module itself, not to its children, so it changes nothing:
 *   every layer keeps PyTorch's default init (the select_network default 'default' skips any other);
 * - there is no curriculum and no blending: each level's image goes to the loss (`loss_prosr`), the lower levels
 *   against the HR image bicubic-downsampled to their size (align_corners=True, clamped to [0, 1]), and the
 *   terms are averaged.
 */
import type { Scope } from '../engine/nn/module.js';
import { add, mul, relu } from '../engine/ops/elementwise.js';
import { pad2d, pixelShuffle } from '../engine/ops/layout.js';
import { concat } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { levelTarget } from './blocks/level-target.js';
import { defineModel } from './model.js';
import { upsampleClamped } from './upsample.js';

/** The original's Conv2d wrapper with its default reflection padding, for the 3×3 kernels ProSR uses. */
function reflectConv3(nn: Scope, local: string | number, inC: number, outC: number): (x: Tensor) => Tensor {
  const conv = nn.scope(local, 'conv').conv2d(1, inC, outC, 3);
  return (x) => conv(pad2d(x, [1, 1, 1, 1], 'reflect'));
}

/** The original's CompressionBlock: a bias-free 1×1 conv (its dropout rate is 0). */
function compression(nn: Scope, local: string, inC: number, outC: number): (x: Tensor) => Tensor {
  return nn.scope(local).conv2d('conv1', inC, outC, 1, { bias: false });
}

/**
 * DenseResidualBlock: `layers` dense layers (1×1 conv to bn_size·growth, ReLU, reflection-padded 3×3 conv to
 * growth, concatenated to the input), a compression back to `c` channels, scaled by `resFactor`, plus the input.
 */
function denseResidualBlock(nn: Scope, c: number, o: { layers: number; growth: number; bnSize: number; resFactor: number }): (x: Tensor) => Tensor {
  const dense = nn.scope('dense_block');
  const layers = Array.from({ length: o.layers }, (_, i) => {
    const layer = dense.scope(`denselayer${i + 1}`);
    const bottleneck = layer.conv2d('conv_1', c + i * o.growth, o.bnSize * o.growth, 1);
    const conv = reflectConv3(layer, 'conv_2', o.bnSize * o.growth, o.growth);
    return (x: Tensor) => conv(relu(bottleneck(x)));
  });
  const comp = compression(nn, 'comp', c + o.layers * o.growth, c);
  return (x) => {
    let h = x;
    for (const layer of layers) h = concat([h, layer(h)], 1);
    return add(mul(comp(h), o.resFactor), x);
  };
}

export const prosr = defineModel({
  name: 'prosr',
  displayName: 'ProSR',
  family: 'progressive',
  upsampling: 'progressive: one pixel-shuffle ×2 per pyramid level; each level a residual over the torch-bicubic upsampled input, clamped to [0, 1]',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'pyramid of dense residual blocks (160 features, growth 40), one level per ×2; trained on every level, the lower ones against the bicubic-downsampled HR, terms averaged',
  config: {
    num_init_features: { type: 'integer', default: 160, min: 1, help: 'feature channels of every level' },
    growth_rate: { type: 'integer', default: 40, min: 1, help: 'channels each dense layer adds' },
    bn_size: { type: 'integer', default: 4, min: 1, help: "a dense layer's 1×1 bottleneck is bn_size·growth_rate wide" },
    res_factor: { type: 'number', default: 0.2, help: 'scale of each dense residual block before its skip' },
    // The original's level_config, [[8]·9, [8]·3, [8]] of which a ×s model takes the first log2(s) levels.
    level_blocks: { type: 'integers', default: [9, 3, 1], min: 1, length: 3, help: 'dense residual blocks of the ×2, ×4 and ×8 levels' },
    num_layers: { type: 'integer', default: 8, min: 1, help: 'dense layers of every dense residual block' },
    ps_woReLU: { type: 'boolean', default: false, help: 'no ReLU after each pixel shuffle' },
  },
  // 2 / 1 / 1 blocks of 4 layers, 32 features: 1 % (×2) to 2 % (×8) of the full model's parameters, for a demo on 2 cores.
  presets: { demo: { num_init_features: 32, growth_rate: 16, bn_size: 2, level_blocks: [2, 1, 1], num_layers: 4 } },
  // A reflection pad of 1 needs 2 px.
  minInputPx: 2,
  // An upper bound, in LR px: init_conv (1), then per level k at 2^k × LR its blocks' 3×3 dense layers, final_conv
  // and the upsampler's conv (1 px each at that level's resolution), the last reconstruction (half a px), and the
  // bicubic residual (2 LR px).
  halo: ({ scale, config }) => {
    let reach = 1;
    for (let k = 0; 2 ** (k + 1) <= scale; k++) reach += (config.level_blocks[k]! * config.num_layers + 2) / 2 ** k;
    return Math.ceil(reach + 0.5) + 2;
  },
  lossOn: { kind: 'outputs', reduce: 'mean', target: (_name, hr, pred) => levelTarget(hr, pred) },
  build({ scale, config }, nn) {
    const c = config.num_init_features;
    const levels = Math.log2(scale);
    const block = { layers: config.num_layers, growth: config.growth_rate, bnSize: config.bn_size, resFactor: config.res_factor };
    const initConvs = Array.from({ length: levels }, (_, i) => reflectConv3(nn, `init_conv_${i + 1}`, 1, c));
    const pyramid = Array.from({ length: levels }, (_, i) => {
      const s = nn.scope(`pyramid_residual_${i + 1}`);
      const compress = i === 0 ? null : compression(s, `compression_${i}`, c, c);
      const blocks = Array.from({ length: config.level_blocks[i]! }, (_, b) => denseResidualBlock(s.scope(`residual_denseblock_${b + 1}`), c, block));
      const finalConv = reflectConv3(s.scope('final_conv'), 'final_conv', c, c);
      const upConv = reflectConv3(nn.scope(`pyramid_residual_${i + 1}_residual_upsampler`, 'm'), 0, c, 4 * c);
      const reconstruct = reflectConv3(nn.scope(`reconst_${i + 1}`), 'final_conv', c, 1);
      return { compress, blocks, finalConv, upConv, reconstruct };
    });
    return (lr) => {
      let feats = initConvs[levels - 1]!(lr);
      const images: Tensor[] = [];
      for (const [i, level] of pyramid.entries()) {
        let r = level.compress ? level.compress(feats) : feats;
        for (const b of level.blocks) r = b(r);
        feats = add(level.finalConv(r), feats);
        feats = pixelShuffle(level.upConv(feats), 2);
        if (!config.ps_woReLU) feats = relu(feats);
        images.push(add(level.reconstruct(feats), upsampleClamped(lr, 2 ** (i + 1))));
      }
      const outputs = Object.fromEntries(images.slice(0, -1).map((img, i) => [`x${2 ** (i + 1)}`, img]));
      return { y: images[levels - 1]!, outputs };
    };
  },
});
