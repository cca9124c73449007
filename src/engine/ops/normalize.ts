/** Vector normalisation (PyTorch's F.normalize with p = 2), a composite: its gradient comes from its parts. */
import { normAxis } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { div, maximum, mul, sqrt } from './elementwise.js';
import { reduceSum } from './reduce.js';

/**
 * x / max(‖x‖₂, eps) along `axis`. Written as x / √max(Σx², eps²) (the same value): a vector shorter than eps
 * then has the gradient g / eps as in PyTorch, where √ of an all-zero vector would give NaN.
 */
export function l2Normalize(x: Tensor, axis: number, eps = 1e-12): Tensor {
  const a = normAxis(axis, x.rank);
  return div(x, sqrt(maximum(reduceSum(mul(x, x), [a], true), eps * eps)));
}
