/**
 * DRRN (Tai et al. 2017; the original's dlib/models/network_drrn.py): one recursive block whose single
 * residual unit (ReLU, 3×3 conv, ReLU, 3×3 conv; 128 channels, no biases) is applied U times with shared
 * weights, on the internally upsampled input, plus that input.
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { conv } from '../engine/nn/layers.js';
import type { ParamSpecs } from '../engine/nn/spec.js';
import { conv2dSpecs, overrideInit } from '../engine/nn/spec.js';
import { add, relu } from '../engine/ops/elementwise.js';
import type { Tensor } from '../engine/tensor.js';
import { positiveIntConfig, type Model, type ModelDef } from './model.js';
import { upsampleClamped } from './upsample.js';
import { fanOutNormal } from './vdsr.js';

const C = 128;

function drrnSpecs(): ParamSpecs {
  const specs = {
    ...conv2dSpecs('conv1.1', 1, C, 3, { bias: false }),
    ...conv2dSpecs('trunk.residual_unit.1', C, C, 3, { bias: false }),
    ...conv2dSpecs('trunk.residual_unit.3', C, C, 3, { bias: false }),
    ...conv2dSpecs('conv2.1', C, 1, 3, { bias: false }),
  };
  return overrideInit(specs, fanOutNormal); // kaiming_normal_(mode='fan_out', nonlinearity='relu')
}

function drrnForward(scale: number, units: number, vars: Vars, lr: Tensor): Tensor {
  const up = upsampleClamped(lr, scale);
  // conv1 starts with a ReLU, a no-op on the clamped input. The unit's first in-place ReLU rewrites the
  // block input in the original, so every skip connection adds relu(x0), not x0.
  const x0 = relu(conv(vars, 'conv1.1', relu(up), { padding: 1 }));
  let h = x0;
  for (let u = 0; u < units; u++) {
    const r = conv(vars, 'trunk.residual_unit.1', relu(h), { padding: 1 });
    h = add(conv(vars, 'trunk.residual_unit.3', relu(r), { padding: 1 }), x0);
  }
  return add(conv(vars, 'conv2.1', relu(h), { padding: 1 }), up);
}

export const drrn: ModelDef = {
  name: 'drrn',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  defaults: { num_residual_units: 25 },
  // 3 recursions instead of 25: about 8× cheaper per step, for a training demo within minutes on 2 cores.
  presets: { demo: { num_residual_units: 3 } },
  description: 'a recursive block of one shared residual unit (two 3×3 convs, 128 channels) applied U times',
  build(scale, config): Model {
    const units = positiveIntConfig(config.num_residual_units, 'num_residual_units');
    return {
      name: 'drrn',
      scale,
      config: { num_residual_units: units },
      specs: drrnSpecs(),
      input: 'lr',
      forward: (vars: Vars, x: Tensor, _ctx: ForwardContext) => drrnForward(scale, units, vars, x),
    };
  },
};
