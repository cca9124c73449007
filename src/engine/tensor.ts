/**
 * Symbolic tensors. A Tensor records its shape, dtype and the node that produces it; calling ops on Tensors
 * builds a graph and computes nothing. Leaves are graph inputs (fed at run time) or constants (initializers).
 */
import type { Dim, Shape } from './dims.js';
import { formatShape, numel } from './dims.js';
import type { Primitive } from './ops/registry.js';

export type DType = 'float32' | 'float64' | 'int64' | 'bool';
export type ConstData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export type Node =
  | { kind: 'input'; name: string }
  | { kind: 'const'; data: ConstData }
  | { kind: 'op'; prim: Primitive; inputs: readonly Tensor[]; attrs: unknown };

let nextId = 0;

export class Tensor {
  /** Creation order; used only for stable ordering within one trace, never for names. */
  readonly id = nextId++;
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly node: Node,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    const what = this.node.kind === 'op' ? this.node.prim.name : this.node.kind === 'input' ? `input "${this.node.name}"` : 'constant';
    return `Tensor(${what}, ${formatShape(this.shape)}, ${this.dtype})`;
  }
}

/** A graph input fed at run time, e.g. `input('lr', [8, 1, 'H', 'W'])`. */
export function input(name: string, shape: readonly Dim[], dtype: DType = 'float32'): Tensor {
  return new Tensor([...shape], dtype, { kind: 'input', name });
}

function typedArrayFor(dtype: DType, values: ArrayLike<number> | ArrayLike<bigint>): ConstData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64':
      return Float64Array.from(values as ArrayLike<number>, Number);
    case 'int64':
      return BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v));
    case 'bool':
      return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  }
}

/** A constant baked into the graph; a number gives a scalar. */
export function constant(values: number | ArrayLike<number> | ConstData, shape: readonly number[] = [], dtype: DType = 'float32'): Tensor {
  const arr = typeof values === 'number' ? [values] : values;
  const data = typedArrayFor(dtype, arr as ArrayLike<number>);
  const n = numel(shape)!;
  if (data.length !== n) throw new RangeError(`constant has ${data.length} values but shape ${formatShape(shape)} needs ${n}`);
  return new Tensor([...shape], dtype, { kind: 'const', data });
}

/** A scalar constant with the dtype of `like`. */
export function scalarLike(like: Tensor, value: number): Tensor {
  return constant(value, [], like.dtype);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}
