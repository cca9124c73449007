import { SrcacoError } from '../errors.js';
import { Rng } from '../util/random.js';

/**
 * Which pairs go into which batch, and which random numbers each sample uses. Everything derives from one
 * seed and the position (epoch, batch), so a batch can be rebuilt anywhere (in a worker, after a restart)
 * and the sampler's whole state is three integers.
 */
export interface TrainSamplerState {
  seed: number;
  epoch: number;
  /** The next batch to hand out within `epoch`. */
  batchInEpoch: number;
}

/** Batches in one epoch: the original drops the last incomplete batch. */
export function batchesPerEpoch(pairCount: number, batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SrcacoError('usage', `batch size must be an integer >= 1, received ${batchSize}`, { option: '--batch' });
  }
  const n = Math.floor(pairCount / batchSize);
  if (n < 1) {
    throw new SrcacoError('data', `${pairCount} training pairs cannot fill one batch of ${batchSize}: lower --batch`, {
      option: '--batch',
    });
  }
  return n;
}

/** A generator for stream (a, b, c) of a seed: four words hashed from them, so streams never share a state. */
export function streamRng(seed: number, a: number, b: number, c: number): Rng {
  const words: number[] = [];
  for (let k = 0; k < 4; k++) words.push(mix32(mix32(mix32(mix32(seed ^ 0x5bd1e995, a), b), c), k));
  return new Rng(words);
}

function mix32(h: number, v: number): number {
  let z = (h ^ Math.imul(v >>> 0, 0x9e3779b1)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The pair order of an epoch: a Fisher–Yates shuffle of 0..n-1 seeded by (seed, epoch). */
export function epochOrder(seed: number, epoch: number, pairCount: number): Uint32Array {
  const order = new Uint32Array(pairCount);
  for (let i = 0; i < pairCount; i++) order[i] = i;
  const rng = streamRng(seed, 0x0e0c, epoch, 0);
  for (let i = pairCount - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** The random stream of the sample at `slot` of batch `batch` in `epoch`. */
export function sampleRng(seed: number, epoch: number, batch: number, slot: number): Rng {
  return streamRng(seed, epoch + 1, batch, slot);
}

/** The state after `state`'s batch has been handed out. */
export function advance(state: TrainSamplerState, perEpoch: number): TrainSamplerState {
  const b = state.batchInEpoch + 1;
  return b >= perEpoch
    ? { seed: state.seed, epoch: state.epoch + 1, batchInEpoch: 0 }
    : { seed: state.seed, epoch: state.epoch, batchInEpoch: b };
}
