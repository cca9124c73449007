/**
 * 2-D convolution and transposed convolution (NCHW, PyTorch weight layouts). The gradient formulation is a
 * choice of the compile target (target.ts `convGradient`) because it decides training speed and the fastest one
 * depends on the backend: see bench/engine-conv.ts and DESIGN.md.
 */
import type { Dim } from '../dims.js';
import { dimAffine, dimFloorDiv, formatShape } from '../dims.js';
import type { Tensor } from '../tensor.js';
import { apply, definePrimitive, expect } from './registry.js';
import type { TensorType } from './registry.js';
import { reduceSum } from './reduce.js';
import { convWeightGrad } from './conv-weight-grad.js';
import { reshape, slice, transpose } from './shape.js';

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
 * 'padShift' = the same kh + kw copies made by one Pad each, in NCHW (no transposes; batched MatMul over N),
 * 'auto' (both) = the per-layer choice measured fastest by bench/engine-conv.ts on a 2-core CPU (see there). */
export interface ConvGradient {
  input: 'conv' | 'convTranspose' | 'auto';
  weight: 'batchConv' | 'offsetMatmul' | 'im2col' | 'gradShift' | 'rowShift' | 'padShift' | 'auto';
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
    // A target with an NCHWc block rewrites these Convs afterwards (nchwc.ts), when their weights are not constants.
    lower: (ctx, ins, out, a, [, w]) => void ctx.emit('Conv', ins, [out], onnxConvAttrs(a, w!.shape)),
    vjp: (g, [x, w, b], _y, a, target) => [
      convInputGrad(g, w!, x!.shape, a, target.convGradient.input),
      convWeightGrad(x!, g, w!.shape, a, target),
      ...(b ? [reduceSum(g, [0, 2, 3])] : []),
    ],
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
    vjp: (g, [x, w, b], _y, a, target) => {
      const conv: ConvAttrs = { stride: a.stride, pads: a.pads, dilation: a.dilation, groups: a.groups };
      return [conv2dRaw(g, w!, null, conv), convWeightGrad(g, x!, w!.shape, conv, target), ...(b ? [reduceSum(g, [0, 2, 3])] : [])];
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

function convInputGrad(g: Tensor, w: Tensor, xShape: readonly Dim[], a: ConvAttrs, form: ConvGradient['input']): Tensor {
  const k = [Number(w.shape[2]), Number(w.shape[3])];
  const span = (i: 0 | 1) => a.dilation[i] * (k[i]! - 1);
  // Output row j takes g[j + padBefore - k·d]: a conv with the flipped kernel and padBefore' = d(k-1) - padBefore.
  const pads = [span(0) - a.pads[0], span(1) - a.pads[1], span(0) - a.pads[2], span(1) - a.pads[3]] as ConvAttrs['pads'];
  // A Conv producing few channels (dx of a first layer) underuses the GEMM; ConvTranspose is then faster.
  const viaConv = form === 'conv' || (form === 'auto' && Number(xShape[1]) >= 8);
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
