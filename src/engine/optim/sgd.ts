/** torch.optim.SGD inside the compiled step: momentum, dampening, Nesterov and L2 weight decay. */
import { SrcacoError } from '../../errors.js';
import { add, equal, mul, sub, where } from '../ops/elementwise.js';
import type { Optimizer } from '../step.js';
import type { Tensor } from '../tensor.js';

export interface SgdOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient (PyTorch's weight_decay). */
  weightDecay?: number;
}

/**
 * PyTorch's SGD rule, step for step: d = g + wd·p; buf = d on the first step, else momentum·buf + (1 − dampening)·d;
 * d = d + momentum·buf (Nesterov) or buf; p = p − lr·d. The slot keeps PyTorch's name, `momentum_buffer`.
 */
export function sgd(options: SgdOptions = {}): Optimizer {
  const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = options;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new SrcacoError('usage', 'Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)');
  }
  if (momentum < 0 || weightDecay < 0) throw new SrcacoError('usage', `momentum (${momentum}) and weight decay (${weightDecay}) must be ≥ 0`);
  return {
    slots: momentum !== 0 ? { momentum_buffer: 0 } : {},
    update: ({ param, grad, state, lr, step }): { param: Tensor; state: Record<string, Tensor> } => {
      let d = weightDecay !== 0 ? add(grad, mul(param, weightDecay)) : grad;
      if (momentum === 0) return { param: sub(param, mul(d, lr)), state: {} };
      const prev = state.momentum_buffer!;
      let buf = add(mul(prev, momentum), dampening !== 0 ? mul(d, 1 - dampening) : d);
      // PyTorch starts the buffer at d itself; from a zero buffer that is already exact unless dampening scales d.
      if (dampening !== 0) buf = where(equal(step, 1), d, buf);
      d = nesterov ? add(d, mul(buf, momentum)) : buf;
      return { param: sub(param, mul(d, lr)), state: { momentum_buffer: buf } };
    },
  };
}
