/**
 * 2-D convolution and transposed convolution (NCHW, PyTorch weight layouts). The gradient formulation is
 * pluggable (`setConvGradient`) because it decides training speed and the fastest one depends on the backend:
 * see bench/engine-conv.ts and DESIGN.md.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, formatShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { TensorType } from './registry.js';
import { matmul } from './linalg.js';
import { reduceSum } from './reduce.js';
import { concat, padConstant, reshape, slice, transpose } from './shape.js';

export interface ConvAttrs {
  stride: [number, number];
  pads: [number, number, number, number]; // top, left, bottom, right (ONNX order)
  dilation: [number, number];
  groups: number;
}
interface ConvTransposeAttrs extends ConvAttrs {
  outputPadding: [number, number];
}

/** How conv VJPs are written. input: 'conv' = Conv with the flipped, channel-swapped kernel (stride 1 only,
 * else falls back), 'convTranspose'. weight: 'batchConv' = one Conv over batch-transposed tensors,
 * 'offsetMatmul' = one MatMul per kernel offset over an NHWC copy, 'im2col' = one MatMul over all offsets,
 * 'gradShift' = one MatMul against shifted copies of the output gradient (stride 1; copies O, not C, channels),
 * 'rowShift' = kh row-slices of x times kw column-shifted copies of g (stride 1; kh + kw copies, not kh·kw),
 * 'auto' (both) = the per-layer choice measured fastest by bench/engine-conv.ts on a 2-core CPU (see there). */
export interface ConvGradient {
  input: 'conv' | 'convTranspose' | 'auto';
  weight: 'batchConv' | 'offsetMatmul' | 'im2col' | 'gradShift' | 'rowShift' | 'auto';
}
let gradientChoice: ConvGradient = { input: 'auto', weight: 'auto' };

/** Chooses the conv VJP formulation for graphs traced from now on (benchmarks compare them). */
export function setConvGradient(choice: Partial<ConvGradient>): ConvGradient {
  const before = gradientChoice;
  gradientChoice = { ...gradientChoice, ...choice };
  return before;
}

function convOut(d: Dim, k: number, a: ConvAttrs, axis: 0 | 1): Dim {
  const span = a.dilation[axis] * (k - 1) + 1;
  const padded = dimAffine(d, 1, 1, a.pads[axis] + a.pads[axis + 2] - span);
  return dimAffine(dimFloorDiv(padded, 0, a.stride[axis]), 1, 1, 1);
}

function convType(xs: readonly TensorType[], a: ConvAttrs): TensorType {
  const [x, w, b] = xs;
  expect(x!.shape.length === 4 && w!.shape.length === 4, 'conv2d needs x [N, C, H, W] and weight [O, C/groups, kH, kW]');
  const [n, c, h, wd] = x!.shape;
  const [o, ci, kh, kw] = w!.shape;
  expect(typeof kh === 'number' && typeof kw === 'number' && typeof o === 'number', 'kernel shape must be static');
  expect(typeof c !== 'number' || c === Number(ci) * a.groups, `input has ${c} channels but weight expects ${ci} × ${a.groups} groups`);
  expect(o % a.groups === 0, `${o} output channels do not split into ${a.groups} groups`);
  expect(!b || (b.shape.length === 1 && b.shape[0] === o), `bias must be [${o}], got ${b && formatShape(b.shape)}`);
  return { shape: [n!, o, convOut(h!, kh, a, 0), convOut(wd!, kw, a, 1)], dtype: x!.dtype };
}

function onnxConvAttrs(a: ConvAttrs, kernel: readonly Dim[]) {
  return {
    kernel_shape: { ints: kernel.slice(2).map(Number) },
    strides: { ints: a.stride },
    pads: { ints: a.pads },
    dilations: { ints: a.dilation },
    group: { i: a.groups },
  };
}

