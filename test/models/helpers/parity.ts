// What the parity tests of the ported networks (ACT, DFCAN, ENLCN, GRL, NLSN, Omni-SR, SRFBN, SwinIR) share:
// their fixture folders (written by scripts/fixtures/models-<name>.py), the small case's weights from its Rng
// recipe, and one protocol-loss step's loss and gradients against the original's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { HostTensor } from '../../../src/engine/index.js';
import { compileFunction, compileTarget, grad } from '../../../src/engine/index.js';
import type { ForwardContext } from '../../../src/engine/nn/index.js';
import { applyModel, modelLoss, type Model } from '../../../src/models/model.js';
import { mseSsimLoss } from '../../../src/train/loss.js';
import { Rng } from '../../../src/util/random.js';
import { readF32 } from '../../fixtures/models/load.js';
import { runGraphOnce } from './compare.js';

/** One state_dict entry of a small case's recipe: drawn as center + (2u − 1)·bound, or the original's values. */
export type RecipeEntry = { kind: 'uniform'; center: number; bound: number } | { kind: 'fixed'; values: number[] };

/** The small configuration a fixture's config.json carries: its inputs' shapes, its weights' recipe, the original's loss and gradients' shapes. */
export interface SmallCase<Params = Record<string, number>> {
  params: Params;
  lr_shape: number[];
  hr_shape: number[];
  weight_seed: number;
  weights: Array<[string, number[], RecipeEntry]>;
  loss: number;
  grads: Array<[string, number[]]>;
}

/**
 * The model's state_dict against the original's keys.json: the same names in the same order, each key's shape,
 * and each key's role as `role(key)` says (e.g. the frozen mean shifts constants, the rest parameters).
 */
export function assertStateDictKeys(model: Model, keys: ReadonlyArray<readonly [string, number[], ...unknown[]]>, role: (key: string) => string): void {
  assert.deepEqual(Object.keys(model.specs), keys.map(([k]) => k));
  for (const [key, shape] of keys) {
    assert.deepEqual(model.specs[key]!.shape, shape, key);
    assert.equal(model.specs[key]!.role, role(key), key);
  }
}

/** The frozen mean shifts are constants, everything else trained (the EDSR-style networks). */
export const meanShiftsFrozen = (key: string): string => (/^(sub|add)_mean\./.test(key) ? 'constant' : 'param');

/**
 * Asserts that every 'fixed' entry of a small case's recipe (the original constructor's frozen values) is the
 * model's init for that key, value for value; returns how many there are.
 */
export function assertFixedInits(model: Model, small: { weights: ReadonlyArray<readonly [string, number[], RecipeEntry]> }): number {
  let n = 0;
  for (const [key, , e] of small.weights) {
    if (e.kind !== 'fixed') continue;
    const init = model.specs[key]!.init;
    assert.ok(init.kind === 'values', key);
    assert.deepEqual(Array.from(init.data as Float32Array), Array.from(Float32Array.from(e.values)), key);
    n++;
  }
  return n;
}

/** The files of test/fixtures/models/<name>_x<scale>/: config.json, keys.json and raw float32 arrays. */
export function fixtureFolder<Config>(name: string) {
  const dir = (scale: number) => new URL(`../../fixtures/models/${name}_x${scale}/`, import.meta.url);
  const json = (scale: number, file: string): unknown => JSON.parse(readFileSync(new URL(file, dir(scale)), 'utf8'));
  return {
    dir,
    config: (scale: number) => json(scale, 'config.json') as Config,
    json,
    f32: (scale: number, file: string) => readF32(new URL(file, dir(scale))),
  };
}

/** The small case's state_dict, regenerated from its Rng recipe (one draw per element of each uniform entry, in order). */
export function recipeState(small: { weight_seed: number; weights: ReadonlyArray<readonly [string, number[], RecipeEntry]> }): Record<string, HostTensor> {
  const rng = new Rng(small.weight_seed);
  return Object.fromEntries(
    small.weights.map(([key, shape, e]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = e.kind === 'fixed' ? Float32Array.from(e.values) : Float32Array.from({ length: n }, () => e.center + (2 * rng.uniform() - 1) * e.bound);
      return [key, { shape, data }];
    }),
  );
}

