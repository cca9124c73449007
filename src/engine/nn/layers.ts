/**
 * Forward helpers over a record of named tensors (params and buffers together, by state_dict name). Pure:
 * a layer reads `<name>.weight` etc. from the record; batch norm in training mode records its new running
 * statistics in the context, for the step to output as new buffer values.
 */
import type { Conv2dOptions } from '../ops/conv.js';
import { conv2d } from '../ops/conv.js';
import { batchNorm2d } from '../ops/nn.js';
import type { Tensor } from '../tensor.js';

/** Named tensors a forward reads: params and buffers by state_dict name. */
export type Vars = Readonly<Record<string, Tensor>>;

export interface ForwardContext {
  readonly training: boolean;
  /** New buffer values computed by a training forward (BatchNorm running statistics), by buffer name. */
  readonly updates: Record<string, Tensor>;
}

/** A fresh context; `training` selects batch statistics in BatchNorm. */
export function forwardContext(training: boolean): ForwardContext {
  return { training, updates: {} };
}

function need(vars: Vars, name: string): Tensor {
  const t = vars[name];
  if (!t) throw new Error(`no tensor named "${name}" among the model's variables`);
  return t;
}

/** nn.Conv2d `<name>` (bias used when the record has `<name>.bias`). */
export function conv(vars: Vars, name: string, x: Tensor, options: Conv2dOptions = {}): Tensor {
  return conv2d(x, need(vars, `${name}.weight`), vars[`${name}.bias`] ?? null, options);
}

/** nn.BatchNorm2d `<name>` (momentum 0.1, eps 1e-5); in training, its new running statistics go to ctx.updates. */
export function batchNorm(vars: Vars, name: string, x: Tensor, ctx: ForwardContext): Tensor {
  const { y, running } = batchNorm2d(
    x,
    need(vars, `${name}.weight`),
    need(vars, `${name}.bias`),
    // A module applied several times in one forward (MemNet's recursive unit) updates its statistics each
    // time, as PyTorch does: each call starts from the previous call's new values.
    { runningMean: ctx.updates[`${name}.running_mean`] ?? need(vars, `${name}.running_mean`), runningVar: ctx.updates[`${name}.running_var`] ?? need(vars, `${name}.running_var`) },
    { training: ctx.training },
  );
  if (ctx.training) {
    ctx.updates[`${name}.running_mean`] = running.runningMean;
    ctx.updates[`${name}.running_var`] = running.runningVar;
  }
  return y;
}
