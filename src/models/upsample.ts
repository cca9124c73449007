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
 * The LR halo of a network that upsamples inside and then sees `hrReach` HR pixels around each output pixel.
 * HR pixel i samples the LR image at u = (i + 0.5)/s − 0.5 with taps ⌊u⌋−1 .. ⌊u⌋+2; the first HR pixel a·s of
 * an LR pixel a, reaching back hrReach HR pixels, needs LR pixel ⌊a − (hrReach − 0.5)/s − 0.5⌋ − 1, and the
 * last one, reaching forward, as many on the other side: 1 + ⌈(hrReach − 0.5)/s + 0.5⌉ LR pixels each side.
 */
export function upsampledHalo(hrReach: number, scale: number): number {
  return 1 + Math.ceil((2 * hrReach - 1 + scale) / (2 * scale));
}
