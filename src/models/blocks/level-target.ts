/**
 * The target of an intermediate pyramid level in the original trainer (dlib/models/model_plain.py,
 * `loss_mslaprs` and `loss_prosr`): the HR batch resized to the level's size with
 * F.interpolate(mode='bicubic', align_corners=True), then clamped to [0, 1] (not the real LR of that scale).
 */
import { clamp } from '../../engine/ops/elementwise.js';
import { matmul } from '../../engine/ops/linalg.js';
import { bicubicAlignCornersMatrix } from '../../engine/ops/resize.js';
import type { Tensor } from '../../engine/tensor.js';
import { constant } from '../../engine/tensor.js';

/** HR [N, C, H, W] resized to the spatial size of `level` [N, C, h, w] as the original makes its target. */
export function levelTarget(hr: Tensor, level: Tensor): Tensor {
  const [inH, inW, h, w] = [hr.shape[2], hr.shape[3], level.shape[2], level.shape[3]];
  if (typeof inH !== 'number' || typeof inW !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new RangeError(`a pyramid level's target needs static sizes, received HR [${hr.shape}] and level [${level.shape}]`);
  }
  // Separable: rows by Mh [h, H], columns by Mwᵀ [W, w]; the matrices are constants of the step.
  const mh = constant(bicubicAlignCornersMatrix(inH, h), [h, inH], hr.dtype);
  const mw = bicubicAlignCornersMatrix(inW, w);
  const mwT = new Float64Array(inW * w);
  for (let o = 0; o < w; o++) for (let i = 0; i < inW; i++) mwT[i * w + o] = mw[o * inW + i]!;
  return clamp(matmul(matmul(mh, hr), constant(mwT, [inW, w], hr.dtype)), 0, 1);
}
