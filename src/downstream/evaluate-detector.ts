/** A detector's pooled F1 against simulator truth (IoU ≥ 0.5, grazed caps ignored), as the docs report it. */
import type { Plane } from '../image/plane.js';
import type { Detection } from './detect-classical.js';
import { addToPool, emptyPool, matchInstances, matchRates, type PooledMatch } from './match.js';
import type { NucleusImage } from './simulated-nuclei.js';

export interface DetectorScore extends PooledMatch {
  images: number;
}

/** Runs `detect` on every image and pools the matches. */
export async function scoreDetector(images: readonly NucleusImage[], detect: (image: Plane) => Detection | Promise<Detection>): Promise<DetectorScore> {
  const pool = emptyPool();
  for (const im of images) addToPool(pool, matchInstances(im.labels, (await detect(im.image)).labels, { ignore: im.ignore }));
  // The rates of the whole pool, also when it is empty (F1 1: nothing to find, nothing found).
  return { images: images.length, ...pool, ...matchRates(pool) };
}
