/**
 * The weight gradient of conv2d, in the formulations bench/engine-conv.ts compares (see ConvGradient in
 * conv.ts). All compute dW[o, c, i, j] = Σ g[n, o, y, x] · xpad[n, c, y·s + i·d, x·s + j·d].
 */
import type { Dim } from '../dims.js';
import { blockedView } from '../nchwc.js';
import type { CompileTarget } from '../target.js';
import type { Tensor } from '../tensor.js';
import type { ConvAttrs } from './conv.js';
import { conv2d } from './conv.js';
import { matmul } from './linalg.js';
import { reduceSum } from './reduce.js';
import { expect } from './registry.js';
import { concat, padConstant, reshape, slice, transpose } from './shape.js';

/**
 * dL/dW for y = conv(x, W): x [N, C, H, W], g = dL/dy [N, O, Ho, Wo], result wShape [O, C/g, kh, kw], in the
 * target's weight formulation (and reading x blocked when the target has an NCHWc block).
 */
export function convWeightGrad(x: Tensor, g: Tensor, wShape: readonly Dim[], a: ConvAttrs, target: CompileTarget): Tensor {
  const [o, cg, kh, kw] = wShape.map(Number) as [number, number, number, number];
  const stride1 = a.stride[0] === 1 && a.stride[1] === 1;
  let choice = a.groups === 1 ? target.convGradient.weight : 'batchConv';
  // auto: the formulation bench/engine-conv.ts measured fastest for each kind of layer (its numbers are in
  // docs/benchmarks.md): O ≤ 4 → gradShift; C ≤ 4 → batchConv; other stride-1 layers → padShift; strided →
  // batchConv (no slower than offsetMatmul on DBPN's projections, and one Conv where offsetMatmul emits kh·kw
  // MatMuls: 144 for a 12×12 kernel, which made ORT's session creation crawl).
  if (choice === 'auto') choice = stride1 && o <= 4 ? 'gradShift' : cg <= 4 || !stride1 ? 'batchConv' : 'padShift';
  // Traced for a CPU with blocked convs, x is blocked already (or nearly: one reorder shared with its conv).
  const block = target.nchwcBlock;
  if (choice === 'padShift' && block && cg % block === 0) return blockedShiftWeightGrad(x, g, [o, cg, kh, kw], a, block);
  if ((choice === 'gradShift' || choice === 'rowShift' || choice === 'padShift') && !stride1) choice = 'im2col';
  if (choice === 'batchConv') return batchConvWeightGrad(x, g, [o, cg, kh, kw], a);
  if (choice === 'padShift') return padShiftWeightGrad(x, g, [o, cg, kh, kw], a);
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
 * The weight gradient as ONE Conv whose batch is the layer's input channels of a group and whose channels are the
 * batch: x [N, G·cg, H, W] → [cg, G·N, H, W], g [N, G·og, Ho, Wo] → the kernel [G·og, N, Ho, Wo], and the
 * Conv's own groups are the layer's, so group gi correlates its cg input channels with its og gradient channels
 * over the batch: r[c, gi·og + j, i', j'] = Σₙ Σ_{y,x} x[n, gi·cg + c, y·s + i'·d, x·s + j'·d] · g[n, gi·og + j, y, x]
 * (stride and dilation swap roles). A depthwise layer (cg = og = 1) is one Conv with one batch-wide kernel per
 * channel, where a Conv per group made as many nodes as channels (192 in an Omni-SR attention block).
 */
function batchConvWeightGrad(x: Tensor, g: Tensor, [o, cg, kh, kw]: number[], a: ConvAttrs): Tensor {
  const groups = a.groups;
  let xt: Tensor;
  let gt: Tensor;
  if (groups === 1) {
    xt = transpose(x, [1, 0, 2, 3]);
    gt = transpose(g, [1, 0, 2, 3]);
  } else {
    const [n, , h, w] = x.shape as [Dim, Dim, Dim, Dim];
    const [, , ho, wo] = g.shape as [Dim, Dim, Dim, Dim];
    const og = o! / groups;
    xt = reshape(transpose(reshape(x, [n, groups, cg!, h, w]), [2, 1, 0, 3, 4]), [cg!, typeof n === 'number' ? groups * n : `${groups}*(${n})`, h, w]);
    gt = reshape(transpose(reshape(g, [n, groups, og, ho, wo]), [1, 2, 0, 3, 4]), [o!, n, ho, wo]);
  }
  const r = conv2d(xt, gt, null, { stride: a.dilation, dilation: a.stride, padding: a.pads, groups });
  return transpose(slice(slice(r, 2, 0, kh), 3, 0, kw), [1, 0, 2, 3]);
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
  const spare = wp - wo; // stride 1: = dw·(kw - 1), the largest shift
  // gᵀ [O, R] on the width-Wp grid, built contiguous: MatMul with a transposed first operand is slower in ORT.
  // One Pad puts g's zero columns on the left and adds a zero row at the end, so every shifted copy is a plain
  // Slice of it (shift s starts at spare - s): a slice-then-pad pair per shift would copy g twice.
  const gGrid = padConstant(reshape(transpose(g, [1, 0, 2, 3]), [o!, n * ho, wo]), [0, 0, spare, 0, 1, 0]);
  const gT = reshape(gGrid, [o!, (n * ho + 1) * wp]);
  // The kw shifted copies stacked into one [kw·O, R] operand, so each row offset is one wide MatMul.
  const gStack = concat(
    Array.from({ length: kw! }, (_, j) => {
      const start = spare - dilation[1] * j;
      return slice(gT, 1, start, start + rows);
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

/**
 * padShift reading x in its blocked memory [N, C/B, H, W, B] (see nchwc.ts): the row-offset copies of x are Pads
 * of that memory, and each row offset is one batched MatMul gStack [N, 1, kw·O, K] × xᵢ [N, C/B, K, B], the
 * MatMul's natural orientation. It saves the NCHW copy of x, which a training step lowered with blocked convs
 * would otherwise make for every layer.
 */
function blockedShiftWeightGrad(x: Tensor, g: Tensor, [o, c, kh, kw]: number[], a: ConvAttrs, block: number): Tensor {
  const [n, , h, w] = x.shape.map(Number) as [number, number, number, number];
  const [, , ho, wo] = g.shape.map(Number) as [number, number, number, number];
  const [pt, pl, , pr] = a.pads;
  const [dh, dw] = a.dilation;
  const wp = w + pl + pr;
  const k = ho * wp;
  const cb = c! / block;
  const gStack = reshape(shiftedGradStack(g, kw!, dw, wp, wo), [n, 1, kw! * o!, k]);
  // Rows of the blocked memory as [N, C/B, H, W·B]: the Pads then copy whole rows (ORT's Pad is slower with the
  // innermost axis of B kept separate).
  const xb = reshape(blockedView(x, block), [n, cb, h, w * block]);
  const per: Tensor[] = [];
  for (let i = 0; i < kh!; i++) {
    const xi = reshape(padConstant(xb, [0, 0, pt - dh * i, pl * block, 0, 0, ho + dh * i - pt - h, pr * block]), [n, cb, k, block]);
    per.push(reshape(reduceSum(matmul(gStack, xi), [0]), [1, cb, kw!, o!, block]));
  }
  return reshape(transpose(concat(per, 0), [3, 1, 4, 0, 2]), [o!, c!, kh!, kw!]);
}

/** g [N, O, Ho, Wo] zero-padded to width Wp and shifted right by dw·j, for j < kw, stacked: [N, kw·O, Ho·Wp]. */
function shiftedGradStack(g: Tensor, kw: number, dw: number, wp: number, wo: number): Tensor {
  const [n, o, ho] = g.shape.map(Number) as [number, number, number];
  return concat(
    Array.from({ length: kw }, (_, j) => reshape(padConstant(g, [0, 0, 0, dw * j, 0, 0, 0, wp - wo - dw * j]), [n, o, ho * wp])),
    1,
  );
}

/**
 * Stride-1 weight gradient in NCHW with kh + kw copies and no transposes of x or g. Row offset i is x cropped
 * and zero-padded in one Pad (negative pads crop) to the output's rows on the padded width Wp; column offset j
 * is g zero-padded to width Wp shifted right by dw·j. Both flatten per image to [·, Ho·Wp], so
 * dW[:, :, i, j] = Σₙ gⱼ[n] · xᵢ[n]ᵀ: one batched MatMul per row offset against the kw column copies stacked.
 */
function padShiftWeightGrad(x: Tensor, g: Tensor, [o, c, kh, kw]: number[], a: ConvAttrs): Tensor {
  const [n, , h, w] = x.shape.map(Number) as [number, number, number, number];
  const [, , ho, wo] = g.shape.map(Number) as [number, number, number, number];
  expect([n, h, w, ho, wo].every(Number.isFinite), 'the weight gradient needs static shapes');
  const [pt, pl, , pr] = a.pads;
  const [dh, dw] = a.dilation;
  const wp = w + pl + pr;
  const k = ho * wp;
  const gStack = shiftedGradStack(g, kw!, dw, wp, wo); // [N, kw·O, Ho·Wp]
  const per: Tensor[] = [];
  for (let i = 0; i < kh!; i++) {
    const xi = reshape(padConstant(x, [0, 0, pt - dh * i, pl, 0, 0, ho + dh * i - pt - h, pr]), [n, c!, k]);
    // MatMul against a transposed last pair: ORT fuses the Transpose into the GEMM (FusedMatMul, transB).
    per.push(reshape(reduceSum(matmul(gStack, transpose(xi, [0, 2, 1])), [0]), [1, kw!, o!, c!]));
  }
  return transpose(concat(per, 0), [2, 3, 0, 1]);
}
