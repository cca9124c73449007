/** Vector normalisation (composites of primitives, differentiated by autodiff). */
import type { Tensor } from '../tensor.js';
import { div, maximum, mul, sqrt } from './elementwise.js';
import { reduceSum } from './reduce.js';

/**
 * PyTorch's F.normalize(x, p=2, dim=axis, eps): x / max(‖x‖₂, eps). Written as √max(Σx², eps²), the same value,
 * so the gradient stays finite (zero through the norm) where ‖x‖ < eps instead of meeting √0's infinite slope.
 */
export function l2Normalize(x: Tensor, axis: number, eps = 1e-12): Tensor {
  const norm = sqrt(maximum(reduceSum(mul(x, x), axis, true), eps * eps));
  return div(x, norm);
}