const P = {
  conv2d: definePrimitive<ConvAttrs>({
    name: 'conv2d',
    shape: convType,
    lower: (ctx, ins, out, a, [, w]) => void ctx.emit('Conv', ins, [out], onnxConvAttrs(a, w!.shape)),
    vjp: (g, [x, w, b], _y, a) => [convInputGrad(g, w!, x!.shape, a), convWeightGrad(x!, g, w!.shape, a), ...(b ? [reduceSum(g, [0, 2, 3])] : [])],
  }),
  convTranspose2d: definePrimitive<ConvTransposeAttrs>({
    name: 'convTranspose2d',
    shape: ([x, w, b], a) => {
      expect(x!.shape.length === 4 && w!.shape.length === 4, 'convTranspose2d needs x [N, C, H, W] and weight [C, O/groups, kH, kW]');
      const [ci, og, kh, kw] = w!.shape.map(Number) as [number, number, number, number];
      expect(x!.shape[1] === ci, `input has ${x!.shape[1]} channels but weight expects ${ci}`);
      expect(!b || (b.shape.length === 1 && b.shape[0] === og * a.groups), 'bias must have one value per output channel');
      const out = (d: Dim, k: number, i: 0 | 1) =>
        dimAffine(d, a.stride[i], 1, -a.stride[i] + a.outputPadding[i] + a.dilation[i] * (k - 1) + 1 - a.pads[i] - a.pads[i + 2]);
      return { shape: [x!.shape[0]!, og * a.groups, out(x!.shape[2]!, kh, 0), out(x!.shape[3]!, kw, 1)], dtype: x!.dtype };
    },
    lower: (ctx, ins, out, a, [, w]) =>
      void ctx.emit('ConvTranspose', ins, [out], { ...onnxConvAttrs(a, w!.shape), output_padding: { ints: a.outputPadding } }),
    vjp: (g, [x, w, b], _y, a) => {
      const conv: ConvAttrs = { stride: a.stride, pads: a.pads, dilation: a.dilation, groups: a.groups };
      return [conv2dRaw(g, w!, null, conv), convWeightGrad(g, x!, w!.shape, conv), ...(b ? [reduceSum(g, [0, 2, 3])] : [])];
    },
  }),
};

const conv2dRaw = (x: Tensor, w: Tensor, b: Tensor | null, a: ConvAttrs): Tensor => apply(P.conv2d, b ? [x, w, b] : [x, w], a);
const convTransposeRaw = (x: Tensor, w: Tensor, b: Tensor | null, a: ConvTransposeAttrs): Tensor => apply(P.convTranspose2d, b ? [x, w, b] : [x, w], a);

/** Weight [O, C/g, kh, kw] → [C, O/g, kh, kw] per group, spatially flipped: the kernel of the input gradient. */
function swapFlip(w: Tensor, groups: number): Tensor {
  const [o, cg, kh, kw] = w.shape.map(Number) as [number, number, number, number];
  let t = reshape(w, [groups, o / groups, cg, kh, kw]);
  t = reshape(transpose(t, [0, 2, 1, 3, 4]), [groups * cg, o / groups, kh, kw]);
  return slice(slice(t, 2, undefined, undefined, -1), 3, undefined, undefined, -1);
}

function convInputGrad(g: Tensor, w: Tensor, xShape: readonly Dim[], a: ConvAttrs): Tensor {
  const k = [Number(w.shape[2]), Number(w.shape[3])];
  const span = (i: 0 | 1) => a.dilation[i] * (k[i]! - 1);
  // Output row j takes g[j + padBefore - k·d]: a conv with the flipped kernel and padBefore' = d(k-1) - padBefore.
  const pads = [span(0) - a.pads[0], span(1) - a.pads[1], span(0) - a.pads[2], span(1) - a.pads[3]] as ConvAttrs['pads'];
  // A Conv producing few channels (dx of a first layer) underuses the GEMM; ConvTranspose is then faster.
  const viaConv = gradientChoice.input === 'conv' || (gradientChoice.input === 'auto' && Number(xShape[1]) >= 8);
  if (viaConv && a.stride[0] === 1 && a.stride[1] === 1 && pads.every((p) => p >= 0)) {
    return conv2dRaw(g, swapFlip(w, a.groups), null, { ...a, pads });
  }
  // ConvTranspose leaves the last rows the stride skipped to output_padding.
  const outputPadding = [0, 1].map((i) => {
    const full = xShape[2 + i]!;
    const made = dimAffine(g.shape[2 + i]!, a.stride[i]!, 1, -a.stride[i]! + span(i as 0 | 1) + 1 - a.pads[i]! - a.pads[i + 2]!);
    if (full === made) return 0;
    expect(typeof full === 'number' && typeof made === 'number', `the input gradient of a strided conv over ${formatShape(xShape)} needs static shapes`);
    return full - made;
  }) as [number, number];
  return convTransposeRaw(g, w, null, { ...a, outputPadding });
}

