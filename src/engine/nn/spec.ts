/**
 * Parameter trees as flat, ordered records of PyTorch state_dict names → specs (shape, role, initialiser).
 * A model is a plain object holding such a record and a pure forward over Tensors; names, order and layouts
 * (conv OIHW) are exactly those of the PyTorch module tree, so state_dicts load and save by name.
 */

/** How a tensor's initial values are drawn (always from an explicitly passed Rng). */
export type Init =
  | { kind: 'uniform'; bound: number } // U(-bound, bound)
  | { kind: 'normal'; std: number } // N(0, std²)
  | { kind: 'constant'; value: number };

/**
 * param: trained (float32); buffer: carried by the step but not trained (BatchNorm running statistics,
 * float32); counter: int64 bookkeeping kept only so state_dicts round-trip (BatchNorm num_batches_tracked).
 */
export type ParamRole = 'param' | 'buffer' | 'counter';

export interface ParamSpec {
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly init: Init;
}

/** state_dict name → spec, in state_dict order. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** PyTorch's default conv/linear init: kaiming_uniform(a=√5) gives bound 1/√fan_in, and so does the bias. */
export function defaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/** nn.Conv2d(inC, outC, k, padding, bias) as `<name>.weight` [outC, inC, k, k] and `<name>.bias` [outC]. */
export function conv2dSpecs(name: string, inC: number, outC: number, k: number, { bias = true } = {}): Record<string, ParamSpec> {
  const bound = defaultBound(inC * k * k);
  const specs: Record<string, ParamSpec> = { [`${name}.weight`]: { shape: [outC, inC, k, k], role: 'param', init: { kind: 'uniform', bound } } };
  if (bias) specs[`${name}.bias`] = { shape: [outC], role: 'param', init: { kind: 'uniform', bound } };
  return specs;
}

/** nn.BatchNorm2d(c): affine weight 1 and bias 0, running_mean 0, running_var 1, num_batches_tracked 0. */
export function batchNorm2dSpecs(name: string, c: number): Record<string, ParamSpec> {
  const constant = (value: number) => ({ kind: 'constant', value }) as const;
  return {
    [`${name}.weight`]: { shape: [c], role: 'param', init: constant(1) },
    [`${name}.bias`]: { shape: [c], role: 'param', init: constant(0) },
    [`${name}.running_mean`]: { shape: [c], role: 'buffer', init: constant(0) },
    [`${name}.running_var`]: { shape: [c], role: 'buffer', init: constant(1) },
    [`${name}.num_batches_tracked`]: { shape: [], role: 'counter', init: constant(0) },
  };
}

/** A copy of `specs` with the initialiser replaced wherever `override` returns one (an architecture's own init). */
export function overrideInit(specs: ParamSpecs, override: (name: string, spec: ParamSpec) => Init | undefined): ParamSpecs {
  const out: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const init = override(name, spec);
    out[name] = init ? { ...spec, init } : spec;
  }
  return out;
}

function shapesOf(specs: ParamSpecs, role: ParamRole): Record<string, readonly number[]> {
  return Object.fromEntries(Object.entries(specs).filter(([, s]) => s.role === role).map(([n, s]) => [n, s.shape]));
}

/** Trainable parameters: name → shape (compileStep's `params`). */
export const paramShapes = (specs: ParamSpecs) => shapesOf(specs, 'param');
/** Float buffers the forward reads and, in training, updates (compileStep's `buffers`). */
export const bufferShapes = (specs: ParamSpecs) => shapesOf(specs, 'buffer');

/** Number of trainable scalars. */
export function countParams(specs: ParamSpecs): number {
  let n = 0;
  for (const s of Object.values(specs)) if (s.role === 'param') n += s.shape.reduce((a, b) => a * b, 1);
  return n;
}
