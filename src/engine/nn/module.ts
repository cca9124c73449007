/**
 * The scoped model builder (tinygrad / flax-`compact` style): declaring a layer in a scope records its
 * parameters and buffers under the scope's path (the PyTorch state_dict name: `trunk.3.conv.weight`) and returns
 * its forward, so every name is written once. `buildModule(declare)` runs the declarations once, in state_dict
 * order; the forward `declare` returns is then traced with `bind(vars, ctx, run)`, which gives the declared
 * layers the step's (or the inference graph's) tensors by name for the duration of `run`. A layer called twice
 * reads the same tensors: modules applied several times share their parameters, as in PyTorch.
 */
import type { Conv2dOptions } from '../ops/conv.js';
import { conv2d, convTranspose2d } from '../ops/conv.js';
import { prelu } from '../ops/elementwise.js';
import { linear } from '../ops/linalg.js';
import { batchNorm2d, layerNorm } from '../ops/nn.js';
import { reshape, transpose } from '../ops/shape.js';
import { constant } from '../tensor.js';
import type { Tensor } from '../tensor.js';
import type { InitRule } from './init.js';
import { constantInit, resolveInit, torchDefaultBias, torchDefaultWeight } from './init.js';
import type { ForwardContext, Vars } from './layers.js';
import type { ParamRole, ParamSpec, ParamSpecs } from './spec.js';

/** A square kernel size, or [kh, kw]. */
export type Kernel = number | readonly [number, number];

/** Initialisers of a layer's weight and bias (each defaults to PyTorch's for the layer type). */
export interface LayerInit {
  weight?: InitRule;
  bias?: InitRule;
}

export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Default true, as nn.Conv2d. */
  bias?: boolean;
  init?: LayerInit;
}

export interface ConvTranspose2dLayerOptions extends Conv2dLayerOptions {
  outputPadding?: number | [number, number];
}

export interface LinearOptions {
  bias?: boolean;
  init?: LayerInit;
}

export interface LayerNormOptions {
  /** 'last': nn.LayerNorm over the last axis; 'channel': over axis 1 of NCHW (a channels-first LayerNorm). */
  axis?: 'last' | 'channel';
  eps?: number;
  /** Learned weight and bias (default true, as elementwise_affine). */
  affine?: boolean;
}

export interface BatchNorm2dOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
}

/** The declarations of one model: specs in declaration order, and the tensors bound while a forward is traced. */
class Declarations {
  readonly specs: Record<string, ParamSpec> = {};
  bound: { vars: Vars; ctx: ForwardContext } | null = null;

  add(name: string, spec: ParamSpec): void {
    if (name in this.specs) throw new Error(`"${name}" is declared twice; give the second layer its own name or reuse the first`);
    this.specs[name] = spec;
  }

  binding(name: string): { vars: Vars; ctx: ForwardContext } {
    if (!this.bound) throw new Error(`"${name}" is used outside its model's forward (call the forward through bind)`);
    return this.bound;
  }

  read(name: string): Tensor {
    const t = this.binding(name).vars[name];
    if (!t) throw new Error(`no tensor named "${name}" among the model's variables`);
    return t;
  }
}

const pair = (k: Kernel): [number, number] => (typeof k === 'number' ? [k, k] : [k[0], k[1]]);

function divides(what: string, n: number, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1 || n % groups !== 0) throw new RangeError(`${what} ${n} must be divisible by groups ${groups}`);
}

/** A path in the model tree; its layers are named `<path>.<local name>`. */
export class Scope {
  /** @internal use buildModule */
  constructor(
    private readonly decls: Declarations,
    /** The scope's state_dict prefix ('' at the root). */
    readonly path: string,
  ) {}

  /** The state_dict name of `local` in this scope. */
  name(local: string | number): string {
    return this.path === '' ? String(local) : `${this.path}.${local}`;
  }