/** dL/dW for y = conv(x, W): x [N, C, H, W], g = dL/dy [N, O, Ho, Wo], result wShape [O, C/g, kh, kw]. */
export function convWeightGrad(x: Tensor, g: Tensor, wShape: readonly Dim[], a: ConvAttrs): Tensor {
  const [o, cg, kh, kw] = wShape.map(Number) as [number, number, number, number];
  const stride1 = a.stride[0] === 1 && a.stride[1] === 1;
  let choice = a.groups === 1 ? gradientChoice.weight : 'batchConv';
  // auto, from bench/engine-conv.ts (process CPU time, batch 8 × 96², 1 thread, loaded 2-core machine):
  // O ≤ 4 → gradShift (32→1 5×5: 15 ms; others 34–82); C ≤ 4 → batchConv (1→64 9×9: 18; others 38–100);
  // other stride-1 layers → rowShift (64→32 5×5: 188 vs 227–275; 64→64 3×3: 140 vs 148–192); strided → offsetMatmul.
  if (choice === 'auto') choice = stride1 && o <= 4 ? 'gradShift' : cg <= 4 ? 'batchConv' : stride1 ? 'rowShift' : 'offsetMatmul';
  if ((choice === 'gradShift' || choice === 'rowShift') && !stride1) choice = 'im2col';
  if (choice === 'batchConv') {
    const og = o / a.groups;
    const parts: Tensor[] = [];
    for (let gi = 0; gi < a.groups; gi++) {
      const xg = a.groups === 1 ? x : slice(x, 1, gi * cg, (gi + 1) * cg);
      const gg = a.groups === 1 ? g : slice(g, 1, gi * og, (gi + 1) * og);
      // Batch becomes channels: correlate each input channel with each output-gradient channel over N.
      const r = conv2dRaw(transpose(xg, [1, 0, 2, 3]), transpose(gg, [1, 0, 2, 3]), null, {
        stride: a.dilation,
        dilation: a.stride,
        pads: a.pads,
        groups: 1,
      });
      const cropped = slice(slice(r, 2, 0, kh), 3, 0, kw);
      parts.push(transpose(cropped, [1, 0, 2, 3]));
    }
    return concat(parts, 0);
  }
  const [n, c] = x.shape;
  const [, , ho, wo] = g.shape.map(Number) as number[];
  expect(typeof n === 'number' && typeof c === 'number' && Number.isFinite(ho) && Number.isFinite(wo), 'the weight gradient needs static shapes');
  const m = n * ho! * wo!;
  const xn = transpose(padConstant(x, [0, 0, a.pads[0], a.pads[1], 0, 0, a.pads[2], a.pads[3]]), [0, 2, 3, 1]);
  if (choice === 'gradShift') return gradShiftWeightGrad(xn, g, [o, c, kh, kw], a.dilation);
  if (choice === 'rowShift') return rowShiftWeightGrad(xn, g, [o, c, kh, kw], a.dilation);
  const gT = transpose(reshape(transpose(g, [0, 2, 3, 1]), [m, o]), [1, 0]);
  const cols: Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const r0 = i * a.dilation[0];
      const c0 = j * a.dilation[1];
      const rows = slice(xn, 1, r0, r0 + (ho! - 1) * a.stride[0] + 1, a.stride[0]);
      cols.push(reshape(slice(rows, 2, c0, c0 + (wo! - 1) * a.stride[1] + 1, a.stride[1]), [m, c]));
    }
  }
  if (choice === 'im2col') {
    const dw = matmul(gT, concat(cols, 1)); // [O, kh*kw*C]
    return transpose(reshape(dw, [o, kh, kw, c]), [0, 3, 1, 2]);
  }
  const per = cols.map((col) => reshape(matmul(gT, col), [o, c, 1]));
  return reshape(concat(per, 2), [o, c, kh, kw]);
}

