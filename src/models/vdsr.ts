/**
 * VDSR (Kim et al. 2016; the original's dlib/models/network_vdsr.py): the LR image is upsampled inside
 * (torch bicubic, clamped), then 20 bias-free 3×3 convs of 64 channels with ReLUs, plus the upsampled input.
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { conv } from '../engine/nn/layers.js';
import type { ParamSpecs } from '../engine/nn/spec.js';
import { conv2dSpecs, overrideInit } from '../engine/nn/spec.js';
import { add, relu } from '../engine/ops/elementwise.js';
import type { Tensor } from '../engine/tensor.js';
import type { Model, ModelDef } from './model.js';
import { upsampleClamped } from './upsample.js';

const TRUNK = 18;
const C = 64;

/** The original's init for every conv: N(0, √(2/(k²·out))) (kaiming normal, fan_out). */
export const fanOutNormal = (_name: string, spec: { shape: readonly number[] }) => {
  const [o, , kh, kw] = spec.shape;
  return { kind: 'normal', std: Math.sqrt(2 / (o! * kh! * kw!)) } as const;
};

function vdsrSpecs(): ParamSpecs {
  const specs = { ...conv2dSpecs('conv1.0', 1, C, 3, { bias: false }) };
  for (let i = 0; i < TRUNK; i++) Object.assign(specs, conv2dSpecs(`trunk.${i}.conv`, C, C, 3, { bias: false }));
  Object.assign(specs, conv2dSpecs('conv2', C, 1, 3, { bias: false }));
  return overrideInit(specs, fanOutNormal);
}

function vdsrForward(scale: number, vars: Vars, lr: Tensor): Tensor {
  const up = upsampleClamped(lr, scale);
  let h = relu(conv(vars, 'conv1.0', up, { padding: 1 }));
  for (let i = 0; i < TRUNK; i++) h = relu(conv(vars, `trunk.${i}.conv`, h, { padding: 1 }));
  return add(conv(vars, 'conv2', h, { padding: 1 }), up);
}

export const vdsr: ModelDef = {
  name: 'vdsr',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  defaults: {},
  presets: {},
  description: '20 bias-free 3×3 convs of 64 channels on the bicubic-upsampled input, plus that input',
  build(scale): Model {
    return {
      name: 'vdsr',
      scale,
      config: {},
      specs: vdsrSpecs(),
      input: 'lr',
      forward: (vars: Vars, x: Tensor, _ctx: ForwardContext) => vdsrForward(scale, vars, x),
    };
  },
};
