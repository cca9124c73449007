/** A model's inference graph: weights baked in as initializers, input `x`, output `y` (HR, clamped to [0, 1]). */
import { compileFunction } from '../engine/compile.js';
import { forwardContext } from '../engine/nn/layers.js';
import type { StateDict } from '../engine/nn/state.js';
import { clamp } from '../engine/ops/elementwise.js';
import type { Dim } from '../engine/dims.js';
import type { Model } from '../models/model.js';

export interface InferenceGraphOptions {
  /**
   * Static input size; symbolic ('N', 'H', 'W') when left out (models with `staticSize` need height and width, and
   * their batch is 1 unless given: a graph built per size is built per batch too).
   */
  batch?: number;
  height?: number;
  width?: number;
  /** Clamp the output to [0, 1] as the evaluation does (default true). */
  clampOutput?: boolean;
}

/** ONNX bytes of `model` in eval mode with the float tensors of `state` baked in. */
export function inferenceGraph(model: Model, state: StateDict, options: InferenceGraphOptions = {}): Uint8Array {
  if (model.staticSize && (options.height === undefined || options.width === undefined)) {
    throw new RangeError(`${model.name} needs a static input size (height and width)`);
  }
  const weights: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const [name, spec] of Object.entries(model.specs)) {
    if (spec.role === 'counter' || spec.role === 'constant') continue; // constants are in the graph already
    const t = state[name];
    if (!t || !(t.data instanceof Float32Array)) throw new RangeError(`the state has no float32 tensor "${name}"`);
    weights[name] = { shape: spec.shape, data: t.data };
  }
  const shape: Dim[] = [options.batch ?? (model.staticSize ? 1 : 'N'), 1, options.height ?? 'H', options.width ?? 'W'];
  return compileFunction({
    name: `${model.name}_x${model.scale}`,
    inputs: { x: shape },
    weights,
    fn: ({ x }, w) => {
      const y = model.forward(w, x!, forwardContext(false));
      return options.clampOutput === false ? y : clamp(y, 0, 1);
    },
  });
}
