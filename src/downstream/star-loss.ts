/**
 * StarDist 2D's training loss (stardist/models/model2d.py, `masked_loss_mae` and Keras' binary cross-entropy),
 * written with engine ops so the step differentiates it:
 *
 *   L = w_p · BCE(σ(z), p) + w_d · [ mean(p·|d − d̂|) / (mean(p) + ε) + λ · mean((1 − p)·d̂²) ]
 *
 * z: probability logits [B, 1, h, w]; d̂: predicted distances [B, R, h, w]; p, d: the targets (star-targets.ts).
 * The distance error is weighted by the target probability (object centres count most, background not at all)
 * and normalised by its mean; λ (StarDist's `train_background_reg`, 1e-4) pulls background distances to 0.
 * Defaults are StarDist's: w = (1, 0.2), λ = 1e-4, ε = 1e-7 (Keras' epsilon).
 */
import { abs, add, div, exp, log, mul, neg, relu, sub } from '../engine/ops/elementwise.js';
import { reduceMean } from '../engine/ops/reduce.js';
import type { Tensor } from '../engine/tensor.js';

export interface StarLossOptions {
  /** Weights of the probability and distance terms (StarDist's `train_loss_weights`, default [1, 0.2]). */
  weights?: readonly [number, number];
  /** Background regularisation of the distances (StarDist's `train_background_reg`, default 1e-4). */
  backgroundReg?: number;
}

/**
 * Binary cross-entropy of σ(z) against p, mean over every element, in the stable form
 * max(z, 0) − z·p + log(1 + e^(−|z|)) (Keras clips σ(z) to [ε, 1 − ε] instead: the same away from saturation).
 */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  return reduceMean(add(sub(relu(logits), mul(logits, target)), log(add(exp(neg(abs(logits))), 1))));
}

/** The StarDist loss and its two terms. */
export function starLoss(probLogits: Tensor, dist: Tensor, probTrue: Tensor, distTrue: Tensor, options: StarLossOptions = {}): { loss: Tensor; prob: Tensor; dist: Tensor } {
  const [wProb, wDist] = options.weights ?? [1, 0.2];
  const reg = options.backgroundReg ?? 1e-4;
  const prob = bceWithLogits(probLogits, probTrue);
  // p [B,1,h,w] broadcasts over the R ray channels; means over every element equal Keras' mean over rays, then pixels
  const masked = div(reduceMean(mul(probTrue, abs(sub(distTrue, dist)))), add(reduceMean(probTrue), 1e-7));
  const background = reduceMean(mul(sub(1, probTrue), mul(dist, dist)));
  const distTerm = reg > 0 ? add(masked, mul(background, reg)) : masked;
  return { loss: add(mul(prob, wProb), mul(distTerm, wDist)), prob, dist: distTerm };
}
