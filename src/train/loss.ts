/**
 * Training losses as engine-op functions `(pred, target) → scalar`, and a registry by name. The protocol loss is
 * the original's L2 + NegativeSsim: MSE(Y, Ŷ) − λ·SSIM(Y, Ŷ), λ = 5 (dlib/loss/main.py sums both terms).
 */
import { SrcacoError } from '../errors.js';
import type { Tensor } from '../engine/index.js';
import { add, mul, reduceMean, sqrt, sub, l1Loss, mseLoss } from '../engine/index.js';
import type { SsimLossOptions } from './loss-ssim.js';
import { ssimLossTerm } from './loss-ssim.js';

/** A training loss over a prediction and its target of the same shape; returns a scalar tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

export interface LossOptions {
  /** λ of the protocol loss MSE − λ·SSIM (default 5). */
  ssimWeight?: number;
  ssim?: SsimLossOptions;
  /** ε of Charbonnier √(d² + ε) (the original's default 1e-9). */
  charbonnierEps?: number;
}

/** MSE(Y, Ŷ) − λ·SSIM(Y, Ŷ): the protocol's loss (19×19 window, σ 1.5, zero padding). */
export function mseSsimLoss(options: LossOptions = {}): LossFn {
  const lambda = options.ssimWeight ?? 5;
  return (pred, target) => sub(mseLoss(pred, target), mul(ssimLossTerm(pred, target, options.ssim), lambda));
}

/** mean √((Y − Ŷ)² + ε), the original's Charbonnier. */
export function charbonnierLoss(eps = 1e-9): LossFn {
  if (!(eps > 0)) throw new SrcacoError('usage', `the Charbonnier epsilon must be > 0, got ${eps}`);
  return (pred, target) => {
    const d = sub(target, pred);
    return reduceMean(sqrt(add(mul(d, d), eps)));
  };
}

const REGISTRY: Readonly<Record<string, (o: LossOptions) => LossFn>> = {
  'mse-ssim': mseSsimLoss,
  mse: () => mseLoss,
  l1: () => l1Loss,
  charbonnier: (o) => charbonnierLoss(o.charbonnierEps),
};

/** Names accepted by `lossByName`, the protocol's first. */
export const LOSS_NAMES: readonly string[] = Object.keys(REGISTRY);

/** The loss called `name` (mse-ssim, mse, l1, charbonnier). */
export function lossByName(name: string, options: LossOptions = {}): LossFn {
  const make = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!make) throw new SrcacoError('usage', `unknown loss "${name}"; choose one of: ${LOSS_NAMES.join(', ')}`, { option: '--loss' });
  return make(options);
}
