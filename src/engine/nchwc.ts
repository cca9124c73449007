/**
 * Blocked-channel (NCHWc) convolutions for ONNX Runtime's CPU provider, in graphs whose weights are inputs: one
 * lowering pass (lowerNchwc) over the standard-op graph, run by toOnnx when the compile target has a block.
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
 * depends on the CPU (16 with AVX-512, 8 with AVX2): ask `nchwcBlockSize` (target.ts), never assume it.
 */
import type { Shape } from './dims.js';
import type { TensorType } from './ops/registry.js';
import { apply, definePrimitive } from './ops/registry.js';
import { reshape } from './ops/shape.js';
import type { DType, Tensor } from './tensor.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

const toBlocked = definePrimitive<null>({
  name: 'nchwcBlocked',
  // The declared shape stays the logical one: only the lowered graph knows the memory is blocked.
  shape: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  lower: (ctx, ins, out) => void ctx.emit('ReorderInput', ins, [out], {}, NCHWC_DOMAIN),
  // No VJP: only gradient formulations use it, and they are not differentiated again.
});

/** x as ORT's ReorderInput leaves it: channels padded up to whole blocks (the block-size probe reads that). */
export const reorderToBlocked = (x: Tensor): Tensor => apply(toBlocked, [x], null);

/**
 * x [N, C, H, W] (C a multiple of `block`) as its blocked memory, [N, C/block, H, W, block]: a ReorderInput,
 * free when x is already blocked in the lowered graph (the ReorderOutput/ReorderInput pair cancels).
 * Only for graphs lowered with this block (the compile target's nchwcBlock).
 */
export function blockedView(x: Tensor, block: number): Tensor {
  const [n, c, h, w] = x.shape.map(Number) as [number, number, number, number];
  return reshape(reorderToBlocked(x), [n, c / block, h, w, block]);
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

/** A graph lowered to standard ops, as the pass reads it. */
export interface LoweredGraph {
  /** Nodes in topological order. */
  nodes: readonly OnnxNode[];
  /** The static type of every tensor of the traced graph, by name (intermediates of a lowering have none). */
  types: ReadonlyMap<string, TensorType>;
  /** Initializers: name → dims. */
  constants: ReadonlyMap<string, readonly number[]>;
  /** Graph outputs: kept under their names whatever the pass does to their producers. */
  outputs: ReadonlySet<string>;
  /** Adds an initializer holding these values; returns its name. */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype: DType): string;
}

/**
 * The NCHWc lowering pass: every Conv whose weight is computed in the graph (an input, not an initializer) and
 * whose channels split into whole blocks becomes ReorderInput → nchwc Conv → ReorderOutput, with its weight
 * reordered in the graph; then the blocked tensors are made to flow between blocked ops (fuseBlocked).
 * `block` must be this CPU's (target.ts `nchwcBlockSize`).
 */
export function lowerNchwc(graph: LoweredGraph, block: number): OnnxNode[] {
  const shapes = new Map<string, Shape>(); // blocked tensor → the logical NCHW shape it holds
  const nodes = graph.nodes.flatMap((n) => blockedConv(graph, n, block, shapes) ?? [n]);
  const scalars = new Set([...graph.constants].filter(([, dims]) => dims.every((d) => d === 1)).map(([name]) => name));
  return fuseBlocked(nodes, shapes, graph.types, scalars, graph.outputs);
}

const attrInt = (n: OnnxNode, name: string, dflt: number) => n.attribute.find((a) => a.name === name)?.i ?? dflt;

/** The blocked form of a standard Conv node, or null when it has none. */
function blockedConv(graph: LoweredGraph, n: OnnxNode, B: number, shapes: Map<string, Shape>): OnnxNode[] | null {
  if (n.opType !== 'Conv' || n.domain) return null;
  const [x, w, bias] = n.input;
  const out = n.output[0]!;
  const [xType, wType, yType] = [graph.types.get(x!), graph.types.get(w!), graph.types.get(out)];
  // Constant weights are left to ORT's own NchwcTransformer, which reorders them once at load time.
  if (!xType || !wType || !yType || graph.constants.has(w!) || xType.shape.length !== 4 || attrInt(n, 'group', 1) !== 1) return null;
  const [o, c, kh, kw] = wType.shape;
  if (typeof o !== 'number' || typeof c !== 'number' || o % B !== 0 || c % B !== 0) return null;
  const node = (opType: string, input: string[], output: string, domain?: string, attribute: OnnxNode['attribute'] = []): OnnxNode => ({
    opType,
    ...(domain ? { domain } : {}),
    input,
    output: [output],
    name: `${output}_node`,
    attribute,
  });
  const T = { INT: 2, INTS: 7 };
  const yb = `${out}_blocked`;
  shapes.set(yb, yType.shape);
  return [
    node('Reshape', [w!, graph.constant([o / B, B, c / B, B, Number(kh), Number(kw)], [6], 'int64')], `${out}_w6`),
    node('Transpose', [`${out}_w6`], `${out}_wt`, undefined, [{ name: 'perm', type: T.INTS, ints: [0, 2, 4, 5, 3, 1] }]),
    node('Reshape', [`${out}_wt`, graph.constant([o, c, Number(kh), Number(kw)], [4], 'int64')], `${out}_wb`),
    node('ReorderInput', [x!], `${out}_x`, NCHWC_DOMAIN),
    { ...n, domain: NCHWC_DOMAIN, input: [`${out}_x`, `${out}_wb`, ...(bias ? [bias] : [])], output: [yb], name: `${n.name ?? out}_nchwc` },
    node('ReorderOutput', [yb], out, NCHWC_DOMAIN, [{ name: 'channels', type: T.INT, i: o }]),
  ];
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
function fuseBlocked(nodes: readonly OnnxNode[], shapes: Map<string, Shape>, types: ReadonlyMap<string, TensorType>, scalars: ReadonlySet<string>, keep: ReadonlySet<string>): OnnxNode[] {
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
      shapes.set(b, types.get(t)!.shape);
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
      if (types.has(n.input[0]!)) shapes.set(n.output[0]!, types.get(n.input[0]!)!.shape);
    }
    const blockedIns = n.input.filter((i) => blockedOf.has(i));
    const shape = blockedIns.length ? shapes.get(blockedOf.get(blockedIns[0]!)!)! : undefined;
    const sameShape = (i: string) => String(shapes.get(blockedOf.get(i)!)) === String(shape);
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
      shapes.set(blocked, shape);
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
