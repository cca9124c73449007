/**
 * The original's SRCNN (dlib/models/network_srcnn.py `SRCNN`): on a cv2-bicubic input at HR size,
 * 5×5 conv 1→1024, ReLU, 1×1 1024→128, ReLU, 1×1 128→1, all with biases. Not the paper-classic 9-5-5
 * (that is `srcnn915`).
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { conv } from '../engine/nn/layers.js';
import type { ParamSpecs } from '../engine/nn/spec.js';
import { conv2dSpecs, overrideInit } from '../engine/nn/spec.js';
import { relu } from '../engine/ops/elementwise.js';
import type { Tensor } from '../engine/tensor.js';
import type { Model, ModelDef } from './model.js';

/** The three convolutions (name, in, out, kernel) of an SRCNN-shaped network. */
export type SrcnnLayers = readonly [readonly [string, number, number, number], readonly [string, number, number, number], readonly [string, number, number, number]];

/** SRCNN's parameter tree with the original's init: N(0, √(2/(out·k²))) weights, zero biases, reconstruction N(0, 0.001). */
export function srcnnSpecs(layers: SrcnnLayers): ParamSpecs {
  const specs = Object.assign({}, ...layers.map(([name, i, o, k]) => conv2dSpecs(name, i, o, k)));
  return overrideInit(specs, (name, spec) => {
    if (name.endsWith('.bias')) return { kind: 'constant', value: 0 };
    if (name === 'reconstruction.weight') return { kind: 'normal', std: 0.001 };
    const [o, , kh, kw] = spec.shape;
    return { kind: 'normal', std: Math.sqrt(2 / (o! * kh! * kw!)) };
  });
}

/** conv → ReLU → conv → ReLU → conv, each padded to keep the size. */
export function srcnnForward(layers: SrcnnLayers, vars: Vars, x: Tensor): Tensor {
  const [[n1, , , k1], [n2, , , k2], [n3, , , k3]] = layers;
  const h = relu(conv(vars, n1, x, { padding: (k1 - 1) / 2 }));
  const m = relu(conv(vars, n2, h, { padding: (k2 - 1) / 2 }));
  return conv(vars, n3, m, { padding: (k3 - 1) / 2 });
}

const LAYERS: SrcnnLayers = [
  ['features.0', 1, 1024, 5],
  ['map.0', 1024, 128, 1],
  ['reconstruction', 128, 1, 1],
];

/** The registry entry of an SRCNN-shaped network with the given layers (cv2-bicubic input, no presets). */
export function srcnnModelDef(name: string, layers: SrcnnLayers, description: string): ModelDef {
  return {
    name,
    family: 'pre-upsampling',
    upsampling: 'outside: OpenCV bicubic of the LR image to HR size, before the network',
    scales: [2, 4, 8],
    defaults: {},
    presets: {},
    description,
    build(scale): Model {
      return {
        name,
        scale,
        config: {},
        specs: srcnnSpecs(layers),
        input: 'cv2-bicubic',
        forward: (vars: Vars, x: Tensor, _ctx: ForwardContext) => srcnnForward(layers, vars, x),
      };
    },
  };
}

export const srcnn = srcnnModelDef(
  'srcnn',
  LAYERS,
  "the original's SRCNN: 5×5 conv to 1024 channels, 1×1 to 128, 1×1 to 1 (ReLUs between)",
);
