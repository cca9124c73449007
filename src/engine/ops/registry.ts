/**
 * The primitive table. Each primitive is declared once, in its op-family file, with three things side by side:
 * its shape rule, its ONNX lowering, and its vector-Jacobian product written with other ops. Composite ops built
 * from primitives need no entry. `apply` is the only way a graph node is made.
 */
import { SrcacoError } from '../../errors.js';
import type { Dim, Shape } from '../dims.js';
import { formatShape } from '../dims.js';
import type { CompileTarget } from '../target.js';
import type { DType } from '../tensor.js';
import { Tensor } from '../tensor.js';

export type AttrValue = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };

/** What a lowering may do: emit ONNX nodes and constants, and ask for run-time values of symbolic dims. */
export interface LowerCtx {
  /** Emits one ONNX node (of the default domain unless `domain` is given); returns its output names (fresh names when `outputs` is a count). */
  emit(opType: string, inputs: readonly string[], outputs: readonly string[] | number, attrs?: Record<string, AttrValue>, domain?: string): string[];
  /** An initializer holding these values. */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype: DType): string;
  /** A 1-D int64 tensor holding `dims` at run time (symbolic dims resolved from graph input shapes). */
  shapeOf(dims: readonly Dim[], like?: { name: string; shape: Shape }): string;
}

export interface TensorType {
  shape: Shape;
  dtype: DType;
}

export interface Primitive<A = any> {
  readonly name: string;
  /** Output type from input types; throws a plain Error whose message says what does not fit. */
  shape(inputs: readonly TensorType[], attrs: A): TensorType;
  /** Emits the ONNX node(s) computing `out` from `ins`. */
  lower(ctx: LowerCtx, ins: readonly string[], out: string, attrs: A, inputs: readonly Tensor[]): void;
  /**
   * One cotangent (or null) per input, given the output's cotangent `g`; omitted for non-differentiable ops.
   * `target` is the compile target grad was given: a VJP with several formulations reads its choice there.
   */
  vjp?(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A, target: CompileTarget): (Tensor | null)[];
}

const table = new Map<string, Primitive>();

/** Registers a primitive; names are unique. */
export function definePrimitive<A>(p: Primitive<A>): Primitive<A> {
  if (table.has(p.name)) throw new Error(`primitive ${p.name} is defined twice`);
  table.set(p.name, p);
  return p;
}

/** Every registered primitive, by name (for tests and documentation). */
export function primitives(): ReadonlyMap<string, Primitive> {
  return table;
}

/** Builds the node `prim(inputs; attrs)`, checking shapes now so errors point at the line that traced them. */
export function apply<A>(prim: Primitive<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  let t: TensorType;
  try {
    t = prim.shape(inputs, attrs);
  } catch (e) {
    const shapes = inputs.map((x) => `${formatShape(x.shape)} ${x.dtype}`).join(', ');
    throw new SrcacoError('usage', `${prim.name}: ${(e as Error).message} (inputs: ${shapes}; attrs: ${JSON.stringify(attrs)})`, { cause: e });
  }
  return new Tensor(t.shape, t.dtype, { kind: 'op', prim, inputs: [...inputs], attrs });
}

/** Throws unless `cond`; shape rules use it for messages naming expected and actual values. */
export function expect(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function shapeStr(s: Shape): string {
  return formatShape(s);
}
