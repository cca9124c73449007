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
