/** torch.nn.utils.clip_grad_norm_ inside the compiled step, wrapping any optimizer. */
import { SrcacoError } from '../../errors.js';
import { add, div, minimum, mul, sqrt } from '../ops/elementwise.js';
import { reduceSum } from '../ops/reduce.js';
import type { Optimizer } from '../step.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales every gradient by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the 2-norm over all parameters' gradients
 * together, before `inner` updates (so weight decay is added after clipping, as in PyTorch).
 */
export function clipGradNorm(inner: Optimizer, maxNorm: number): Optimizer {
  if (!(maxNorm > 0)) throw new SrcacoError('usage', `the gradient-norm limit must be > 0, got ${maxNorm}`);
  return {
    slots: inner.slots,
    update: (args) => inner.update(args),
    transformGrads: (grads) => {
      const before = inner.transformGrads?.(grads) ?? grads;
      const names = Object.keys(before);
      if (!names.length) return before;
      let sq: Tensor | null = null;
      for (const n of names) {
        const g = before[n]!;
        const s = reduceSum(mul(g, g));
        sq = sq ? add(sq, s) : s;
      }
      const coef = minimum(div(maxNorm, add(sqrt(sq!), 1e-6)), 1);
      return Object.fromEntries(names.map((n) => [n, mul(before[n]!, coef)]));
    },
  };
}