/**
 * Stride-1 weight gradient that copies g (O channels) instead of x (C channels): on the padded NHWC grid
 * flattened to rows r, kernel offset (i, j) is a row shift s = dh·i·Wp + dw·j, so dW[:, :, i, j] =
 * Σ_r g[r - s] ⊗ x[r]: one zero-padded (shifted) copy of g and one MatMul per offset, x used as is.
 */
function gradShiftWeightGrad(xn: Tensor, g: Tensor, [o, c, kh, kw]: number[], dilation: [number, number]): Tensor {
  const [n, hp, wp] = xn.shape.map(Number) as [number, number, number];
  const [, , ho, wo] = g.shape.map(Number) as [number, number, number, number];
  const rows = n * hp * wp;
  const gGrid = padConstant(transpose(g, [0, 2, 3, 1]), [0, 0, 0, 0, 0, hp - ho, wp - wo, 0]);
  const gFlat = reshape(gGrid, [rows, o!]);
  const xFlat = reshape(xn, [rows, c!]);
  const per: Tensor[] = [];
  for (let i = 0; i < kh!; i++) {
    for (let j = 0; j < kw!; j++) {
      const shift = dilation[0] * i * wp + dilation[1] * j;
      // Rows shifted past the end are zero padding of g (stride 1: the last (k-1) rows and columns).
      const shifted = padConstant(slice(gFlat, 0, 0, rows - shift), [shift, 0, 0, 0]);
      per.push(reshape(matmul(transpose(shifted, [1, 0]), xFlat), [o!, c!, 1]));
    }
  }
  return reshape(concat(per, 2), [o!, c!, kh!, kw!]);
}

/**
 * Stride-1 weight gradient with kh + kw copies: row offset i is a slice of x's rows [N, Ho, Wp, C]; column
 * offset j is g placed on the same width-Wp grid and shifted right by dw·j (the wrap-around lands in g's
 * zero columns). dW[:, :, i, j] = gⱼᵀ xᵢ.
 */
function rowShiftWeightGrad(xn: Tensor, g: Tensor, [o, c, kh, kw]: number[], dilation: [number, number]): Tensor {
  const [n, , wp] = xn.shape.map(Number) as [number, number, number];
  const [, , ho, wo] = g.shape.map(Number) as [number, number, number, number];
  const rows = n * ho * wp;
  const gFlat = reshape(padConstant(transpose(g, [0, 2, 3, 1]), [0, 0, 0, 0, 0, 0, wp - wo, 0]), [rows, o!]);
  // The kw shifted copies of gᵀ stacked into one [kw·O, R] operand, so each row offset is one wide MatMul.
  const gStack = concat(
    Array.from({ length: kw! }, (_, j) => {
      const s = dilation[1] * j;
      return transpose(padConstant(slice(gFlat, 0, 0, rows - s), [s, 0, 0, 0]), [1, 0]);
    }),
    0,
  );
  const per: Tensor[] = [];
  for (let i = 0; i < kh!; i++) {
    const xi = reshape(slice(xn, 1, dilation[0] * i, dilation[0] * i + ho), [rows, c!]);
    per.push(reshape(matmul(gStack, xi), [1, kw!, o!, c!]));
  }
  return transpose(concat(per, 0), [2, 3, 0, 1]);
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Symmetric [ph, pw] or a number, or explicit [top, left, bottom, right]. */
  padding?: number | [number, number] | [number, number, number, number];
  dilation?: number | [number, number];
  groups?: number;
}

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  return v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
}
function pads4(p: Conv2dOptions['padding']): ConvAttrs['pads'] {
  if (p === undefined) return [0, 0, 0, 0];
  if (typeof p === 'number') return [p, p, p, p];
  return p.length === 2 ? [p[0], p[1], p[0], p[1]] : p;
}
function attrsOf(o: Conv2dOptions): ConvAttrs {
  return { stride: pair(o.stride, 1), pads: pads4(o.padding), dilation: pair(o.dilation, 1), groups: o.groups ?? 1 };
}

/** PyTorch's F.conv2d: x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null. */
export const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor => conv2dRaw(x, weight, bias, attrsOf(options));

/** PyTorch's F.conv_transpose2d: weight [C, O/groups, kH, kW]. */
export const convTranspose2d = (
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions & { outputPadding?: number | [number, number] } = {},
): Tensor => convTransposeRaw(x, weight, bias, { ...attrsOf(options), outputPadding: pair(options.outputPadding, 0) });
