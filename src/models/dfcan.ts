/**
 * DFCAN (Qiao et al. 2021, "Evaluation and development of deep neural networks for image super-resolution in
 * optical microscopy"; the original's dlib/models/network_dfcan.py, from L0-zhang/DFCAN-pytorch): a 3×3 conv and
 * GELU, residual groups of Fourier channel-attention blocks, a 3×3 conv to F·s² channels and GELU, a pixel
 * shuffle, a 3×3 conv to one channel and a sigmoid. Each block (the original's `RCAB`) runs two conv-GELUs, then
 * weighs their output's channels by an attention computed from its power spectrum: |FFT2|^0.8 (plus 1e-8 before
 * the power), fftshifted, a 3×3 conv-ReLU, the global mean, a 1×1 conv-ReLU to a few channels and a 1×1
 * conv-sigmoid back; the block and every group are residual.
 */
import { add, mul, pow, relu, sigmoid } from '../engine/ops/elementwise.js';
import { fft2Abs, fftShift2d } from '../engine/ops/fft.js';
import { pixelShuffle } from '../engine/ops/layout.js';
import { gelu, globalAvgPool2d } from '../engine/ops/nn.js';
import type { Scope } from '../engine/nn/module.js';
import type { Tensor } from '../engine/tensor.js';
import { defineModel } from './model.js';

/** The original's RCAB.forward(x, gamma=0.8): the power applied to the magnitude spectrum. */
const GAMMA = 0.8;
/** Added to |FFT| before the power, as the original does (it keeps the power's slope finite). */
const ABS_EPS = 1e-8;

type Layer = (x: Tensor) => Tensor;

/** nn.Sequential(nn.Conv2d(inC, outC, k, padding=(k − 1)/2), activation): the conv is `<local>.0`. */
function convAct(nn: Scope, local: string, inC: number, outC: number, k: number, act: Layer): Layer {
  const conv = nn.scope(local).conv2d(0, inC, outC, k, { padding: (k - 1) / 2 });
  return (x) => act(conv(x));
}

/** The Fourier channel-attention block (the original's RCAB). */
function fcab(nn: Scope, f: number, squeeze: number): Layer {
  const conv1 = convAct(nn, 'conv_gelu1', f, f, 3, gelu);
  const conv2 = convAct(nn, 'conv_gelu2', f, f, 3, gelu);
  const spectrumConv = convAct(nn, 'conv_relu1', f, f, 3, relu);
  const down = convAct(nn, 'conv_relu2', f, squeeze, 1, relu);
  const up = convAct(nn, 'conv_sigmoid', squeeze, f, 1, sigmoid);
  return (x) => {
    const features = conv2(conv1(x));
    const spectrum = fftShift2d(pow(add(fft2Abs(features), ABS_EPS), GAMMA));
    const weights = up(down(globalAvgPool2d(spectrumConv(spectrum))));
    return add(x, mul(features, weights));
  };
}

export const dfcan = defineModel({
  name: 'dfcan',
  displayName: 'DFCAN',
  family: 'post-upsampling',
  upsampling: 'at the end: a 3×3 conv to F·s² channels, GELU, one pixel shuffle by s; sigmoid output',
  scales: [2, 4, 8],
  input: 'lr',
  description: 'residual groups of Fourier channel-attention blocks (attention from the fftshifted |FFT2|^0.8 of the features), GELU, sigmoid output',
  // srcaco's names: the original hard-codes every one of these (64 channels, 4 groups of 4 blocks, 4 squeeze channels).
  config: {
    num_features: { type: 'integer', default: 64, min: 1, help: 'feature channels (F)' },
    num_groups: { type: 'integer', default: 4, min: 1, help: 'residual groups' },
    num_blocks: { type: 'integer', default: 4, min: 1, help: 'Fourier channel-attention blocks per group' },
    squeeze: { type: 'integer', default: 4, min: 1, help: 'channels of the attention bottleneck (1×1 conv-ReLU)' },
  },
  // 2 groups of 2 blocks of 32 channels: every code path, a quarter of the blocks at a quarter of the conv work.
  presets: { demo: { num_features: 32, num_groups: 2, num_blocks: 2 } },
  // The convolutional reach, in LR px: the input conv, two 3×3 convs per block, the upsampling conv, and the last
  // 3×3 conv's 1 HR px. The attention weights are global means over the whole input, so a tile's output also
  // depends on everything the tile holds: tiled inference is exact only when the image fits one tile (see
  // docs/models.md, DFCAN).
  halo: ({ config }) => 1 + 2 * config.num_groups * config.num_blocks + 1 + 1,
  globalContext: true, // the Fourier channel attention pools over the whole image
  build({ scale, config }, nn) {
    const { num_features: f, num_groups: groups, num_blocks: blocks, squeeze } = config;
    const head = convAct(nn, 'input', 1, f, 3, gelu);
    const body = Array.from({ length: groups }, (_, g) => Array.from({ length: blocks }, (_, b) => fcab(nn.scope('RGs', g, 'RCABs', b), f, squeeze)));
    const upConv = convAct(nn, 'conv_gelu', f, f * scale * scale, 3, gelu);
    const tail = convAct(nn, 'conv_sigmoid', f, 1, 3, sigmoid);
    return (lr) => {
      let x = head(lr);
      for (const group of body) {
        let h = x;
        for (const block of group) h = block(h);
        x = add(x, h);
      }
      return tail(pixelShuffle(upConv(x), scale));
    };
  },
});