  /** A child scope; indices name nn.Sequential / nn.ModuleList entries: `scope('trunk', 3)` is `trunk.3`. */
  scope(...parts: ReadonlyArray<string | number>): Scope {
    return new Scope(this.decls, parts.reduce<string>((p, part) => (p === '' ? String(part) : `${p}.${part}`), this.path));
  }

  /** A tensor of the state_dict with its role and init; returns its getter for the forward. */
  tensor(local: string | number, shape: readonly number[], role: ParamRole, init: InitRule): () => Tensor {
    const name = this.name(local);
    this.decls.add(name, { shape: [...shape], role, init: resolveInit(init, shape) });
    return () => this.decls.read(name);
  }

  /** A trained parameter (nn.Parameter). */
  param(local: string | number, shape: readonly number[], init: InitRule): () => Tensor {
    return this.tensor(local, shape, 'param', init);
  }

  /**
   * A float buffer the step carries (register_buffer, persistent): its forward value is the previous step's,
   * or the new value a training forward of this step already wrote to `ctx.updates`.
   */
  buffer(local: string | number, shape: readonly number[], init: InitRule): () => Tensor {
    const name = this.name(local);
    this.tensor(local, shape, 'buffer', init);
    return () => this.decls.binding(name).ctx.updates[name] ?? this.decls.read(name);
  }

