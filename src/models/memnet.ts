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
import { remat, rematWith } from '../engine/remat.js';
import type { Tensor } from '../engine/tensor.js';
import { positiveIntConfig, type Model, type ModelDef } from './model.js';
import { upsampleClamped } from './upsample.js';

const C = 64;
/**
 * What a training step keeps for the backward, and recomputes instead:
 * - 'off': every activation (≈ 8 64-channel HR tensors per residual unit);
 * - 'norm': each BN-ReLU-conv keeps only its input; its batch norm and ReLU are recomputed for the backward. The
 *   conv is not: its backward reads its input and weights, never its output, so the recomputed copy's convs are
 *   dead and dropped. ≈ 2 tensors per residual unit for a few elementwise passes;
 * - 'pass': each recursive pass and gate keeps only its inputs and is recomputed whole, convs included (one more
 *   forward, the least memory: one pass's activations at a time).
 */
type Recompute = 'off' | 'norm' | 'pass';
const RECOMPUTE_LEVELS: readonly Recompute[] = ['off', 'norm', 'pass'];
/** 64-channel HR tensors a residual unit keeps for the backward, per level ('pass': its share of a pass output). */
const UNIT_SAVED_FEATURES: Record<Recompute, number> = { off: 8, norm: 2, pass: 0.2 };
/** 'auto' takes the first level whose saved activations stay below this (the original 6 × 6 at batch 8 × 96²: 'norm'). */
const AUTO_RECOMPUTE_BYTES = 12 * 2 ** 30;

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

/** Memory block `b`: R passes of the R-unit recursive chain (each pass one short-term memory), then the gate. */
function memoryBlock(vars: Vars, b: string, residual: number, ctx: ForwardContext, level: Recompute, longTerm: readonly Tensor[]): Tensor {
  // A 'norm' unit's copy is tied through its parameters only: it then reuses the forward's batch statistics of x
  // (ORT merges the copy's) and needs no full-size tie; everything big it makes depends on the BN's weight.
  const unit = (bn: string, cv: string, x: Tensor, padding: number) =>
    level === 'norm' ? rematWith({ tie: 'captured' }, (t) => bnReluConv(vars, bn, cv, t, ctx, padding), x) : bnReluConv(vars, bn, cv, x, ctx, padding);
  const segment = (fn: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]) => (level === 'pass' ? remat(fn, ...xs) : fn(...xs));
  const chain = (x: Tensor) => {
    for (let j = 0; j < residual; j++) {
      const r = `${b}.recursive_unit.${j}.residual_block`;
      const h = unit(`${r}.0`, `${r}.2`, x, 1);
      x = add(unit(`${r}.3`, `${r}.5`, h, 1), x);
    }
    return x;
  };
  const shortTerm: Tensor[] = [];
  let x = longTerm[longTerm.length - 1]!;
  for (let pass = 0; pass < residual; pass++) shortTerm.push((x = segment(chain, x)));
  // The gate's input is the concatenation of every memory, up to (R + M)·64 channels: recomputed, never kept.
  const gate = (...memories: Tensor[]) => bnReluConv(vars, `${b}.gate_unit.0`, `${b}.gate_unit.2`, concat(memories, 1), ctx, 0);
  return level === 'off' ? gate(...shortTerm, ...longTerm) : remat(gate, ...shortTerm, ...longTerm);
}

/** Bytes of one 64-channel HR activation of this forward, or null for symbolic sizes (inference graphs). */
function featureBytes(lr: Tensor, scale: number): number | null {
  const [n, , h, w] = lr.shape;
  return typeof n === 'number' && typeof h === 'number' && typeof w === 'number' ? n * C * h * scale * w * scale * 4 : null;
}

/** 'auto': no recomputation at inference; in training, the first level whose saved activations fit AUTO_RECOMPUTE_BYTES. */
function autoRecompute(blocks: number, residual: number, lr: Tensor, scale: number, ctx: ForwardContext): Recompute {
  const f = featureBytes(lr, scale);
  if (!ctx.training || f === null) return 'off';
  const units = blocks * residual * residual;
  return RECOMPUTE_LEVELS.find((level) => units * UNIT_SAVED_FEATURES[level] * f <= AUTO_RECOMPUTE_BYTES) ?? 'pass';
}

function memnetForward(scale: number, blocks: number, residual: number, recompute: Recompute | 'auto', vars: Vars, lr: Tensor, ctx: ForwardContext): Tensor {
  const up = upsampleClamped(lr, scale);
  const longTerm = [bnReluConv(vars, 'feature_extractor.0', 'feature_extractor.2', up, ctx, 1)];
  const level = recompute === 'auto' ? autoRecompute(blocks, residual, lr, scale, ctx) : recompute;
  for (let i = 0; i < blocks; i++) longTerm.push(memoryBlock(vars, `dense_memory_blocks.${i}`, residual, ctx, level, longTerm));
  return add(bnReluConv(vars, 'reconstructor.0', 'reconstructor.2', longTerm[blocks]!, ctx, 0), up);
}

export const memnet: ModelDef = {
  name: 'memnet',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  // recompute is srcaco's, not the original's (it changes no weight or value, only memory and time): 0 keeps every
  // activation, 1 recomputes batch norms and ReLUs, 2 recomputes whole passes, -1 (auto) the first that fits.
  defaults: { num_memory_blocks: 6, num_residual_blocks: 6, recompute: -1 },
  // 2 × 2 instead of 6 × 6: 16 residual-block passes instead of 216, for a training demo on 2 cores.
  presets: { demo: { num_memory_blocks: 2, num_residual_blocks: 2 } },
  description: 'memory blocks of recursive residual blocks with gates over short- and long-term memories; BatchNorm',
  build(scale, config): Model {
    const blocks = positiveIntConfig(config.num_memory_blocks, 'num_memory_blocks');
    const residual = positiveIntConfig(config.num_residual_blocks, 'num_residual_blocks');
    const r = config.recompute ?? -1;
    if (![-1, 0, 1, 2].includes(r)) throw new RangeError(`recompute must be -1 (auto), 0 (off), 1 (batch norms) or 2 (whole passes), received ${r}`);
    const recompute = r === -1 ? 'auto' : RECOMPUTE_LEVELS[r]!;
    return {
      name: 'memnet',
      scale,
      config: { num_memory_blocks: blocks, num_residual_blocks: residual, recompute: r },
      specs: memnetSpecs(blocks, residual),
      input: 'lr',
      forward: (vars, x, ctx) => memnetForward(scale, blocks, residual, recompute, vars, x, ctx),
    };
  },
};
