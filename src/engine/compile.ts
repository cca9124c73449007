/** Inference graphs from a function: named inputs (symbolic dims allowed), weights baked in as initializers. */
import type { Dim } from './dims.js';
import { toOnnx } from './onnx.js';
import type { ConstData, DType } from './tensor.js';
import { Tensor, constant, input } from './tensor.js';

export interface CompileFunctionSpec {
  /** Graph inputs: name → shape (strings are symbolic dims, e.g. [1, 1, 'H', 'W']). */
  inputs: Readonly<Record<string, readonly Dim[] | { shape: readonly Dim[]; dtype?: DType }>>;
  /** Weights to bake into the graph: name → { shape, data }. */
  weights?: Readonly<Record<string, { shape: readonly number[]; data: ConstData }>>;
  /** The computation; a single tensor becomes output "y". */
  fn(inputs: Record<string, Tensor>, weights: Record<string, Tensor>): Tensor | Record<string, Tensor>;
  name?: string;
}

/** Traces `spec.fn` and returns ONNX bytes (e.g. for export or for Session.create). */
export function compileFunction(spec: CompileFunctionSpec): Uint8Array {
  const inputs: Record<string, Tensor> = {};
  for (const [name, s] of Object.entries(spec.inputs)) {
    const { shape, dtype } = Array.isArray(s) ? { shape: s as readonly Dim[], dtype: undefined } : (s as { shape: readonly Dim[]; dtype?: DType });
    inputs[name] = input(name, shape, dtype ?? 'float32');
  }
  const weights: Record<string, Tensor> = {};
  for (const [name, w] of Object.entries(spec.weights ?? {})) {
    const dtype: DType = w.data instanceof Float64Array ? 'float64' : w.data instanceof BigInt64Array ? 'int64' : w.data instanceof Uint8Array ? 'bool' : 'float32';
    weights[name] = constant(w.data, w.shape, dtype);
  }
  const out = spec.fn(inputs, weights);
  const outputs = out instanceof Tensor ? { y: out } : out;
  return toOnnx({ inputs: Object.values(inputs), outputs: Object.entries(outputs), name: spec.name });
}
