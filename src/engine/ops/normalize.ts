/**
 * L2 normalisation along one axis, PyTorch's F.normalize(x, p=2, dim, eps): x / max(‖x‖₂, eps). A primitive
 * rather than a composite because autodiff of √(Σx²) divides by the norm: a zero vector (a ReLU'd feature map,
 * a zero-padded border) would give 0/0 = NaN, where PyTorch gives a finite gradient.
 */
import { normAxis } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { cast, div, greaterEqual, maximum, mul, sqrt, sub } from './elementwise.js';
import { reduceSum } from './reduce.js';
import { apply, definePrimitive, expect } from './registry.js';

interface NormalizeAttrs {
  axis: number;
  eps: number;
}

const P = {
  l2Normalize: definePrimitive<NormalizeAttrs>({
    name: 'l2Normalize',
    shape: ([x], { axis }) => {
      expect(axis >= 0 && axis < x!.shape.length, `axis ${axis} out of range for rank ${x!.shape.length}`);
      expect(x!.dtype === 'float32' || x!.dtype === 'float64', `l2Normalize needs a float input, got ${x!.dtype}`);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    lower: (ctx, [x], out, { axis, eps }, [xt]) => {
      // Σx² then √ (not ReduceL2, which ONNX Runtime's CPU provider has for float32 only).
      const [sq] = ctx.emit('Mul', [x!, x!], 1);
      const [sum] = ctx.emit('ReduceSum', [sq!, ctx.constant([axis], [1], 'int64')], 1, { keepdims: { i: 1 } });
      const [norm] = ctx.emit('Sqrt', [sum!], 1);
      const [denom] = ctx.emit('Max', [norm!, ctx.constant([eps], [], xt!.dtype)], 1);
      ctx.emit('Div', [x!, denom!], [out]);
    },
    // With n = max(‖x‖, eps): dx = g/n − [‖x‖ ≥ eps]·x·⟨g, x⟩/n³. The clamp passes the norm's gradient where
    // ‖x‖ ≥ eps (torch's clamp_min backward), so below eps the denominator is a constant; at x = 0 this is g/eps.
    vjp: (g, [x], _y, { axis, eps }) => {
      const norm = sqrt(reduceSum(mul(x!, x!), axis, true));
      const n = maximum(norm, eps);
      const through = cast(greaterEqual(norm, eps), x!.dtype);
      const radial = div(mul(reduceSum(mul(g, x!), axis, true), through), mul(mul(n, n), n));
      return [sub(div(g, n), mul(x!, radial))];
    },
  }),
};

/** PyTorch's F.normalize(x, p=2, dim=axis, eps): x / max(‖x‖₂, eps) along `axis`. */
export function l2Normalize(x: Tensor, axis: number, eps = 1e-12): Tensor {
  return apply(P.l2Normalize, [x], { axis: normAxis(axis, x.rank), eps });
}
