/** Walking traced graphs: deterministic topological order and the re-check of every node's shape rule. */
import { SrcacoError } from '../errors.js';
import { formatShape, sameShape } from './dims.js';
import type { Tensor } from './tensor.js';

/** Every tensor the outputs depend on, producers first; the order depends only on the graph's structure. */
export function topoSort(outputs: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const root of outputs) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const ins = t.node.kind === 'op' ? t.node.inputs : [];
      if (i < ins.length) {
        top[1]++;
        const child = ins[i]!;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }
  }
  return order;
}

/**
 * Re-runs every node's shape rule over the finished graph (as autodidax re-typechecks a jaxpr), so a node built
 * with a wrong shape fails here, naming the node, its op and both shapes, rather than deep inside ONNX Runtime.
 */
export function checkGraph(outputs: readonly Tensor[]): void {
  topoSort(outputs).forEach((t, index) => {
    if (t.node.kind !== 'op') return;
    const { prim, inputs, attrs } = t.node;
    const where = `graph check: node ${index} (${prim.name})`;
    let expected;
    try {
      expected = prim.shape(inputs, attrs);
    } catch (e) {
      const shapes = inputs.map((x) => formatShape(x.shape)).join(', ');
      throw new SrcacoError('internal', `${where}: inputs ${shapes} are rejected: ${(e as Error).message}`, { cause: e });
    }
    if (!sameShape(expected.shape, t.shape) || expected.dtype !== t.dtype) {
      throw new SrcacoError(
        'internal',
        `${where}: expected ${formatShape(expected.shape)} ${expected.dtype}, actual ${formatShape(t.shape)} ${t.dtype}`,
      );
    }
  });
}
