/**
 * The EDSR pieces several original networks share (NLSN, ENLCN, ACT, SRFBN): the frozen mean-shift layers, the
 * residual block and the pixel-shuffle upsampler, declared with the original's state_dict names.
 */
import type { Scope } from '../../engine/nn/module.js';
import { add, mul, relu } from '../../engine/ops/elementwise.js';
import { pixelShuffle } from '../../engine/ops/layout.js';
import type { Tensor } from '../../engine/tensor.js';

type Layer = (x: Tensor) => Tensor;

/** DIV2K's RGB mean of the original's MeanShift layers. */
const RGB_MEAN = [0.4488, 0.4371, 0.404];

/**
 * The original's MeanShift (a frozen 3 → 3 1×1 conv: identity weight, sign·rgb_range·mean bias, computed in
 * float32 as PyTorch does), kept as constants so checkpoints load: the one-channel networks never apply it.
 */
export function meanShift(nn: Scope, local: string, sign: 1 | -1, rgbRange = 1): void {
  const s = nn.scope(local);
  s.constant('weight', [3, 3, 1, 1], Float32Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? 1 : 0)));
  s.constant('bias', [3], Float32Array.from(RGB_MEAN, (m) => Math.fround(sign * rgbRange * Math.fround(m))));
}

/** EDSR's ResBlock: x + res_scale·conv(ReLU(conv(x))), 3×3 convs `body.0` and `body.2`. */
export function resBlock(nn: Scope, f: number, resScale: number): Layer {
  const conv1 = nn.scope('body').conv2d(0, f, f, 3, { padding: 1 });
  const conv2 = nn.scope('body').conv2d(2, f, f, 3, { padding: 1 });
  return (x) => add(mul(conv2(relu(conv1(x))), resScale), x);
}

/** EDSR's Upsampler for a power-of-two scale: per octave a 3×3 conv F → 4F (`<2i>`) and a ×2 pixel shuffle. */
export function upsampler(nn: Scope, scale: number, f: number): Layer {
  const convs = Array.from({ length: Math.log2(scale) }, (_, i) => nn.conv2d(2 * i, f, 4 * f, 3, { padding: 1 }));
  return (x) => convs.reduce((h, conv) => pixelShuffle(conv(h), 2), x);
}
