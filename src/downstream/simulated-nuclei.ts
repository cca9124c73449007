/**
 * Simulated H2B (CELL2) HR images with their nucleus truth, generated in memory from the simulator's seed: what
 * the StarDist-style detector trains on and what detectors are measured on (a different seed for each).
 */
import { planeOf, type Plane } from '../image/plane.js';
import { buildTileModel } from '../sim/band.js';
import { nucleusTruth } from '../sim/nuclei.js';
import { defaultSimParams } from '../sim/params.js';
import { simulateTile } from '../sim/tile.js';
import { truthIgnoreSet } from './truth.js';

/** CELL2 (H2B, the nuclei) among a simulated tile's HR planes. */
const H2B_PLANE = 2;

export interface NucleusImage {
  /** Which tile of which simulation it is. */
  seed: number;
  tileId: number;
  /** The HR H2B plane. */
  image: Plane;
  /** Row-major instance labels of the nuclei the focal plane cuts. */
  labels: Uint16Array;
  /** Labels matching ignores (barely grazed caps, truth.ts). */
  ignore: Set<number>;
}

/** Tiles `ids` of simulation `seed` at `size` HR px: the HR H2B plane and its nucleus labels. */
export function simulatedNucleusImages(seed: number, ids: readonly number[], size: number): NucleusImage[] {
  const params = defaultSimParams();
  return ids.map((tileId) => {
    const model = buildTileModel(params, seed, tileId, size);
    const truth = nucleusTruth(params, model.specimen, { y0: 0, x0: 0, height: size, width: size });
    const hr = simulateTile(params, seed, tileId, size, model).hr[H2B_PLANE]!;
    return { seed, tileId, image: planeOf(hr.width, hr.height, hr.data), labels: truth.labels, ignore: truthIgnoreSet(truth.nuclei) };
  });
}