/** |a − b| / |b| in the Euclidean norm (|a| when b is all zeros: a gradient the original never produces). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

/**
 * One protocol-loss step (MSE − 5·SSIM through the model's lossOn) in training mode: the loss and the gradient
 * of every trained key. The trained tensors are graph inputs; with `buffers`, the rest of `state` is baked in and
 * handed to the forward (models whose buffers the original's state_dict carries), otherwise the model's own
 * constants are used.
 */
export async function protocolLossGradients(
  model: Model,
  state: Readonly<Record<string, HostTensor>>,
  trained: readonly string[],
  batch: { x: HostTensor; hr: HostTensor },
  options: { buffers?: boolean; noise?: ForwardContext['noise'] } = {},
): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  const target = await compileTarget();
  const rest = Object.entries(state).filter(([k]) => !trained.includes(k));
  const bytes = compileFunction({
    inputs: { x: batch.x.shape as number[], hr: batch.hr.shape as number[], ...Object.fromEntries(trained.map((k) => [k, state[k]!.shape as number[]])) },
    weights: options.buffers ? Object.fromEntries(rest.map(([k, t]) => [k, { shape: t.shape as number[], data: t.data as Float32Array }])) : {},
    fn: ({ x, hr, ...params }, buffers) => {
      const out = applyModel(model, options.buffers ? { params, buffers } : { params }, x!, { training: true, noise: options.noise });
      const loss = modelLoss(model, out, hr!, mseSsimLoss());
      const grads = grad(loss, Object.values(params), target);
      return { loss, ...Object.fromEntries(trained.map((k, i) => [`grad/${k}`, grads[i]!])) };
    },
  });
  const feeds: Record<string, HostTensor> = { x: batch.x, hr: batch.hr };
  for (const k of trained) feeds[k] = state[k]!;
  const out = await runGraphOnce(bytes, feeds);
  return {
    loss: (out.loss!.data as Float32Array)[0]!,
    grads: Object.fromEntries(trained.map((k) => [k, out[`grad/${k}`]!.data as Float32Array])),
  };
}

/** The fixture's gradients (grads.f32, all keys' gradients end to end in the order of its `grads`) by key. */
export function expectedGradients(keys: ReadonlyArray<readonly [string, number[]]>, flat: Float32Array): Array<[string, Float32Array]> {
  let offset = 0;
  const out: Array<[string, Float32Array]> = [];
  for (const [k, shape] of keys) {
    const n = shape.reduce((a, b) => a * b, 1);
    out.push([k, flat.subarray(offset, offset + n)]);
    offset += n;
  }
  assert.equal(offset, flat.length);
  return out;
}

/**
 * Our gradients against the fixture's: each key's relative error (in the fixture's order, for the tests to
 * assert one by one), the worst of them, how many the original leaves all zero (parameters never read), and
 * the relative error of all gradients end to end.
 */
export function compareGradients(
  grads: Readonly<Record<string, Float32Array>>,
  keys: ReadonlyArray<readonly [string, number[]]>,
  flat: Float32Array,
): { errors: Array<[string, number]>; worst: number; unused: number; all: number } {
  const all = new Float32Array(flat.length);
  const errors: Array<[string, number]> = [];
  let offset = 0;
  let unused = 0;
  for (const [k, want] of expectedGradients(keys, flat)) {
    const g = grads[k]!;
    if (want.every((v) => v === 0)) unused++;
    errors.push([k, relativeError(g, want)]);
    all.set(g, offset);
    offset += want.length;
  }
  return { errors, worst: errors.reduce((m, [, e]) => Math.max(m, e), 0), unused, all: relativeError(all, flat) };
}
