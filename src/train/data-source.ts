import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { checkPairSizes } from '../io/split-pairs.js';
import { readTiff } from '../io/tiff.js';
import type { PairSource } from './data-batch.js';
import type { TrainPair } from './data-patch.js';

/**
 * A pair source as plain data, so a worker thread can open the same source (structured-clone friendly).
 * The files of a split come from `readSplitPairs` (io/split-pairs).
 */
export type PairSourceSpec =
  | { kind: 'memory'; pairs: TrainPair[] }
  | { kind: 'files'; pairs: Array<{ lrPath: string; hrPath: string }>; cache: boolean; scale: number };

/** Opens a pair source from its spec: in memory, or TIFF files read on each use (optionally kept). */
export function openPairSource(spec: PairSourceSpec): PairSource {
  if (spec.kind === 'memory') {
    const pairs = spec.pairs;
    return { count: pairs.length, load: async (i) => pairs[i]! };
  }
  const files = spec.pairs;
  const cache = new Map<number, TrainPair>();
  return {
    count: files.length,
    async load(i) {
      const hit = cache.get(i);
      if (hit) return hit;
      const f = files[i]!;
      const pair = { lr: await firstPlane(f.lrPath), hr: await firstPlane(f.hrPath) };
      checkPairSizes(pair.lr, pair.hr, spec.scale, f);
      if (spec.cache) cache.set(i, pair);
      return pair;
    },
  };
}

async function firstPlane(path: string): Promise<Plane> {
  const planes = await readTiff(path);
  if (planes.length !== 1) {
    throw new SrcacoError('data', `a training patch must hold one plane (one marker), this file has ${planes.length}`, {
      path,
    });
  }
  return planes[0]!;
}
