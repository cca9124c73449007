/**
 * Lowers a traced graph to ONNX bytes (opset 17). Names come from graph position only, so the same model
 * traced twice gives identical bytes.
 */
import onnxProto from 'onnx-proto';
import { SrcacoError } from '../errors.js';
import type { Dim, Shape } from './dims.js';
import { isStatic, parseAffine } from './dims.js';
import { checkGraph, topoSort } from './graph.js';
import type { OnnxNode } from './nchwc.js';
import { lowerNchwc } from './nchwc.js';
import { ONNX_DTYPE } from './ops/elementwise.js';
import type { AttrValue, LowerCtx } from './ops/registry.js';
import type { ConstData, DType, Tensor } from './tensor.js';

const { onnx } = onnxProto;
export const OPSET = 17;

export interface GraphSpec {
  /** Graph inputs in order (tensors made with `input`); every input the outputs need must be listed. */
  inputs: readonly Tensor[];
  /** Output names and tensors, in order. */
  outputs: readonly (readonly [string, Tensor])[];
  name?: string;
}

export interface LowerOptions {
  /** Lower convolutions to ORT's blocked CPU kernels with this channel block (a compile target's nchwcBlock; see nchwc.ts); CPU provider only. */
  nchwcBlock?: number;
}

function valueInfo(name: string, dtype: DType, shape: Shape) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function bytesOf(data: ConstData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('ints' in v) return { name, type: T.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: T.FLOATS, floats: [...v.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(v.s) };
}

/** Builds the ONNX ModelProto bytes for `spec`, after re-checking every shape rule. */
export function toOnnx(spec: GraphSpec, options: LowerOptions = {}): Uint8Array {
  const outTensors = spec.outputs.map(([, t]) => t);
  checkGraph(outTensors);
  const order = topoSort(outTensors);
  const names = new Map<Tensor, string>();
  const inputNames = new Set<string>();
  for (const t of spec.inputs) {
    if (t.node.kind !== 'input') throw new SrcacoError('usage', `graph input ${t} was not made with input()`);
    if (inputNames.has(t.node.name)) throw new SrcacoError('usage', `graph input name "${t.node.name}" is used twice`);
    inputNames.add(t.node.name);
    names.set(t, t.node.name);
  }
  // An output produced by an op takes the output's name directly; others go through Identity.
  const direct = new Map<Tensor, string>();
  for (const [name, t] of spec.outputs) if (t.node.kind === 'op' && !direct.has(t)) direct.set(t, name);

  let nodes: OnnxNode[] = [];
  const initializers: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[] = [];
  let counter = 0;
  const fresh = (hint: string) => `${hint}_${counter++}`;
  const symbolSource = new Map<string, [string, number]>();
  for (const t of spec.inputs) t.shape.forEach((d, i) => typeof d === 'string' && !symbolSource.has(d) && symbolSource.set(d, [names.get(t)!, i]));
  const shapeNodes = new Map<string, string>();
  const dimCache = new Map<string, string>();

  const ctx: LowerCtx = {
    emit(opType, inputs, outputs, attrs = {}, domain) {
      const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => fresh(opType.toLowerCase())) : [...outputs];
      const attribute_ = Object.keys(attrs)
        .sort()
        .map((k) => attribute(k, attrs[k]!));
      nodes.push({ opType, ...(domain ? { domain } : {}), input: [...inputs], output: outs, name: `n${nodes.length}_${opType}`, attribute: attribute_ });
      return outs;
    },
    constant(values, shape, dtype) {
      const name = fresh('const');
      const data =
        dtype === 'int64' ? BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)) : dtype === 'float64' ? Float64Array.from(values) : dtype === 'bool' ? Uint8Array.from(values) : Float32Array.from(values);
      initializers.push({ name, dims: [...shape], dataType: ONNX_DTYPE[dtype], rawData: bytesOf(data) });
      return name;
    },
    shapeOf(dims, like) {
      if (isStatic(dims)) return ctx.constant(dims, [dims.length], 'int64');
      let holes = 0;
      const parts = dims.map((d) => {
        if (typeof d === 'number') return ctx.constant([d], [1], 'int64');
        const j = like ? like.shape.indexOf(d) : -1;
        if (j >= 0) return dimFrom(like!.name, j);
        const v = symbolic(d);
        if (v) return v;
        if (holes++ === 0) return ctx.constant([-1], [1], 'int64');
        throw new SrcacoError('usage', `cannot compute symbolic dims ${JSON.stringify(dims)} at run time: derive them from graph input dims (affine forms like 2*H or H/4)`);
      });
      return ctx.emit('Concat', parts, 1, { axis: { i: 0 } })[0]!;
    },
  };
  function dimFrom(tensor: string, axis: number): string {
    const key = `${tensor}#${axis}`;
    if (!dimCache.has(key)) {
      if (!shapeNodes.has(tensor)) shapeNodes.set(tensor, ctx.emit('Shape', [tensor], 1)[0]!);
      dimCache.set(key, ctx.emit('Gather', [shapeNodes.get(tensor)!, ctx.constant([axis], [1], 'int64')], 1, { axis: { i: 0 } })[0]!);
    }
    return dimCache.get(key)!;
  }
  function symbolic(d: string): string | null {
    const a = parseAffine(d);
    if (!a || !symbolSource.has(a.name)) return null;
    let v = dimFrom(...symbolSource.get(a.name)!);
    if (a.mul !== 1) v = ctx.emit('Mul', [v, ctx.constant([a.mul], [1], 'int64')], 1)[0]!;
    if (a.div !== 1) v = ctx.emit('Div', [v, ctx.constant([a.div], [1], 'int64')], 1)[0]!;
    if (a.add !== 0) v = ctx.emit('Add', [v, ctx.constant([a.add], [1], 'int64')], 1)[0]!;
    return v;
  }

  for (const t of order) {
    const node = t.node;
    if (node.kind === 'input') {
      if (!names.has(t)) throw new SrcacoError('usage', `the outputs depend on input "${node.name}", which is not among the graph inputs`);
      continue;
    }
    if (node.kind === 'const') {
      const name = fresh('const');
      initializers.push({ name, dims: t.shape.map(Number), dataType: ONNX_DTYPE[t.dtype], rawData: bytesOf(node.data) });
      names.set(t, name);
      continue;
    }
    const out = direct.get(t) ?? fresh(node.prim.name);
    node.prim.lower(ctx, node.inputs.map((x) => names.get(x)!), out, node.attrs, node.inputs);
    names.set(t, out);
    // A symbol an op introduces (a size padded up to a window: padToMultiple's H_w8_min15) is read from the
    // shape of the first output that has it, as graph-input symbols are from the inputs.
    t.shape.forEach((d, i) => typeof d === 'string' && !symbolSource.has(d) && parseAffine(d)?.name === d && symbolSource.set(d, [out, i]));
  }
  for (const [name, t] of spec.outputs) {
    if (names.get(t) !== name) ctx.emit('Identity', [names.get(t)!], [name]);
  }
  if (options.nchwcBlock) {
    nodes = lowerNchwc(
      {
        nodes,
        types: new Map([...names].map(([t, name]) => [name, { shape: t.shape, dtype: t.dtype }])),
        constants: new Map(initializers.map((i) => [i.name, i.dims])),
        outputs: new Set(spec.outputs.map(([name]) => name)),
        constant: ctx.constant,
      },
      options.nchwcBlock,
    );
  }
  const domains = [...new Set(nodes.map((n) => n.domain).filter((d): d is string => !!d))].sort();
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }, ...domains.map((domain) => ({ domain, version: 1 }))],
    producerName: 'srcaco',
    graph: {
      name: spec.name ?? 'srcaco',
      node: nodes,
      initializer: initializers,
      input: spec.inputs.map((t) => valueInfo(names.get(t)!, t.dtype, t.shape)),
      output: spec.outputs.map(([name, t]) => valueInfo(name, t.dtype, t.shape)),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

export type { Dim };
