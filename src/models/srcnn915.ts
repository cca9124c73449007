/**
 * The classic 9-5-5 SRCNN (Dong et al. 2014; the original's `BasicSRCNN`): on a cv2-bicubic input at HR size,
 * 9×9 conv 1→64, ReLU, 5×5 64→32, ReLU, 5×5 32→1. Same init rule as the original's SRCNN.
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import type { Tensor } from '../engine/tensor.js';
import type { Model, ModelDef } from './model.js';
import type { SrcnnLayers } from './srcnn.js';
import { srcnnForward, srcnnSpecs } from './srcnn.js';

const LAYERS: SrcnnLayers = [
  ['features.0', 1, 64, 9],
  ['map.0', 64, 32, 5],
  ['reconstruction', 32, 1, 5],
];

export const srcnn915: ModelDef = {
  name: 'srcnn915',
  family: 'pre-upsampling',
  upsampling: 'outside: OpenCV bicubic of the LR image to HR size, before the network',
  scales: [2, 4, 8],
  defaults: {},
  presets: {},
  description: 'the classic SRCNN 9-5-5 (64 and 32 channels); small and fast, a reference point for the engine',
  build(scale): Model {
    return {
      name: 'srcnn915',
      scale,
      config: {},
      specs: srcnnSpecs(LAYERS),
      input: 'cv2-bicubic',
      forward: (vars: Vars, x: Tensor, _ctx: ForwardContext) => srcnnForward(LAYERS, vars, x),
    };
  },
};
