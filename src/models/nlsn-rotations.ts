/**
 * NLSN's LSH rotations. The original draws `torch.randn((1, dim, n_hashes, buckets // 2))` afresh in each
 * attention module at every forward, so its output changes from run to run. In srcaco they are a noise input of
 * the training step (drawn from the run's seeded generator at every step), a fixed seeded draw at inference (the
 * same output every time), or an array read from a `.npy` file (`--nlsn-rotations`): float32
 * [k, dim, n_hashes, buckets / 2], the draws of the model's k attention modules in forward order, so a result can
 * be compared with the original's given the same draws.
 */
import { readFileSync } from 'node:fs';
import type { ForwardContext } from '../engine/nn/layers.js';
import { constant } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import { decodeNpy } from '../io/npy.js';
import { Rng } from '../util/random.js';
import type { Model } from './model.js';

/** The seed of the inference draw (any fixed value: the original has none). */
export const INFERENCE_ROTATION_SEED = 2021;

/** The original's number of hash buckets for L positions: L // chunk rounded up to even, at most 128. */
export function hashBuckets(positions: number, chunk: number): number {
  const q = Math.floor(positions / chunk);
  return Math.min(q + (q % 2), 128);
}

/** Attention modules of a trunk of `blocks` residual blocks: one before the first block and one after every 8th. */
export function attentionCount(blocks: number): number {
  return 1 + Math.floor(blocks / 8);
}

/** The noise input of the i-th attention module's rotations in a training step. */
export function rotationNoiseName(i: number): string {
  return `nlsn.rotations.${i}`;
}

/** `count` standard-normal draws of `shape`, in row-major order, from Rng(seed): every module's rotations in a row. */
export function seededRotations(count: number, shape: readonly number[], seed = INFERENCE_ROTATION_SEED): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count * shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

export interface RotationArray {
  shape: number[];
  data: Float32Array;
}

/** The [k, dim, n_hashes, buckets / 2] shape an NLSN model needs at an LR input of width × height. */
export function nlsnRotationShape(model: Model, width: number, height: number): number[] {
  const c = model.config as Readonly<Record<string, number>>;
  return [attentionCount(c.n_resblocks!), c.n_feats! / 4, c.n_hashes!, hashBuckets(width * height, c.chunk_size!) / 2];
}

/** Reads a rotation array (`.npy`, float32, rank 4) for `--nlsn-rotations`. */
export function readNlsnRotations(path: string): RotationArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SrcacoError('data', `cannot read the NLSN rotations ${path}: ${(e as Error).message}`, { path, cause: e });
  }
  const array = decodeNpy(bytes, path);
  if (array.shape.length !== 4) {
    throw new SrcacoError('data', `${path} holds an array of shape [${array.shape.join(', ')}]; NLSN rotations are [k, dim, n_hashes, buckets / 2] (one [dim, n_hashes, buckets / 2] draw per attention module)`, { path });
  }
  return array;
}

/** The model with the rotations of the `.npy` file at `path` (`--nlsn-rotations`), or the model itself without a path. */
export function applyNlsnRotations(model: Model, path: string | undefined): Model {
  return path === undefined ? model : withNlsnRotations(model, readNlsnRotations(path), path);
}

/**
 * The model with its rotations taken from `rotations` instead of the seeded draw, at every input size whose
 * shape they fit; another size, or another model, is one error naming both shapes.
 */
export function withNlsnRotations(model: Model, rotations: RotationArray, path = 'the rotations'): Model {
  if (model.name !== 'nlsn') throw new SrcacoError('usage', `--nlsn-rotations applies to nlsn only, not ${model.name}`, { option: '--nlsn-rotations' });
  const [k, ...one] = rotations.shape as [number, ...number[]];
  const size = one.reduce((a, b) => a * b, 1);
  const withFile = (x: { shape: readonly (number | string)[] }, ctx: ForwardContext): ForwardContext => {
    const [height, width] = x.shape.slice(2);
    // A symbolic size: the forward refuses it with its own error.
    if (typeof height !== 'number' || typeof width !== 'number') return ctx;
    const need = nlsnRotationShape(model, width, height);
    if (need.some((d, i) => d !== rotations.shape[i])) {
      throw new SrcacoError(
        'data',
        `${path} holds rotations [${rotations.shape.join(', ')}], but nlsn at a ${width}×${height} LR input needs [${need.join(', ')}] ` +
          `([attention modules, n_feats / 4, n_hashes, buckets / 2], buckets = min(⌊H·W / chunk_size⌋ rounded up to even, 128))`,
        { path },
      );
    }
    const noise = (name: string) => {
      const i = Number(name.slice(name.lastIndexOf('.') + 1));
      if (!(i >= 0 && i < k)) throw new SrcacoError('internal', `nlsn asked for rotations ${name}, ${path} has ${k}`);
      return constant(rotations.data.subarray(i * size, (i + 1) * size), one);
    };
    return { ...ctx, noise };
  };
  return {
    ...model,
    forward: (vars, x, ctx) => model.forward(vars, x, withFile(x, ctx)),
    forwardOutputs: (vars, x, ctx) => model.forwardOutputs(vars, x, withFile(x, ctx)),
  };
}
