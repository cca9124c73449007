/**
 * What a forward reads while it is traced: the model's tensors by state_dict name (params and buffers
 * together), and the context of the pass (training or not, and the new buffer values a training forward
 * computes, for the step to output).
 */
import type { NoiseKind } from '../noise.js';
import type { Tensor } from '../tensor.js';

/** Named tensors a forward reads: params and buffers by state_dict name. */
export type Vars = Readonly<Record<string, Tensor>>;

export interface ForwardContext {
  readonly training: boolean;
  /** New buffer values computed by a training forward (BatchNorm running statistics), by buffer name. */
  readonly updates: Record<string, Tensor>;
  /**
   * A random tensor of a static shape, drawn afresh at every training step (engine/noise.ts). Present only in a
   * training step's trace; a forward without it (inference, a bare trace) uses its deterministic form.
   */
  readonly noise?: (name: string, shape: readonly number[], kind: NoiseKind) => Tensor;
}

/** A fresh context; `training` selects batch statistics in BatchNorm; `noise` comes from a training step. */
export function forwardContext(training: boolean, noise?: ForwardContext['noise']): ForwardContext {
  return noise ? { training, updates: {}, noise } : { training, updates: {} };
}
