import { clamp } from '../engine/ops/elementwise.js';
import { resize } from '../engine/ops/resize.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * The internal upsampling of VDSR, DRRN and MemNet (the original's `_interpolate`): PyTorch bicubic
 * (a = -0.75, align_corners=False, no antialias) to HR size, clamped to [0, 1].
 */
export function upsampleClamped(x: Tensor, scale: number): Tensor {
  return clamp(resize(x, scale, 'bicubic'), 0, 1);
}

/** LR pixels a cubic kernel reaches on each side when upsampling by an integer scale (taps ⌊u⌋-1 .. ⌊u⌋+2). */
export const CUBIC_REACH_LR = 2;

/**
 * The LR halo of a network that upsamples inside and then sees `hrReach` HR pixels around each output pixel:
 * the upsampled pixels it reads come from up to ⌈hrReach / s⌉ + 2 LR pixels away.
 */
export function upsampledHalo(hrReach: number, scale: number): number {
  return Math.ceil(hrReach / scale) + CUBIC_REACH_LR;
}
