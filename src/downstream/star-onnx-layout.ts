/**
 * Where a StarDist-style ONNX graph keeps its image and its two outputs. StarDist's Keras model, exported by
 * tf2onnx, takes [N, H, W, 1] and returns the probability [N, h, w, 1] and the distances [N, h, w, R] (h = H/grid);
 * srcaco's own graph is channels-first. The layout is read from the graph's declared shapes: the input's channel
 * axis is the one of size 1 (axis 3 for NHWC, axis 1 for NCHW), the outputs are told apart by their channel size
 * (1 for the probability, R ≥ 3 for the distances) on the same kind of axis. One output of 1 + R channels is read
 * as both concatenated, probability first (the single-output form of StarDist's TensorFlow export for Fiji).
 * Anything else is one clear error.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { SrcacoError } from '../errors.js';

const { onnx } = onnxProto;

export interface StarOnnxLayout {
  input: string;
  inputLayout: 'NHWC' | 'NCHW';
  prob: string;
  dist: string;
  /** Probability and distances in one output (channel 0, then the rays). */
  combined: boolean;
  /** Channel axis of both outputs (3 for NHWC, 1 for NCHW). */
  outputChannelAxis: 1 | 3;
  nRays: number;
}

type Dims = Array<number | string>;

function dimsOf(value: OnnxTypes.IValueInfoProto): Dims | undefined {
  const dims = value.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || '?'));
}

const show = (dims: Dims | undefined) => (dims ? `[${dims.join(', ')}]` : 'unknown');

/** Reads the layout from ONNX model bytes; `path` only names the file in errors. */
export function starOnnxLayout(model: Uint8Array, path: string): StarOnnxLayout {
  let graph: OnnxTypes.IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(model).graph;
  } catch (e) {
    throw new SrcacoError('input', `not an ONNX model (${(e as Error).message})`, { path, option: '--detector', cause: e });
  }
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  const outputs = graph?.output ?? [];
  const expected = 'a StarDist 2D graph: one image input [N, H, W, 1] or [N, 1, H, W], outputs probability [N, h, w, 1] and distances [N, h, w, R] (or both channels-first, or one output of 1 + R channels)';
  const fail = (what: string): never => {
    throw new SrcacoError('input', `${what}; expected ${expected}`, { path, option: '--detector' });
  };
  if (inputs.length !== 1) fail(`the graph has ${inputs.length} inputs`);
  const inDims = dimsOf(inputs[0]!);
  if (!inDims || inDims.length !== 4) fail(`input ${inputs[0]!.name} has shape ${show(inDims)}`);
  const nhwc = inDims![3] === 1, nchw = inDims![1] === 1;
  if (nhwc === nchw) fail(`input ${inputs[0]!.name} has shape ${show(inDims)}: its channel axis is ${nhwc ? 'ambiguous' : 'not of size 1'}`);
  if (outputs.length === 1) {
    // the concatenated form: 1 + R channels on the last axis (or axis 1)
    const d = dimsOf(outputs[0]!);
    const axis = d?.length === 4 ? ([3, 1] as const).find((a) => typeof d[a] === 'number' && (d[a] as number) >= 4) : undefined;
    if (axis === undefined) fail(`its one output ${outputs[0]!.name} has shape ${show(d)}, not probability and distances concatenated`);
    const name = outputs[0]!.name!;
    return { input: inputs[0]!.name!, inputLayout: nhwc ? 'NHWC' : 'NCHW', prob: name, dist: name, combined: true, outputChannelAxis: axis!, nRays: (d![axis!] as number) - 1 };
  }
  if (outputs.length !== 2) fail(`the graph has ${outputs.length} outputs (${outputs.map((o) => `${o.name} ${show(dimsOf(o))}`).join(', ')})`);
  const outDims = outputs.map((o) => dimsOf(o));
  if (outDims.some((d) => !d || d.length !== 4)) fail(`outputs have shapes ${outDims.map(show).join(' and ')}`);
  // the outputs' channel axis: the axis (3 or 1) where one output has 1 channel and the other a static count ≥ 3
  const channelsAt = (axis: 1 | 3) => outDims.map((d) => d![axis]);
  const fits = (axis: 1 | 3) => {
    const c = channelsAt(axis);
    return c.includes(1) && c.some((v) => typeof v === 'number' && v >= 3);
  };
  const axis: 1 | 3 | undefined = fits(3) ? 3 : fits(1) ? 1 : undefined;
  if (axis === undefined) fail(`outputs have shapes ${outDims.map(show).join(' and ')}: no probability (1 channel) and distances (R ≥ 3 channels) pair`);
  const c = channelsAt(axis!);
  const probAt = c.indexOf(1);
  return {
    input: inputs[0]!.name!,
    inputLayout: nhwc ? 'NHWC' : 'NCHW',
    prob: outputs[probAt]!.name!,
    dist: outputs[1 - probAt]!.name!,
    combined: false,
    outputChannelAxis: axis!,
    nRays: c[1 - probAt] as number,
  };
}
