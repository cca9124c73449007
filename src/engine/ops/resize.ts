/**
 * Resizing NCHW images by a scale factor with PyTorch's F.interpolate semantics (align_corners=False,
 * antialias=False): nearest, bilinear, bicubic (a = -0.75, edge indices clamped). The forward is ONNX Resize;
 * the VJP multiplies by the transposed interpolation matrices, which `resizeMatrix` builds in JS.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, formatShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { constant } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import { matmul } from './linalg.js';

export type ResizeMode = 'nearest' | 'bilinear' | 'bicubic';

interface ResizeAttrs {
  mode: ResizeMode;
  scale: number; // integer ≥ 1, or 1/integer
}

function outDim(d: Dim, scale: number): Dim {
  if (scale >= 1) return dimAffine(d, scale, 1, 0);
  const k = Math.round(1 / scale);
  return typeof d === 'number' ? Math.floor(d / k) : dimFloorDiv(d, 0, k);
}

function cubic(t: number, a = -0.75): [number, number, number, number] {
  const c1 = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1;
  const c2 = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** The [out, in] matrix M with y = M x along one axis, exactly as PyTorch interpolates. */
export function resizeMatrix(inSize: number, scale: number, mode: ResizeMode): Float64Array {
  const outSize = Math.floor(inSize * scale);
  const m = new Float64Array(outSize * inSize);
  const clampI = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      m[o * inSize + Math.min(Math.floor(o / scale), inSize - 1)] = 1;
      continue;
    }
    const src = (o + 0.5) / scale - 0.5;
    if (mode === 'bilinear') {
      const s = Math.max(src, 0);
      const i0 = Math.floor(s);
      const l = s - i0;
      m[o * inSize + clampI(i0)]! += 1 - l;
      m[o * inSize + clampI(i0 + 1)]! += l;
    } else {
      const i0 = Math.floor(src);
      cubic(src - i0).forEach((w, k) => (m[o * inSize + clampI(i0 - 1 + k)]! += w));
    }
  }
  return m;
}

/**
 * The [out, in] matrix of PyTorch's F.interpolate(size=out, mode='bicubic', align_corners=True) along one axis:
 * output o reads input position o·(in − 1)/(out − 1), its four taps clamped at the edges (no antialias).
 */
export function bicubicAlignCornersMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const step = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let o = 0; o < outSize; o++) {
    const src = o * step;
    const i0 = Math.floor(src);
    cubic(src - i0).forEach((w, k) => (m[o * inSize + Math.min(Math.max(i0 - 1 + k, 0), inSize - 1)]! += w));
  }
  return m;
}

const ONNX_MODE: Record<ResizeMode, Record<string, { s: string } | { f: number }>> = {
  nearest: { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } },
  bilinear: { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'half_pixel' } },
  bicubic: { mode: { s: 'cubic' }, coordinate_transformation_mode: { s: 'half_pixel' }, cubic_coeff_a: { f: -0.75 } },
};

const P = {
  resize: definePrimitive<ResizeAttrs>({
    name: 'resize',
    shape: ([x], { scale }) => {
      expect(x!.shape.length === 4, `resize needs [N, C, H, W], got ${formatShape(x!.shape)}`);
      const [n, c, h, w] = x!.shape;
      return { shape: [n!, c!, outDim(h!, scale), outDim(w!, scale)], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, { mode, scale }) => {
      const scales = ctx.constant([1, 1, scale, scale], [4], 'float32');
      ctx.emit('Resize', [ins[0]!, '', scales], [out], ONNX_MODE[mode]);
    },
    vjp: (g, [x], _y, { mode, scale }) => {
      const [h, w] = [x!.shape[2]!, x!.shape[3]!];
      expect(typeof h === 'number' && typeof w === 'number', 'the gradient of resize needs static H and W');
      const mh = constant(resizeMatrix(h, scale, mode), [Math.floor(h * scale), h], g.dtype);
      const mw = constant(resizeMatrix(w, scale, mode), [Math.floor(w * scale), w], g.dtype);
      // y = Mh x Mwᵀ, so dx = Mhᵀ g Mw.
      return [matmul(matmul(transpose2(mh), g), mw)];
    },
  }),
};

function transpose2(m: Tensor): Tensor {
  const [r, c] = m.shape as [number, number];
  const src = (m.node as { data: Float32Array | Float64Array }).data;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j]!;
  return constant(out, [c, r], m.dtype);
}

/** PyTorch F.interpolate(x, scale_factor=scale, mode, align_corners=False) for integer scales or 1/integer. */
export function resize(x: Tensor, scale: number, mode: ResizeMode): Tensor {
  const ok = (scale >= 1 && Number.isInteger(scale)) || (scale < 1 && Number.isInteger(Math.round(1 / scale)) && Math.abs(1 / Math.round(1 / scale) - scale) < 1e-12);
  if (!ok) throw new RangeError(`resize scale must be an integer ≥ 1 or 1/integer, received ${scale}`);
  return apply(P.resize, [x], { mode, scale });
}
