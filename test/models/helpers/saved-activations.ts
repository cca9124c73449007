import { grad } from '../../../src/engine/grad.js';
import { topoSort } from '../../../src/engine/graph.js';
import { numel } from '../../../src/engine/dims.js';
import type { CompileTarget } from '../../../src/engine/target.js';
import type { Tensor } from '../../../src/engine/tensor.js';

const BYTES = { float32: 4, float64: 8, int64: 8, bool: 1 } as const;

/**
 * Bytes of the forward's intermediate tensors that the backward of `loss` reads: what a training step keeps
 * alive between its forward and its backward (graph inputs and constants left out). ONNX Runtime frees a tensor
 * after its last reader, so the step's peak is about this plus the largest transient of one backward op.
 */
export function savedActivationBytes(loss: Tensor, params: readonly Tensor[], target: CompileTarget): number {
  const forward = new Set(topoSort([loss]));
  const grads = grad(loss, params, target);
  const saved = new Set<Tensor>();
  for (const t of topoSort(grads)) {
    if (forward.has(t) || t.node.kind !== 'op') continue;
    for (const x of t.node.inputs) if (forward.has(x) && x.node.kind === 'op') saved.add(x);
  }
  let bytes = 0;
  for (const t of saved) bytes += numel(t.shape)! * BYTES[t.dtype];
  return bytes;
}
