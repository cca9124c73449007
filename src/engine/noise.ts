/**
 * Noise inputs: random tensors a training forward draws at every step (drop-path masks, NLSN's hash rotations).
 * The forward asks its context for one by name, shape and distribution (`ForwardContext.noise`); the compiled
 * step then has one more input, `noise/<name>`, and `StepRunner` fills it before each step from a generator
 * derived from the step's number. A resumed run therefore draws exactly what an uninterrupted one would have,
 * and the same seed gives the same training, whatever else changed in the process.
 */
import type { Rng } from '../util/random.js';
import type { HostTensor } from './runtime.js';

export type NoiseKind = 'normal' | 'uniform';

/** One noise input: its static shape and distribution (standard normal, or uniform in [0, 1)). */
export interface NoiseSpec {
  readonly shape: readonly number[];
  readonly kind: NoiseKind;
}

/** Draws every noise input of a step, in declaration order, element by element in row-major order. */
export function drawNoise(specs: Readonly<Record<string, NoiseSpec>>, rng: Rng): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, { shape, kind }] of Object.entries(specs)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = kind === 'normal' ? rng.normal() : rng.uniform();
    out[name] = { shape: [...shape], data };
  }
  return out;
}
