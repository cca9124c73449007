import { clamp } from '../../engine/ops/elementwise.js';
import { resize } from '../../engine/ops/resize.js';
import type { Tensor } from '../../engine/tensor.js';
import { SrcacoError } from '../../errors.js';

/**
 * The training target of a lower pyramid level as the original's `loss_prosr` and `loss_mslaprs` make it: the HR
 * image bicubic-resized to the level's size with align_corners=True (no antialias), clamped to [0, 1].
 */
export function levelTarget(hr: Tensor, pred: Tensor): Tensor {
  const [hrH, hrW] = [hr.shape[2], hr.shape[3]];
  const [h, w] = [pred.shape[2], pred.shape[3]];
  const factor = typeof hrH === 'number' && typeof h === 'number' ? hrH / h : NaN;
  if (!Number.isInteger(factor) || typeof hrW !== 'number' || hrW !== Number(w) * factor) {
    throw new SrcacoError('internal', `a pyramid level of ${w}×${h} px is not a whole fraction of the ${hrW}×${hrH} HR target`);
  }
  return clamp(resize(hr, 1 / factor, 'bicubic', { alignCorners: true }), 0, 1);
}
