/**
 * Blocked-channel (NCHWc) convolutions for ONNX Runtime's CPU provider, in graphs whose weights are inputs.
 *
 * Why: ORT runs a plain Conv through MLAS's NCHW path (im2col + GEMM). Its NchwcTransformer rewrites convs into
 * MLAS's direct NCHWc kernels (faster on the 3×3 and 5×5 layers of VDSR, DRRN and SRCNN 9-5-5; numbers in
 * docs/benchmarks.md), but only when the weights are constant initializers, because it reorders them once at load
 * time. A training step feeds its weights as inputs, so we do the rewrite ourselves: the weight reorder becomes
 * three cheap nodes in the graph (64·64·9 values), and the activations between blocked convs stay blocked, so the
 * layout copies (ReorderInput/ReorderOutput) appear only where an NCHW consumer needs the tensor.
 *
 * The layout: a tensor [N, C, H, W] with C a multiple of the block size B is stored as [N, C/B, H, W, B] under
 * the same declared shape; the weight [O, C, kh, kw] as [O/B, C/B, kh, kw, B(in), B(out)]. B is MLAS's, which
 * depends on the CPU (16 with AVX-512, 8 with AVX2): ask `nchwcBlockSize` (runtime.ts), never assume it.
 */
import onnxProto from 'onnx-proto';
import type { Shape } from './dims.js';
import type { LowerCtx, TensorType } from './ops/registry.js';
import { apply, definePrimitive } from './ops/registry.js';
import { reshape } from './ops/shape.js';
import type { Tensor } from './tensor.js';

const { onnx } = onnxProto;
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/** What the lowering tells the rewrite pass: the block size, and the logical shape of every blocked tensor. */
export interface NchwcLowering {
  block: number;
  shapes: Map<string, Shape>;
}

let tracingBlock = 0;

/**
 * Traces `fn` for a CPU with this NCHWc block (0: no blocked layout), so that gradient formulations may read
 * blocked tensors directly (see blockedView).
 */
export function traceForBlock<T>(block: number, fn: () => T): T {
  const before = tracingBlock;
  tracingBlock = block;
  try {
    return fn();
  } finally {
    tracingBlock = before;
  }
}

/** The NCHWc block of the trace in progress (0 when tracing a portable graph). */
export const blockOfTrace = (): number => tracingBlock;

const toBlocked = definePrimitive<null>({
  name: 'nchwcBlocked',
  shape: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  lower: (ctx, ins, out) => void ctx.emit('ReorderInput', ins, [out], {}, NCHWC_DOMAIN),
  // No VJP: only gradient formulations use it, and they are not differentiated again.
});

/**
 * x [N, C, H, W] (C a multiple of `block`) as its blocked memory, [N, C/block, H, W, block]: a ReorderInput,
 * free when x is already blocked in the lowered graph (the ReorderOutput/ReorderInput pair cancels).
 */
export function blockedView(x: Tensor, block: number): Tensor {
  const [n, c, h, w] = x.shape.map(Number) as [number, number, number, number];
  return reshape(apply(toBlocked, [x], null), [n, c / block, h, w, block]);
}

/** Whether conv2d with these attributes and shapes has a blocked lowering. */
export function blockedConvFits(block: number, groups: number, xShape: Shape, wShape: Shape): boolean {
  const [o, c] = wShape;
  return groups === 1 && xShape.length === 4 && typeof o === 'number' && typeof c === 'number' && o % block === 0 && c % block === 0;
}

/**
 * Lowers y = Conv(x, w, b) as ReorderInput → nchwc Conv → ReorderOutput; `fuseBlocked` then removes the reorder
 * pairs between blocked ops. `attrs` are the Conv's ONNX attributes.
 */
export function lowerBlockedConv(ctx: LowerCtx, nchwc: NchwcLowering, ins: readonly string[], out: string, attrs: Parameters<LowerCtx['emit']>[3], yShape: Shape, wShape: Shape): void {
  const B = nchwc.block;
  const [o, c, kh, kw] = wShape.map(Number) as [number, number, number, number];
  const [x, w, bias] = ins;
  const w6 = ctx.emit('Reshape', [w!, ctx.constant([o / B, B, c / B, B, kh, kw], [6], 'int64')], 1)[0]!;
  const wt = ctx.emit('Transpose', [w6], 1, { perm: { ints: [0, 2, 4, 5, 3, 1] } })[0]!;
  const wb = ctx.emit('Reshape', [wt, ctx.constant([o, c, kh, kw], [4], 'int64')], 1)[0]!;
  const xb = ctx.emit('ReorderInput', [x!], 1, {}, NCHWC_DOMAIN)[0]!;
  const yb = ctx.emit('Conv', bias ? [xb, wb, bias] : [xb, wb], 1, attrs, NCHWC_DOMAIN)[0]!;
  nchwc.shapes.set(yb, yShape);
  ctx.emit('ReorderOutput', [yb], [out], { channels: { i: o } }, NCHWC_DOMAIN);
}

/** The slice of an ONNX NodeProto this pass reads and writes. */
export interface OnnxNode {
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  name?: string;
  attribute: { name: string; type?: number; i?: number; s?: Uint8Array; ints?: number[] }[];
}

// Elementwise ops that compute the same values on any layout of same-shaped operands.
const ELEMENTWISE = new Set(['Relu', 'Mul', 'Add', 'Sub', 'Div', 'Neg', 'Abs', 'Sign', 'Sigmoid', 'Tanh', 'Greater', 'Less', 'Cast', 'Where', 'LeakyRelu']);

const isOn = (n: OnnxNode, op: string) => n.opType === op && n.domain === NCHWC_DOMAIN;

