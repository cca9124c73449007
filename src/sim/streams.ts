import { Rng } from '../util/random.js';

/**
 * The generator of one named random stream: `streamRng(seed, tileId, purpose, ...)` forks a fresh
 * `Rng(seed)` label by label, so a stream depends only on its labels — tile 7 draws the same numbers whether
 * or not tiles 1..6 were simulated, and a field's noise does not depend on which worker renders it.
 */
export function streamRng(seed: number, ...labels: number[]): Rng {
  let rng = new Rng(seed);
  for (const label of labels) rng = rng.fork(label);
  return rng;
}

/** Stream purposes (second label after the tile id). */
export const STREAM = { specimen: 1, stage: 2, noise: 3 } as const;
