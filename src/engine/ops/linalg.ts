/** Batched matrix product (numpy matmul semantics for rank ≥ 2) and PyTorch's linear. */
import { broadcastShapes, formatShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import { add } from './elementwise.js';
import { sumTo } from './reduce.js';
import { transpose } from './shape.js';

const P = {
  matmul: definePrimitive<null>({
    name: 'matmul',
    shape: ([a, b]) => {
      expect(a!.shape.length >= 2 && b!.shape.length >= 2, 'matmul needs rank ≥ 2 operands');
      expect(a!.dtype === b!.dtype, `dtypes differ: ${a!.dtype} vs ${b!.dtype}`);
      const [m, k] = a!.shape.slice(-2);
      const [k2, n] = b!.shape.slice(-2);
      expect(k === k2, `inner dims differ: ${formatShape(a!.shape)} @ ${formatShape(b!.shape)}`);
      const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
      expect(batch !== null, `batch dims do not broadcast: ${formatShape(a!.shape)} @ ${formatShape(b!.shape)}`);
      return { shape: [...batch, m!, n!], dtype: a!.dtype };
    },
    lower: (ctx, ins, out) => void ctx.emit('MatMul', ins, [out]),
    vjp: (g, [a, b]) => [sumTo(matmul(g, mT(b!)), a!.shape), sumTo(matmul(mT(a!), g), b!.shape)],
  }),
};

/** Swaps the last two axes. */
export function mT(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transpose(x, perm);
}

/** a @ b with broadcasting batch dims. */
export const matmul = (a: Tensor, b: Tensor): Tensor => apply(P.matmul, [a, b], null);

/** PyTorch's F.linear: x [..., in] @ weight[out, in]ᵀ + bias[out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const y = matmul(x, transpose(weight, [1, 0]));
  return bias ? add(y, bias) : y;
}