/**
 * Rewrites the lowered nodes (in topological order) so that blocked tensors flow between blocked ops:
 * - ReorderInput of a tensor that is the ReorderOutput of a blocked one reads the blocked one directly;
 * - a Relu right after a blocked conv becomes the conv's fused activation;
 * - an elementwise op with a blocked operand runs blocked when its other operands are blocked, single-value
 *   constants, or (if its result goes on to a blocked op) float tensors of the same shape, reordered once each;
 *   its NCHW result, if still needed, is one ReorderOutput of the blocked one;
 * - nodes whose outputs nothing uses any more are dropped.
 * `types`: the static type of every tensor by name; `scalars`: initializers holding one value; `keep`: graph outputs.
 */
export function fuseBlocked(nodes: readonly OnnxNode[], nchwc: NchwcLowering, types: ReadonlyMap<string, TensorType>, scalars: ReadonlySet<string>, keep: ReadonlySet<string>): OnnxNode[] {
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
  // Tensors a blocked op will read: inputs of ReorderInput, and operands of elementwise ops whose result is one.
  const goesBlocked = new Set<string>();
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k]!;
    if (isOn(n, 'ReorderInput') || (ELEMENTWISE.has(n.opType) && !n.domain && goesBlocked.has(n.output[0]!))) for (const i of n.input) goesBlocked.add(i);
  }
  const blockedOf = new Map<string, string>(); // NCHW name → blocked name holding the same values
  const producer = new Map<string, OnnxNode>();
  const out: OnnxNode[] = [];
  const push = (n: OnnxNode) => {
    out.push(n);
    for (const o of n.output) producer.set(o, n);
  };
  const rename = new Map<string, string>();
  const nameOf = (t: string) => rename.get(t) ?? t;
  const reorderIn = (t: string): string => {
    if (!blockedOf.has(t)) {
      const b = `${t}_nchwc`;
      push({ opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: [t], output: [b], name: `${t}_to_nchwc`, attribute: [] });
      blockedOf.set(t, b);
      nchwc.shapes.set(b, types.get(t)!.shape);
    }
    return blockedOf.get(t)!;
  };
  for (const original of nodes) {
    const n = { ...original, input: original.input.map(nameOf) };
    if (isOn(n, 'ReorderOutput')) {
      blockedOf.set(n.output[0]!, n.input[0]!);
      push(n);
      continue;
    }
    if (isOn(n, 'ReorderInput')) {
      if (blockedOf.has(n.input[0]!)) {
        rename.set(n.output[0]!, blockedOf.get(n.input[0]!)!);
        continue;
      }
      blockedOf.set(n.input[0]!, n.output[0]!);
      if (types.has(n.input[0]!)) nchwc.shapes.set(n.output[0]!, types.get(n.input[0]!)!.shape);
    }
    const blockedIns = n.input.filter((i) => blockedOf.has(i));
    const shape = blockedIns.length ? nchwc.shapes.get(blockedOf.get(blockedIns[0]!)!)! : undefined;
    const sameShape = (i: string) => String(nchwc.shapes.get(blockedOf.get(i)!)) === String(shape);
    const convertible = (i: string) => goesBlocked.has(n.output[0]!) && types.get(i)?.dtype === 'float32' && String(types.get(i)!.shape) === String(shape);
    const fits = ELEMENTWISE.has(n.opType) && !n.domain && shape !== undefined && n.input.every((i) => (blockedOf.has(i) && sameShape(i)) || scalars.has(i) || convertible(i));
    if (!fits) {
      push(n);
      continue;
    }
    const conv = n.opType === 'Relu' ? producer.get(blockedOf.get(n.input[0]!)!) : undefined;
    let blocked: string;
    if (conv && isOn(conv, 'Conv') && uses.get(n.input[0]!) === 1 && !keep.has(n.input[0]!) && !conv.attribute.some((a) => a.name === 'activation')) {
      conv.attribute = [...conv.attribute, { name: 'activation', type: 3, s: new TextEncoder().encode('Relu') }];
      blocked = conv.output[0]!;
    } else {
      blocked = `${n.output[0]}_nchwc`;
      const ins = n.input.map((i) => (scalars.has(i) ? i : reorderIn(i)));
      push({ ...n, input: ins, output: [blocked], name: `${n.name ?? n.opType}_nchwc` });
      nchwc.shapes.set(blocked, shape);
    }
    if (types.get(n.output[0]!)?.dtype === 'float32') {
      push({ opType: 'ReorderOutput', domain: NCHWC_DOMAIN, input: [blocked], output: [n.output[0]!], name: `${n.name ?? n.opType}_nchw`, attribute: [{ name: 'channels', type: 2, i: Number(shape[1]) }] });
    } else {
      push(n); // ReorderOutput is float-only: the NCHW result, if needed, is computed as before
    }
    blockedOf.set(n.output[0]!, blocked);
  }
  return dropDead(out, keep);
}

/** Removes nodes none of whose outputs is used (iterated backwards, so whole dead chains go). */
function dropDead(nodes: readonly OnnxNode[], keep: ReadonlySet<string>): OnnxNode[] {
  const live = new Set(keep);
  const kept: OnnxNode[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k]!;
    if (!n.output.some((o) => live.has(o))) continue;
    kept.push(n);
    for (const i of n.input) live.add(i);
  }
  return kept.reverse();
}

/** A one-node graph, ReorderInput of a [1, 4, 1, 1] input: its output has one block of channels (the probe). */
export function nchwcProbeModel(): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }, { domain: NCHWC_DOMAIN, version: 1 }],
      graph: {
        name: 'nchwc_probe',
        node: [{ opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: ['x'], output: ['y'] }],
        input: [info('x', [1, 4, 1, 1])],
        output: [{ name: 'y', type: { tensorType: { elemType: F } } }],
      },
    }),
  ).finish();
}
