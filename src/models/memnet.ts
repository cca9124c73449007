/**
 * MemNet (Tai et al. 2017; the original's dlib/models/network_memnet.py) on the internally upsampled input:
 * BN-ReLU-conv feature extractor, M memory blocks, BN-ReLU-conv reconstructor, plus the upsampled input.
 * Memory block i holds R residual blocks (BN-ReLU-conv ×2, 64 channels) and a gate (BN-ReLU-1×1 conv) over
 * [short_1..short_R, features, gate_0..gate_{i-1}]. As in the original, the *whole chain* of R residual
 * blocks is applied R times, each pass giving one short-term memory.
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { batchNorm, conv } from '../engine/nn/layers.js';
import type { ParamSpec, ParamSpecs } from '../engine/nn/spec.js';
import { batchNorm2dSpecs, conv2dSpecs, overrideInit } from '../engine/nn/spec.js';
import { add, relu } from '../engine/ops/elementwise.js';
import { concat } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { Model, ModelDef } from './model.js';
import { upsampleClamped } from './upsample.js';

const C = 64;

function memnetSpecs(blocks: number, residual: number): ParamSpecs {
  const specs: Record<string, ParamSpec> = { ...batchNorm2dSpecs('feature_extractor.0', 1), ...conv2dSpecs('feature_extractor.2', 1, C, 3, { bias: false }) };
  for (let i = 0; i < blocks; i++) {
    const b = `dense_memory_blocks.${i}`;
    for (let j = 0; j < residual; j++) {
      const r = `${b}.recursive_unit.${j}.residual_block`;
      Object.assign(specs, batchNorm2dSpecs(`${r}.0`, C), conv2dSpecs(`${r}.2`, C, C, 3, { bias: false }));
      Object.assign(specs, batchNorm2dSpecs(`${r}.3`, C), conv2dSpecs(`${r}.5`, C, C, 3, { bias: false }));
    }
    const gate = (residual + i + 1) * C;
    Object.assign(specs, batchNorm2dSpecs(`${b}.gate_unit.0`, gate), conv2dSpecs(`${b}.gate_unit.2`, gate, C, 1, { bias: false }));
  }
  Object.assign(specs, batchNorm2dSpecs('reconstructor.0', C), conv2dSpecs('reconstructor.2', C, 1, 1, { bias: false }));
  // The original: kaiming_normal_ (fan_in, gain √2) for convs; BatchNorm weight 1, bias 0 (PyTorch's default).
  return overrideInit(specs, (name, spec) => {
    if (spec.shape.length !== 4) return undefined;
    const [, i, kh, kw] = spec.shape;
    return { kind: 'normal', std: Math.sqrt(2 / (i! * kh! * kw!)) };
  });
}

/** BatchNorm → ReLU → conv, the unit every MemNet stage is made of. */
function bnReluConv(vars: Vars, bn: string, cv: string, x: Tensor, ctx: ForwardContext, padding: number): Tensor {
  return conv(vars, cv, relu(batchNorm(vars, bn, x, ctx)), { padding });
}

function memnetForward(scale: number, blocks: number, residual: number, vars: Vars, lr: Tensor, ctx: ForwardContext): Tensor {
  const up = upsampleClamped(lr, scale);
  let out = bnReluConv(vars, 'feature_extractor.0', 'feature_extractor.2', up, ctx, 1);
  const longTerm = [out];
  for (let i = 0; i < blocks; i++) {
    const b = `dense_memory_blocks.${i}`;
    const shortTerm: Tensor[] = [];
    let x = out;
    for (let pass = 0; pass < residual; pass++) {
      for (let j = 0; j < residual; j++) {
        const r = `${b}.recursive_unit.${j}.residual_block`;
        const h = bnReluConv(vars, `${r}.0`, `${r}.2`, x, ctx, 1);
        x = add(bnReluConv(vars, `${r}.3`, `${r}.5`, h, ctx, 1), x);
      }
      shortTerm.push(x);
    }
    out = bnReluConv(vars, `${b}.gate_unit.0`, `${b}.gate_unit.2`, concat([...shortTerm, ...longTerm], 1), ctx, 0);
    longTerm.push(out);
  }
  return add(bnReluConv(vars, 'reconstructor.0', 'reconstructor.2', out, ctx, 0), up);
}

function positiveInt(v: number | undefined, what: string): number {
  if (v === undefined || !Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be an integer ≥ 1, received ${v}`);
  return v;
}

export const memnet: ModelDef = {
  name: 'memnet',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  defaults: { num_memory_blocks: 6, num_residual_blocks: 6 },
  // 2 × 2 instead of 6 × 6: 16 residual-block passes instead of 216, for a training demo on 2 cores.
  presets: { demo: { num_memory_blocks: 2, num_residual_blocks: 2 } },
  description: 'memory blocks of recursive residual blocks with gates over short- and long-term memories; BatchNorm',
  build(scale, config): Model {
    const blocks = positiveInt(config.num_memory_blocks, 'num_memory_blocks');
    const residual = positiveInt(config.num_residual_blocks, 'num_residual_blocks');
    return {
      name: 'memnet',
      scale,
      config: { num_memory_blocks: blocks, num_residual_blocks: residual },
      specs: memnetSpecs(blocks, residual),
      input: 'lr',
      forward: (vars, x, ctx) => memnetForward(scale, blocks, residual, vars, x, ctx),
    };
  },
};
