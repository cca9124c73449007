/**
 * Drop-path (stochastic depth, timm's DropPath): in training, each sample's residual branch is zeroed with
 * probability p and the kept ones scaled by 1 / (1 − p); the identity otherwise. The per-sample draws come from
 * the step's noise inputs (engine/noise.ts): one uniform value per sample, kept where u < 1 − p (a Bernoulli(1 − p)
 * draw, as timm's bernoulli_), so a run's masks follow from its seed and the step number.
 */
import { cast, less, mul } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import type { ForwardContext } from './layers.js';

/** x · [u < 1 − p] / (1 − p) with `u` one uniform draw per sample, [B, 1, …, 1] (the mask is constant in x). */
export function dropPathWithNoise(x: Tensor, u: Tensor, prob: number): Tensor {
  const keep = 1 - prob;
  const mask = cast(less(u, keep), x.dtype);
  return mul(x, keep > 0 ? mul(mask, 1 / keep) : mask);
}

/**
 * timm's drop_path for a branch `x` [B, ...]: identity when `prob` is 0 or the context draws no noise (inference,
 * a bare trace); else one noise input `drop_path/<name>` of shape [B, 1, …, 1] (B static, as in a training step).
 */
export function dropPath(x: Tensor, prob: number, ctx: ForwardContext, name: string): Tensor {
  if (prob === 0 || !ctx.training || !ctx.noise) return x;
  const b = x.shape[0]!;
  if (typeof b !== 'number') throw new RangeError(`drop-path "${name}" needs a static batch in training, got ${b}`);
  const u = ctx.noise(`drop_path/${name}`, [b, ...new Array<number>(x.rank - 1).fill(1)], 'uniform');
  return dropPathWithNoise(x, u, prob);
}
