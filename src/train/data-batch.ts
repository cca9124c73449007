import { SrcacoError } from '../errors.js';
import { samplePatch, type PatchOptions, type TrainPair } from './data-patch.js';
import { advance, batchesPerEpoch, epochOrder, sampleRng, type TrainSamplerState } from './sampler-epoch.js';

/** Where the training pairs come from: an in-memory list or files read on demand. */
export interface PairSource {
  readonly count: number;
  load(index: number): Promise<TrainPair>;
}

/** A training batch: NCHW float32 (C = 1) in [0,1]. */
export interface TrainBatch {
  /** N × 1 × l × l, l = hrPatchPx / scale. */
  lr: Float32Array;
  /** N × 1 × p × p. */
  hr: Float32Array;
  /** N × 1 × p × p: cv2 bicubic of each LR crop (only with `withUpsampled`). */
  lrUp?: Float32Array;
  batchSize: number;
  lrPx: number;
  hrPx: number;
  epoch: number;
  batchInEpoch: number;
  /** Pair index of each sample. */
  pairs: number[];
}

/** Options of a batch stream. */
export interface BatchOptions {
  batchSize: number;
  patch: PatchOptions;
}

/** Builds batch `batchInEpoch` of `epoch`: depends only on (seed, epoch, batch), never on earlier batches. */
export async function buildBatch(
  source: PairSource,
  o: BatchOptions,
  seed: number,
  epoch: number,
  batchInEpoch: number,
): Promise<TrainBatch> {
  const perEpoch = batchesPerEpoch(source.count, o.batchSize);
  if (batchInEpoch < 0 || batchInEpoch >= perEpoch) {
    throw new SrcacoError('internal', `batch ${batchInEpoch} outside 0..${perEpoch - 1}`);
  }
  const order = epochOrder(seed, epoch, source.count);
  const p = o.patch.hrPatchPx;
  const l = p / o.patch.scale;
  const n = o.batchSize;
  const batch: TrainBatch = {
    lr: new Float32Array(n * l * l),
    hr: new Float32Array(n * p * p),
    batchSize: n,
    lrPx: l,
    hrPx: p,
    epoch,
    batchInEpoch,
    pairs: [],
  };
  if (o.patch.withUpsampled) batch.lrUp = new Float32Array(n * p * p);
  for (let s = 0; s < n; s++) {
    const index = order[batchInEpoch * n + s]!;
    const pair = await source.load(index);
    const patch = samplePatch(pair, o.patch, sampleRng(seed, epoch, batchInEpoch, s));
    batch.lr.set(patch.lr, s * l * l);
    batch.hr.set(patch.hr, s * p * p);
    if (batch.lrUp) batch.lrUp.set(patch.lrUp!, s * p * p);
    batch.pairs.push(index);
  }
  return batch;
}

/** A stream of training batches, built on the calling thread (see TrainPrefetcher for the off-thread one). */
export interface BatchStream {
  /** The next batch; advances the state. */
  next(): Promise<TrainBatch>;
  /** What a checkpoint saves to resume exactly here. */
  state(): TrainSamplerState;
  close(): Promise<void>;
}

/** An in-thread batch stream from `state` (a fresh one: `{seed, epoch: 0, batchInEpoch: 0}`). */
export function batchStream(source: PairSource, o: BatchOptions, state: TrainSamplerState): BatchStream {
  const perEpoch = batchesPerEpoch(source.count, o.batchSize);
  let current = { ...state };
  return {
    async next() {
      const b = await buildBatch(source, o, current.seed, current.epoch, current.batchInEpoch);
      current = advance(current, perEpoch);
      return b;
    },
    state: () => ({ ...current }),
    close: async () => {},
  };
}
