/**
 * What every architecture provides, declared once with `defineModel`: its typed configuration (defaults,
 * presets), scales, family and names, how it is fed and trained, and a builder that declares its layers in a
 * scope (state_dict names, shapes, the original's init) and returns a pure forward over Tensors. Models see
 * images in [0, 1], NCHW with one channel.
 */
import type { Dim } from '../engine/dims.js';
import type { ForwardContext, Vars } from '../engine/nn/layers.js';
import { forwardContext } from '../engine/nn/layers.js';
import type { Scope } from '../engine/nn/module.js';
import { buildModule } from '../engine/nn/module.js';
import type { ParamSpecs } from '../engine/nn/spec.js';
import { bufferShapes, paramShapes } from '../engine/nn/spec.js';
import type { Optimizer, StepSpec } from '../engine/step.js';
import { add, mul } from '../engine/ops/elementwise.js';
import { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import type { ConfigOf, ConfigSchema, ConfigValue, ConfigValues } from './config.js';
import { configDefaults, resolveConfig } from './config.js';

/**
 * What `forward` is fed. 'lr': the LR image itself (the model upsamples inside, or is the bicubic baseline);
 * 'cv2-bicubic': the LR image upsampled to HR size by OpenCV's bicubic beforehand (SRCNN), float and clipped
 * in training, uint8 fixed point / 255 at evaluation.
 */
export type ModelInput = 'lr' | 'cv2-bicubic';

export type ModelFamily = 'baseline' | 'pre-upsampling' | 'post-upsampling' | 'iterative' | 'progressive';

/** A forward's result: the HR output, and named intermediate outputs (a progressive network's levels). */
export interface ModelOutput {
  readonly y: Tensor;
  readonly outputs?: Readonly<Record<string, Tensor>>;
}

/**
 * Which outputs the training loss sees. 'last': the HR output only. 'outputs': the loss of each named output
 * ('y' is the HR output; without `names`, 'y' then every output the forward returns, so the levels may depend on
 * the scale) against the HR target, or, where an output is not HR-sized, against `target(name, hr, pred)`, then
 * their mean or sum (SRFBN averages over its steps, ProSR over its levels).
 */
export type LossOn =
  | { readonly kind: 'last' }
  | {
      readonly kind: 'outputs';
      readonly names?: readonly string[];
      readonly reduce: 'mean' | 'sum';
      readonly target?: (name: string, hr: Tensor, pred: Tensor) => Tensor;
    };

export interface Model {
  /** Registry name, e.g. 'vdsr'. */
  readonly name: string;
  readonly scale: number;
  /** The hyper-parameters it was built with (after defaults and preset). */
  readonly config: ConfigValues;
  readonly specs: ParamSpecs;
  readonly input: ModelInput;
  /** True when the graph needs static H and W (the bicubic baseline's matrices): compile per image size. */
  readonly staticSize?: boolean;
  /** Smallest height and width of `x` the forward takes (its paddings and kernels); a smaller one is refused. */
  readonly minInputPx?: number;
  /**
   * The receptive field's reach: model-input pixels on each side of an output pixel's position that can change
   * it (LR pixels for an 'lr' input, HR pixels of the upsampled input for 'cv2-bicubic'). Tiles with this much
   * context give exactly the whole-image output; undefined when the definition does not declare it.
   */
  readonly halo?: number;
  /**
   * True when an output pixel depends on the whole input (attention over all positions, windows aligned to the
   * image without a `tileAlign`): tiles read `halo` of context, which then approximates the whole-image output
   * instead of equalling it.
   */
  readonly globalContext?: boolean;
  /**
   * Model-input pixels that tiles must start at multiples of to give the whole-image output (a window model
   * partitions from its input's corner); 1 when undefined.
   */
  readonly tileAlign?: number;
  readonly lossOn: LossOn;
  /** HR-sized output [N, 1, s·h, s·w] from `x` ([N, 1, h, w] for 'lr', [N, 1, s·h, s·w] for 'cv2-bicubic'). */
  forward(vars: Vars, x: Tensor, ctx: ForwardContext): Tensor;
  /** The HR output and the named intermediate outputs. */
  forwardOutputs(vars: Vars, x: Tensor, ctx: ForwardContext): ModelOutput;
}

/** What the registry, the CLI and the docs say of an architecture. */
export interface ModelInfo {
  readonly name: string;
  /** The paper's spelling, used in result tables (e.g. 'MemNet', 'SRCNN-915'). */
  readonly displayName: string;
  readonly family: ModelFamily;
  /** Where and how the image is brought to HR size. */
  readonly upsampling: string;
  readonly scales: readonly number[];
  readonly input: ModelInput;
  readonly description: string;
}

/** One registry entry: how to build an architecture, its configuration, names and documentation. */
export interface ModelDef extends ModelInfo {
  /** The hyper-parameters: type, default, bounds (besides the scale). */
  readonly schema: ConfigSchema;
  /** The original's default hyper-parameters (from the schema). */
  readonly defaults: ConfigValues;
  /** Named hyper-parameter sets, e.g. a smaller `demo` that trains within minutes on a laptop. */
  readonly presets: Readonly<Record<string, ConfigValues>>;
  readonly lossOn: LossOn;
  /** Builds the model for a scale from a complete or partial configuration (missing keys take the defaults). */
  build(scale: number, config: Readonly<Record<string, ConfigValue>>): Model;
}

/** What `defineModel` takes; `build` declares the layers in `nn` and returns the forward. */
export interface ModelDefinition<S extends ConfigSchema> extends ModelInfo {
  readonly config?: S;
  readonly presets?: Readonly<Record<string, Partial<ConfigOf<S>>>>;
  /** Default: the HR output only. */
  readonly lossOn?: LossOn;
  readonly staticSize?: boolean;
  readonly minInputPx?: number;
  /** The receptive field's reach in model-input pixels (Model.halo), from the architecture. */
  readonly halo?: (args: { scale: number; config: ConfigOf<S> }) => number;
  /** Model.globalContext. */
  readonly globalContext?: boolean;
  /** Model.tileAlign, from the architecture (its attention window). */
  readonly tileAlign?: (args: { scale: number; config: ConfigOf<S> }) => number;
  build(args: { scale: number; config: ConfigOf<S> }, nn: Scope): (x: Tensor, ctx: ForwardContext) => Tensor | ModelOutput;
}

/** A registry entry from its definition; configuration values are checked against the schema when built. */
export function defineModel<const S extends ConfigSchema = Record<never, never>>(d: ModelDefinition<S>): ModelDef {
  const schema: ConfigSchema = d.config ?? {};
  const lossOn = d.lossOn ?? { kind: 'last' };
  const presets = d.presets ?? {};
  for (const [preset, values] of Object.entries(presets)) resolveConfig(schema, values as ConfigValues, `${d.name} preset '${preset}'`);
  return Object.freeze({
    name: d.name,
    displayName: d.displayName,
    family: d.family,
    upsampling: d.upsampling,
    scales: d.scales,
    input: d.input,
    schema,
    defaults: configDefaults(schema),
    presets: presets as Readonly<Record<string, ConfigValues>>,
    description: d.description,
    lossOn,
    build(scale: number, values: Readonly<Record<string, ConfigValue>>): Model {
      const config = resolveConfig(schema, values, d.name);
      const module = buildModule((nn) => d.build({ scale, config: config as ConfigOf<S> }, nn));
      const forwardOutputs = (vars: Vars, x: Tensor, ctx: ForwardContext): ModelOutput => {
        checkInputSize(d, x.shape[3]!, x.shape[2]!);
        return module.bind(vars, ctx, (forward) => {
          const out = forward(x, ctx);
          return out instanceof Tensor ? { y: out } : out;
        });
      };
      return {
        name: d.name,
        scale,
        config,
        specs: module.specs,
        input: d.input,
        ...(d.staticSize ? { staticSize: true } : {}),
        ...(d.minInputPx ? { minInputPx: d.minInputPx } : {}),
        ...(d.halo ? { halo: d.halo({ scale, config: config as ConfigOf<S> }) } : {}),
        ...(d.globalContext ? { globalContext: true } : {}),
        ...(d.tileAlign ? { tileAlign: d.tileAlign({ scale, config: config as ConfigOf<S> }) } : {}),
        lossOn,
        forward: (vars, x, ctx) => forwardOutputs(vars, x, ctx).y,
        forwardOutputs,
      };
    },
  });
}

/**
 * Refuses an input smaller than the model's `minInputPx` (symbolic sizes pass: the upscaler checks the image).
 */
export function checkInputSize(model: { name: string; minInputPx?: number }, width: Dim, height: Dim, path?: string): void {
  const min = model.minInputPx ?? 1;
  if ((typeof width === 'number' && width < min) || (typeof height === 'number' && height < min)) {
    throw new SrcacoError('data', `${model.name} needs an input of at least ${min}×${min} px (its paddings and kernels), received ${width}×${height}`, path === undefined ? {} : { path });
  }
}

/**
 * One forward for a training step's loss: params and buffers as the step passes them (by state_dict name),
 * returning the output and, in training mode, the new buffer values (LossResult.buffers).
 */
export function applyModel(
  model: Model,
  vars: { params: Readonly<Record<string, Tensor>>; buffers?: Readonly<Record<string, Tensor>> },
  x: Tensor,
  { training, noise }: { training: boolean; noise?: ForwardContext['noise'] },
): { y: Tensor; outputs: Readonly<Record<string, Tensor>>; buffers: Record<string, Tensor> } {
  const ctx = forwardContext(training, noise);
  const { y, outputs = {} } = model.forwardOutputs({ ...vars.params, ...vars.buffers }, x, ctx);
  return { y, outputs, buffers: ctx.updates };
}

/** The training loss of a forward's outputs, as the model's `lossOn` says. */
export function modelLoss(model: Model, out: { y: Tensor; outputs: Readonly<Record<string, Tensor>> }, hr: Tensor, loss: (pred: Tensor, target: Tensor) => Tensor): Tensor {
  const on = model.lossOn;
  if (on.kind === 'last') return loss(out.y, hr);
  const names = on.names ?? ['y', ...Object.keys(out.outputs)];
  const terms = names.map((name) => {
    const pred = name === 'y' ? out.y : out.outputs[name];
    if (!pred) throw new SrcacoError('internal', `${model.name}'s forward returned no output '${name}' for its loss`);
    const hrSized = pred.shape[2] === hr.shape[2] && pred.shape[3] === hr.shape[3];
    if (!hrSized && !on.target) throw new SrcacoError('internal', `${model.name}'s output '${name}' is not HR-sized and its lossOn has no target`);
    return loss(pred, hrSized ? hr : on.target!(name, hr, pred));
  });
  const sum = terms.reduce((a, b) => add(a, b));
  return on.reduce === 'sum' ? sum : mul(sum, 1 / terms.length);
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
    lossFn: ({ params, buffers, inputs, noise }) => {
      const { buffers: updates, ...out } = applyModel(model, { params, buffers }, inputs.x!, { training: true, noise });
      return { loss: modelLoss(model, out, inputs.y!, o.loss), buffers: updates };
    },
    optimizer: o.optimizer,
  };
}
