/**
 * VDSR (Kim et al. 2016; the original's dlib/models/network_vdsr.py): the LR image is upsampled inside
 * (torch bicubic, clamped), then 20 bias-free 3×3 convs of 64 channels with ReLUs, plus the upsampled input.
 */
import { kaimingNormal } from '../engine/nn/init.js';
import { add, relu } from '../engine/ops/elementwise.js';
import { defineModel } from './model.js';
import { upsampleClamped, upsampledHalo } from './upsample.js';

const TRUNK = 18;
const C = 64;

/** The original's init for every conv of VDSR and DRRN: N(0, √(2/(k²·out))) (kaiming normal, fan_out). */
export const fanOutNormal = { weight: kaimingNormal({ mode: 'fan_out' }) };

export const vdsr = defineModel({
  name: 'vdsr',
  displayName: 'VDSR',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  input: 'lr',
  description: '20 bias-free 3×3 convs of 64 channels on the bicubic-upsampled input, plus that input',
  halo: ({ scale }) => upsampledHalo(TRUNK + 2, scale), // 20 3×3 convs, 1 HR px each
  build({ scale }, nn) {
    const conv = { padding: 1, bias: false, init: fanOutNormal };
    const first = nn.scope('conv1').conv2d(0, 1, C, 3, conv);
    const trunk = Array.from({ length: TRUNK }, (_, i) => nn.scope('trunk', i).conv2d('conv', C, C, 3, conv));
    const last = nn.conv2d('conv2', C, 1, 3, conv);
    return (lr) => {
      const up = upsampleClamped(lr, scale);
      let h = relu(first(up));
      for (const layer of trunk) h = relu(layer(h));
      return add(last(h), up);
    };
  },
});
