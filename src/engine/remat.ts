/**
 * Activation recomputation (gradient checkpointing, JAX's `remat`). `remat(fn, ...inputs)` traces `fn` as
 * usual, so the forward computes it once; its backward does not read the forward's internals but traces a
 * copy of the segment and differentiates that copy. In the compiled step the forward's internals then die at
 * their last forward use, only the segment's inputs (and captured tensors) stay alive, and the copy runs just
 * before the segment's backward needs it.
 *
 * Two things ONNX Runtime would otherwise undo, both fixed by one data dependency: its common-subexpression
 * elimination merges an identical copy back into the forward, and its topological order may run the copy
 * right after the forward. So every tensor entering the copy is `x + 0·g₀`, with g₀ one element of the
 * segment's incoming cotangent: the copy differs from the forward, and cannot start before the backward of
 * everything after the segment has produced g. (A non-finite g₀ makes the copy NaN; such a step's gradients
 * are not finite anyway.) Measured with ORT 1.30: an untied copy is merged back; `x + 0·g₀` survives.
 * ORT also runs each node only when the first graph output that needs it is computed, so the cotangents the
 * segment returns are tied to each other the same way: its weight gradients then run with its input gradient,
 * not at the parameters' updates with the recomputed activations held until then.
 *
 * `rematWith({ tie: 'captured' }, fn, ...inputs)` ties only what `fn` captures (its parameters), not its inputs.
 * The copy's work that reads only the inputs is then identical to the forward's and ORT merges it back (a batch
 * norm's batch statistics: computed once instead of twice), and no full-size `x + 0·g₀` is made. Use it only where
 * everything big the segment makes depends on a captured tensor or is consumed at once, as in BN → ReLU → conv:
 * a merged big tensor would be kept from the forward to the backward, which is what remat is there to avoid.
 */
import { SrcacoError } from '../errors.js';
import { numel } from './dims.js';
import { grad } from './grad.js';
import { add, cast, mul } from './ops/elementwise.js';
import { apply, definePrimitive } from './ops/registry.js';
import { reshape, slice } from './ops/shape.js';
import type { Tensor } from './tensor.js';
import { input, isFloat } from './tensor.js';

/** Which of the segment's free tensors the copy is tied to: all of them, or only those `fn` captures. */
export interface RematOptions {
  tie: 'all' | 'captured';
}

interface SegmentAttrs {
  /** The segment's output as the forward traced it. */
  readonly output: Tensor;
  /** Tensors made outside the segment that it reads (its inputs, captured parameters), in a fixed order. */
  readonly free: readonly Tensor[];
  /** The free tensors the copy reads through a tie (the rest it reads as they are). */
  readonly tied: ReadonlySet<Tensor>;
}

/** `x + tick`, with no gradient to either: it starts the copy, whose cotangents stop at its inputs. */
const rematTie = definePrimitive<null>({
  name: 'rematTie',
  shape: ([x]) => ({ shape: [...x!.shape], dtype: x!.dtype }),
  lower: (ctx, ins, out) => void ctx.emit('Add', ins, [out]),
  vjp: () => [null, null],
});

/** The segment's output in the forward (an Identity); its VJP recomputes the segment and differentiates the copy. */
const rematSegment = definePrimitive<SegmentAttrs>({
  name: 'remat',
  shape: ([y]) => ({ shape: [...y!.shape], dtype: y!.dtype }),
  lower: (ctx, ins, out) => void ctx.emit('Identity', [ins[0]!], [out]),
  vjp: (g, [, ...free], _out, attrs, target) => {
    const tick = zeroTick(g);
    const tied = free.map((x) => (attrs.tied.has(x) ? apply(rematTie, [x, x.dtype === tick.dtype ? tick : cast(tick, x.dtype)], null) : x));
    const copy = cloneSegment(attrs, tied);
    const wrt = tied.filter((t) => isFloat(t.dtype));
    const grads = grad(copy, wrt, target, g);
    const byTied = new Map(wrt.map((t, i) => [t, grads[i]!]));
    const cots = free.map((_, i) => byTied.get(tied[i]!) ?? null);
    // ORT's default order is a depth-first walk from the graph outputs, so a weight gradient could wait for its
    // parameter's update while the recomputed activations it reads stay alive through the rest of the backward
    // (measured: MemNet's shared recursive-unit weights kept every pass alive). Tying every cotangent to all
    // the others makes the segment's whole backward run before anything it feeds (upstream, updates) goes on.
    const present = cots.filter((c): c is Tensor => c !== null);
    if (present.length > 1) {
      const done = present.map(zeroTick).reduce((a, b) => add(a, b));
      cots.forEach((c, i) => {
        if (c) cots[i] = apply(rematTie, [c, c.dtype === done.dtype ? done : cast(done, c.dtype)], null);
      });
    }
    // The first input is the forward's own output: no cotangent, so nothing differentiates the forward copy.
    return [null, ...cots];
  },
});

