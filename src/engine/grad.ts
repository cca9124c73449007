/** Reverse-mode differentiation over a traced graph: the result is more graph, not numbers. */
import { SrcacoError } from '../errors.js';
import { formatShape, sameShape } from './dims.js';
import { topoSort } from './graph.js';
import { add } from './ops/elementwise.js';
import { expand } from './ops/reduce.js';
import type { CompileTarget } from './target.js';
import type { Tensor } from './tensor.js';
import { constant, isFloat } from './tensor.js';

/** Zeros shaped like x. */
export function zerosLike(x: Tensor): Tensor {
  return expand(constant(0, [], x.dtype), x.shape);
}

/**
 * Gradients of `output` with respect to each of `wrt`, as new tensors of the same graph, written for `target`
 * (handed to every VJP). `output` must be a scalar unless `seed` (the output's cotangent) is given. Cotangents
 * of shared subgraphs accumulate.
 */
export function grad(output: Tensor, wrt: readonly Tensor[], target: CompileTarget, seed?: Tensor): Tensor[] {
  if (!seed && output.rank !== 0) throw new SrcacoError('usage', `grad needs a scalar output or a seed; got ${formatShape(output.shape)}`);
  if (!isFloat(output.dtype)) throw new SrcacoError('usage', `cannot differentiate a ${output.dtype} output`);
  const order = topoSort([output]);
  // Only tensors on a path from some wrt to the output carry cotangents.
  const targets = new Set(wrt);
  const live = new Set<Tensor>();
  for (const t of order) {
    if (targets.has(t) || (t.node.kind === 'op' && t.node.inputs.some((x) => live.has(x)))) live.add(t);
  }
  const cot = new Map<Tensor, Tensor>();
  cot.set(output, seed ?? constant(1, [], output.dtype));
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = cot.get(t);
    const node = t.node;
    if (!g || node.kind !== 'op' || !node.inputs.some((x) => live.has(x))) continue;
    if (!node.prim.vjp) throw new SrcacoError('usage', `${node.prim.name} is not differentiable, but a gradient flows through it (use stopGradient on its input)`);
    const gs = node.prim.vjp(g, node.inputs, t, node.attrs, target);
    if (gs.length !== node.inputs.length) {
      throw new SrcacoError('internal', `${node.prim.name}: VJP returned ${gs.length} cotangents for ${node.inputs.length} inputs`);
    }
    node.inputs.forEach((x, j) => {
      const gx = gs[j];
      if (!gx || !live.has(x)) return;
      if (!sameShape(gx.shape, x.shape) || gx.dtype !== x.dtype) {
        throw new SrcacoError(
          'internal',
          `${node.prim.name}: VJP cotangent ${j} is ${formatShape(gx.shape)} ${gx.dtype}, expected ${formatShape(x.shape)} ${x.dtype}`,
        );
      }
      const prev = cot.get(x);
      cot.set(x, prev ? add(prev, gx) : gx);
    });
  }
  return wrt.map((w) => cot.get(w) ?? zerosLike(w));
}

/** The value of a scalar `f(...wrt)` traced now, and its gradients for `target`. */
export function valueAndGrad(target: CompileTarget, f: (...args: Tensor[]) => Tensor, ...wrt: Tensor[]): { value: Tensor; grads: Tensor[] } {
  const value = f(...wrt);
  return { value, grads: grad(value, wrt, target) };
}
