/**
 * MS-LapSRN as the SR-CACO-2 code builds it (dlib/models/network_mslapsr.py, after Lai et al. 2018): a Laplacian
 * pyramid, one level per ×2. Each level runs 10 3×3 convs (64 channels, LeakyReLU 0.2) and a 4×4 stride-2
 * transposed conv on the features, predicts a residual from them (3×3 conv to one channel) and adds it to the
 * previous level's image upsampled by its own 1→1 transposed conv. Where the code differs from the paper we follow
 * the code: every level has its own weights (the paper shares them across levels and recurses its blocks), and
 * the bilinear init `_initialize_weights` it defines is never called, so every layer keeps PyTorch's default init.
 * Training puts every level's image in the loss (`loss_mslaprs`): the mean over levels, each intermediate level
 * against the HR bicubic-resized to its size (align_corners=True, clamped).
 */
import { leakyRelu, add } from '../engine/ops/elementwise.js';
import type { Scope } from '../engine/nn/module.js';
import type { Tensor } from '../engine/tensor.js';
import { levelTarget } from './blocks/level-target.js';
import { defineModel } from './model.js';

const C = 64;
const DEPTH = 10;
const SLOPE = 0.2;
const UP = { stride: 2, padding: 1 } as const;

/** Level k (0-based): modules laplacian_pyramid_conv{3k+1} (features), {3k+2} (image), {3k+3} (residual). */
function level(nn: Scope, k: number): (features: Tensor, image: Tensor) => { features: Tensor; image: Tensor } {
  const trunk = nn.scope(`laplacian_pyramid_conv${3 * k + 1}`);
  const convs = Array.from({ length: DEPTH }, (_, j) => trunk.scope(j, 'cl').conv2d(0, C, C, 3, { padding: 1 }));
  const upFeatures = trunk.convTranspose2d(DEPTH, C, C, 4, UP);
  const upImage = nn.convTranspose2d(`laplacian_pyramid_conv${3 * k + 2}`, 1, 1, 4, UP);
  const residual = nn.conv2d(`laplacian_pyramid_conv${3 * k + 3}`, C, 1, 3, { padding: 1 });
  return (features, image) => {
    let h = features;
    for (const conv of convs) h = leakyRelu(conv(h), SLOPE);
    h = leakyRelu(upFeatures(h), SLOPE);
    return { features: h, image: add(upImage(image), residual(h)) };
  };
}

export const mslapsrn = defineModel({
  name: 'mslapsrn',
  displayName: 'MS-LapSRN',
  family: 'progressive',
  upsampling: 'inside: one learned 4×4 stride-2 transposed conv per ×2 level, on the features and on the image',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'a Laplacian pyramid, per ×2 level 10 3×3 convs (64 channels, LeakyReLU 0.2), transposed-conv upsampling, a predicted residual; trained on every level (mean of the losses, smaller levels against the bicubic-downsized HR)',
  lossOn: { kind: 'outputs', reduce: 'mean', target: (_name, hr, pred) => levelTarget(hr, pred) },
  // An upper bound, in LR px: conv1 (1), then per level k at 2^k × LR its 10 3×3 convs and the 4×4 stride-2
  // transposed conv (under 2 px), and the residual conv at the level's output (1 px there, half a px here).
  halo: ({ scale }) => {
    let reach = 1;
    for (let k = 0; 2 ** (k + 1) <= scale; k++) reach += (DEPTH + 2 + 0.5) / 2 ** k;
    return Math.ceil(reach);
  },
  build({ scale }, nn) {
    const first = nn.scope('conv1').conv2d(0, 1, C, 3, { padding: 1 });
    const count = Math.log2(scale);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`scale must be a power of two ≥ 2, received ${scale}`);
    const levels = Array.from({ length: count }, (_, k) => level(nn, k));
    return (lr) => {
      let state = { features: leakyRelu(first(lr), SLOPE), image: lr };
      const outputs: Record<string, Tensor> = {};
      for (const [k, step] of levels.entries()) {
        if (k > 0) outputs[`x${2 ** k}`] = state.image;
        state = step(state.features, state.image);
      }
      return { y: state.image, outputs };
    };
  },
});
