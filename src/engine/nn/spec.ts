/**
 * Parameter trees as flat, ordered records of PyTorch state_dict names → specs (shape, role, initialiser).
 * The model builder (module.ts) writes them as layers are declared; names, order and layouts (conv OIHW) are
 * exactly those of the PyTorch module tree, so state_dicts load and save by name.
 */

/** How a tensor's initial values are drawn (always from an explicitly passed Rng). */
export type Init =
  | { kind: 'uniform'; bound: number } // U(-bound, bound)
  | { kind: 'normal'; std: number } // N(0, std²)
  // N(mean, std²) redrawn until inside [a, b] (absolute bounds, as timm's trunc_normal_)
  | { kind: 'truncNormal'; std: number; mean: number; a: number; b: number }
  | { kind: 'constant'; value: number }
  // fixed values computed from the configuration (a relative-position index, a mean-shift kernel)
  | { kind: 'values'; data: Float32Array | BigInt64Array }
  // Performer's orthogonal random features [rows, cols] (ENLCN's attention projection): orthogonal-random.ts
  | { kind: 'orthogonalRandomFeatures'; rows: number; cols: number };

/**
 * param: trained (float32); buffer: carried by the step but not trained (BatchNorm running statistics,
 * float32); constant: a persistent buffer never trained nor updated (float32 or int64), its value fixed by the
 * configuration and baked into graphs; counter: int64 bookkeeping kept only so state_dicts round-trip
 * (BatchNorm num_batches_tracked).
 */
export type ParamRole = 'param' | 'buffer' | 'constant' | 'counter';

export interface ParamSpec {
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly init: Init;
  /**
   * A constant the original sizes by its construction-time input size and srcaco's forward recomputes for the
   * actual input (SwinIR's attn_mask): a loaded file's tensor of any shape is accepted and replaced by the
   * declared values.
   */
  readonly recomputed?: boolean;
}

/** state_dict name → spec, in state_dict order. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

function shapesOf(specs: ParamSpecs, role: ParamRole): Record<string, readonly number[]> {
  return Object.fromEntries(Object.entries(specs).filter(([, s]) => s.role === role).map(([n, s]) => [n, s.shape]));
}

/** Trainable parameters: name → shape (compileStep's `params`). */
export const paramShapes = (specs: ParamSpecs) => shapesOf(specs, 'param');
/** Float buffers the forward reads and, in training, updates (compileStep's `buffers`). */
export const bufferShapes = (specs: ParamSpecs) => shapesOf(specs, 'buffer');

/** Number of trainable scalars (PyTorch's `sum(p.numel() for p in model.parameters())`). */
export function countParams(specs: ParamSpecs): number {
  let n = 0;
  for (const s of Object.values(specs)) if (s.role === 'param') n += s.shape.reduce((a, b) => a * b, 1);
  return n;
}
