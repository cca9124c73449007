/**
 * Whole training steps as one ONNX graph: forward, loss, backward and optimizer update. Inputs are parameters,
 * optimizer state, buffers, the batch, the learning rate and the step count; outputs are the loss and the new
 * parameters, state and buffers, named so that step k's outputs feed step k+1.
 */
import { SrcacoError } from '../errors.js';
import { formatShape, sameShape } from './dims.js';
import { grad } from './grad.js';
import type { NoiseKind, NoiseSpec } from './noise.js';
import type { GraphSpec } from './onnx.js';
import { toOnnx } from './onnx.js';
import type { CompileTarget } from './target.js';
import type { DType } from './tensor.js';
import { Tensor, input } from './tensor.js';

/** An update rule written with ops; each slot is a per-parameter tensor of the parameter's shape. */
export interface Optimizer {
  /** Slot name → initial value (e.g. Adam: { m: 0, v: 0 }; plain SGD: {}). */
  slots: Readonly<Record<string, number>>;
  /** New parameter and slots from the current ones; `lr` and `step` (1-based count) are scalar inputs. */
  update(args: { param: Tensor; grad: Tensor; state: Record<string, Tensor>; lr: Tensor; step: Tensor }): {
    param: Tensor;
    state: Record<string, Tensor>;
  };
  /** Optional: rewrites all gradients at once before any update (global-norm clipping needs every gradient). */
  transformGrads?(grads: Record<string, Tensor>): Record<string, Tensor>;
}

export interface TensorSpec {
  shape: readonly number[];
  dtype?: DType;
}

export interface LossResult {
  loss: Tensor;
  /** New values of buffers the forward updates (batch-norm running statistics). */
  buffers?: Record<string, Tensor>;
  /** Extra outputs to fetch after each step (e.g. the prediction). */
  outputs?: Record<string, Tensor>;
}

export interface StepSpec {
  /** Trainable parameters: name → shape (float32). */
  params: Readonly<Record<string, readonly number[]>>;
  /** Non-trainable state carried between steps: name → shape. */
  buffers?: Readonly<Record<string, readonly number[]>>;
  /** The batch: name → shape (or shape and dtype). */
  inputs: Readonly<Record<string, readonly number[] | TensorSpec>>;
  /** `noise(name, shape, kind)` declares a noise input (engine/noise.ts) and returns it; names are unique. */
  lossFn(args: { params: Record<string, Tensor>; buffers: Record<string, Tensor>; inputs: Record<string, Tensor>; noise: NoiseSource }): Tensor | LossResult;
  optimizer: Optimizer;
}

export type NoiseSource = (name: string, shape: readonly number[], kind: NoiseKind) => Tensor;

/** Graph input/output names of a compiled step. */
export const stepNames = {
  param: (p: string) => `param/${p}`,
  newParam: (p: string) => `new/param/${p}`,
  slot: (p: string, s: string) => `state/${p}/${s}`,
  newSlot: (p: string, s: string) => `new/state/${p}/${s}`,
  buffer: (b: string) => `buffer/${b}`,
  newBuffer: (b: string) => `new/buffer/${b}`,
  input: (i: string) => `input/${i}`,
  noise: (n: string) => `noise/${n}`,
  output: (o: string) => `out/${o}`,
  lr: 'lr',
  step: 'step',
  loss: 'loss',
} as const;

export interface CompiledStep {
  /** ONNX model bytes: standard ops, plus ORT's NCHWc CPU kernels when the target has a block. */
  readonly model: Uint8Array;
  /** What it was compiled for; StepRunner runs it on the target's device. */
  readonly target: CompileTarget;
  params: Readonly<Record<string, readonly number[]>>;
  buffers: Readonly<Record<string, readonly number[]>>;
  slots: Readonly<Record<string, number>>;
  inputs: Readonly<Record<string, TensorSpec>>;
  /** The noise inputs the loss declared, in declaration order; StepRunner draws them at every step. */
  noise: Readonly<Record<string, NoiseSpec>>;
  /** Names of the extra outputs. */
  outputs: readonly string[];
}

/**
 * Traces `spec.lossFn`, differentiates it, applies the optimizer and compiles the whole step to ONNX for
 * `target` (target.ts `compileTarget`): its conv gradient formulations, and its NCHWc block if any.
 */
