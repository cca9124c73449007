import type { NucleusTruth } from '../sim/nuclei.js';

/**
 * Nuclei smaller than this fraction of the smallest simulated nucleus' disc area are caps the focal plane barely
 * grazes: a faint sliver no annotator would count, so matching ignores them (neither missed nor false).
 */
export const IGNORE_AREA_PX = Math.PI * 8 * 8;

/** The truth labels matching should ignore: grazed caps (area below IGNORE_AREA_PX inside the image). */
export function truthIgnoreSet(nuclei: readonly NucleusTruth[]): Set<number> {
  return new Set(nuclei.filter((n) => n.areaPx < IGNORE_AREA_PX).map((n) => n.label));
}