  /**
   * A persistent buffer fixed by the configuration (a mean-shift kernel, a relative-position index): in the
   * state_dict so original checkpoints load with no unexpected key, never trained, baked into graphs as a constant.
   * `recomputed`: the original sizes it by its construction-time input (an attention mask) and the forward
   * computes its own for the actual input instead, so a file's tensor of any shape loads (ParamSpec.recomputed).
   */
  constant(local: string | number, shape: readonly number[], data: Float32Array | BigInt64Array, { recomputed = false } = {}): () => Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`${this.name(local)}: ${data.length} values for shape [${shape.join(', ')}]`);
    if (recomputed) this.decls.add(this.name(local), { shape: [...shape], role: 'constant', init: { kind: 'values', data }, recomputed: true });
    else this.tensor(local, shape, 'constant', { kind: 'values', data });
    const dtype = data instanceof BigInt64Array ? 'int64' : 'float32';
    return () => constant(data, shape, dtype);
  }

  /** `<local>.weight` and, with `bias`, `<local>.bias` [n], PyTorch's defaults where `init` gives none. */
  private weightAndBias(local: string | number, shape: readonly number[], n: number, bias: boolean, init: LayerInit): [() => Tensor, (() => Tensor) | null] {
    const s = this.scope(local);
    const w = s.param('weight', shape, init.weight ?? torchDefaultWeight);
    return [w, bias ? s.param('bias', [n], init.bias ?? torchDefaultBias(shape)) : null];
  }

  /** A conv's groups, checked to divide both channel counts. */
  private groups(local: string | number, inC: number, outC: number, groups = 1): number {
    divides(`${this.name(local)}: in_channels`, inC, groups);
    divides(`${this.name(local)}: out_channels`, outC, groups);
    return groups;
  }

  /** nn.Conv2d(inC, outC, kernel, stride, padding, dilation, groups, bias). */
  conv2d(local: string | number, inC: number, outC: number, kernel: Kernel, options: Conv2dLayerOptions = {}): (x: Tensor) => Tensor {
    const { bias = true, init = {}, ...conv } = options;
    const groups = this.groups(local, inC, outC, conv.groups);
    const [w, b] = this.weightAndBias(local, [outC, inC / groups, ...pair(kernel)], outC, bias, init);
    return (x) => conv2d(x, w(), b ? b() : null, conv);
  }

  /** nn.ConvTranspose2d(inC, outC, kernel, ...): weight [inC, outC/groups, kh, kw], fan_in from dim 1 as in PyTorch. */
  convTranspose2d(local: string | number, inC: number, outC: number, kernel: Kernel, options: ConvTranspose2dLayerOptions = {}): (x: Tensor) => Tensor {
    const { bias = true, init = {}, ...conv } = options;
    const groups = this.groups(local, inC, outC, conv.groups);
    const [w, b] = this.weightAndBias(local, [inC, outC / groups, ...pair(kernel)], outC, bias, init);
    return (x) => convTranspose2d(x, w(), b ? b() : null, conv);
  }

  /** nn.Linear(inF, outF, bias) over the last axis. */
  linear(local: string | number, inF: number, outF: number, { bias = true, init = {} }: LinearOptions = {}): (x: Tensor) => Tensor {
    const [w, b] = this.weightAndBias(local, [outF, inF], outF, bias, init);
    return (x) => linear(x, w(), b ? b() : null);
  }

  /** nn.LayerNorm(dim) over the last axis, or a channels-first LayerNorm over axis 1 of NCHW. */
  layerNorm(local: string | number, dim: number, { axis = 'last', eps = 1e-5, affine = true }: LayerNormOptions = {}): (x: Tensor) => Tensor {
    const s = this.scope(local);
    const w = affine ? s.param('weight', [dim], constantInit(1)) : null;
    const b = affine ? s.param('bias', [dim], constantInit(0)) : null;
    const norm = (x: Tensor) => layerNorm(x, w ? w() : null, b ? b() : null, 1, eps);
    // Channels-first reuses the last-axis op through NHWC (one way to normalise).
    return axis === 'last' ? norm : (x) => transpose(norm(transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]);
  }

  /**
   * nn.BatchNorm2d(c): batch statistics in a training forward, whose new running statistics go to ctx.updates
   * (a module applied several times updates them each time, each call starting from the previous call's, as
   * PyTorch does); running statistics otherwise.
   */
  batchNorm2d(local: string | number, c: number, { eps = 1e-5, momentum = 0.1, affine = true }: BatchNorm2dOptions = {}): (x: Tensor) => Tensor {
    const s = this.scope(local);
    const w = affine ? s.param('weight', [c], constantInit(1)) : null;
    const b = affine ? s.param('bias', [c], constantInit(0)) : null;
    const mean = s.buffer('running_mean', [c], constantInit(0));
    const variance = s.buffer('running_var', [c], constantInit(1));
    s.tensor('num_batches_tracked', [], 'counter', constantInit(0));
    const meanName = s.name('running_mean');
    const varName = s.name('running_var');
    return (x) => {
      const { ctx } = this.decls.binding(meanName);
      const { y, running } = batchNorm2d(x, w ? w() : null, b ? b() : null, { runningMean: mean(), runningVar: variance() }, { training: ctx.training, momentum, eps });
      if (ctx.training) {
        ctx.updates[meanName] = running.runningMean;
        ctx.updates[varName] = running.runningVar;
      }
      return y;
    };
  }

  /** nn.PReLU(n, init): one slope, or one per channel (axis 1). */
  prelu(local: string | number, n = 1, init = 0.25): (x: Tensor) => Tensor {
    const slope = this.scope(local).param('weight', [n], constantInit(init));
    return (x) => prelu(x, n === 1 || x.rank < 3 ? slope() : reshape(slope(), [n, ...new Array<number>(x.rank - 2).fill(1)]));
  }
}

/** A declared model tree: its specs, the forward its declaration returned, and the binding that traces it. */
export interface BuiltModule<F> {
  readonly specs: ParamSpecs;
  readonly forward: F;
  /** Runs `run` (which calls the forward) with the declared layers reading `vars` and `ctx`. */
  bind<R>(vars: Vars, ctx: ForwardContext, run: (forward: F) => R): R;
}

/** Declares a model tree from its root scope; `declare` returns the forward over the declared layers. */
export function buildModule<F>(declare: (nn: Scope) => F): BuiltModule<F> {
  const decls = new Declarations();
  const forward = declare(new Scope(decls, ''));
  return {
    specs: decls.specs,
    forward,
    bind(vars, ctx, run) {
      const previous = decls.bound;
      decls.bound = { vars, ctx };
      try {
        return run(forward);
      } finally {
        decls.bound = previous;
      }
    },
  };
}