export function compileStep(spec: StepSpec, target: CompileTarget): CompiledStep {
  const { graph, noise } = traceStep(spec, target);
  return {
    model: toOnnx(graph, { nchwcBlock: target.nchwcBlock }),
    target,
    params: spec.params,
    buffers: spec.buffers ?? {},
    slots: spec.optimizer.slots,
    inputs: Object.fromEntries(Object.entries(spec.inputs).map(([name, s]) => [name, tensorSpec(s)])),
    noise,
    outputs: graph.outputs.filter(([name]) => name.startsWith('out/')).map(([name]) => name.slice('out/'.length)),
  };
}

const tensorSpec = (s: readonly number[] | TensorSpec): TensorSpec => (Array.isArray(s) ? { shape: s as readonly number[] } : (s as TensorSpec));

/**
 * The step as a graph: inputs in order (the noise inputs last, as the loss declared them), and the loss, new
 * parameters, slots, buffers and extra outputs.
 */
function traceStep(spec: StepSpec, target: CompileTarget): { graph: GraphSpec; noise: Record<string, NoiseSpec> } {
  const N = stepNames;
  const params: Record<string, Tensor> = {};
  const slots: Record<string, Record<string, Tensor>> = {};
  const buffers: Record<string, Tensor> = {};
  const inputs: Record<string, Tensor> = {};
  const graphInputs: Tensor[] = [];
  for (const [name, shape] of Object.entries(spec.params)) {
    graphInputs.push((params[name] = input(N.param(name), shape)));
    slots[name] = {};
    for (const s of Object.keys(spec.optimizer.slots)) graphInputs.push((slots[name]![s] = input(N.slot(name, s), shape)));
  }
  for (const [name, shape] of Object.entries(spec.buffers ?? {})) graphInputs.push((buffers[name] = input(N.buffer(name), shape)));
  for (const [name, s] of Object.entries(spec.inputs)) {
    const ts = tensorSpec(s);
    graphInputs.push((inputs[name] = input(N.input(name), ts.shape, ts.dtype ?? 'float32')));
  }
  const lr = input(N.lr, [], 'float32');
  const step = input(N.step, [], 'float32');
  graphInputs.push(lr, step);

  const noise: Record<string, NoiseSpec> = {};
  const noiseInputs: Tensor[] = [];
  const noiseSource: NoiseSource = (name, shape, kind) => {
    if (name in noise) throw new SrcacoError('internal', `two noise inputs are named "${name}"; each draw needs its own name`);
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new SrcacoError('internal', `noise input "${name}" needs a static shape, got ${formatShape(shape)}`);
    noise[name] = { shape: [...shape], kind };
    const t = input(N.noise(name), shape, 'float32');
    noiseInputs.push(t);
    return t;
  };
  const traced = spec.lossFn({ params, buffers, inputs, noise: noiseSource });
  graphInputs.push(...noiseInputs);
  const result: LossResult = traced instanceof Tensor ? { loss: traced } : traced;
  if (result.loss.rank !== 0) throw new SrcacoError('usage', `the loss must be a scalar, got ${formatShape(result.loss.shape)}`);
  const names = Object.keys(spec.params);
  const rawGrads = grad(result.loss, names.map((n) => params[n]!), target);
  const byName = Object.fromEntries(names.map((n, i) => [n, rawGrads[i]!]));
  const transformed = spec.optimizer.transformGrads?.(byName) ?? byName;
  const grads = names.map((n) => transformed[n]!);

  const outputs: [string, Tensor][] = [[N.loss, result.loss]];
  names.forEach((name, i) => {
    const upd = spec.optimizer.update({ param: params[name]!, grad: grads[i]!, state: { ...slots[name]! }, lr, step });
    outputs.push([N.newParam(name), upd.param]);
    for (const s of Object.keys(spec.optimizer.slots)) {
      const v = upd.state[s];
      if (!v) throw new SrcacoError('usage', `the optimizer returned no slot "${s}" for ${name}`);
      outputs.push([N.newSlot(name, s), v]);
    }
  });
  for (const name of Object.keys(spec.buffers ?? {})) outputs.push([N.newBuffer(name), result.buffers?.[name] ?? buffers[name]!]);
  for (const [name, t] of Object.entries(result.outputs ?? {})) outputs.push([N.output(name), t]);
  for (const [name, t] of outputs) {
    const src = name.startsWith('new/') ? graphInputs.find((g) => g.node.kind === 'input' && g.node.name === name.slice(4)) : undefined;
    if (src && !sameShape(src.shape, t.shape)) throw new SrcacoError('usage', `${name} is ${formatShape(t.shape)} but ${name.slice(4)} is ${formatShape(src.shape)}`);
  }
  return { graph: { inputs: graphInputs, outputs, name: 'train_step' }, noise };
}
