/**
 * What a forward reads while it is traced: the model's tensors by state_dict name (params and buffers
 * together), and the context of the pass (training or not, and the new buffer values a training forward
 * computes, for the step to output).
 */
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
