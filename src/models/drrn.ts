/**
 * DRRN (Tai et al. 2017; the original's dlib/models/network_drrn.py): one recursive block whose single
 * residual unit (ReLU, 3×3 conv, ReLU, 3×3 conv; 128 channels, no biases) is applied U times with shared
 * weights, on the internally upsampled input, plus that input.
 */
import { add, relu } from '../engine/ops/elementwise.js';
import { defineModel } from './model.js';
import { upsampleClamped, upsampledHalo } from './upsample.js';
import { fanOutNormal } from './vdsr.js';

const C = 128;

export const drrn = defineModel({
  name: 'drrn',
  displayName: 'DRRN',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  input: 'lr',
  description: 'a recursive block of one shared residual unit (two 3×3 convs, 128 channels) applied U times',
  config: { num_residual_units: { type: 'integer', default: 25, min: 1, help: 'applications of the shared residual unit' } },
  // 3 recursions instead of 25: about 8× cheaper per step, for a training demo within minutes on 2 cores.
  presets: { demo: { num_residual_units: 3 } },
  // conv1, two 3×3 convs per application of the unit, conv2: 1 HR px each.
  halo: ({ scale, config }) => upsampledHalo(2 * config.num_residual_units + 2, scale),
  build({ scale, config }, nn) {
    const conv = { padding: 1, bias: false, init: fanOutNormal }; // kaiming_normal_(mode='fan_out', nonlinearity='relu')
    const first = nn.scope('conv1').conv2d(1, 1, C, 3, conv);
    const unit = nn.scope('trunk', 'residual_unit');
    const unitConv1 = unit.conv2d(1, C, C, 3, conv);
    const unitConv2 = unit.conv2d(3, C, C, 3, conv);
    const last = nn.scope('conv2').conv2d(1, C, 1, 3, conv);
    return (lr) => {
      const up = upsampleClamped(lr, scale);
      // conv1 starts with a ReLU, a no-op on the clamped input. The unit's first in-place ReLU rewrites the
      // block input in the original, so every skip connection adds relu(x0), not x0.
      const x0 = relu(first(relu(up)));
      let h = x0;
      for (let u = 0; u < config.num_residual_units; u++) h = add(unitConv2(relu(unitConv1(relu(h)))), x0);
      return add(last(relu(h)), up);
    };
  },
});