/** 0 · (one element of g), as a scalar: the data dependency that orders and distinguishes the copy. */
function zeroTick(g: Tensor): Tensor {
  // Flattened first where the size is static, so that the slice reads one element (slicing axis by axis
  // copies a whole [1, C, H, W], or gathers from every row when the innermost axis goes first).
  let e = numel(g.shape) !== null ? reshape(g, [-1]) : g;
  for (let axis = 0; axis < e.rank; axis++) e = slice(e, axis, 0, 1);
  return mul(reshape(e, []), 0);
}

/** Re-traces the segment's nodes from its free tensors' replacements (nested segments are copied as nodes). */
function cloneSegment(attrs: SegmentAttrs, replacements: readonly Tensor[]): Tensor {
  const copies = new Map<Tensor, Tensor>(attrs.free.map((f, i) => [f, replacements[i]!]));
  const stack: [Tensor, boolean][] = [[attrs.output, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (copies.has(t)) continue;
    const node = t.node;
    if (node.kind !== 'op') {
      // Constants made inside the segment are shared: they are initializers, not activations.
      copies.set(t, t);
      continue;
    }
    if (expanded) {
      copies.set(t, apply(node.prim, node.inputs.map((x) => copies.get(x)!), node.attrs));
      continue;
    }
    stack.push([t, true]);
    for (const x of node.inputs) if (!copies.has(x)) stack.push([x, false]);
  }
  return copies.get(attrs.output)!;
}

/**
 * `fn(...inputs)`, recomputed for the backward instead of kept: the step holds only the segment's inputs (and
 * what `fn` captures, e.g. parameters) between forward and backward. Tensors made inside `fn` must not be
 * used outside it except through its result (side results such as batch-norm running statistics may be:
 * they come from the forward pass, which runs once). Without a gradient it is the plain forward.
 */
export function remat<T extends Tensor[]>(fn: (...inputs: T) => Tensor, ...inputs: T): Tensor {
  return rematWith({ tie: 'all' }, fn, ...inputs);
}

/** `remat` with a choice of what the recomputed copy is tied to (see the module's comment). */
export function rematWith<T extends Tensor[]>(options: RematOptions, fn: (...inputs: T) => Tensor, ...inputs: T): Tensor {
  // Tensor ids count up in creation order: everything with a smaller id than this probe exists outside fn.
  const start = input('remat/start', []).id;
  const output = fn(...inputs);
  if (!output || typeof output !== 'object' || !('node' in output)) throw new SrcacoError('usage', 'remat: fn must return one Tensor');
  if (output.id < start) return output;
  const free: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack = [output];
  seen.add(output);
  while (stack.length) {
    const t = stack.pop()!;
    if (t.node.kind === 'const') continue;
    if (t.id < start || t.node.kind === 'input') {
      free.push(t);
      continue;
    }
    for (const x of t.node.inputs) {
      if (!seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  const floats = free.filter((t) => isFloat(t.dtype));
  const captured = floats.filter((t) => !inputs.includes(t as T[number]));
  // With nothing captured to tie to, the copy must be tied through its inputs (else ORT merges it back whole).
  const tied = new Set(options.tie === 'captured' && captured.length > 0 ? captured : floats);
  return apply(rematSegment, [output, ...free], { output, free, tied });
}
