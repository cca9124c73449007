/**
 * MemNet (Tai et al. 2017; the original's dlib/models/network_memnet.py) on the internally upsampled input:
 * BN-ReLU-conv feature extractor, M memory blocks, BN-ReLU-conv reconstructor, plus the upsampled input.
 * Memory block i holds R residual blocks (BN-ReLU-conv ×2, 64 channels) and a gate (BN-ReLU-1×1 conv) over
 * [short_1..short_R, features, gate_0..gate_{i-1}]. As in the original, the *whole chain* of R residual
 * blocks is applied R times, each pass giving one short-term memory.
 */
import { kaimingNormal } from '../engine/nn/init.js';
import type { ForwardContext } from '../engine/nn/layers.js';
import type { Scope } from '../engine/nn/module.js';
import { add, relu } from '../engine/ops/elementwise.js';
import { concat } from '../engine/ops/shape.js';
import { remat, rematWith } from '../engine/remat.js';
import type { Tensor } from '../engine/tensor.js';
import { defineModel } from './model.js';
import { upsampleClamped, upsampledHalo } from './upsample.js';

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

/**
 * BatchNorm `bn` → ReLU → conv `cv` (bias-free, kaiming_normal_ fan_in as in the original), the unit every
 * MemNet stage is made of.
 */
function bnReluConv(nn: Scope, [bn, cv]: readonly [number, number], inC: number, outC: number, k: number): (x: Tensor) => Tensor {
  const norm = nn.batchNorm2d(bn, inC);
  const conv = nn.conv2d(cv, inC, outC, k, { padding: (k - 1) / 2, bias: false, init: { weight: kaimingNormal() } });
  return (x) => conv(relu(norm(x)));
}

/**
 * Memory block `i`: R passes of the R-unit recursive chain (each pass one short-term memory), then the gate over
 * [short_1..short_R, long_0..long_i].
 */
function memoryBlock(nn: Scope, i: number, residual: number): (longTerm: readonly Tensor[], level: Recompute) => Tensor {
  const units = Array.from({ length: residual }, (_, j) => {
    const r = nn.scope('recursive_unit', j, 'residual_block');
    return [bnReluConv(r, [0, 2], C, C, 3), bnReluConv(r, [3, 5], C, C, 3)] as const;
  });
  const gateUnit = bnReluConv(nn.scope('gate_unit'), [0, 2], (residual + i + 1) * C, C, 1);
  return (longTerm, level) => {
    // A 'norm' unit's copy is tied through its parameters only: it then reuses the forward's batch statistics of
    // x (ORT merges the copy's) and needs no full-size tie; everything big it makes depends on the BN's weight.
    const unit = (f: (x: Tensor) => Tensor, x: Tensor) => (level === 'norm' ? rematWith({ tie: 'captured' }, f, x) : f(x));
    const segment = (fn: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]) => (level === 'pass' ? remat(fn, ...xs) : fn(...xs));
    const chain = (x: Tensor) => {
      for (const [first, second] of units) x = add(unit(second, unit(first, x)), x);
      return x;
    };
    const shortTerm: Tensor[] = [];
    let x = longTerm[longTerm.length - 1]!;
    for (let pass = 0; pass < residual; pass++) shortTerm.push((x = segment(chain, x)));
    // The gate's input is the concatenation of every memory, up to (R + M)·64 channels: recomputed, never kept.
    const gate = (...memories: Tensor[]) => gateUnit(concat(memories, 1));
    return level === 'off' ? gate(...shortTerm, ...longTerm) : remat(gate, ...shortTerm, ...longTerm);
  };
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

export const memnet = defineModel({
  name: 'memnet',
  displayName: 'MemNet',
  family: 'pre-upsampling',
  upsampling: 'inside: torch bicubic (a = -0.75) of the LR input, clamped to [0, 1]; global residual',
  scales: [2, 4, 8],
  input: 'lr',
  description: 'memory blocks of recursive residual blocks with gates over short- and long-term memories; BatchNorm',
  config: {
    num_memory_blocks: { type: 'integer', default: 6, min: 1, help: 'memory blocks (M)' },
    num_residual_blocks: { type: 'integer', default: 6, min: 1, help: 'residual blocks per recursive unit, and passes of it (R)' },
    // srcaco's, not the original's (it changes no weight or value, only memory and time).
    recompute: {
      type: 'integer',
      default: -1,
      labels: [[-1, 'auto'], [0, 'off'], [1, 'batch norms'], [2, 'whole passes']],
      help: 'activations recomputed in training: -1 the first level that fits, 0 none, 1 batch norms and ReLUs, 2 whole passes',
    },
  },
  // 2 × 2 instead of 6 × 6: 16 residual-block passes instead of 216, for a training demo on 2 cores.
  presets: { demo: { num_memory_blocks: 2, num_residual_blocks: 2 } },
  // The feature extractor's 3×3 conv, then per memory block R passes of R residual blocks of two 3×3 convs
  // (1 HR px each); the gates and the reconstructor are 1×1.
  halo: ({ scale, config }) => upsampledHalo(1 + 2 * config.num_memory_blocks * config.num_residual_blocks ** 2, scale),
  build({ scale, config }, nn) {
    const { num_memory_blocks: blocks, num_residual_blocks: residual } = config;
    const recompute = config.recompute === -1 ? 'auto' : RECOMPUTE_LEVELS[config.recompute]!;
    const features = bnReluConv(nn.scope('feature_extractor'), [0, 2], 1, C, 3);
    const memory = Array.from({ length: blocks }, (_, i) => memoryBlock(nn.scope('dense_memory_blocks', i), i, residual));
    const reconstructor = bnReluConv(nn.scope('reconstructor'), [0, 2], C, 1, 1);
    return (lr, ctx) => {
      const up = upsampleClamped(lr, scale);
      const longTerm = [features(up)];
      const level = recompute === 'auto' ? autoRecompute(blocks, residual, lr, scale, ctx) : recompute;
      for (const block of memory) longTerm.push(block(longTerm, level));
      return add(reconstructor(longTerm[blocks]!), up);
    };
  },
});
