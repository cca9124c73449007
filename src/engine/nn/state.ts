/**
 * State dicts: every tensor of a parameter tree by name (params, buffers, counters), initialised from an Rng,
 * checked against a model's specs, split for a training step, and converted to and from safetensors.
 */
import { SrcacoError } from '../../errors.js';
import type { SafeTensor, SafetensorsContent } from '../../io/safetensors.js';
import { tensorToFloat32 } from '../../io/safetensors.js';
import type { Rng } from '../../util/random.js';
import type { HostTensor } from '../runtime.js';
import { gaussianOrthogonalRandomMatrix } from './orthogonal-random.js';
import type { Init, ParamSpecs } from './spec.js';

/** name → host tensor (float32; counters int64), in state_dict order. */
export type StateDict = Record<string, HostTensor>;

/** One tensor's initial values; random kinds draw element by element in row-major order. */
function initialValues(init: Init, n: number, rng: Rng): Float32Array | BigInt64Array {
  if (init.kind === 'values') return init.data.slice();
  if (init.kind === 'orthogonalRandomFeatures') return gaussianOrthogonalRandomMatrix(init.rows, init.cols, rng);
  const out = new Float32Array(n);
  if (init.kind === 'constant') out.fill(init.value);
  else if (init.kind === 'uniform') for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * init.bound;
  else if (init.kind === 'normal') for (let i = 0; i < n; i++) out[i] = rng.normal() * init.std;
  else {
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = init.mean + rng.normal() * init.std;
      while (v < init.a || v > init.b);
      out[i] = v;
    }
  }
  return out;
}

/** Initial values of every tensor, drawn in state_dict order, element by element (constants draw nothing). */
export function initState(specs: ParamSpecs, rng: Rng): StateDict {
  const state: StateDict = {};
  for (const [name, spec] of Object.entries(specs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.role === 'counter') {
      state[name] = { shape: [...spec.shape], data: new BigInt64Array(n).fill(BigInt(spec.init.kind === 'constant' ? spec.init.value : 0)) };
      continue;
    }
    state[name] = { shape: [...spec.shape], data: initialValues(spec.init, n, rng) };
  }
  return state;
}

/** The step's initial values: trainable params and float buffers (StepRunner's `params` and `buffers`). */
export function splitState(specs: ParamSpecs, state: StateDict): { params: StateDict; buffers: StateDict } {
  const params: StateDict = {};
  const buffers: StateDict = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.role === 'param') params[name] = state[name]!;
    else if (spec.role === 'buffer') buffers[name] = state[name]!;
  }
  return { params, buffers };
}

/** A state dict updated with step values (params, buffers) and counters advanced by `steps` training steps. */
export function mergeState(specs: ParamSpecs, base: StateDict, updates: Readonly<Record<string, HostTensor>>, steps = 0): StateDict {
  const out: StateDict = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = updates[name] ?? base[name]!;
    if (spec.role === 'counter' && steps > 0) out[name] = { shape: v.shape, data: BigInt64Array.of((v.data as BigInt64Array)[0]! + BigInt(steps)) };
    else out[name] = v;
  }
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Checks a loaded state dict against a model's specs and returns it in spec order, as float32 (int64 counters,
 * constants as declared).
 * Missing `num_batches_tracked` counters default to 0; anything else missing, unexpected or misshapen is one
 * error listing the first mismatches.
 */
export function loadState(specs: ParamSpecs, tensors: ReadonlyMap<string, SafeTensor>, what: { model: string; path?: string }): StateDict {
  const missing: string[] = [];
  const misshapen: string[] = [];
  const state: StateDict = {};
  for (const [name, spec] of Object.entries(specs)) {
    const t = tensors.get(name);
    if (!t) {
      if (spec.role === 'counter') state[name] = { shape: [...spec.shape], data: new BigInt64Array(1) };
      else missing.push(`${name} ${fmt(spec.shape)}`);
      continue;
    }
    if (!sameShape(t.shape, spec.shape) && !spec.recomputed) {
      misshapen.push(`${name} is ${fmt(t.shape)}, expected ${fmt(spec.shape)}`);
      continue;
    }
    if (spec.role === 'constant' && spec.init.kind === 'values') {
      // Fixed by the configuration: the declared values are the forward's, whatever the file holds (and, for a
      // recomputed buffer, whatever shape: the original's img_size at save time).
      state[name] = { shape: [...spec.shape], data: spec.init.data.slice() };
    } else if (spec.role === 'counter') {
      const v = t.dtype === 'I64' ? (t.data as BigInt64Array)[0]! : BigInt(Math.round(Number(t.data[0] ?? 0)));
      state[name] = { shape: [...spec.shape], data: BigInt64Array.of(v) };
    } else {
      state[name] = { shape: [...spec.shape], data: tensorToFloat32(t) };
    }
  }
  const unexpected = [...tensors.keys()].filter((n) => !(n in specs)).map((n) => `${n} ${fmt(tensors.get(n)!.shape)}`);
  if (missing.length + misshapen.length + unexpected.length > 0) {
    const list = (label: string, items: string[]) =>
      items.length === 0 ? [] : [`${label} ${items.slice(0, 3).join(', ')}${items.length > 3 ? ` (+${items.length - 3} more)` : ''}`];
    const parts = [...list('wrong shape:', misshapen), ...list('missing:', missing), ...list('unexpected:', unexpected)];
    throw new SrcacoError('input', `these weights do not fit ${what.model}: ${parts.join('; ')}. Are they from another architecture, scale or preset?`, { path: what.path });
  }
  return state;
}

/** Loads a parsed safetensors file into a model's state (see loadState). */
export function stateFromSafetensors(specs: ParamSpecs, content: SafetensorsContent, what: { model: string; path?: string }): StateDict {
  return loadState(specs, content.tensors, what);
}

/** A state dict as safetensors tensors (F32, counters I64), in state_dict order. */
export function stateToSafetensors(state: StateDict): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const [name, t] of Object.entries(state)) {
    if (t.data instanceof BigInt64Array) out.set(name, { dtype: 'I64', shape: t.shape, data: t.data });
    else out.set(name, { dtype: 'F32', shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>) });
  }
  return out;
}
