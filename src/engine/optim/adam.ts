/** torch.optim.Adam and AdamW inside the compiled step, with PyTorch's bias corrections and eps placement. */
import { SrcacoError } from '../../errors.js';
import { add, cast, div, maximum, mul, pow, sqrt, sub } from '../ops/elementwise.js';
import type { Optimizer } from '../step.js';
import { constant } from '../tensor.js';
import type { Tensor } from '../tensor.js';

export interface AdamOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Keep the running maximum of the second moment (slot `max_exp_avg_sq`). */
  amsgrad?: boolean;
}

function check(betas: [number, number], eps: number, weightDecay: number): void {
  if (!betas.every((b) => b >= 0 && b < 1)) throw new SrcacoError('usage', `Adam betas must lie in [0, 1), got [${betas.join(', ')}]`);
  if (!(eps >= 0) || !(weightDecay >= 0)) throw new SrcacoError('usage', `Adam eps (${eps}) and weight decay (${weightDecay}) must be ≥ 0`);
}

/** 1 − β^step in float64, as PyTorch computes it in Python floats. */
function biasCorrection64(beta: number, step: Tensor): Tensor {
  return sub(constant(1, [], 'float64'), pow(constant(beta, [], 'float64'), cast(step, 'float64')));
}

function adamFamily(decoupled: boolean, options: AdamOptions): Optimizer {
  const { betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false } = options;
  check(betas, eps, weightDecay);
  const [beta1, beta2] = betas;
  return {
    slots: amsgrad ? { exp_avg: 0, exp_avg_sq: 0, max_exp_avg_sq: 0 } : { exp_avg: 0, exp_avg_sq: 0 },
    update: ({ param, grad, state, lr, step }) => {
      let p = param;
      let g = grad;
      if (weightDecay !== 0) {
        if (decoupled) p = mul(p, sub(1, mul(lr, weightDecay)));
        else g = add(g, mul(param, weightDecay));
      }
      const m = add(mul(state.exp_avg!, beta1), mul(g, 1 - beta1));
      const v = add(mul(state.exp_avg_sq!, beta2), mul(mul(g, g), 1 - beta2));
      const vMax = amsgrad ? maximum(state.max_exp_avg_sq!, v) : v;
      const stepSize = div(lr, cast(biasCorrection64(beta1, step), 'float32'));
      const denom = add(div(sqrt(vMax), cast(sqrt(biasCorrection64(beta2, step)), 'float32')), eps);
      const slots: Record<string, Tensor> = { exp_avg: m, exp_avg_sq: v };
      if (amsgrad) slots.max_exp_avg_sq = vMax;
      return { param: sub(p, mul(div(m, denom), stepSize)), state: slots };
    },
  };
}

/** PyTorch's Adam (L2 weight decay added to the gradient); slots `exp_avg`, `exp_avg_sq` (+ `max_exp_avg_sq`). */
export function adam(options: AdamOptions = {}): Optimizer {
  return adamFamily(false, options);
}

/** PyTorch's AdamW (decoupled weight decay p ← p·(1 − lr·wd) before the Adam step; default wd 0.01). */
export function adamW(options: AdamOptions = {}): Optimizer {
  return adamFamily(true, { weightDecay: 0.01, ...options });
}
