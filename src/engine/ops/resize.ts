/**
 * Resizing NCHW images with PyTorch's F.interpolate semantics (antialias=False), by a scale factor (`resize`) or
 * to an explicit, possibly symbolic size (`resizeTo`, any ratio): nearest, bilinear, bicubic (a = -0.75, edge
 * indices clamped), align_corners=False or, for bilinear and bicubic, True. The forward is ONNX Resize; the VJP
 * multiplies by the transposed interpolation matrices, which `resizeMatrix` / `resizeMatrixTo` build in JS.
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
  alignCorners: boolean;
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

/** The [out, in] matrix M with y = M x along one axis, exactly as PyTorch interpolates by `scale_factor`. */
export function resizeMatrix(inSize: number, scale: number, mode: ResizeMode, alignCorners = false): Float64Array {
  return interpolationMatrix(inSize, Math.floor(inSize * scale), (o) => o / scale, mode, alignCorners);
}

/**
 * The [out, in] matrix of F.interpolate(size=outSize) along one axis: PyTorch then maps output pixel o to
 * o·in/out (not o / (out/in), which rounds differently).
 */
export function resizeMatrixTo(inSize: number, outSize: number, mode: ResizeMode, alignCorners = false): Float64Array {
  return interpolationMatrix(inSize, outSize, (o) => o * (inSize / outSize), mode, alignCorners);
}

/** `toInput(o)`: an output coordinate in input pixels, before the half-pixel shift. */
function interpolationMatrix(inSize: number, outSize: number, toInput: (o: number) => number, mode: ResizeMode, alignCorners: boolean): Float64Array {
  // align_corners=True maps the end pixels' centres onto each other (PyTorch: ratio (in − 1)/(out − 1), 0 for one pixel).
  const ratio = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  const m = new Float64Array(outSize * inSize);
  const clampI = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      m[o * inSize + Math.min(Math.floor(toInput(o)), inSize - 1)] = 1;
      continue;
    }
    const src = alignCorners ? o * ratio : toInput(o + 0.5) - 0.5;
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

type OnnxAttrs = Record<string, { s: string } | { f: number }>;

const ONNX_MODE: Record<ResizeMode, OnnxAttrs> = {
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
    lower: (ctx, ins, out, { mode, scale, alignCorners }) => {
      const scales = ctx.constant([1, 1, scale, scale], [4], 'float32');
      const attrs: OnnxAttrs = alignCorners ? { ...ONNX_MODE[mode], coordinate_transformation_mode: { s: 'align_corners' } } : ONNX_MODE[mode];
      ctx.emit('Resize', [ins[0]!, '', scales], [out], attrs);
    },
    vjp: (g, [x], _y, { mode, scale, alignCorners }) => {
      const [h, w] = [x!.shape[2]!, x!.shape[3]!];
      expect(typeof h === 'number' && typeof w === 'number', 'the gradient of resize needs static H and W');
      const mh = constant(resizeMatrix(h, scale, mode, alignCorners), [Math.floor(h * scale), h], g.dtype);
      const mw = constant(resizeMatrix(w, scale, mode, alignCorners), [Math.floor(w * scale), w], g.dtype);
      // y = Mh x Mwᵀ, so dx = Mhᵀ g Mw.
      return [matmul(matmul(transpose2(mh), g), mw)];
    },
  }),
};

interface ResizeToAttrs {
  mode: ResizeMode;
  height: Dim;
  width: Dim;
  alignCorners: boolean;
}

const PT = {
  resizeTo: definePrimitive<ResizeToAttrs>({
    name: 'resizeTo',
    shape: ([x], { height, width }) => {
      expect(x!.shape.length === 4, `resizeTo needs [N, C, H, W], got ${formatShape(x!.shape)}`);
      expect([height, width].every((d) => typeof d !== 'number' || (Number.isInteger(d) && d >= 1)), `the size must be whole and ≥ 1, got ${height}×${width}`);
      return { shape: [x!.shape[0]!, x!.shape[1]!, height, width], dtype: x!.dtype };
    },
    // Resize's `sizes` input, read at run time where the size is symbolic (N and C come from x itself).
    lower: (ctx, ins, out, { mode, height, width, alignCorners }, [x]) => {
      const sizes = ctx.shapeOf([x!.shape[0]!, x!.shape[1]!, height, width], { name: ins[0]!, shape: x!.shape });
      const attrs: OnnxAttrs = alignCorners ? { ...ONNX_MODE[mode], coordinate_transformation_mode: { s: 'align_corners' } } : ONNX_MODE[mode];
      ctx.emit('Resize', [ins[0]!, '', '', sizes], [out], attrs);
    },
    vjp: (g, [x], _y, { mode, height, width, alignCorners }) => {
      const [h, w] = [x!.shape[2]!, x!.shape[3]!];
      expect([h, w, height, width].every((d) => typeof d === 'number'), 'the gradient of resizeTo needs static sizes');
      const [ho, wo] = [height as number, width as number];
      const mh = constant(resizeMatrixTo(h as number, ho, mode, alignCorners), [ho, h as number], g.dtype);
      const mw = constant(resizeMatrixTo(w as number, wo, mode, alignCorners), [wo, w as number], g.dtype);
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

/**
 * PyTorch F.interpolate(x, scale_factor=scale, mode, align_corners) for integer scales or 1/integer (the output
 * size is floor(in·scale), so `size=` calls of such sizes are the same).
 */
export function resize(x: Tensor, scale: number, mode: ResizeMode, { alignCorners = false }: { alignCorners?: boolean } = {}): Tensor {
  const ok = (scale >= 1 && Number.isInteger(scale)) || (scale < 1 && Number.isInteger(Math.round(1 / scale)) && Math.abs(1 / Math.round(1 / scale) - scale) < 1e-12);
  if (!ok) throw new RangeError(`resize scale must be an integer ≥ 1 or 1/integer, received ${scale}`);
  if (alignCorners && mode === 'nearest') throw new RangeError('align_corners applies to bilinear and bicubic resizing only, as in PyTorch');
  return apply(P.resize, [x], { mode, scale, alignCorners });
}

/**
 * PyTorch F.interpolate(x, size=(height, width), mode, align_corners) for any ratio, up or down; height and
 * width may be symbolic (they must then be computable at run time: graph-input symbols, their affine forms, or
 * symbols an earlier op introduced). The gradient needs static sizes.
 */
export function resizeTo(x: Tensor, height: Dim, width: Dim, mode: ResizeMode, { alignCorners = false }: { alignCorners?: boolean } = {}): Tensor {
  if (alignCorners && mode === 'nearest') throw new RangeError('align_corners applies to bilinear and bicubic resizing only, as in PyTorch');
  return apply(PT.resizeTo, [x], { mode, height, width, alignCorners });
}
