/**
 * What every architecture provides: its parameter tree (state_dict names, shapes, the original's init) and a
 * pure forward over Tensors. Models see images in [0, 1], NCHW with one channel.
 */
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { forwardContext } from '../engine/nn/layers.js';
import type { ParamSpecs } from '../engine/nn/spec.js';
import { bufferShapes, paramShapes } from '../engine/nn/spec.js';
import type { Optimizer, StepSpec } from '../engine/step.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * What `forward` is fed. 'lr': the LR image itself (the model upsamples inside, or is the bicubic baseline);
 * 'cv2-bicubic': the LR image upsampled to HR size by OpenCV's bicubic beforehand (SRCNN), float and clipped
 * in training, uint8 fixed point / 255 at evaluation.
 */
export type ModelInput = 'lr' | 'cv2-bicubic';

export interface Model {
  /** Registry name, e.g. 'vdsr'. */
  readonly name: string;
  readonly scale: number;
  /** The hyper-parameters it was built with (after defaults and preset). */
  readonly config: Readonly<Record<string, number>>;
  readonly specs: ParamSpecs;
  readonly input: ModelInput;
  /** True when the graph needs static H and W (the bicubic baseline's matrices): compile per image size. */
  readonly staticSize?: boolean;
  /** HR-sized output [N, 1, s·h, s·w] from `x` ([N, 1, h, w] for 'lr', [N, 1, s·h, s·w] for 'cv2-bicubic'). */
  forward(vars: Vars, x: Tensor, ctx: ForwardContext): Tensor;
}

export type ModelFamily = 'baseline' | 'pre-upsampling' | 'post-upsampling' | 'iterative' | 'progressive';

/** One registry entry: how to build an architecture and what the original's defaults are. */
export interface ModelDef {
  readonly name: string;
  readonly family: ModelFamily;
  /** Where and how the image is brought to HR size. */
  readonly upsampling: string;
  readonly scales: readonly number[];
  /** The original's default hyper-parameters (besides the scale). */
  readonly defaults: Readonly<Record<string, number>>;
  /** Named hyper-parameter sets, e.g. a smaller `demo` that trains within minutes on a laptop. */
  readonly presets: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly description: string;
  build(scale: number, config: Readonly<Record<string, number>>): Model;
}

/**
 * One forward for a training step's loss: params and buffers as the step passes them (by state_dict name),
 * returning the output and, in training mode, the new buffer values (LossResult.buffers).
 */
export function applyModel(
  model: Model,
  vars: { params: Readonly<Record<string, Tensor>>; buffers?: Readonly<Record<string, Tensor>> },
  x: Tensor,
  { training }: { training: boolean },
): { y: Tensor; buffers: Record<string, Tensor> } {
  const ctx = forwardContext(training);
  const y = model.forward({ ...vars.params, ...vars.buffers }, x, ctx);
  return { y, buffers: ctx.updates };
}

/**
 * The training-step spec of a model (for compileStep): batch `x` [batch, 1, side, side] in the model's input
 * convention (HR-sized for a cv2-bicubic input, LR-sized otherwise), target `y` [batch, 1, hrPx, hrPx], the loss
 * on the training-mode forward, and the new batch-norm statistics as the step's buffer outputs.
 */
export function modelStepSpec(
  model: Model,
  o: { batch: number; hrPx: number; loss: (pred: Tensor, target: Tensor) => Tensor; optimizer: Optimizer },
): StepSpec {
  const side = model.input === 'cv2-bicubic' ? o.hrPx : o.hrPx / model.scale;
  return {
    params: paramShapes(model.specs),
    buffers: bufferShapes(model.specs),
    inputs: { x: [o.batch, 1, side, side], y: [o.batch, 1, o.hrPx, o.hrPx] },
    lossFn: ({ params, buffers, inputs }) => {
      const { y, buffers: updates } = applyModel(model, { params, buffers }, inputs.x!, { training: true });
      return { loss: o.loss(y, inputs.y!), buffers: updates };
    },
    optimizer: o.optimizer,
  };
}

/** A model hyper-parameter that must be a whole number ≥ 1 (the registry turns the RangeError into a usage error). */
export function positiveIntConfig(v: number | undefined, name: string): number {
  if (v === undefined || !Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer ≥ 1, received ${v}`);
  return v;
}
