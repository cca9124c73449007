import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { parsePairList } from '../io/layout.js';
import { readTiff } from '../io/tiff.js';
import type { PairSource } from './data-batch.js';
import type { TrainPair } from './data-patch.js';

/** A pair source as plain data, so a worker thread can open the same source (structured-clone friendly). */
export type PairSourceSpec =
  | { kind: 'memory'; pairs: TrainPair[] }
  | { kind: 'files'; pairs: Array<{ lrPath: string; hrPath: string }>; cache: boolean };

/** Reads a split's l_h.txt (`lr,hr` per line, relative to `dataRoot`) into absolute LR/HR paths. */
export async function readPairFiles(listPath: string, dataRoot: string): Promise<Array<{ lrPath: string; hrPath: string }>> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (cause) {
    throw new SrcacoError('input', `cannot read the pair list: ${(cause as Error).message}; run prep first`, {
      path: listPath,
      cause,
    });
  }
  const abs = (p: string) => (isAbsolute(p) ? p : join(dataRoot, p));
  const pairs = parsePairList(text, listPath).map(([lr, hr]) => ({ lrPath: abs(lr), hrPath: abs(hr) }));
  if (pairs.length === 0) throw new SrcacoError('data', 'the pair list is empty', { path: listPath });
  return pairs;
}

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
